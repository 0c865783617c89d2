"""The record the build's own process keeps of each article, what it decides that record by,
and how a build at a given time publishes one. Pure functions, used by the read workers (slim,
facts_of), the build process and the partition workers (as_of), so each decides alike.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from builder.core.article import Article
from builder.core.store import brief
from builder.render.jsonld import DESCRIPTION_CHARS, description

UNDATED = "undated"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def as_of(article: Article, now: datetime) -> Article:
    """The article as a build at ``now`` publishes it: a modified date (or correction) after
    ``now`` is left out until it comes (the build process and the workers decide it alike).

    >>> from datetime import timezone
    >>> modified = datetime(2030, 1, 1, tzinfo=timezone.utc)
    >>> a = Article("a", "a.txt", "h", None, None, ("p",), modified=modified)
    >>> before = datetime(2029, 1, 1, tzinfo=timezone.utc)
    >>> after = datetime(2031, 1, 1, tzinfo=timezone.utc)
    >>> as_of(a, before).modified, as_of(a, after) is a
    (None, True)
    """
    if not (article.modified and article.modified > now):
        return article
    # a correction still to come is not shown before it is dated either
    return replace(
        article, modified=None, corrections=tuple(c for c in article.corrections if c.date <= now)
    )


def slim(article: Article) -> Article:
    """The record the parent keeps for listings, feeds and links: of the body, only what
    :func:`builder.render.jsonld.description` reads (the first paragraph, cut; nothing when the deck
    is the description), and no dateline, corrections, Markdown source, photo credit or photo
    without a URL, which no listing, link, feed or sitemap shows. The memory per article is
    what limits the parent: this is 270 bytes less a record in the bench corpus (27 MB at
    100,000).

    >>> from builder.core.article import Image
    >>> from builder.render.jsonld import description
    >>> full = Article(
    ...     "a", "a.txt", "h", None, Image("c", "وكالة", "p.jpg"), ("كلمة " * 80, "ثانية"),
    ...     dateline="الرباط",
    ... )
    >>> (
    ...     description(slim(full)) == description(full),
    ...     len(slim(full).paragraphs[0]),
    ...     slim(full).dateline,
    ...     slim(full).image.credit,
    ... )
    (True, 161, None, None)
    >>> decked = replace(full, alternative_headline="موجز")
    >>> description(slim(decked)) == description(decked), slim(decked).paragraphs
    (True, ())
    >>> slim(replace(full, image=Image("تعليق", None))).image is None
    True
    """
    # a caption alone shows nowhere but the page
    image = article.image if article.image and article.image.url else None
    image = replace(image, credit=None) if image and image.credit else image
    first = (
        () if article.alternative_headline else (article.paragraphs[0][: DESCRIPTION_CHARS + 1],)
    )
    return replace(
        article, paragraphs=first, dateline=None, image=image, corrections=(), markdown=()
    )


def partition_key(article: Article) -> str:
    """The month an article was published in ("2021-11"), or "undated"."""
    published = article.published
    # strftime: 3x slower
    return f"{published.year:04d}-{published.month:02d}" if published else UNDATED


def dated(article: Article) -> bytes:
    """What the sitemaps show of an article that no listing does, hashed: its modified date
    (``lastmod``; a feed shows it too). See
    :func:`builder.pipeline.discovery_cache.discovery_key`."""
    modified = article.modified.isoformat() if article.modified else ""
    return hashlib.sha256(modified.encode()).digest()[:16]


def told(article: Article) -> bytes:
    """What a feed shows of its items that neither a listing nor :func:`dated` covers, hashed:
    the description (RSS and Atom summaries), the whole text (their content) and the authors
    (Atom), made from the *full* record. Only a feed's items are shown so, so an edit to an
    article in no feed leaves every crawler file as it was."""
    authors = "\1".join(x.name for x in article.authors)
    text = "\1".join(article.paragraphs)
    return hashlib.sha256(f"{description(article)}\0{authors}\0{text}\0".encode()).digest()[:16]


def microseconds(when: datetime) -> int:
    """Microseconds since 1970 (UTC): exact, and ordered as the datetimes are."""
    return (when - _EPOCH) // _MICROSECOND


def moment_of(micros: int) -> datetime:
    """The UTC moment :func:`microseconds` gave ``micros`` for.

    >>> moment_of(microseconds(datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=UTC)))
    datetime.datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc)
    """
    return _EPOCH + micros * _MICROSECOND


class Facts(NamedTuple):
    """What the build process admits, sorts and groups a record by, made by the read worker
    beside the encoded record and kept with it in the read cache: the build decodes a record
    only when its modified date is still to come (about 2 µs a record instead of 10)."""

    id: str
    slug: str  # the URL slug
    source: str
    published: int | None  # microseconds()
    modified: int | None  # microseconds()
    section: str | None
    tags: tuple[str, ...]
    dated: bytes  # dated()
    told: bytes  # told()
    month: str  # partition_key()
    brief: bytes  # builder.core.store.brief()
    content: bytes = b""  # content_of() the whole article (a slim record has no body)


def content_of(article: Article) -> bytes:
    """The article's headline and body, hashed: two inputs that give the same are one story
    fetched twice (a duplicate, :class:`builder.pipeline.admit.Admission`). Made by the read
    worker from the whole article and kept in the read cache with the facts, so an incremental
    build judges duplicates as a full one does without reading any file again.

    >>> a = Article("a", "a.txt", "h", None, None, ("p", "q"))
    >>> content_of(a) == content_of(Article("b", "b.txt", "h", "deck", None, ("p", "q")))
    True
    >>> content_of(a) == content_of(Article("a", "a.txt", "h", None, None, ("p q",)))
    False
    """
    return hashlib.sha256("\0".join((article.headline, *article.paragraphs)).encode()).digest()[:16]


def facts_of(article: Article, full: Article | None = None) -> Facts:
    """The facts of a slim record; ``full``: the record it was made from (a feed shows its
    text; a duplicate is judged by it).

    >>> from datetime import timezone
    >>> second = datetime(1970, 1, 1, 0, 0, 1, tzinfo=timezone.utc)
    >>> f = facts_of(Article("a", "a.txt", "h", None, None, ("p",), published=second, slug="s"))
    >>> f.id, f.slug, f.published, f.modified, f.month
    ('a', 's', 1000000, None, '1970-01')
    """
    return Facts(
        article.id,
        article.url_slug,
        article.source,
        microseconds(article.published) if article.published else None,
        microseconds(article.modified) if article.modified else None,
        article.section,
        article.tags,
        dated(article),
        told(full or article),
        partition_key(article),
        brief(article),
        content_of(full) if full else b"",
    )
