"""Site-wide settings, read once from mkdocs.yml through MkDocs's own validated loader."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from builder.core.article import Author
from builder.core.authors import AuthorsError, Profile, load_authors
from builder.core.dates import Digits
from builder.core.urls import section_slug, uri


@dataclass(frozen=True)
class Limits:
    """Inputs past these are refused with a reason (settings ``max_file_bytes``,
    ``max_line_chars``, and ``language``, whose script the text must be in)."""

    max_file_bytes: int = 5_000_000  # one article file; for .jsonl, one record line
    max_line_chars: int = 20_000  # one headline, deck, caption or paragraph
    language: str = "ar"


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    config_file: Path
    site_name: str
    site_url: str  # absolute, ends with "/"
    publisher_name: str
    publisher_logo: str | None  # path inside docs_dir
    language: str
    timezone: ZoneInfo
    digits: Digits  # 'latin' (0-9) or 'arabic' (٠-٩) in dates and counts
    input_dir: Path
    profile: Path | None
    image_hosts: frozenset[str]
    per_page: int
    max_pages: int
    search_chunk: int
    partition_size: int
    limits: Limits
    docs_dir: Path
    build_dir: Path  # the builder's own work files (partition pages, caches), beside mkdocs.yml
    site_dir: Path
    deploy_to: str | None  # `nashra deploy`'s target when no --to is given
    deploy_ssh: str | None  # the SSH command rsync runs for a host target
    authors_file: Path | None = None  # builder.core.authors; None: no such file
    authors: Mapping[str, Profile] = field(default_factory=dict)  # byline name -> profile
    menu: tuple[str, ...] = ()  # sections first in the masthead menu, in this order

    def author_path(self, author: Author) -> str | None:
        """Site-relative URL of a person's page (``authors/<slug>/``): the authors file's
        slug, else one made from the name as a section's is; None for an organisation.

        >>> s = Settings.__new__(Settings)
        >>> object.__setattr__(s, "authors", {})
        >>> agency = Author("وكالات", None, "Organization")
        >>> s.author_path(Author("فهد المطيري")), s.author_path(agency)
        ('authors/فهد-المطيري/', None)
        """
        if author.kind != "Person":
            return None
        profile = self.authors.get(author.name)
        return f"authors/{profile.slug if profile else section_slug(author.name)}/"

    # The publisher's policy pages: (schema.org property, the page's site-relative URL).
    policies: tuple[tuple[str, str], ...] = ()
    same_as: tuple[str, ...] = ()  # the publisher's profiles elsewhere

    def absolute(self, path: str) -> str:
        """Absolute URL of a site-relative path."""
        return self.site_url + path.lstrip("/")

    def escaped(self, path: str) -> str:
        """:meth:`absolute`, as sitemaps, feeds and robots.txt write it
        (:func:`builder.core.urls.uri`)."""
        return uri(self.absolute(path))


class _Said(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)  # strict: a warning (an unknown option) aborts too
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.errors.append(record.getMessage())


def load_settings(config_file: Path, site_dir: Path | None = None) -> tuple[Settings, Any]:
    """Load and validate ``mkdocs.yml``; return our settings and MkDocs's config object."""
    overrides: dict[str, Any] = {"strict": True}
    if site_dir is not None:
        overrides["site_dir"] = str(site_dir)
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    said = (
        _Said()
    )  # MkDocs logs what is wrong with each option, then aborts with "configuration error!"
    logging.getLogger("mkdocs.config").addHandler(said)
    try:
        cfg = load_config(config_file=str(config_file), **overrides)
    except (MkDocsException, SystemExit, OSError) as exc:  # MkDocs's Abort is a SystemExit
        raise SettingsError("; ".join([f"{config_file}: {exc}", *said.errors])) from exc
    finally:
        logging.getLogger("mkdocs.config").removeHandler(said)
    plugin = cfg.plugins.get("publisher")
    if plugin is None:
        raise SettingsError(f"{config_file}: the 'publisher' plugin is not enabled under 'plugins'")
    pc = plugin.config
    site_url = cfg.site_url or ""
    if urlsplit(site_url).scheme not in ("http", "https"):
        raise SettingsError(
            f"{config_file}: 'site_url' must be the site's absolute http(s) URL "
            "(canonical URLs need it)"
        )
    base = config_file.resolve().parent
    authors_file = (base / pc.authors).resolve()
    try:
        authors = load_authors(authors_file)
    except AuthorsError as exc:
        raise SettingsError(str(exc)) from exc
    policies = tuple(
        (_camel(key), _page_url(config_file, Path(cfg.docs_dir), key, path, cfg.use_directory_urls))
        for key, path in pc.policies.items()
        if path is not None
    )
    return (
        Settings(
            config_file=config_file.resolve(),
            site_name=cfg.site_name,
            site_url=site_url.rstrip("/") + "/",
            publisher_name=pc.publisher_name,
            publisher_logo=pc.publisher_logo,
            language=pc.language,
            timezone=ZoneInfo(pc.timezone),
            digits=pc.digits,
            input_dir=(base / pc.input).resolve(),
            profile=(base / pc.profile).resolve() if pc.profile else None,
            image_hosts=frozenset([urlsplit(site_url).netloc, *pc.image_hosts]),
            per_page=pc.per_page,
            max_pages=pc.max_pages,
            search_chunk=pc.search_chunk,
            partition_size=pc.partition_size,
            limits=Limits(pc.max_file_bytes, pc.max_line_chars, pc.language),
            docs_dir=Path(cfg.docs_dir),
            build_dir=base / ".build",
            site_dir=Path(cfg.site_dir),
            deploy_to=pc.deploy_to,
            deploy_ssh=pc.deploy_ssh,
            authors_file=authors_file if authors_file.is_file() else None,
            authors=authors,
            menu=tuple(pc.menu),
            policies=policies,
            same_as=tuple(pc.same_as),
        ),
        cfg,
    )


