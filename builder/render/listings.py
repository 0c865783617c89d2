"""The pages a news site lists articles on.

- Latest news (the home page and ``page/N/``), each section (``sections/<slug>/``) and each tag
  (``tags/<slug>/``): newest first, at most ``max_pages`` pages each. A new article moves every
  item of such a listing down one place, so an uncapped listing would make every one of its pages
  change on every build; what is older than the cap is reached through the archives.
- Each person's page (``authors/<slug>/``): their articles, newest first, capped as a section
  is, under what the authors file says of them (:mod:`builder.core.authors`), with
  ``ProfilePage`` JSON-LD.
- Date archives: ``archive/`` (every year and month, with counts), ``archive/YYYY/`` (the months
  of a year) and ``archive/YYYY/MM/`` (every article of the month, paginated). A new article
  changes only its own month's pages, so an archive of any size is rebuilt in bounded time.

The links between articles (previous, next, related) are in :mod:`builder.render.links`. Pure: slim
article records in, ``{docs-relative path: Markdown page}`` out.
"""

from __future__ import annotations

import functools
import json
import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date

from builder.core.article import Article, Author
from builder.core.article_types import article_type
from builder.core.dates import display_date, with_digits
from builder.core.settings import Settings
from builder.core.store import Picked, briefs
from builder.core.urls import article_path, listed_urls, slug_url
from builder.render.author_photo import author_photo_path
from builder.render.jsonld import dumps_script_safe, profile_graph, site_graph
from builder.render.pages import front_matter, sort_newest_first
from builder.render.photos import card_photo


@dataclass(frozen=True)
class Listing:
    base: str  # site-relative URL of page 1: "" (home), "sections/رياضة/", "archive/2024/05/"
    kind: str  # "home", "section", "tag", "author", "month", "undated"
    heading: str
    description: str
    items: Sequence[Article]  # a Picked view: positions, not records
    max_pages: int | None  # None: every page (date archives)
    feed: bool = False  # a section, tag or author with a dated article: its own feeds exist
    author: Author | None = None  # an author page's author


def page_url(base: str, number: int) -> str:
    """Site-relative URL of page ``number`` of a listing.

    >>> page_url("", 1), page_url("", 3), page_url("tags/x/", 2)
    ('', 'page/3/', 'tags/x/page/2/')
    """
    return base if number == 1 else f"{base}page/{number}/"


def docs_path(url: str) -> str:
    """The Markdown file MkDocs publishes at ``url`` (directory URLs).

    >>> docs_path(""), docs_path("page/2/"), docs_path("archive/2024/05/")
    ('index.md', 'page/2.md', 'archive/2024/05/index.md')
    """
    if not url:
        return "index.md"
    parts = url.rstrip("/").split("/")
    return "/".join(parts) + ".md" if parts[-2:-1] == ["page"] else url + "index.md"


