"""Reuse of the crawler files when nothing they show changed.

The sitemaps, robots.txt and feeds are a function of the articles' listed fields (the listings'
digest, which includes the code and settings), of what they show besides (dates modified,
authors, descriptions: :func:`shown_digest`) and of the other pages' URLs; the news sitemap
alone depends on "now". When both are what the published site was built from, those files are
hard-linked from it with the problems checking them found then, and only the news sitemap is
written and checked again: at 20,000 articles, writing and reading back the sitemap is most of
a one-article rebuild's own work.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from builder.article import Article
from builder.records import shown
from builder.recycle import marker_key

RECORD = "discovery.json"  # inside the build folder
NEWS = "news-sitemap.xml"  # made and checked every build


@dataclass
class Crawl:
    """The lasting crawler files of a build: filled as the build makes and checks them."""

    key: str = ""  # what they are made from (:func:`discovery_key`)
    files: list[str] = field(default_factory=list)  # their site-relative paths
    problems: list[tuple[str, str, str]] | None = None  # what checking them found; None: not checked yet


def discovery_key(listed: str, shown: str, other_pages: list[str]) -> str:
    """What the lasting files are made from: the listings' digest (which covers code and
    settings), :func:`shown_digest` and the other pages' URLs.

    >>> discovery_key("l", "s", ["", "about/"]) == discovery_key("l", "s", ["", "about/"]) != discovery_key("l", "s", [""])
    True
    """
    return hashlib.sha256(json.dumps([listed, shown, other_pages]).encode()).hexdigest()


def shown_digest(articles: Iterable[Article]) -> str:
    """What sitemaps and feeds show of each article that no listing does, so the listings'
    digest leaves it out: the modified date (``lastmod``, Atom ``updated``, RSS
    ``lastBuildDate``), the authors (Atom) and the description (RSS and Atom summaries, the
    first paragraph when there is no deck). Without it, an edit of only these kept the old
    files. About 3 µs an article.

    >>> from datetime import datetime, timezone
    >>> a = Article("a", "a.txt", "h", None, None, ("p",))
    >>> shown_digest([a]) == shown_digest([a]) != shown_digest([replace(a, modified=datetime(2024, 1, 1, tzinfo=timezone.utc))])
    True
    """
    digest = hashlib.sha256()
    for a in articles:
        digest.update(shown(a))
    return digest.hexdigest()


def recorded(build_dir: Path, key: str, target: Path) -> Crawl | None:
    """The record, if it is for ``key`` and for the site now at ``target`` (its marker)."""
    try:
        data = json.loads((build_dir / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key or data.get("marker") != marker_key(target):
        return None
    files = [str(f) for f in data.get("files", [])]
    if not all((target / f).is_file() for f in files):
        return None
    return Crawl(key, files, [(str(a), str(b), str(c)) for a, b, c in data.get("problems", [])])


def link(record: Crawl, target: Path, fresh: Path) -> None:
    """Hard-link the recorded files from ``target`` (in place of MkDocs's own sitemap.xml)."""
    for rel in record.files:
        (fresh / rel).parent.mkdir(parents=True, exist_ok=True)
        (fresh / rel).unlink(missing_ok=True)
        os.link(target / rel, fresh / rel)


def remember(build_dir: Path, crawl: Crawl, target: Path) -> None:
    """After the swap: what the published site's lasting files were made from and gave."""
    temp = build_dir / (RECORD + ".tmp")
    data = {"key": crawl.key, "marker": marker_key(target), "files": crawl.files, "problems": crawl.problems}
    temp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    temp.replace(build_dir / RECORD)
