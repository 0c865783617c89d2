"""The files crawlers and feed readers fetch: sitemaps, Google News sitemap, robots.txt, feeds.

Pure: records in, ``(site-relative path, bytes)`` out, one file at a time (at 100,000 articles,
all of them at once were 36 MB beside the search indexer), with every value escaped. Dates
are the articles' own (``lastmod`` never the build date); "now" is a parameter, so the news
sitemap is reproducible (``--now``, ``SOURCE_DATE_EPOCH``).
"""

from __future__ import annotations

import html
import io
import mimetypes
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree as ET

from builder.core.article import Article
from builder.core.settings import Settings
from builder.core.store import briefs
from builder.core.urls import article_path, listed_urls, slug_path, slug_url
from builder.render.jsonld import description
from builder.render.listings import author_urls
from builder.render.pages import sort_newest_first
from builder.render.photos import card_photo, photo_set

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
IMAGE_NS = "http://www.google.com/schemas/sitemap-image/1.1"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
NEWS_WINDOW = timedelta(days=2)
NEWS_MAX = 1000
FEED_ITEMS = 20
PAGES_SITEMAP = "sitemap-pages.xml"  # the pages that are not articles

ET.register_namespace("", SITEMAP_NS)
ET.register_namespace("news", NEWS_NS)
ET.register_namespace("atom", ATOM_NS)  # RSS's self link; Atom feeds take it as default
ET.register_namespace("content", CONTENT_NS)
ET.register_namespace("media", MEDIA_NS)


Bodies = Callable[[Article], Sequence[str]]


@dataclass(frozen=True)
class FeedItems:
    """Which articles the feeds show, by position in the newest-first order: the newest
    overall, and the newest of each section, tag and author (by listing URL: spellings sharing
    one are one feed)."""

    newest: list[int]
    by_listing: dict[str, list[int]]  # listing URL ("sections/x/", "authors/y/") -> positions

    def positions(self) -> list[int]:
        """Every article some feed shows, in order."""
        return sorted(set(self.newest).union(*self.by_listing.values()))


def feed_items(ordered: Sequence[Article], settings: Settings) -> FeedItems:
    """The feeds' items of articles sorted newest first (one walk of their briefs)."""
    newest: list[int] = []
    by_listing: dict[str, list[int]] = {}
    for n, brief in enumerate(briefs(ordered)):
        if not brief.published:
            break  # the undated come last
        if len(newest) < FEED_ITEMS:
            newest.append(n)
        urls = [slug_url("sections", brief.section)] if brief.section else []
        urls += listed_urls("tags", brief.tags)
        urls += author_urls(brief.authors, settings)
        for url in urls:
            items = by_listing.setdefault(url, [])
            if len(items) < FEED_ITEMS:
                items.append(n)
    return FeedItems(newest, by_listing)


def lasting_files(
    ordered: Sequence[Article],
    other_pages: list[str],
    settings: Settings,
    parts: Sequence[tuple[str, datetime | None]],
    shown: Mapping[str, list[Article]] | None = None,
    bodies: Bodies | None = None,
) -> Iterator[tuple[str, bytes]]:
    """The sitemap index and the other pages' sitemap, robots.txt and the feeds: what changes
    only with the listed fields and dates of the articles (``ordered``, newest first) and the
    other pages. ``parts``: the articles' sitemaps, with the newest date each lists.
    ``shown``: the feeds to make, by the page each follows, with their items (:func:`feeds`;
    by default every one)."""
    first = (ordered[0].modified or ordered[0].published) if ordered else None
    yield PAGES_SITEMAP, pages_sitemap(other_pages, first, settings)
    yield "sitemap.xml", sitemap_index([(PAGES_SITEMAP, first), *parts], settings)
    if at_host_root(settings.site_url):
        yield "robots.txt", robots_txt(settings)
    if shown is None:
        items = feed_items(ordered, settings)
        shown = feeds({n: ordered[n] for n in items.positions()}, items)
    text = bodies or (lambda a: a.paragraphs)
    for page, feed in shown.items():
        title = settings.site_name
        if page:
            title += f" - {_listing_name(page, feed[0], settings)}"
        for name, make in (("feed.xml", rss), ("atom.xml", atom)):
            yield page + name, make(feed, settings, title, quote(page) + name, quote(page), text)


def feeds(at: Mapping[int, Article], items: FeedItems) -> dict[str, list[Article]]:
    """Each feed's items, by the page it follows ("" for the whole site's, then each listing's
    in order), from the records at the items' positions (``at``: each read once)."""
    shown = {"": [at[n] for n in items.newest]}
    shown.update(
        (page, [at[n] for n in items.by_listing[page]]) for page in sorted(items.by_listing)
    )
    return shown


