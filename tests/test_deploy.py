"""`nashra deploy`, run for real: rsync into a folder and over SSH (a real sshd on 127.0.0.1),
ghp-import into local git repositories, the order of the passes seen from the destination
between them, and the errors a user meets."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psutil
import pytest
from lxml import etree, html

from builder.build import BuildReport, build
from builder.check.site_links import broken_links
from builder.publish.deploy import PASSES, DeployReport, deploy
from builder.publish.lock import project_lock
from tests.conftest import REPO, SAMPLE, make_project

NOW = datetime(2026, 1, 1, tzinfo=UTC)  # after every sample article: one news sitemap per test
SITE_URL = "https://akhbar.example.org/"
EDITED = "002_7c1d2e9f40ab8835"  # kuwait-club-league-title: no photo, a drawn share image
REMOVED = "001_a3f09c2e7b14d6e1"  # oil-prices-jump, with its photo oil-field.jpg
RETITLED = "007_3e5a7c9b1d2f4680"  # oil-falls-on-us-stocks: its headline is its first line
ADDED = "009_c0ffee0000000009"


# --- projects ---------------------------------------------------------------------------------


def new_project(root: Path, **plugin: object) -> Path:
    """The sample corpus in a folder of its own (the tests edit it); returns mkdocs.yml."""
    shutil.copytree(SAMPLE, root / "input")
    return make_project(root, root / "input", **plugin)


def rebuild(config: Path) -> BuildReport:
    report = build(config, now=NOW, out=io.StringIO())
    assert report.published, report.failure
    return report


def edit_body(root: Path) -> None:
    """A change of the same length in a paragraph of one article: its page keeps its size."""
    path = root / "input" / f"{EDITED}.txt"
    text = path.read_text(encoding="utf-8")
    assert "الدقيقة 23" in text
    path.write_text(text.replace("الدقيقة 23", "الدقيقة 24"), encoding="utf-8")


def remove_article(root: Path) -> None:
    for suffix in (".txt", ".toml"):
        (root / "input" / f"{REMOVED}{suffix}").unlink()


def add_article(root: Path) -> None:
    """A new article with a photo, in a month of its own."""
    source = root / "input" / "004_e92f4b7a1c3d5068"
    lines = source.with_suffix(".txt").read_text(encoding="utf-8").splitlines()
    lines[0] = "خبر جديد: الشركات الصغيرة توسّع استخدام الذكاء الاصطناعي في خدمة العملاء"
    (root / "input" / f"{ADDED}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "input" / f"{ADDED}.toml").write_text(
        'published = 2025-11-03T10:00:00+03:00\nsection = "تكنولوجيا"\n'
        'image = "images/book-fair.jpg"\nslug = "new-deploy-article"\n',
        encoding="utf-8",
    )


def retitle(root: Path) -> None:
    path = root / "input" / f"{RETITLED}.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] += " بعد قرار أوبك"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def internal(rel: str) -> bool:
    """The builder's own files in a site (the spec this test holds the deploy to)."""
    return rel == ".builder-site" or re.fullmatch(r"pagefind/[^/]+/inputs\.sha256", rel) is not None


def files(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (site-relative path -> sha256 of its bytes)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(folder).parts
    }


def published(site: Path) -> dict[str, str]:
    return {rel: digest for rel, digest in files(site).items() if not internal(rel)}


def stats(site: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(site).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in site.rglob("*")
        if p.is_file()
    }


def sent(report: DeployReport) -> list[str]:
    return [path for p in report.passes for path in p.sent]


def deleted(report: DeployReport) -> list[str]:
    return [path for p in report.passes for path in p.deleted]


