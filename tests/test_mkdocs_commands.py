"""Plain MkDocs in a nashra site stops at once and says what to run: ``mkdocs build``,
``serve`` and ``gh-deploy`` would make, preview or push a site without its articles (their
pages are the builder's, not in docs/). The real ``mkdocs`` command, in a temporary site."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, make_project

COMMANDS = {
    "build": ("nashra build", "make"),
    "serve": ("nashra serve", "preview"),
    "gh-deploy": ("nashra deploy", "publish"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A site folder in a git repository whose ``origin`` is a local bare one (where
    gh-deploy would push)."""
    root = tmp_path / "site-folder"
    root.mkdir()
    make_project(root, SAMPLE)
    git("init", "-q", "-b", "main", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "site", cwd=root)
    git("init", "-q", "--bare", str(tmp_path / "origin.git"), cwd=tmp_path)
    git("remote", "add", "origin", str(tmp_path / "origin.git"), cwd=root)
    return root


@pytest.mark.parametrize("command", COMMANDS)
def test_plain_mkdocs_stops_naming_the_nashra_command(site, command):
    extra = ["-a", f"127.0.0.1:{free_port()}"] if command == "serve" else []
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", command, *extra],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=120,
    )
    instead, verb = COMMANDS[command]
    assert done.returncode != 0
    said = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    message = (
        f"this is a nashra site: `mkdocs {command}` would {verb} it without its articles; "
        f"run `{instead}`"
    )
    assert message in said, said
    # besides it, at most MkDocs's own "Building documentation..." note (serve's)
    assert all(line == message or line.startswith("INFO") for line in said), said
    assert not (site / "site").exists()
    assert git("ls-remote", str(site.parent / "origin.git"), cwd=site) == ""  # nothing pushed
    assert git("branch", "--list", "gh-pages", cwd=site) == ""


def test_mkdocs_through_its_python_api_stops_too(site):
    """Not through the builder, nor a command of MkDocs's: the build's first event stops it."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from mkdocs.commands.build import build; from mkdocs.config import load_config\n"
            "try:\n    build(load_config('mkdocs.yml'))\n"
            "except BaseException as stop:\n    print(type(stop).__name__, stop); raise",
        ],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert done.stdout == (
        "Abort this is a nashra site: MkDocs alone would make it without its articles; "
        "run `nashra build`\n"
    )
    assert not (site / "site").exists()