def _listing_name(page: str, newest: Article, settings: Settings) -> str:
    """A feed's name: its section, tag or author as the newest article spells it."""
    kind = page.split("/", 1)[0]
    if kind == "sections":
        return newest.section or ""
    if kind == "tags":
        return listed_urls("tags", newest.tags)[page]
    return author_urls(newest.authors, settings)[page]


def at_host_root(site_url: str) -> bool:
    """Whether the site is its host's root: crawlers read robots.txt only there, so a site at
    a path (``https://example.org/news/``) has its robots.txt written beside the site folder,
    for the host's root, not inside it.

    >>> at_host_root("https://example.org/"), at_host_root("https://example.org/news/")
    (True, False)
    """
    return urlsplit(site_url).path in ("", "/")


def robots_txt(settings: Settings) -> bytes:
    """robots.txt: every crawler welcome, both sitemaps named by their absolute URLs."""
    return (
        "User-agent: *\nAllow: /\n\n"
        f"Sitemap: {settings.escaped('sitemap.xml')}\n"
        f"Sitemap: {settings.escaped('news-sitemap.xml')}\n"
    ).encode()


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True)) + b"\n"


def sitemap_name(part: str) -> str:
    """The sitemap of one partition of the articles ("2021-11", "2021-11.2", "undated").

    >>> sitemap_name("2021-11.2")
    'sitemap-2021-11.2.xml'
    """
    return f"sitemap-{part}.xml"


def article_sitemap(
    articles: Iterable[Article], settings: Settings
) -> tuple[bytes, datetime | None]:
    """The sitemap of some articles (one partition of at most 50,000, newest first), and the
    newest date it shows (the index's ``lastmod`` for it). One sitemap a partition: a new or
    changed article makes its partition's sitemap again, and the others stay as they are,
    for the build (at 20,000 articles, one sitemap of them all took 1 s to write every time
    an article was added) and for crawlers (the index says which one changed)."""
    newest: list[datetime] = []

    def urls() -> Iterator[str]:
        for article in articles:
            when = article.modified or article.published
            if when and (not newest or when > newest[0]):  # the first of the latest, as max()
                newest[:] = [when]
            yield _entry(
                "url",
                settings.escaped(slug_path(article.url_slug)),
                when,
                _image_loc(article, settings),
            )  # URL-escaped, as sitemaps (and the pages' canonical links) have it

    document = _document("urlset", urls())
    return document, newest[0] if newest else None


def pages_sitemap(other_pages: list[str], first: datetime | None, settings: Settings) -> bytes:
    """The sitemap of the pages that are not articles (home, listings, about...): only the
    home page's first listing pages carry a date, the newest article's (``first``)."""
    return _document(
        "urlset",
        (
            _entry("url", settings.escaped(rel), first if rel in ("", "page/") else None)
            for rel in other_pages
        ),
    )


def sitemap_index(files: Sequence[tuple[str, datetime | None]], settings: Settings) -> bytes:
    """``sitemap.xml``: the index of the sitemaps, each with the newest date it shows."""
    entries = (_entry("sitemap", settings.escaped(name), when) for name, when in files)
    return _document("sitemapindex", entries)


def _image_loc(article: Article, settings: Settings) -> str | None:
    """The photo an article's page shows, for the sitemap's ``image:image``: as its feeds
    give it (:func:`feed_image`); never a drawn share image (not on the page)."""
    shown = feed_image(article, settings)
    return shown["url"] if shown else None


def _entry(tag: str, loc: str, lastmod: datetime | None, image: str | None = None) -> str:
    """One child of a sitemap, indented as ``ET.indent`` indents it (``&``, ``<`` and ``>``
    escaped, as ElementTree escapes text; ``xml.sax.saxutils`` would do the same, but its
    import brings ``urllib.request``, 20 ms of every build's start).

    >>> _entry("url", "https://x.test/?a=1&b=<2>", None)
    '  <url>\\n    <loc>https://x.test/?a=1&amp;b=&lt;2&gt;</loc>\\n  </url>\\n'
    """
    date = f"    <lastmod>{_escape(lastmod.isoformat())}</lastmod>\n" if lastmod else ""
    if image:
        date += (
            "    <image:image>\n"
            f"      <image:loc>{_escape(image)}</image:loc>\n"
            "    </image:image>\n"
        )
    return f"  <{tag}>\n    <loc>{_escape(loc)}</loc>\n{date}  </{tag}>\n"


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _document(root: str, entries: Iterator[str]) -> bytes:
    """What ``_xml`` makes of a sitemap element holding these (indented) children, each one
    encoded as it comes."""
    out = io.BytesIO()
    images = f' xmlns:image="{IMAGE_NS}"' if root == "urlset" else ""
    out.write(
        f"<?xml version='1.0' encoding='utf-8'?>\n<{root} xmlns=\"{SITEMAP_NS}\"{images}".encode()
    )
    empty = True
    for entry in entries:
        out.write(b">\n" if empty else b"")
        out.write(entry.encode())
        empty = False
    out.write(b" />\n" if empty else f"</{root}>\n".encode())
    return out.getvalue()


