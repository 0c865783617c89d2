"""Site-wide settings, read once from mkdocs.yml through MkDocs's own validated loader."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from builder.core.dates import Digits
from builder.core.urls import uri


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
        ),
        cfg,
    )
