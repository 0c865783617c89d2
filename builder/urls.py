"""Where things live in the published site: one place, so pages, JSON-LD and feeds agree."""

from __future__ import annotations

import functools
import re

from builder.article import Article

ARTICLES = "articles"
# Page names MkDocs turns into a folder's index page: never an article's URL segment.
RESERVED_NAMES = frozenset({"index", "readme"})


def article_path(article: Article) -> str:
    """Site-relative URL of an article page (directory URL, as MkDocs publishes it).

    >>> from builder.article import Article
    >>> article_path(Article("abc", "x.txt", "h", None, None, ("p",)))
    'articles/abc/'
    """
    return f"{ARTICLES}/{article.url_slug}/"


def media_path(article: Article, file_name: str) -> str:
    """Site-relative URL (and docs path) of a photo shipped with the corpus: a name safe in any URL.

    >>> from builder.article import Article
    >>> media_path(Article("abc", "x.txt", "h", None, None, ("p",)), "oil field#1?.JPG")
    'media/abc/oil-field-1-.jpg'
    """
    stem, dot, suffix = file_name.rpartition(".")
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", stem if dot else file_name) or "photo"
    return f"media/{article.id}/{safe}{dot}{suffix.lower() if dot else ''}"


@functools.lru_cache(maxsize=8192)  # listings, links and sitemaps ask for the same few names N times each
def section_slug(section: str) -> str:
    """A folder name for a section or tag; Arabic letters stay (URLs percent-encode them),
    Latin ones are case-folded (``COVID`` and ``covid`` share one page).

    >>> section_slug("سياسة دولية / عربية"), section_slug("COVID 19"), section_slug("covid-19")
    ('سياسة-دولية-عربية', 'covid-19', 'covid-19')
    """
    return re.sub(r"[^\w]+", "-", section.casefold()).strip("-_") or "section"  # one folder on case-blind disks


def slug_url(prefix: str, name: str) -> str:
    """Site-relative URL of a section's or tag's listing.

    >>> slug_url("tags", "كوفيد 19")
    'tags/كوفيد-19/'
    """
    return f"{prefix}/{section_slug(name)}/"