def listings(articles: Sequence[Article], settings: Settings) -> list[Listing]:
    """Every listing of the site, in a stable order. A listing holds its articles' positions
    in the newest-first order, not the records: the build's records are on disk, and each
    is read back only when a page shows it (:mod:`builder.core.store`)."""
    name = settings.site_name
    cap = settings.max_pages
    ordered = sort_newest_first(articles)
    found = [
        Listing(
            "",
            "home",
            "آخر الأخبار",
            f"آخر الأخبار من {name}",
            Picked(ordered, range(len(ordered))),
            cap,
        )
    ]
    by_section: dict[str, array[int]] = defaultdict(lambda: array("I"))
    by_tag: dict[str, array[int]] = defaultdict(lambda: array("I"))
    by_author: dict[str, array[int]] = defaultdict(lambda: array("I"))
    by_month: dict[tuple[int, int], array[int]] = defaultdict(lambda: array("I"))
    undated: array[int] = array("I")
    names: dict[str, Counter[str]] = defaultdict(Counter)
    fed: set[str] = (
        set()
    )  # sections with a feed (builder.render.discovery.feed_items: dated articles)
    for n, a in enumerate(briefs(ordered)):
        if a.section:
            url = slug_url("sections", a.section)
            by_section[url].append(n)
            names[url][a.section] += 1
            if a.published:
                fed.add(url)
        for url, tag in listed_urls(
            "tags", a.tags
        ).items():  # by URL: "AI" and "ai" list an article once
            by_tag[url].append(n)
            names[url][tag] += 1
            if a.published:
                fed.add(url)
        for url, byline in author_urls(a.authors, settings).items():
            by_author[url].append(n)
            names[url][byline] += 1
            if a.published:
                fed.add(url)
        if a.published:
            local = a.published.astimezone(settings.timezone)
            by_month[(local.year, local.month)].append(n)
        else:
            undated.append(n)
    for base, items in sorted(by_section.items()):
        label = _label(names[base])
        found.append(
            Listing(
                base,
                "section",
                label,
                f"أخبار {label} من {name}",
                Picked(ordered, items),
                cap,
                base in fed,
            )
        )
    for base, items in sorted(by_tag.items()):
        label = _label(names[base])
        found.append(
            Listing(
                base,
                "tag",
                f"وسم: {label}",
                f"أخبار عن {label} من {name}",
                Picked(ordered, items),
                cap,
                base in fed,
            )
        )
    for base, items in sorted(by_author.items()):
        label = _label(names[base])
        found.append(
            Listing(
                base,
                "author",
                label,
                _author_description(label, settings),
                Picked(ordered, items),
                cap,
                base in fed,
                Author(label),
            )
        )
    for (year, month), items in sorted(by_month.items()):
        label = with_digits(month_name(year, month), settings.digits)
        found.append(
            Listing(
                f"archive/{year}/{month:02d}/",
                "month",
                f"أرشيف {label}",
                f"أخبار {label} من {name}",
                Picked(ordered, items),
                None,
            )
        )
    if undated:
        found.append(
            Listing(
                "archive/undated/",
                "undated",
                "أخبار بلا تاريخ",
                f"أخبار بلا تاريخ نشر من {name}",
                Picked(ordered, undated),
                None,
            )
        )
    return found


def section_menu(articles: Sequence[Article], settings: Settings) -> tuple[tuple[str, str], ...]:
    """The masthead's sections as (name, listing URL): those the ``menu`` setting names, in its
    order, then the site's others in code point order (not by count: a new article would
    reorder the menu, and with it every page). A named section no article is in has no page:
    it is left out (the build warns).

    >>> from types import SimpleNamespace as S
    >>> def a(section): return Article(section, "x", "h", None, None, ("p",), section=section)
    >>> section_menu([a("رياضة"), a("اقتصاد"), a("صحة")], S(menu=("صحة", "ثقافة")))
    (('صحة', 'sections/صحة/'), ('اقتصاد', 'sections/اقتصاد/'), ('رياضة', 'sections/رياضة/'))
    """
    names: dict[str, Counter[str]] = defaultdict(Counter)
    for a in briefs(articles):
        if a.section:
            names[slug_url("sections", a.section)][a.section] += 1
    labels = {url: _label(counts) for url, counts in names.items()}
    first = [
        u for u in dict.fromkeys(slug_url("sections", n) for n in settings.menu) if u in labels
    ]
    rest = sorted((u for u in labels if u not in first), key=lambda u: (labels[u], u))
    return tuple((labels[u], u) for u in first + rest)


def author_urls(authors: Iterable[Author], settings: Settings) -> dict[str, str]:
    """``{author page URL: the byline linking there}``, each person once; organisations have
    no page (:meth:`builder.core.settings.Settings.author_path`)."""
    found: dict[str, str] = {}
    for author in authors:
        url = settings.author_path(author)
        if url is not None:
            found.setdefault(url, author.name)
    return found


def _author_description(name: str, settings: Settings) -> str:
    profile = settings.authors.get(name)
    if profile and profile.bio:
        return profile.bio
    return f"مقالات {name} في {settings.site_name}"


