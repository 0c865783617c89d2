"""Where things live in the published site: one place, so pages, JSON-LD and feeds agree."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from urllib.parse import quote, urlsplit, urlunsplit

from builder.core.article import Article

ARTICLES = "articles"
# Page names MkDocs turns into a folder's index page: never an article's URL segment.
RESERVED_NAMES = frozenset({"index", "readme"})


def article_path(article: Article) -> str:
    """Site-relative URL of an article page (directory URL, as MkDocs publishes it).

    >>> from builder.core.article import Article
    >>> article_path(Article("abc", "x.txt", "h", None, None, ("p",)))
    'articles/abc/'
    """
    return slug_path(article.url_slug)


def slug_path(slug: str) -> str:
    """:func:`article_path` from the URL slug alone."""
    return f"{ARTICLES}/{slug}/"


def media_path(article: Article, file_name: str) -> str:
    """Site-relative URL (and docs path) of a photo shipped with the corpus: a name safe in any URL.

    >>> from builder.core.article import Article
    >>> media_path(Article("abc", "x.txt", "h", None, None, ("p",)), "oil field#1?.JPG")
    'media/abc/oil-field-1-.jpg'
    """
    stem, dot, suffix = file_name.rpartition(".")
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", stem if dot else file_name) or "photo"
    return f"media/{article.id}/{safe}{dot}{suffix.lower() if dot else ''}"


_DIGITS = str.maketrans(
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789"
)  # Arabic-Indic and Eastern Arabic-Indic


@functools.lru_cache(
    maxsize=8192
)  # listings, links and sitemaps ask for the same few names N times each
def section_slug(section: str) -> str:
    """A folder name for a section or tag; Arabic letters stay (URLs percent-encode them),
    Latin ones are case-folded (``COVID`` and ``covid`` share one page).

    A name with no letter or digit (``!!!``, ``---``, an emoji) has nothing to spell a folder
    with: it gets ``_`` and 8 hex digits of its hash (spaces and case left out, as for any
    name), the same on every build. No letter-or-digit slug starts with ``_``, so such a name
    never takes the folder of a real one (these all shared ``section/``, a real tag's folder,
    before), and two different punctuation names do not share one either.

    >>> section_slug("سياسة دولية / عربية"), section_slug("COVID 19"), section_slug("covid-19")
    ('سياسة-دولية-عربية', 'covid-19', 'covid-19')
    >>> section_slug("section"), section_slug("!!!"), section_slug("! ! !"), section_slug("---")
    ('section', '_e84c538e', '_e84c538e', '_cb3f91d5')

    Digits are one set, as search folds them: ``كوفيد ١٩`` and ``كوفيد 19`` are one tag.

    >>> (section_slug("كوفيد ١٩") == section_slug("كوفيد ۱۹") == section_slug("كوفيد 19")
    ...  == "كوفيد-19")
    True
    """
    slug = re.sub(r"[^\w]+", "-", section.casefold().translate(_DIGITS)).strip(
        "-_"
    )  # one folder on case-blind disks
    if slug:
        return slug
    return "_" + hashlib.sha256("".join(section.casefold().split()).encode()).hexdigest()[:8]


def slug_url(prefix: str, name: str) -> str:
    """Site-relative URL of a section's or tag's listing.

    >>> slug_url("tags", "كوفيد 19")
    'tags/كوفيد-19/'
    """
    return f"{prefix}/{section_slug(name)}/"


def listed_urls(prefix: str, names: Iterable[str]) -> dict[str, str]:
    """``{listing URL: the first of names linking there}``, in order: the listings an article is
    in, each once. Spellings an article carries that share one URL (``AI`` and ``ai``) are one
    tag: listed twice, the article showed twice on that tag's page, and its page showed the tag
    twice. Everything that shows an article's tags (listings, related articles, its page, its
    JSON-LD keywords) goes through here, so they all agree.

    >>> listed_urls("tags", ["AI", "كوفيد 19", "ai", "Ai"])
    {'tags/ai/': 'AI', 'tags/كوفيد-19/': 'كوفيد 19'}
    """
    found: dict[str, str] = {}
    for name in names:
        found.setdefault(slug_url(prefix, name), name)
    return found


def uri(iri: str) -> str:
    """An absolute URL as sitemaps and feeds take it: the host in IDNA, the path percent-encoded
    (what is escaped already stays); an Arabic slug, a ``site_url`` with an Arabic path or host.

    >>> uri("https://أخبار.example/الأرشيف/articles/خبر-عاجل/") == (
    ...     "https://xn--igbicxr.example/%D8%A7%D9%84%D8%A3%D8%B1%D8%B4%D9%8A%D9%81/articles/"
    ...     "%D8%AE%D8%A8%D8%B1-%D8%B9%D8%A7%D8%AC%D9%84/"
    ... )
    True
    >>> uri("https://akhbar.example.org:8080/sections/%D8%B5/feed.xml")
    'https://akhbar.example.org:8080/sections/%D8%B5/feed.xml'
    """
    parts = urlsplit(iri)
    netloc = parts.netloc
    if not netloc.isascii() and parts.hostname:
        netloc = parts.hostname.encode("idna").decode("ascii") + (
            f":{parts.port}" if parts.port else ""
        )
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            quote(parts.path, safe="/%"),
            quote(parts.query, safe="=&%"),
            quote(parts.fragment, safe="%"),
        )
    )