def nashra(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "builder", *map(str, args)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    """A failed deploy: exit 2 and one line on stderr saying why."""
    lines = done.stderr.splitlines()
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


# --- (a) a folder: only what changed, deletions last, no internal file --------------------------


def test_a_folder_gets_only_what_changed_and_never_an_internal_file(tmp_path):
    root = tmp_path / "project"
    config = new_project(root)
    rebuild(config)
    site, www = root / "site", tmp_path / "www"
    # every dot-file or .sha256 of a built site is one the deploy must keep to itself
    looks_internal = {r for r in files(site) if r.rsplit("/", 1)[-1].startswith(".")}
    looks_internal |= {r for r in files(site) if r.endswith(".sha256")}
    assert looks_internal and all(internal(r) for r in looks_internal), looks_internal
    # a destination an earlier plain copy left internal files in: they are removed
    (www / "pagefind" / "2021-11").mkdir(parents=True)
    (www / ".builder-site").write_text("copied by hand\n")
    (www / "pagefind" / "2021-11" / "inputs.sha256").write_text("copied by hand\n")

    first = deploy(config, to=str(www), out=io.StringIO())
    assert files(www) == published(site)
    once = Counter(sent(first))
    assert set(once) == set(published(site)) and set(once.values()) == {1}, "a pass overlaps"
    assert sorted(deleted(first)) == [".builder-site", "pagefind/2021-11/inputs.sha256"]
    assert first.bytes == sum((site / rel).stat().st_size for rel in once)

    # one article edited: its page and the search index change, the rest stays as it was
    before, before_stats = published(site), stats(site)
    edit_body(root)
    rebuild(config)
    after, after_stats = published(site), stats(site)
    changed = {rel for rel in after if before.get(rel) != after[rel]}
    page = "articles/kuwait-club-league-title/index.html"
    assert page in changed and any(r.startswith("pagefind/") for r in changed), changed
    assert (site / page).stat().st_size == before_stats[page][0]  # same size: mtime tells it
    # what rsync's quick check sends besides: the build wrote these again with the same bytes
    retouched = {
        rel
        for rel in after
        if rel.startswith(("articles/", "media/"))
        and rel not in changed
        and before_stats.get(rel) != after_stats[rel]
    }
    assert all(rel.startswith("media/7c1d2e9f40ab8835/") for rel in retouched), retouched
    second = deploy(config, to=str(www), out=io.StringIO())
    assert set(sent(second)) == changed | retouched, (set(sent(second)), changed, retouched)
    # the search index's files of the old edition (hashed names) go in the last pass
    assert set(second.passes[-1].deleted) == set(before) - set(after) != set()
    assert all(not p.deleted for p in second.passes[:-1])
    assert files(www) == published(site)

    # an article removed: its page and photo go, in the last pass only
    before = published(site)
    remove_article(root)
    rebuild(config)
    third = deploy(config, to=str(www), out=io.StringIO())
    assert [p.name for p in third.passes][-1] == "deletions"
    assert all(not p.deleted for p in third.passes[:-1])
    gone = {rel for rel in third.passes[-1].deleted if not rel.endswith("/")}
    assert gone == set(before) - set(published(site))
    assert "articles/oil-prices-jump/index.html" in gone
    assert any(rel.startswith("media/a3f09c2e7b14d6e1/oil-field-") for rel in gone), gone
    assert {"articles/oil-prices-jump/", "media/a3f09c2e7b14d6e1/"} <= set(third.passes[-1].deleted)
    assert files(www) == published(site)

    again = deploy(config, to=str(www), out=io.StringIO())
    assert sent(again) == [] and deleted(again) == []


def test_a_page_changed_in_the_same_second_as_the_last_deploy_is_sent(built, tmp_path):
    """Two builds within one second (watch mode) can leave a page the same size with a time
    in the same second: times are compared to the nanosecond. (The page is replaced, as a build
    replaces a file: a site's files are never written in place.)"""
    site, www = tmp_path / "site", tmp_path / "www"
    shutil.copytree(built.parent / "site", site)  # with its times
    deploy(built, to=str(www), site_dir=site, out=io.StringIO())
    rel = "articles/kuwait-club-league-title/index.html"
    page = site / rel
    then = page.stat().st_mtime_ns
    edited = page.read_bytes().replace("الدقيقة 23".encode(), "الدقيقة 24".encode())
    assert len(edited) == page.stat().st_size and edited != page.read_bytes()
    page.with_name("new").write_bytes(edited)
    page.with_name("new").replace(page)
    same_second = then - then % 10**9 + (then % 10**9 + 5 * 10**8) % 10**9
    os.utime(page, ns=(same_second, same_second))
    report = deploy(built, to=str(www), site_dir=site, out=io.StringIO())
    assert sent(report) == [rel]
    assert (www / rel).read_bytes() == edited


def test_a_deploy_after_a_deploy_looks_only_at_what_changed_since(tmp_path):
    """Each deploy records what it left at the destination; the next one hands rsync only the
    files whose size or time moved since and those gone, not a walk of both trees in every
    pass. A destination whose top folder is not as recorded is compared whole, as with
    ``--full``."""
    root = tmp_path / "project"
    config = new_project(root)
    rebuild(config)
    site, www = root / "site", tmp_path / "www"
    first = deploy(config, to=str(www), out=io.StringIO())
    assert "every file compared" in first.note
    whole = sum(p.looked_at for p in first.passes)
    assert whole >= len(published(site))

    edit_body(root)
    rebuild(config)
    second = deploy(config, to=str(www), out=io.StringIO())
    assert files(www) == published(site)
    assert re.fullmatch(r"  \d+ changed and \d+ gone since the last deploy there", second.note)
    looked = sum(p.looked_at for p in second.passes)
    assert 0 < looked < whole / 5, (looked, whole)
    # comparing every file finds nothing the record missed
    checked = deploy(config, to=str(www), out=io.StringIO(), full=True)
    assert sent(checked) == [] and deleted(checked) == []
    assert sum(p.looked_at for p in checked.passes) >= len(published(site))

    # an article removed: its folders go, named by the record, not found by a walk
    remove_article(root)
    rebuild(config)
    third = deploy(config, to=str(www), out=io.StringIO())
    assert {"articles/oil-prices-jump/", "media/a3f09c2e7b14d6e1/"} <= set(deleted(third))
    assert files(www) == published(site)

    # the home page deleted at the destination by hand: the record no longer holds
    (www / "index.html").unlink()
    healed = deploy(config, to=str(www), out=io.StringIO())
    assert "every file compared" in healed.note and "index.html" in sent(healed)
    assert files(www) == published(site)
    # a page deep in the tree changed by hand is beyond what the record can see; --full is
    # how a user who changed the target by other means puts it right
    page = www / "articles/kuwait-club-league-title/index.html"
    page.write_text("changed by hand")
    deploy(config, to=str(www), out=io.StringIO())
    assert page.read_text() == "changed by hand"
    done = nashra("deploy", "--config", config, "--to", www, "--full")
    assert done.returncode == 0, done.stderr
    assert files(www) == published(site)


def test_folders_a_build_left_alone_are_not_read_again_and_an_undone_edit_is_sent(
    tmp_path, monkeypatch
):
    """A deploy reads again only the folders whose inode or time moved since one of the last
    two deploys (the site and its spare trade places at every build). An edit undone by the
    next build brings back, untouched, the folder of two deploys ago: its files are those of
    then, not of the last deploy, and are sent (a deploy with no build before it keeps the
    spare's folders in its record)."""
    from builder.publish import deploy as deploying

    read = []
    look = deploying._folder
    monkeypatch.setattr(deploying, "_folder", lambda *a: read.append(a[1]) or look(*a))
    root = tmp_path / "project"
    config = new_project(root)
    rebuild(config)
    site, www = root / "site", tmp_path / "www"
    deploy(config, to=str(www), out=io.StringIO())
    every = len(read)
    story = root / "input" / f"{EDITED}.txt"
    original = story.read_text(encoding="utf-8")
    edit_body(root)
    rebuild(config)
    read.clear()
    edited = deploy(config, to=str(www), out=io.StringIO())
    assert files(www) == published(site) and edited.sent
    again = deploy(config, to=str(www), out=io.StringIO())  # no build between: a retry, cron
    assert sent(again) == [] and deleted(again) == []
    story.write_text(original, encoding="utf-8")
    rebuild(config)
    read.clear()
    undone = deploy(config, to=str(www), out=io.StringIO())
    assert files(www) == published(site)
    assert "articles/kuwait-club-league-title/index.html" in sent(undone)
    assert 0 < len(read) < every, (len(read), every)  # without a memo: every folder read


# --- (b) the order of the passes, seen from the destination ------------------------------------


WRAPPER = """#!/bin/sh
# rsync as deploy runs it: note the call, copy the destination as it is now (hard links: rsync
# replaces a file by renaming a new one over it, so the copy keeps what readers saw), then run
# the real rsync.
n=$(ls "$DEPLOY_LOG" | wc -l)
n=$(printf '%03d' "$n")
printf '%s\\n' "$@" > "$DEPLOY_LOG/$n"
for last; do :; done
if [ -d "$DEPLOY_WWW" ] && [ "$last" = "$DEPLOY_WWW/" ]; then
    cp -al "$DEPLOY_WWW" "$DEPLOY_SNAPSHOTS/$n"
fi
exec {rsync} "$@"
"""


def broken(folder: Path) -> list[str]:
    """What a reader of ``folder`` (a site as served) would find broken: a page's link or
    image with no file, a sitemap or feed entry with no page, a search index entry with no
    index file."""
    present = {rel for rel in files(folder)}
    problems = []
    for rel in sorted(r for r in present if r.endswith(".html")):
        tree = html.fromstring((folder / rel).read_bytes())
        problems += [f"{rel}: {link}" for link in broken_links(tree, rel, present)]
    for rel in sorted(r for r in present if r.endswith(".xml")):
        for url in etree.parse(str(folder / rel)).xpath(
            "//*[local-name()='loc' or local-name()='link']/text() | //*[local-name()='link']/@href"
        ):
            if not url.startswith(SITE_URL):
                continue
            target = unquote(urlsplit(url).path).lstrip("/")
            if not (target in present or f"{target}index.html" in present or target == ""):
                problems.append(f"{rel}: {url}")
    if "pagefind/chunks.json" in present:
        for chunk in json.loads((folder / "pagefind/chunks.json").read_text()):
            entry = f"pagefind/{chunk}/pagefind-entry.json"
            if entry not in present:
                problems.append(f"chunks.json: {chunk}")
                continue
            for language in json.loads((folder / entry).read_text())["languages"].values():
                meta = f"pagefind/{chunk}/pagefind.{language['hash']}.pf_meta"
                if meta not in present:
                    problems.append(f"{entry}: {meta}")
    return problems


def category(rel: str) -> str:
    """Which pass a file belongs to, by what it is (the spec of the order); a precompressed
    copy (``.br``, ``.gz``) goes with its file."""
    rel = rel.removesuffix(".br").removesuffix(".gz")
    name = rel.rsplit("/", 1)[-1]
    if name in ("feed.xml", "atom.xml") or rel in ("robots.txt", "news-sitemap.xml"):
        return "feeds, sitemaps and robots.txt"
    if re.fullmatch(r"sitemap(-[^/]+)?\.xml", rel):
        return "feeds, sitemaps and robots.txt"
    if rel.startswith("media/"):
        return "media"
    if rel.startswith("articles/"):
        return "articles"
    if rel.startswith("assets/") or (rel.startswith("pagefind/") and not _search_entry(rel)):
        return "assets and search index"
    return "listings, home page and other pages"


def _search_entry(rel: str) -> bool:
    return rel == "pagefind/chunks.json" or rel.endswith("/pagefind-entry.json")


def test_the_passes_never_show_a_reader_a_broken_site(tmp_path, monkeypatch):
    root = tmp_path / "project"
    config = new_project(root)
    rebuild(config)
    www = tmp_path / "www"
    deploy(config, to=str(www), out=io.StringIO())
    # the next edition: an article added (with a photo), one retitled, one removed
    add_article(root)
    retitle(root)
    remove_article(root)
    rebuild(config)
    assert broken(root / "site") == []  # the new site is whole: what follows is the passes'
    assert broken(www) == []

    log, snapshots, bin_dir = tmp_path / "log", tmp_path / "snapshots", tmp_path / "bin"
    for folder in (log, snapshots, bin_dir):
        folder.mkdir()
    wrapper = bin_dir / "rsync"
    wrapper.write_text(WRAPPER.format(rsync=shutil.which("rsync")))
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DEPLOY_LOG", str(log))
    monkeypatch.setenv("DEPLOY_WWW", str(www.resolve()))
    monkeypatch.setenv("DEPLOY_SNAPSHOTS", str(snapshots))
    report = deploy(config, to=str(www), out=io.StringIO())

    # the real rsync ran once to look, then once a pass, in the order of the passes
    calls = [p.read_text().splitlines() for p in sorted(log.iterdir())]
    assert "--list-only" in calls[0]
    assert len(calls) == 1 + len(PASSES)
    for call, step in zip(calls[1:], PASSES, strict=True):
        assert [
            a for a in call if a.startswith("--filter=") and not a.startswith("--filter=H ")
        ] == [f"--filter={rule}" for rule in step.rules]
    assert [p.name for p in report.passes] == [
        "assets and search index",
        "media",
        "articles",
        "listings, home page and other pages",
        "feeds, sitemaps and robots.txt",
        "deletions",
    ]
    for step in report.passes:
        assert all(category(rel) == step.name for rel in step.sent), (step.name, step.sent)
    kinds = {category(rel) for rel in sent(report)}
    assert kinds == {p.name for p in report.passes[:-1]}, kinds  # every pass had work
    assert "articles/oil-prices-jump/index.html" in report.passes[-1].deleted

    # between any two passes the destination is a whole site: old pages or new, no dead link
    states = [*sorted(snapshots.iterdir()), www]
    assert len(states) == len(calls) + 1  # before the look, before each pass, and after
    for state in states:
        assert broken(state) == [], state.name
    # and the new edition did arrive in steps: its article before the home page naming it
    page = "articles/new-deploy-article/index.html"
    has_page = [(state / page).exists() for state in states]
    home_links = [b"new-deploy-article" in (state / "index.html").read_bytes() for state in states]
    assert has_page.index(True) < home_links.index(True), (has_page, home_links)
    assert (states[-2] / "articles/oil-prices-jump/index.html").exists()
    assert files(www) == published(root / "site")


# --- (c) a host over SSH: a real sshd on 127.0.0.1 ---------------------------------------------


@dataclass
class SSHServer:
    port: int
    ssh: str  # the client command: our key, our known_hosts, nothing from ~/.ssh
    log: Path

    def logins(self) -> int:
        return self.log.read_text(errors="replace").count("Accepted publickey")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SSHServer]:
    """OpenSSH's server on 127.0.0.1 and a free port, with a throwaway host key and user key."""
    folder = tmp_path_factory.mktemp("sshd")
    for key in ("host_key", "user_key"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / key)], check=True
        )
    shutil.copy(folder / "user_key.pub", folder / "authorized_keys")
    port = free_port()
    (folder / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder / 'host_key'}\n"
        f"PidFile {folder / 'sshd.pid'}\nAuthorizedKeysFile {folder / 'authorized_keys'}\n"
        "StrictModes no\nUsePAM no\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
    )
    host_key = (folder / "host_key.pub").read_text().strip()
    (folder / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key}\n")
    Path("/run/sshd").mkdir(exist_ok=True)  # its privilege separation folder (as the service)
    log = folder / "sshd.log"
    with open(log, "wb") as stderr:
        server = subprocess.Popen(
            ["/usr/sbin/sshd", "-D", "-e", "-f", str(folder / "sshd_config")], stderr=stderr
        )
    try:
        deadline = time.monotonic() + 15
        while True:
            assert server.poll() is None, log.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "sshd did not listen"
                time.sleep(0.05)
        ssh = (
            f"ssh -F /dev/null -i {folder / 'user_key'} -o BatchMode=yes "
            f"-o UserKnownHostsFile={folder / 'known_hosts'} -o StrictHostKeyChecking=yes"
        )
        yield SSHServer(port, ssh, log)
    finally:
        server.terminate()
        server.wait(timeout=15)