def _label(counts: Counter[str]) -> str:
    """The spelling most articles use, when several names share one URL (each article counts
    once, with its first spelling); a tie goes to the first in code point order, so the
    heading does not depend on the order articles are read in.

    >>> _label(Counter({"ai": 1, "AI": 1, "Ai": 3})), _label(Counter({"ai": 1, "AI": 1}))
    ('Ai', 'AI')
    """
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def merged_names(articles: Iterable[Article]) -> list[tuple[str, str]]:
    """``(source, warning)`` once for each section or tag URL that two or more spellings share:
    their articles are listed together, under the most used spelling. Case and spacing variants
    (``AI``, ``ai``) are meant to share, but so do names a reader would not take for one
    (``C++`` and ``C``), and an editor should see that happen. The warning goes to the first
    input (in path order) that brings a second spelling to the URL, so the build report shows
    it beside a file to look at. Made on every build (a reused listing is still a merged one).

    >>> from builder.core.article import Article
    >>> def a(source, *tags): return Article(source, source, "h", None, None, ("p",), tags=tags)
    >>> merged_names([a("x", "AI"), a("y", "ai", "Ai"), a("z", "AI", "C")])
    [('y', "tags 'AI', 'Ai', 'ai' share one listing, tags/ai/, headed 'AI'")]
    >>> merged_names([a("x", "AI"), a("y", "C")])
    []
    """
    spellings = Spellings()
    for article in articles:
        spellings.add(article)
    return spellings.merged()


class Spellings:
    """:func:`merged_names` one article at a time, in path order: the build gives it each
    record as it is admitted, so no walk of the records is needed afterwards. Each distinct
    section-and-tags pair is counted, with its first input; the names are weighed once per
    pair, at the end (the same result: a pair's first input is the first to bring its names)."""

    def __init__(self) -> None:
        self.pairs: dict[
            tuple[str | None, tuple[str, ...]], list[Any]
        ] = {}  # (section, tags) -> [first source, count]

    def add(self, article: Article) -> None:
        self.add_names(article.section, article.tags, article.source)

    def add_names(self, section: str | None, tags: tuple[str, ...], source: str) -> None:
        pair = self.pairs.get((section, tags))
        if pair is None:
            self.pairs[(section, tags)] = [source, 1]
        else:
            pair[1] += 1

    def merge(self, pairs: dict[tuple[str | None, tuple[str, ...]], list[Any]]) -> None:
        """Count in the pairs of the records that follow those given so far (the same as
        :meth:`add_names` for each of them in turn)."""
        for names, (source, count) in pairs.items():
            pair = self.pairs.get(names)
            if pair is None:
                self.pairs[names] = [source, count]
            else:
                pair[1] += count

    def merged(self) -> list[tuple[str, str]]:
        url_of: dict[str, dict[str, str]] = {
            "sections": {},
            "tags": {},
        }  # each name's URL, made once (slug_url's cache is small)
        first: dict[str, str] = {}  # URL -> the first spelling met
        names: dict[str, set[str]] = {}  # URL -> its spellings, once a second one came
        source: dict[str, str] = {}  # URL -> the first input with a second spelling
        counts: dict[str, Counter[str]] = defaultdict(
            Counter
        )  # as listings() counts them, for the heading
        for (section, tags), (pair_source, count) in self.pairs.items():
            for prefix, spelt in (("sections", (section,) if section else ()), ("tags", tags)):
                known = url_of[prefix]
                seen: set[str] = (
                    set()
                )  # as listed_urls: an article counts once per URL, with its first spelling
                for name in spelt:
                    url = known.get(name) or known.setdefault(name, slug_url(prefix, name))
                    earliest = first.setdefault(url, name)
                    if earliest != name:
                        source.setdefault(url, pair_source)
                        names.setdefault(url, {earliest}).add(name)
                    if url not in seen:
                        seen.add(url)
                        counts[url][name] += count
        return [
            (
                source[url],
                f"{url.split('/')[0]} {', '.join(map(repr, sorted(names[url])))} "
                f"share one listing, {url}, headed {_label(counts[url])!r}",
            )
            for url in sorted(names, key=lambda u: (source[u], u))
        ]