def news_sitemap(articles: Sequence[Article], settings: Settings, now: datetime) -> bytes:
    """Google News sitemap: articles published in the two days before ``now``, newest first, at
    most 1,000 (:func:`_in_news`). Made every build: the window moves with "now"."""
    urlset = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for article in _in_news(articles, now):
        assert article.published is not None
        url = ET.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = settings.escaped(article_path(article))
        news = ET.SubElement(url, f"{{{NEWS_NS}}}news")
        publication = ET.SubElement(news, f"{{{NEWS_NS}}}publication")
        ET.SubElement(publication, f"{{{NEWS_NS}}}name").text = settings.site_name
        ET.SubElement(publication, f"{{{NEWS_NS}}}language").text = settings.language
        ET.SubElement(news, f"{{{NEWS_NS}}}publication_date").text = article.published.isoformat()
        ET.SubElement(news, f"{{{NEWS_NS}}}title").text = article.headline
    return _xml(urlset)


def news_leaves(articles: Sequence[Article], now: datetime) -> datetime | None:
    """When the news sitemap made at ``now`` would next change with time alone: the moment the
    oldest article it shows leaves the two-day window (None: it shows none). Held-back
    articles are not among ``articles``: :attr:`builder.pipeline.admit.Admission.later` has
    their time.

    >>> from datetime import UTC
    >>> day = datetime(2025, 1, 1, tzinfo=UTC)
    >>> a = Article("a", "a.txt", "h", None, None, ("p",), published=day)
    >>> news_leaves([a], datetime(2025, 1, 2, tzinfo=UTC))
    datetime.datetime(2025, 1, 3, 0, 0, 0, 1, tzinfo=datetime.timezone.utc)
    >>> news_leaves([a], datetime(2025, 1, 4, tzinfo=UTC)) is None
    True
    """
    recent = _in_news(articles, now)
    if not recent or recent[-1].published is None:
        return None
    return recent[-1].published + NEWS_WINDOW + timedelta(microseconds=1)  # in it until then


def _in_news(articles: Sequence[Article], now: datetime) -> list[Article]:
    """The news sitemap's articles at ``now``, newest first: published in the two days before
    it, at most :data:`NEWS_MAX`. (The build's records are stored newest first, so the walk
    stops at the first article older than the window.)"""
    recent: list[Article] = []
    for a in sort_newest_first(articles):
        if not a.published or a.published < now - NEWS_WINDOW or len(recent) == NEWS_MAX:
            break
        if a.published <= now:
            recent.append(a)
    return recent


def rss(
    items: list[Article],
    settings: Settings,
    title: str,
    path: str,
    page: str = "",
    bodies: Bodies | None = None,
) -> bytes:
    """RSS 2.0 (with atom:link rel=self, as feed validators ask); ``page`` is the site-relative,
    URL-escaped page the feed follows (a section's listing; the home page by default). Each
    item has its summary (``description``), its whole text (``content:encoded``) and its photo
    (``media:content`` and ``enclosure``, of unknown length: 0, as RSS's best practice says)."""
    text = bodies or (lambda a: a.paragraphs)
    root = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(root, "channel")
    ET.SubElement(channel, "title").text = title
    ET.SubElement(channel, "link").text = settings.escaped(page)
    ET.SubElement(channel, "description").text = f"آخر الأخبار من {title}"
    ET.SubElement(channel, "language").text = settings.language
    ET.SubElement(
        channel,
        f"{{{ATOM_NS}}}link",
        {"href": settings.escaped(path), "rel": "self", "type": "application/rss+xml"},
    )
    if items and items[0].published:
        ET.SubElement(channel, "lastBuildDate").text = format_datetime(
            max(a.modified or a.published for a in items if a.published)
        )
    for article in items:
        assert article.published is not None
        link = settings.escaped(article_path(article))
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = article.headline
        ET.SubElement(item, "link").text = link
        ET.SubElement(item, "guid", {"isPermaLink": "true"}).text = link
        ET.SubElement(item, "pubDate").text = format_datetime(article.published)
        ET.SubElement(item, "description").text = html.escape(
            description(article), quote=False
        )  # RSS readers take it as HTML: escaped, it shows as text
        ET.SubElement(item, f"{{{CONTENT_NS}}}encoded").text = content_html(text(article))
        if article.section:
            ET.SubElement(item, "category").text = article.section
        image = feed_image(article, settings)
        if image:
            ET.SubElement(
                item, "enclosure", {"url": image["url"], "length": "0", "type": image["type"]}
            )
            ET.SubElement(item, f"{{{MEDIA_NS}}}content", {"medium": "image", **image})
    return _xml(root)


