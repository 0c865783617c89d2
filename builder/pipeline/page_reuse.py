"""Page-level reuse inside a partition that is built again.

A partition (a month) is rebuilt when any of its articles changed, but one edited article
should not cost a MkDocs run over the month's other pages. An article page is a function of
the article's inputs, the links it shows, the code and settings, and the site it is built
for, so each page's record keeps the hash of those (its key) with what checking it found. A
page whose key is unchanged is hard-linked from the published site with its media, its search
shadow is kept, and its findings come from the record; only the other pages are read, rendered
and checked.

The record describes the published site, so it is valid only from the moment a site is
published until the partition is built again: the task takes it (the file is removed), writes
its own as ``.pages.next.json``, and the build makes that the record once its site is
published (:func:`commit`). A build that fails or dies leaves no record, and the next one
renders the whole partition.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from builder.core.urls import ARTICLES

RECORD, NEXT = ".pages.json", ".pages.next.json"  # in a partition's docs folder


def page_keys(
    sources: Sequence[str], digests: Sequence[str], links: dict[str, Any], context: str
) -> dict[str, str]:
    """Each page's key: its source, the hash of its inputs, the links it shows, and ``context``
    (code and settings, the site built for, whether search shadows are made).

    >>> a = page_keys(("a.txt",), ("d1",), {"a.txt": {"next": "b"}}, "code")
    >>> (a == page_keys(("a.txt",), ("d1",), {"a.txt": {"next": "b"}}, "code"),
    ...  a == page_keys(("a.txt",), ("d1",), {"a.txt": {"next": "c"}}, "code"))
    (True, False)
    """
    keys = {}
    for source, digest in zip(sources, digests, strict=True):
        shown = json.dumps(links.get(source), ensure_ascii=False, sort_keys=True)
        keys[source] = hashlib.sha256(
            f"{context}\0{source}\0{digest}\0{shown}".encode()
        ).hexdigest()
    return keys


def take_record(docs: Path) -> dict[str, dict[str, Any]]:
    """The record of the published pages (source -> entry), removed from ``docs``: from here
    on the partition's pages are being replaced."""
    path = docs / RECORD
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    path.unlink(missing_ok=True)
    (docs / NEXT).unlink(missing_ok=True)
    pages = data.get("pages") if isinstance(data, dict) else None
    return pages if isinstance(pages, dict) else {}


def reusable_pages(
    record: dict[str, dict[str, Any]], keys: dict[str, str], current: Path, shadows: Path | None
) -> dict[str, dict[str, Any]]:
    """The recorded pages whose key is unchanged and whose files are all still there: the
    page in ``current``, its media folder, its search shadow."""
    kept = {}
    for source, key in keys.items():
        entry = record.get(source)
        if not entry or entry.get("key") != key:
            continue
        page = current / ARTICLES / entry["slug"] / "index.html"
        media = current / "media" / entry["id"]
        shadow = shadows / ARTICLES / entry["slug"] / "index.html" if shadows else None
        if (
            page.is_file()
            and (not entry["media"] or media.is_dir())
            and (not entry["shadow"] or (shadow and shadow.is_file()))
        ):
            kept[source] = entry
    return kept


def save_next(docs: Path, pages: dict[str, dict[str, Any]]) -> None:
    temp = docs / (NEXT + ".tmp")
    temp.write_text(
        json.dumps({"pages": pages}, ensure_ascii=False, sort_keys=True), encoding="utf-8"
    )
    temp.replace(docs / NEXT)


def commit(docs: Path) -> None:
    """The site is published: this build's record of the partition's pages becomes the record."""
    if (docs / NEXT).exists():
        (docs / NEXT).replace(docs / RECORD)


def published_pages(partitions: Path) -> dict[str, Path]:
    """Article pages the builder wrote, by slug, in its month partitions; only of partitions
    whose pages are those of the published site (they hold its page record: a build that
    rewrote a partition's pages and then failed has taken the record away)."""
    published = (
        [folder for folder in partitions.iterdir() if (folder / RECORD).is_file()]
        if partitions.is_dir()
        else []
    )
    return {p.stem: p for folder in published for p in folder.glob(f"{ARTICLES}/*.md")}
