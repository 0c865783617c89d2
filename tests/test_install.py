"""The tool as a newsroom installs it: a wheel in a fresh virtual environment, used from a folder
outside the checkout, with no file of the checkout read at run time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Records every file a process of the installed tool opens under the checkout (workers are
# forked and keep the hook): a run that needed the repository would show it here.
WATCH = """
import os, sys
_repo, _log = os.environ["NASHRA_TEST_REPO"], os.environ["NASHRA_TEST_LOG"]
def _hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.realpath(os.fsdecode(args[0]))
        if path.startswith(_repo + os.sep) and not path.startswith(_log):
            with open(_log, "a", encoding="utf-8") as log:
                log.write(path + "\\n")
sys.addaudithook(_hook)
"""


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the project installed from the checkout, as a wheel
    (not editable), with the pinned dependencies."""
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    pip = [
        str(root / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
    ]
    subprocess.run([*pip, "-c", str(REPO / "constraints.txt"), str(REPO)], check=True, timeout=900)
    site_packages = next((root / "lib").glob("python3.*/site-packages"))
    (site_packages / "sitecustomize.py").write_text(WATCH, encoding="utf-8")
    return root


def test_new_build_validate_outside_the_checkout(venv: Path, tmp_path: Path) -> None:
    log = tmp_path / "opened-in-checkout.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(
        NASHRA_TEST_REPO=str(REPO.resolve()),
        NASHRA_TEST_LOG=str(log),
        PATH=f"{venv / 'bin'}:{env['PATH']}",
    )
    work = tmp_path / "newsroom"
    work.mkdir()
    made = run(["nashra", "new", "mysite"], work, env)
    assert made.returncode == 0, made.stderr
    site = work / "mysite"
    assert {
        "mkdocs.yml",
        "docs/about.md",
        "docs/search.md",
        "input/example.txt",
        "input/example.toml",
    } <= (scaffolded := {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()})

    built = run(["nashra", "build"], site, env)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "built 1 article(s), rejected 0" in built.stdout
    report = json.loads((site / "build-report.json").read_text(encoding="utf-8"))  # beside the site
    assert report["published"] and report["built"] == 1
    assert (site / ".build").is_dir() and not (work / ".build").exists()
    page = (site / "site" / "articles" / "new-public-library" / "index.html").read_text(
        encoding="utf-8"
    )
    assert 'dir="rtl"' in page and "افتتاح مكتبة عامة جديدة في وسط المدينة" in page
    assert list((site / "site" / "assets").glob("site.*.css"))  # the installed theme's assets

    checked = run(["nashra", "validate", "site"], site, env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0 error(s), 0 warning(s)" in checked.stdout

    # From another folder, naming the config: state still beside the site, none here.
    again = run(
        ["python", "-m", "builder", "build", "--config", str(site / "mkdocs.yml")], work, env
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert not (work / "build-report.json").exists()

    # what a build made is ignored by git (the scaffold's .gitignore): only the scaffold's
    # own files are there to commit, site-host/ (robots.txt, _headers for the host) included
    assert (site / "site-host").is_dir()
    subprocess.run(["git", "init", "-q"], cwd=site, check=True)
    listed = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=site,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert {line[3:] for line in listed.splitlines()} == scaffolded

    assert not log.exists(), (
        "the installed tool read files of the checkout:\n" + log.read_text()[:2000]
    )


def test_new_refuses_a_folder_in_use(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "notes.txt").write_text("mine", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    refused = run([str(venv / "bin" / "nashra"), "new", "mysite"], tmp_path, env)
    assert refused.returncode == 2
    assert "already exists and is not an empty folder" in refused.stderr
    assert (tmp_path / "mysite" / "notes.txt").read_text(encoding="utf-8") == "mine"