def content_html(paragraphs: Sequence[str]) -> str:
    """An article's text as the HTML a feed carries: each paragraph escaped, so whatever markup
    the text holds shows as text.

    >>> content_html(["<b>خبر</b> & رأي", "ثانٍ"])
    '<p>&lt;b&gt;خبر&lt;/b&gt; &amp; رأي</p>\\n<p>ثانٍ</p>'
    """
    return "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)


def feed_image(article: Article, settings: Settings) -> dict[str, str] | None:
    """An item's lead photo as ``media:content`` gives it (absolute URL, type, size when known):
    the largest derivative its page shows, or an allowed remote photo as it is; never a drawn
    share image (it repeats the headline)."""
    photos = photo_set(article)
    if photos:
        big = photos.fallback[-1]
        url, width, height = settings.escaped(big.path), big.width, big.height
    else:
        shown = card_photo(article, settings)
        if shown is None:
            return None
        url, width, height = shown["src"], shown["width"], shown["height"]
    kind = mimetypes.guess_type(urlsplit(url).path)[0] or "image/jpeg"
    size = {k: str(v) for k, v in (("width", width), ("height", height)) if v}
    return {"url": url, "type": kind, **size}


def atom(
    items: list[Article],
    settings: Settings,
    title: str,
    path: str,
    page: str = "",
    bodies: Bodies | None = None,
) -> bytes:
    """Atom 1.0, in its default namespace (no prefix on every element: what feed readers are
    tested on); entries without an author inherit the feed's author, the publisher; ``page``
    as for :func:`rss`. Each entry has its summary and its whole text as ``content``, and its
    photo as an ``enclosure`` link."""
    text = bodies or (lambda a: a.paragraphs)
    a = ""  # unqualified names, under the default namespace the root declares
    root = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": settings.language})
    ET.SubElement(root, f"{a}id").text = settings.escaped(path)
    ET.SubElement(root, f"{a}title").text = title
    updated = max(((x.modified or x.published) for x in items if x.published), default=None)
    ET.SubElement(root, f"{a}updated").text = (
        updated or datetime.fromtimestamp(0).astimezone(settings.timezone)
    ).isoformat()
    ET.SubElement(
        root,
        f"{a}link",
        {"href": settings.escaped(path), "rel": "self", "type": "application/atom+xml"},
    )
    ET.SubElement(
        root, f"{a}link", {"href": settings.escaped(page), "rel": "alternate", "type": "text/html"}
    )
    ET.SubElement(ET.SubElement(root, f"{a}author"), f"{a}name").text = settings.publisher_name
    for article in items:
        assert article.published is not None
        link = settings.escaped(article_path(article))
        entry = ET.SubElement(root, f"{a}entry")
        ET.SubElement(entry, f"{a}id").text = link
        ET.SubElement(entry, f"{a}title").text = article.headline
        ET.SubElement(entry, f"{a}updated").text = (
            article.modified or article.published
        ).isoformat()
        ET.SubElement(entry, f"{a}published").text = article.published.isoformat()
        ET.SubElement(entry, f"{a}link", {"href": link, "rel": "alternate", "type": "text/html"})
        image = feed_image(article, settings)
        if image:
            ET.SubElement(
                entry, f"{a}link", {"href": image["url"], "rel": "enclosure", "type": image["type"]}
            )
        for author in article.authors:
            who = ET.SubElement(entry, f"{a}author")
            ET.SubElement(who, f"{a}name").text = author.name
            home = settings.author_path(author)
            if home:
                ET.SubElement(who, f"{a}uri").text = settings.escaped(home)
        if article.section:
            ET.SubElement(entry, f"{a}category", {"term": article.section})
        ET.SubElement(entry, f"{a}summary").text = description(article)
        ET.SubElement(entry, f"{a}content", {"type": "html"}).text = content_html(text(article))
    return _xml(root)
