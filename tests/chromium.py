"""Helpers shared by the Chromium tests: serve a built site on 127.0.0.1 and open pages in
Debian's Chromium through Playwright, recording console errors and every request that tries
to leave the machine."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parent.parent / "test-results"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """The folder on an ephemeral 127.0.0.1 port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it with apt-get")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def open_page(
    browser: Any, server: str, path: str, width: int = 1280, scheme: str = "light"
) -> tuple[Any, dict[str, list[str]]]:
    """Open ``path``; requests to any host but the test server are refused and recorded."""
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    seen: dict[str, list[str]] = {"foreign": [], "errors": [], "failed": []}
    local = urlsplit(server).netloc

    def route(r: Any) -> None:
        if urlsplit(r.request.url).netloc == local:
            r.continue_()
        else:
            seen["foreign"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("requestfailed", lambda r: seen["failed"].append(r.url))
    response = page.goto(server + path, wait_until="networkidle")
    assert response.status == 200
    page.evaluate("document.fonts.ready")
    return page, seen


def open_file(
    browser: Any, path: Path, query: str = "", width: int = 1280
) -> tuple[Any, dict[str, list[str]]]:
    """Open a file through ``file://`` with no server: every request whose scheme is not
    ``file`` is aborted and recorded ("blocked"), and a listener records every request that
    is not ``file://`` ("foreign"), whether or not routing saw it."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    seen: dict[str, list[str]] = {"blocked": [], "foreign": [], "errors": [], "failed": []}

    def route(r: Any) -> None:
        if urlsplit(r.request.url).scheme == "file":
            r.continue_()
        else:
            seen["blocked"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("request", lambda r: urlsplit(r.url).scheme != "file" and seen["foreign"].append(r.url))
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("requestfailed", lambda r: seen["failed"].append(r.url))
    page.goto(path.resolve().as_uri() + query, wait_until="load")
    page.evaluate("document.fonts.ready")
    return page, seen
