"""Shared fixtures: real projects in temporary folders, built with real MkDocs."""

from __future__ import annotations

import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from builder.build import BuildReport, build
from builder.core.settings import Settings, load_settings
from builder.read.profile import Profile, load_profile

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "corpus" / "sample"
SEED = SAMPLE / "000_55425f2f31b4ad18.txt"
SAMPLE_ARTICLES = len(
    list(SAMPLE.glob("*.txt"))
)  # every sample file is one article in its own month
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def asset(site: Path, logical: str) -> Path:
    """The site's file of a theme asset (``assets/site.css``), published only under its
    content-hashed name (builder.render.assets)."""
    from builder.render.assets import logical_name

    folder = (site / logical).parent
    found = [
        p
        for p in (folder.iterdir() if folder.is_dir() else [])
        if p.name != Path(logical).name and logical_name(p.relative_to(site).as_posix()) == logical
    ]
    assert len(found) == 1, f"expected one hashed {logical} in {folder}, found {found}"
    return found[0]


def make_project(root: Path, input_dir: Path, **plugin_overrides: object) -> Path:
    """A copy of the repo's site configuration in ``root``, reading ``input_dir``; returns
    mkdocs.yml."""
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = str(root / "docs")
    config["site_dir"] = str(root / "site")
    publisher = config["plugins"][0]["publisher"]
    publisher["input"] = str(input_dir)
    publisher["authors"] = str(REPO / "authors.toml")  # the sample's authors, with a photo
    if Path(input_dir) != SAMPLE:  # the menu names the sample's sections: elsewhere, a warning
        publisher.pop("menu", None)
    publisher.update(plugin_overrides)
    shutil.copytree(
        REPO / "docs",
        root / "docs",
        ignore=shutil.ignore_patterns("index.md", "articles", "page", "media", "portraits"),
    )
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def profile() -> Profile:
    return load_profile()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("settings")
    return load_settings(make_project(root, SAMPLE))[0]


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    """The sample corpus built once per test session; returns (project root, report)."""
    root = tmp_path_factory.mktemp("sample")
    report = build(make_project(root, SAMPLE))
    return root, report


@pytest.fixture(scope="session")
def arabic_digits_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    """The sample corpus with Arabic-Indic digits and two articles a page (so listing pages and
    page numbers exist); returns (project root, report)."""
    root = tmp_path_factory.mktemp("arabic-digits")
    report = build(make_project(root, SAMPLE, digits="arabic", per_page=2))
    return root, report


# Figures the checks measured (page weights, validator and axe counts), shown after the run.
FIGURES: list[str] = []


@pytest.fixture(scope="session")
def figures() -> list[str]:
    return FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("figures measured")
        for line in FIGURES:
            terminalreporter.write_line(line)


# Left out of `make check` (all run in `make test`): the files whose tests build many sites,
# start browsers or install the tool, picked from `pytest --durations=0` (each over 10 s).
SLOW_FILES = frozenset(
    {
        "test_atomic.py",
        "test_authors_feeds.py",
        "test_browser.py",
        "test_build_site.py",
        "test_bundle.py",
        "test_checkers.py",
        "test_cluster.py",
        "test_deploy.py",
        "test_discovery_reuse.py",
        "test_duplicates.py",
        "test_hosting.py",
        "test_incremental.py",
        "test_install.py",
        "test_listings.py",
        "test_page_reuse.py",
        "test_parallel.py",
        "test_photo_bytes.py",
        "test_photos.py",
        "test_promises.py",
        "test_robustness.py",
        "test_search.py",
        "test_serve.py",
        "test_validate_rules.py",
        "test_watch.py",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)


SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemaps(site: Path) -> list[Path]:
    """The sitemaps that ``sitemap.xml`` (an index: each partition's, the other pages') names."""
    index = ElementTree.parse(site / "sitemap.xml").getroot()
    assert index.tag == f"{SITEMAP}sitemapindex"
    return [site / (e.text or "").rsplit("/", 1)[-1] for e in index.iter(f"{SITEMAP}loc")]


def sitemap_urls(site: Path) -> list[ElementTree.Element]:
    """Every ``<url>`` of the site's sitemaps, in the index's order."""
    return [
        url
        for path in sitemaps(site)
        for url in ElementTree.parse(path).getroot().iter(f"{SITEMAP}url")
    ]


def sitemap_text(site: Path) -> str:
    return "".join(path.read_text(encoding="utf-8") for path in sitemaps(site))