def month_name(year: int, month: int) -> str:
    """The month as Arabic readers name it (CLDR, via Babel).

    >>> month_name(2024, 5) == "مايو 2024"
    True
    """
    return str(format_date(date(year, month, 1), "MMMM y", locale="ar"))


def listing_pages(articles: Sequence[Article], settings: Settings) -> dict[str, str]:
    """Every listing page and the archive index pages: ``{docs-relative path: page text}``."""
    return dict(iter_listing_pages(articles, settings))


def iter_listing_pages(
    articles: Sequence[Article], settings: Settings
) -> Iterator[tuple[str, str]]:
    """The same pages one at a time (home first), for a build that writes each out at once."""
    for path, _, make in planned_listing_pages(articles, settings, lambda n: b""):
        yield path, make()


ListingPage = tuple[str, bytes, Callable[[], str]]


def planned_listing_pages(
    articles: Sequence[Article], settings: Settings, key_of: Callable[[int], bytes]
) -> Iterator[ListingPage]:
    """Each listing page (home first) as its docs path, what its text is made from besides the
    code and settings (its own fields, and the listed key, ``key_of`` each position, of every
    article it shows), and a function that makes the text. A build makes the text only of
    pages whose inputs changed: after a new article, at 20,000 articles, some 40 pages of
    1,637 (making them all cost about 1 s)."""
    cards = _Cards(settings)
    found = listings(articles, settings)
    for listing in found:
        yield from _paginated(listing, settings, cards, key_of)
    for path, text in archive_pages(found, settings).items():
        yield path, text.encode(), functools.partial(str, text)  # made already: a few pages


def _paginated(
    listing: Listing, settings: Settings, cards: _Cards, key_of: Callable[[int], bytes]
) -> Iterator[ListingPage]:
    per_page = max(1, settings.per_page)
    count = max(1, math.ceil(len(listing.items) / per_page))
    shown = min(count, listing.max_pages) if listing.max_pages else count
    assert isinstance(listing.items, Picked)  # as listings() makes them
    positions = listing.items.positions
    for number in range(1, shown + 1):
        span = slice((number - 1) * per_page, number * per_page)
        title = listing.heading if number == 1 else f"{listing.heading} - الصفحة {number}"
        lead = listing.kind == "home" and number == 1
        meta: dict[str, Any] = {
            "template": "listing.html",
            "title": settings.site_name if lead else title,
            # the home page says what the site is and who publishes it
            "jsonld": dumps_script_safe(site_graph(settings)) if lead else None,
            "description": listing.description,
            "listing": {
                "kind": listing.kind,
                "heading": listing.heading,
                "base": listing.base,
                "feed": listing.feed,
                **_year_of(listing, settings),
            },
            "items": [],
            "pagination": {
                "number": number,
                "count": shown,
                "previous": page_url(listing.base, number - 1) if number > 1 else None,
                "next": page_url(listing.base, number + 1) if number < shown else None,
                "archive": "archive/"
                if number == shown and shown < count
                else None,  # older than the cap
            },
        }
        if listing.author is not None:
            card = author_card(listing.author, settings)
            meta["author"] = card
            meta["jsonld"] = dumps_script_safe(
                profile_graph(
                    listing.author,
                    settings,
                    settings.absolute(page_url(listing.base, number)),
                    card["photo"],
                )
            )
        inputs = (
            json.dumps(meta, ensure_ascii=False, sort_keys=True).encode()
            + b"\0"
            + b"".join(map(key_of, positions[span]))
        )

        def make(meta: dict[str, Any] = meta, span: slice = span, lead: bool = lead) -> str:
            meta["items"] = [
                cards.lead(a) if lead and i == 0 else cards.item(a)
                for i, a in enumerate(listing.items[span])
            ]
            return front_matter(meta)

        yield docs_path(page_url(listing.base, number)), inputs, make


