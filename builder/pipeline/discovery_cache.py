"""Reuse of the crawler files when nothing they show changed.

Each partition of the articles has its own sitemap (``sitemap-2021-11.xml``): it is linked from
the published site while its partition is unchanged there (or, its partition rebuilt, when it
comes out byte for byte the same), with the problems checking it found when it was made. At
20,000 articles, one sitemap of them all took 1 s to write, and more to compress and check,
every time an article was added.

The other crawler files (the sitemap index, the other pages' sitemap, robots.txt, the feeds)
are a function of the articles' listed fields (the listings' digest, which includes the code
and settings), of the modified dates (``lastmod``, Atom ``updated``, RSS ``lastBuildDate``), of
the description and authors of the articles a feed shows (RSS and Atom summaries, Atom
authors), and of the other pages' URLs; the news sitemap alone depends on "now". When all are
what the published site was built from, those files are hard-linked from it with the problems
checking them found then, and only the news sitemap is written and checked again. An edit to
the first paragraph of an article no feed shows (most of them: a feed shows the newest 20 of
the site or of a section) changes none of them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from builder.core.article import Article
from builder.publish import precompress
from builder.publish.recycle import marker_key

RECORD = "discovery.json"  # inside the build folder
NEWS = "news-sitemap.xml"  # made and checked every build


Problem = tuple[str, str, str]
# A partition's sitemap: the partition's content key, the newest date it lists (ISO), and the
# problems checking it found (None: not checked yet)
Part = tuple[str, str | None, list[Problem] | None]
# A page's feeds (RSS and Atom): what they are made from (:func:`feed_key`), and the problems
# checking them found (None: not checked yet)
Feeds = tuple[str, list[Problem] | None]


@dataclass
class Crawl:
    """The lasting crawler files of a build: filled as the build makes and checks them."""

    key: str = ""  # what they are made from (:func:`discovery_key`)
    files: list[str] = field(default_factory=list)  # their site-relative paths
    problems: list[tuple[str, str, str]] | None = (
        None  # what checking them found; None: not checked yet
    )
    feeds: list[int] = field(
        default_factory=list
    )  # the articles the feeds show, by newest-first position
    parts: dict[str, Part] = field(default_factory=dict)  # each partition's sitemap, by name
    made_feeds: dict[str, Feeds] = field(default_factory=dict)  # by the page they follow


def discovery_key(listed: str, dated: str, told: str, other_pages: list[str]) -> str:
    """What the lasting files are made from: the listings' digest (which covers code and
    settings), the digest of every article's modified date
    (:meth:`builder.pipeline.admit.Admission.dated_digest`), :func:`told_digest` of the feeds' items
    and the other pages' URLs.

    >>> (discovery_key("l", "d", "t", ["", "about/"])
    ...  == discovery_key("l", "d", "t", ["", "about/"])
    ...  != discovery_key("l", "d", "t", [""]))
    True
    """
    return hashlib.sha256(json.dumps([listed, dated, told, other_pages]).encode()).hexdigest()


def told_digest(positions: Sequence[int], told_of: Callable[[int], bytes], count: int) -> str:
    """The digest of what the feeds show of their items besides listed fields and dates
    (:func:`builder.pipeline.records.told`), ``positions`` being the items' places among ``count``
    articles newest first. Which articles those are follows from the listed fields alone, so
    the positions recorded with the published site name the same articles while the listings'
    digest is the same (and the key differs anyway when it is not).

    >>> (told_digest([0, 2], lambda n: bytes([n]), 3)
    ...  == told_digest([0, 2], lambda n: bytes([n]), 3)
    ...  != told_digest([0, 1], lambda n: bytes([n]), 3))
    True
    >>> told_digest([5], lambda n: b"", 3)
    ''
    """
    if any(not 0 <= n < count for n in positions):
        return ""
    digest = hashlib.sha256(json.dumps(list(positions)).encode())
    for n in positions:
        digest.update(told_of(n))
    return digest.hexdigest()


def feed_key(code: str, page: str, items: Iterable[tuple[Article, bytes]]) -> str:
    """What a page's feeds are made from: the code and settings (``code``), the page, and each
    item's slim record (every field a feed shows of it but its text and authors) with its
    :func:`builder.pipeline.records.told` digest (which covers those).

    >>> from builder.core.article import Article
    >>> a = Article("a", "a.txt", "h", None, None, ("p",))
    >>> feed_key("c", "", [(a, b"t")]) == feed_key("c", "", [(a, b"t")]) != feed_key("c", "", [])
    True
    """
    digest = hashlib.sha256(f"{code}\0{page}\0".encode())
    for article, told in items:
        digest.update(repr(article).encode())
        digest.update(told)
    return digest.hexdigest()


def recorded(build_dir: Path, target: Path) -> Crawl | None:
    """The record of the site now at ``target`` (its marker), if its files are all there."""
    try:
        data = json.loads((build_dir / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(data, dict)
        or data.get("marker") != marker_key(target)
        or not isinstance(data.get("key"), str)
    ):
        return None
    files = [str(f) for f in data.get("files", [])]
    if not all((target / f).is_file() for f in files):
        return None
    feeds = [n for n in data.get("feeds", []) if isinstance(n, int)]
    parts: dict[str, Part] = {
        str(name): (
            str(wanted),
            str(newest) if newest else None,
            [(str(a), str(b), str(c)) for a, b, c in problems],
        )
        for name, (wanted, newest, problems) in data.get("parts", {}).items()
        if problems is not None
    }
    made_feeds: dict[str, Feeds] = {
        str(page): (str(key), [(str(a), str(b), str(c)) for a, b, c in problems])
        for page, (key, problems) in data.get("made_feeds", {}).items()
        if problems is not None
    }
    return Crawl(
        data["key"],
        files,
        [(str(a), str(b), str(c)) for a, b, c in data.get("problems", [])],
        feeds,
        parts,
        made_feeds,
    )


def link(record: Crawl, target: Path, fresh: Path) -> None:
    """Hard-link the recorded files, with their precompressed copies, from ``target`` (in place
    of MkDocs's own sitemap.xml)."""
    for rel in record.files:
        (fresh / rel).parent.mkdir(parents=True, exist_ok=True)
        precompress.link(target / rel, fresh / rel)


def remember(build_dir: Path, crawl: Crawl, target: Path) -> None:
    """After the swap: what the published site's lasting files were made from and gave."""
    temp = build_dir / (RECORD + ".tmp")
    data = {
        "key": crawl.key,
        "marker": marker_key(target),
        "files": crawl.files,
        "problems": crawl.problems,
        "feeds": crawl.feeds,
        "parts": crawl.parts,
        "made_feeds": crawl.made_feeds,
    }
    temp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    temp.replace(build_dir / RECORD)