def _camel(key: str) -> str:
    """A setting's name as the schema.org property it fills.

    >>> _camel("ownership_funding_info"), _camel("masthead")
    ('ownershipFundingInfo', 'masthead')
    """
    first, *rest = key.split("_")
    return first + "".join(word.title() for word in rest)


def _page_url(config_file: Path, docs: Path, key: str, path: str, directory_urls: bool) -> str:
    """The site-relative URL MkDocs publishes the docs page ``path`` at; a page that is not in
    docs_dir stops the build, naming the setting (a policy link to nothing is worse than none).

    >>> import tempfile
    >>> docs = Path(tempfile.mkdtemp()) / "docs"
    >>> (docs / "policies").mkdir(parents=True); (docs / "policies" / "ethics.md").write_text("x")
    1
    >>> _page_url(Path("mkdocs.yml"), docs, "ethics_policy", "policies/ethics.md", True)
    'policies/ethics/'
    >>> _page_url(Path("mkdocs.yml"), docs, "masthead", "team.md", True)
    Traceback (most recent call last):
    builder.core.settings.SettingsError: mkdocs.yml: 'policies: masthead': no page team.md in docs
    """
    page = Path(path)
    if page.suffix != ".md" or page.is_absolute() or ".." in page.parts:
        raise SettingsError(
            f"{config_file}: 'policies: {key}': {path!r} must be a .md page inside {docs.name}"
        )
    if not (docs / page).is_file():
        raise SettingsError(f"{config_file}: 'policies: {key}': no page {path} in {docs.name}")
    return docs_page_url(path, directory_urls)


def docs_page_url(path: str, directory_urls: bool) -> str:
    """The site-relative URL MkDocs gives the page ``path`` of docs_dir (every MkDocs run of a
    build makes the same links to it, though most runs do not render it).

    >>> docs_page_url("policies/ethics.md", True), docs_page_url("team/index.md", True)
    ('policies/ethics/', 'team/')
    >>> docs_page_url("policies/ethics.md", False)
    'policies/ethics.html'
    """
    page = Path(path)
    if page.stem in ("index", "README"):
        folder = page.parent.as_posix()
        return "" if folder == "." else folder + "/"
    stem = page.with_suffix("").as_posix()
    return stem + "/" if directory_urls else stem + ".html"
