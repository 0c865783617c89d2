"""The MkDocs side of the publisher: typed, validated site settings and a safe Jinja env.

Site-wide settings live in ``mkdocs.yml`` under ``plugins: - publisher:``; MkDocs checks their
types when it loads the file, so a typo fails before any page is written.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.plugins import BasePlugin


class _TimeZone(c.Type[str]):
    def __init__(self, default: str) -> None:
        super().__init__(str, default=default)

    def run_validation(self, value: object) -> str:
        name: str = super().run_validation(value)
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise base.ValidationError(f"unknown time zone {name!r} (use an IANA name such as 'Asia/Kuwait')") from exc
        return name


class PublisherConfig(base.Config):  # type: ignore[no-untyped-call]
    publisher_name = c.Type(str)
    # A file inside docs_dir, published with the site; used as the publisher logo in JSON-LD.
    publisher_logo = c.Optional(c.Type(str))
    language = c.Type(str, default="ar")
    # Times in metadata carry their own offset; this zone is the one dates are shown in.
    timezone = _TimeZone(default="UTC")
    # Default input folder (relative to mkdocs.yml) and source profile for `builder build`.
    input = c.Type(str, default="corpus/sample")
    profile = c.Optional(c.Type(str))
    # Hosts besides site_url's from which photo URLs may be loaded (the publisher's own CDN).
    image_hosts = c.ListOfItems(c.Type(str), default=[])
    per_page = c.Type(int, default=20)
    # Latest news, sections and tags list at most this many pages (newest first); older
    # articles are reached through the date archives, which list every article.
    max_pages = c.Type(int, default=10)
    # Inputs past these are refused with a reason: bytes in one article file (or .jsonl
    # record), characters in one headline, caption or paragraph.
    max_file_bytes = c.Type(int, default=5_000_000)
    max_line_chars = c.Type(int, default=20_000)


class PublisherPlugin(BasePlugin[PublisherConfig]):  # type: ignore[no-untyped-call]
    def on_env(self, env: Any, /, *, config: Any, files: Any) -> Any:
        # MkDocs creates its Jinja environment without autoescaping; article text is
        # untrusted, so every {{ }} in our theme escapes unless a template says |safe.
        env.autoescape = True
        return env
