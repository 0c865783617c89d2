"""The record the build's own process keeps of each article, and how a build at a given time
publishes one. Pure functions, used by the read workers (slim), the build process and the
partition workers (as_of), so each decides alike.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from builder.article import Article
from builder.jsonld import DESCRIPTION_CHARS


def as_of(article: Article, now: datetime) -> Article:
    """The article as a build at ``now`` publishes it: a modified date after ``now`` is left
    out until it comes (the build process and the workers decide it alike).

    >>> from datetime import timezone
    >>> a = Article("a", "a.txt", "h", None, None, ("p",), modified=datetime(2030, 1, 1, tzinfo=timezone.utc))
    >>> as_of(a, datetime(2029, 1, 1, tzinfo=timezone.utc)).modified, as_of(a, datetime(2031, 1, 1, tzinfo=timezone.utc)) is a
    (None, True)
    """
    return replace(article, modified=None) if article.modified and article.modified > now else article


def slim(article: Article) -> Article:
    """The record the parent keeps for listings, feeds and links: of the body, only what
    :func:`builder.jsonld.description` reads (the first paragraph, cut; nothing when the deck
    is the description), and no dateline, photo credit or photo without a URL, which no
    listing, link, feed or sitemap shows. The memory per article is what limits the parent:
    this is 270 bytes less a record in the bench corpus (27 MB at 100,000).

    >>> from builder.article import Image
    >>> from builder.jsonld import description
    >>> full = Article("a", "a.txt", "h", None, Image("c", "وكالة", "p.jpg"), ("كلمة " * 80, "ثانية"), dateline="الرباط")
    >>> description(slim(full)) == description(full), len(slim(full).paragraphs[0]), slim(full).dateline, slim(full).image.credit
    (True, 161, None, None)
    >>> decked = replace(full, alternative_headline="موجز")
    >>> description(slim(decked)) == description(decked), slim(decked).paragraphs
    (True, ())
    >>> slim(replace(full, image=Image("تعليق", None))).image is None
    True
    """
    image = article.image if article.image and article.image.url else None  # a caption alone shows nowhere but the page
    image = replace(image, credit=None) if image and image.credit else image
    first = () if article.alternative_headline else (article.paragraphs[0][: DESCRIPTION_CHARS + 1],)
    return replace(article, paragraphs=first, dateline=None, image=image)
