"""`nashra serve` as a writer uses it: the real command in a subprocess on a free 127.0.0.1
port, a real project in a temporary folder, real edits on disk, and the open page in Debian's
Chromium reloading by itself."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from builder.serve import Problems, with_banner
from tests.chromium import chromium
from tests.conftest import REPO, SEED, make_project

ARTICLE = "/articles/morocco-israel-security-agreement/"
HEADLINE = "المغرب وإسرائيل يوقعان اتفاقاً أمنياً «غير مسبوق» لمواجهة التحديات"
BUILD_LINE = re.compile(r"^\[\d\d:\d\d:\d\d\] (built|build FAILED)")
WAIT = 120  # seconds for any one build to be seen (a full build on a busy machine: ~15 s)
QUIET = 3.0  # seconds with no edit in which no build may start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Preview:
    """A running ``python -m builder serve``: its output, line by line, and its builds."""

    def __init__(self, config: Path, port: int) -> None:
        self.port, self.lines = port, list[str]()
        command = ["serve", "--config", str(config), "--port", str(port)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "builder", *command],
            cwd=config.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.url = f"http://127.0.0.1:{port}"
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def builds(self) -> int:
        return sum(bool(BUILD_LINE.match(line)) for line in self.lines)

    def wait_for(self, what: str, timeout: float = WAIT) -> None:
        """Until a line of output contains ``what`` (or fail, showing the output)."""
        deadline = time.monotonic() + timeout
        while not any(what in line for line in self.lines):
            if time.monotonic() > deadline or self.process.poll() is not None:
                pytest.fail(f"no {what!r} in the output:\n{self.output}")
            time.sleep(0.05)

    def wait_builds(self, count: int, timeout: float = WAIT) -> None:
        deadline = time.monotonic() + timeout
        while self.builds() < count:
            if time.monotonic() > deadline or self.process.poll() is not None:
                pytest.fail(f"build {count} not seen:\n{self.output}")
            time.sleep(0.05)

    def quiet(self, builds: int) -> None:
        """No build starts (or ends) for a while: the builder's own writes start none."""
        time.sleep(QUIET)
        assert self.builds() == builds, self.output

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=60)
        finally:
            self.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


@contextmanager
def preview(config: Path) -> Iterator[Preview]:
    running = Preview(config, free_port())
    try:
        running.wait_for("serving on")
        yield running
    finally:
        running.kill()


def one_article(root: Path) -> Path:
    """A project whose input is the seed article alone (with its sidecar and photo)."""
    source = root / "input"
    (source / "images").mkdir(parents=True)
    for path in (SEED, SEED.with_suffix(".toml"), SEED.parent / "images" / "rabat-mausoleum.jpg"):
        shutil.copy(path, source / path.relative_to(SEED.parent))
    return make_project(root, source)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def assert_stopped_cleanly(running: Preview, status: int, root: Path) -> None:
    assert status == 0, running.output
    assert running.lines[-1] == "stopped", running.output
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", running.port), timeout=5),
    ):
        pass
    assert not list(root.glob(".site.new-*")), "a half-made site was left"
    assert not list((root / "docs").glob(".staging-*")), "a half-written docs/ was left"


@pytest.mark.browser
def test_the_open_page_reloads_with_an_edit_and_shows_a_failed_build(tmp_path):
    """Edit a headline: the open page reloads by itself with it. Break the article's sidecar
    (its only article, so nothing can be published): the page reloads with the error in a
    banner, escaped, over the last good page; mend it: the banner goes. SIGTERM stops it."""
    from playwright.sync_api import expect

    config = one_article(tmp_path)
    article, sidecar = tmp_path / "input" / SEED.name, tmp_path / "input" / f"{SEED.stem}.toml"
    with preview(config) as running, chromium() as browser:
        page = browser.new_page()
        foreign: list[str] = []

        def route(r: Any) -> None:
            if urlsplit(r.request.url).netloc == f"127.0.0.1:{running.port}":
                r.continue_()
            else:
                foreign.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(running.url + ARTICLE)
        expect(page.locator("h1")).to_have_text(HEADLINE)
        page.evaluate("window.notReloaded = true")

        edit(article, HEADLINE, HEADLINE + " الجديدة")
        expect(page.locator("h1")).to_have_text(HEADLINE + " الجديدة", timeout=WAIT * 1000)
        assert page.evaluate("window.notReloaded") is None  # a reload, not a patched page
        assert page.locator("#nashra-serve-problems").count() == 0

        page.evaluate("window.notReloaded = true")
        edit(sidecar, "published = 2021-11-24T21:40:00+03:00", 'published = "<b>أمس</b>"')
        banner = page.locator("#nashra-serve-problems")
        expect(banner).to_be_visible(timeout=WAIT * 1000)
        assert page.evaluate("window.notReloaded") is None
        text = banner.inner_text()
        assert "the build failed; this is the last good site" in text
        assert f"{SEED.stem}.toml: 'published' '<b>أمس</b>' is not an ISO 8601 date-time" in text
        assert banner.locator("b").count() == 0  # the value's markup is text, not markup
        expect(page.locator("h1")).to_have_text(HEADLINE + " الجديدة")  # the last good page
        assert "build FAILED" in running.output

        edit(sidecar, 'published = "<b>أمس</b>"', "published = 2021-11-24T21:40:00+03:00")
        expect(banner).to_have_count(0, timeout=WAIT * 1000)
        expect(page.locator("h1")).to_have_text(HEADLINE + " الجديدة")
        assert foreign == []
        page.close()
        assert_stopped_cleanly(running, running.stop(signal.SIGTERM), tmp_path)