def author_card(author: Author, settings: Settings) -> dict[str, Any]:
    """What an author page shows of its author: the authors file's entry, else the name."""
    profile = settings.authors.get(author.name)
    return {
        "name": author.name,
        "bio": profile.bio if profile else None,
        "job_title": profile.job_title if profile else None,
        "photo": author_photo_path(profile) if profile and profile.photo else None,
        "same_as": list(profile.same_as) if profile else [],
        "email": profile.email if profile else None,
    }


def archive_pages(found: Sequence[Listing], settings: Settings) -> dict[str, str]:
    """``archive/``: every year with its months; ``archive/YYYY/``: the months of one year (made
    from the :func:`listings`, not from another walk of the records)."""
    undated = sum(len(listing.items) for listing in found if listing.kind == "undated")
    years: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for listing in sorted(
        (item for item in found if item.kind == "month"), key=lambda item: item.base, reverse=True
    ):
        year, month = map(int, listing.base.split("/")[1:3])
        years[year].append(
            {
                "name": with_digits(month_name(year, month), settings.digits),
                "url": listing.base,
                "count": len(listing.items),
            }
        )
    index = {
        "template": "archive.html",
        "title": "الأرشيف",
        "description": f"كل أخبار {settings.site_name} حسب القسم والشهر",
        "sections": [
            {"name": listing.heading, "url": listing.base, "count": len(listing.items)}
            for listing in sorted(
                (item for item in found if item.kind == "section"),
                key=lambda item: (-len(item.items), item.base),
            )
        ],
        "years": [
            {
                "year": y,
                "year_display": with_digits(str(y), settings.digits),
                "url": f"archive/{y}/",
                "count": sum(m["count"] for m in ms),
                "months": ms,
            }
            for y, ms in years.items()
        ],
        "undated": {"url": "archive/undated/", "count": undated} if undated else None,
    }
    pages = {"archive/index.md": front_matter(index)}
    for y, ms in years.items():
        meta = {
            "template": "archive.html",
            "title": f"أرشيف {with_digits(str(y), settings.digits)}",
            "description": f"أخبار {settings.site_name} في {y} حسب الشهر",
            "years": [
                {
                    "year": y,
                    "year_display": with_digits(str(y), settings.digits),
                    "url": f"archive/{y}/",
                    "count": sum(m["count"] for m in ms),
                    "months": ms,
                }
            ],
            "sections": [],
            "undated": None,
        }
        pages[f"archive/{y}/index.md"] = front_matter(meta)
    return pages


class _Cards:
    """Listing cards, with each calendar day's date formatted once (Babel is the cost of a
    card). Cards are not kept: past the capped listings an article is listed once, in its
    month's archive, and at 100,000 articles kept cards would be about 100 MB."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.days: dict[date, str] = {}

    def item(self, article: Article) -> dict[str, Any]:
        return self._make(article)

    def lead(self, article: Article) -> dict[str, Any]:
        return {**self.item(article), "lead": True}

    def _make(self, article: Article) -> dict[str, Any]:
        shown = None
        if article.published:
            day = article.published.astimezone(self.settings.timezone).date()
            shown = self.days.get(day)
            if shown is None:
                shown = self.days[day] = display_date(
                    article.published, self.settings.timezone, digits=self.settings.digits
                )
        return {
            "headline": article.headline,
            "deck": article.alternative_headline,
            "type_label": article_type(article.article_type).label or None,
            "url": article_path(article),
            "section": article.section,
            "section_url": slug_url("sections", article.section) if article.section else None,
            "published": article.published.isoformat() if article.published else None,
            "published_display": shown,
            "photo": card_photo(article, self.settings),
        }


def _year_of(listing: Listing, settings: Settings) -> dict[str, Any]:
    """A month's year page, for the month's breadcrumb (home › archive › year).

    >>> from types import SimpleNamespace as S
    >>> _year_of(S(kind="month", base="archive/2024/03/"), S(digits="arabic"))
    {'year': {'url': 'archive/2024/', 'label': '٢٠٢٤'}}
    """
    if listing.kind != "month":
        return {}
    year = listing.base.split("/")[1]
    return {"year": {"url": f"archive/{year}/", "label": with_digits(year, settings.digits)}}