def shared_connections() -> list[str]:
    """ssh processes of a deploy's shared connection still running (a master names itself
    ``ssh: CONTROL_PATH [mux]``)."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        line = " ".join(process.info["cmdline"] or [])
        if process.info["name"] == "ssh" and "nashra-ssh-" in line:
            found.append(line)
    return found


def test_a_host_over_ssh(tmp_path, sshd):
    remote = tmp_path / "remote" / "www"
    remote.parent.mkdir()
    root = tmp_path / "project"
    config = new_project(  # the settings name the host:/path form, with the port in deploy_ssh
        root, deploy_to=f"root@127.0.0.1:{remote}", deploy_ssh=f"{sshd.ssh} -p {sshd.port}"
    )
    rebuild(config)
    site = root / "site"
    logins = sshd.logins()
    # --to and --ssh win over the settings: the ssh:// form, with the port in the URL
    target = f"ssh://root@127.0.0.1:{sshd.port}{remote}"
    done = nashra("deploy", "--config", config, "--to", target, "--ssh", sshd.ssh)
    assert done.returncode == 0, done.stderr
    assert re.search(
        rf"deployed to root@127\.0\.0\.1:\S+ \(port \d+\): {len(published(site))} file\(s\) sent",
        done.stdout,
    )
    assert files(remote) == published(site)
    assert sshd.logins() == logins + 1, "one SSH login for all the passes"
    assert shared_connections() == []

    before, before_stats = published(site), stats(site)
    edit_body(root)
    rebuild(config)
    after, after_stats = published(site), stats(site)
    report = deploy(config, out=io.StringIO())  # deploy_to and deploy_ssh
    changed = {rel for rel in after if before.get(rel) != after[rel]}
    retouched = {
        rel
        for rel in after
        if rel.startswith(("articles/", "media/"))
        and rel not in changed
        and before_stats.get(rel) != after_stats[rel]
    }
    assert set(sent(report)) == changed | retouched
    assert files(remote) == after
    assert sshd.logins() == logins + 2
    assert shared_connections() == []


# --- (d) GitHub Pages: ghp-import into a git branch ---------------------------------------------


def git(*args: object, cwd: Path | None = None) -> str:
    return subprocess.run(
        ["git", *map(str, args)], cwd=cwd, capture_output=True, text=True, check=True, timeout=60
    ).stdout


def branch_files(repo: Path, branch: str, into: Path) -> dict[str, str]:
    shutil.rmtree(into, ignore_errors=True)
    git("clone", "--quiet", "--branch", branch, repo, into)
    return files(into)


def test_github_pages_through_ghp_import(tmp_path):
    root = tmp_path / "project"
    config = new_project(root)
    (root / "docs" / "CNAME").write_text("news.example.org\n")  # docs/CNAME, as for MkDocs
    rebuild(config)
    site = root / "site"
    pages = tmp_path / "pages.git"
    git("init", "--quiet", "--bare", pages)

    done = nashra("deploy", "--config", config, "--to", f"git:{pages}#gh-pages")
    assert done.returncode == 0, done.stderr
    assert "https://news.example.org/ (CNAME)" in done.stdout
    expected = {**published(site), ".nojekyll": hashlib.sha256(b"").hexdigest()}
    assert "CNAME" in expected
    assert branch_files(pages, "gh-pages", tmp_path / "clone") == expected
    assert git("rev-list", "--count", "gh-pages", cwd=pages).strip() == "1"

    # the same site again: no empty commit
    again = deploy(config, to=f"git:{pages}#gh-pages", out=io.StringIO())
    assert sent(again) == [] and git("rev-list", "--count", "gh-pages", cwd=pages).strip() == "1"

    # an article edited and one removed: one commit with exactly what changed
    before = published(site)
    edit_body(root)
    remove_article(root)
    rebuild(config)
    after = published(site)
    report = deploy(config, to=f"git:{pages}#gh-pages", out=io.StringIO())
    assert git("rev-list", "--count", "gh-pages", cwd=pages).strip() == "2"
    assert set(sent(report)) == {rel for rel in after if before.get(rel) != after[rel]}
    assert set(deleted(report)) == set(before) - set(after)
    assert branch_files(pages, "gh-pages", tmp_path / "clone") == {
        **after,
        ".nojekyll": hashlib.sha256(b"").hexdigest(),
    }

    # git:BRANCH: the project's own repository, pushed to its origin (as mkdocs gh-deploy)
    origin = tmp_path / "origin.git"
    git("init", "--quiet", "--bare", origin)
    git("init", "--quiet", cwd=root)
    git("remote", "add", "origin", origin, cwd=root)
    done = nashra("deploy", "--config", config, "--to", "git:gh-pages")
    assert done.returncode == 0, done.stderr
    assert branch_files(origin, "gh-pages", tmp_path / "clone") == {
        **after,
        ".nojekyll": hashlib.sha256(b"").hexdigest(),
    }


# --- (e) errors: one line, exit 2 ---------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("built")
    config = new_project(root)
    rebuild(config)
    return config


def test_errors_are_one_line_and_exit_2(built, tmp_path):
    config = built
    said = one_error_line(nashra("deploy", "--config", config))
    assert said == "error: no deploy target: give --to or set deploy_to"

    for target, reason in (
        ("git:", "is not a branch name"),
        ("git:/some/repo#", "is not a branch name"),
        ("host::module", "rsync daemon targets"),
        ("ssh://example.org", "give a host and a folder"),
        ("ssh://example.org:99999/x", "port"),
        ("https://example.org/news/", "give a folder"),
        ("-oProxyCommand=id:/x", "cannot start with '-'"),
        ("ssh://me@-oProxyCommand=x/y", "cannot start with '-'"),
        ("git:--upload-pack=x:y#gh-pages", "cannot start with '-'"),
    ):
        said = one_error_line(nashra("deploy", "--config", config, f"--to={target}"))
        assert said.startswith("error: --to: ") and reason in said, (target, said)

    closed = free_port()  # nothing listens there
    said = one_error_line(
        nashra("deploy", "--config", config, "--to", f"ssh://root@127.0.0.1:{closed}/tmp/x")
    )
    assert f"port {closed}: Connection refused" in said, said

    said = one_error_line(
        nashra("deploy", "--config", config, "--to", f"git:{tmp_path / 'none.git'}#gh-pages")
    )
    assert "git failed (reading the remote" in said and "none.git" in said, said

    unbuilt = make_project(tmp_path / "unbuilt", SAMPLE)
    said = one_error_line(nashra("deploy", "--config", unbuilt, "--to", tmp_path / "www"))
    assert "is not a complete published site" in said and "nashra build" in said, said
    assert not (tmp_path / "www").exists()

    someone = tmp_path / "home"
    someone.mkdir()
    (someone / "notes.txt").write_text("mine\n")
    said = one_error_line(nashra("deploy", "--config", config, "--to", someone))
    assert "holds files that are not this site's (notes.txt)" in said, said
    assert [p.name for p in someone.iterdir()] == ["notes.txt"]

    with project_lock(config.parent / ".build"):  # as a running build holds it
        said = one_error_line(nashra("deploy", "--config", config, "--to", tmp_path / "www2"))
    assert "a build or deploy of this project is running" in said, said
    assert not (tmp_path / "www2").exists()