def test_docs_templates_and_settings_rebuild_and_its_own_writes_do_not(tmp_path):
    """Each kind of watched file starts one build, shown in the served pages; between edits,
    nothing starts a build (the builder's own writes into docs/, .build/ and beside the site
    would, were they watched). Ctrl-C (SIGINT) stops it."""
    config = one_article(tmp_path)
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    shutil.copy(REPO / "templates" / "main.html", overrides / "main.html")
    settings["theme"]["custom_dir"] = str(overrides)
    config.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), "utf-8")
    with preview(config) as running:
        assert running.builds() == 1
        running.quiet(1)

        about = tmp_path / "docs" / "about.md"
        about.write_text(about.read_text(encoding="utf-8") + "\nسطر للمعاينة.\n", "utf-8")
        running.wait_builds(2)
        assert "سطر للمعاينة." in running.get("/about/")[1]
        running.quiet(2)

        edit(overrides / "main.html", '<article class="page">', '<article class="page edited">')
        running.wait_builds(3)
        assert 'class="page edited"' in running.get("/about/")[1]
        running.quiet(3)

        edit(config, f"site_name: {settings['site_name']}", "site_name: معاينة")
        running.wait_builds(4)
        assert "<title>معاينة</title>" in running.get("/")[1]
        running.quiet(4)

        assert "build FAILED" not in running.output
        assert_stopped_cleanly(running, running.stop(signal.SIGINT), tmp_path)


def test_a_first_build_that_fails_shows_why_until_one_succeeds(tmp_path):
    """No site yet and a first build that fails: every URL answers with the reason (no 404
    page exists to show it in), and the site once a build succeeds."""
    config = one_article(tmp_path)
    sidecar = tmp_path / "input" / f"{SEED.stem}.toml"
    edit(sidecar, "slug = ", "slug = 7\nold_slug = ")
    with preview(config) as running:
        status, page = running.get(ARTICLE)
        assert status == 404
        assert "no article could be built" in page and "&#x27;slug&#x27;" in page
        assert "livereload(" in page  # and it reloads when a build succeeds
        edit(sidecar, "slug = 7\nold_slug = ", "slug = ")
        running.wait_builds(2)
        status, page = running.get(ARTICLE)
        assert status == 200 and HEADLINE in page and "nashra-serve-problems" not in page


def test_sigterm_during_a_build_stops_it_and_leaves_no_half_made_site(tmp_path):
    """Stopped in its first build, it exits at once, cleanly; the site folder is a whole site
    or none (what the build had begun beside it, the next build removes, as after Ctrl-C)."""
    config = make_project(tmp_path, SEED.parent)
    running = Preview(config, free_port())
    try:
        running.wait_for("partition(s) to build")
        status = running.stop(signal.SIGTERM)
    finally:
        running.kill()
    assert status == 0, running.output
    assert running.lines[-1] == "stopped", running.output
    assert not (tmp_path / "site").exists() or (tmp_path / "site" / ".builder-site").exists()


def test_a_port_in_use_is_refused_before_building(tmp_path):
    config = one_article(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "builder",
                "serve",
                "--config",
                str(config),
                "--port",
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: cannot serve on 127.0.0.1:{port}: Address already in use"
    )
    assert not (tmp_path / "site").exists()


def test_the_banner_is_escaped_and_first_in_the_body():
    page = b'<!doctype html><html><head></head><body class="x"><h1>t</h1></body></html>'
    shown = with_banner(page, Problems("<i>title</i>", ("a <script>alert(1)</script> & b",)))
    assert shown.startswith(b'<!doctype html><html><head></head><body class="x"><div id=')
    assert b"<script>" not in shown and b"<i>" not in shown
    assert b"&lt;script&gt;alert(1)&lt;/script&gt; &amp; b" in shown
    assert with_banner(page, None) == page
