"""Checks of the crawler files against their formats: sitemaps (and index), Google News
sitemap, robots.txt, RSS 2.0 and Atom feeds. Part of ``builder validate``."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

from builder.core.urls import ARTICLES, uri
from builder.render.discovery import (
    ATOM_NS,
    NEWS_MAX,
    NEWS_NS,
    NEWS_WINDOW,
    SITEMAP_NS,
    at_host_root,
)

Problem = tuple[str, str, str]  # (level, file, message)
SITEMAP_MAX = 50_000


def check_discovery(
    site_dir: Path, site_url: str, now: datetime, articles: Iterable[str]
) -> list[Problem]:
    return check_lasting(site_dir, site_url, articles) + check_news(site_dir, site_url, now)


def check_lasting(
    site_dir: Path,
    site_url: str,
    articles: Iterable[str],
    trusted: Mapping[str, Iterable[str]] | None = None,
    trusted_feeds: Collection[str] = (),
) -> list[Problem]:
    """The sitemaps (every article in them: ``articles`` are the article folders' names),
    robots.txt and the feeds: all but the news sitemap, whose window moves with "now".
    ``trusted``: sitemaps of the index not read again (the build's, checked when they were
    made and unchanged since), each with the article folders it lists; ``trusted_feeds``:
    feeds so (site-relative paths)."""
    problems: list[Problem] = []
    site_url = uri(
        site_url
    )  # as the sitemaps and feeds write it: an Arabic host in IDNA, a path escaped
    host = urlsplit(site_url).netloc
    prefix = f"{site_url}{ARTICLES}/"
    unlisted = set(articles)
    _check_sitemaps(site_dir, host, prefix, unlisted, problems, trusted or {})
    for name in sorted(unlisted):
        problems.append(
            ("error", "sitemap.xml", f"article {prefix}{name}/ is missing from the sitemap")
        )
    _check_robots(site_dir, site_url, problems)
    for name, check in (("feed.xml", _check_rss), ("atom.xml", _check_atom)):
        own = (
            p for kind in ("sections", "tags", "authors") for p in site_dir.glob(f"{kind}/*/{name}")
        )
        for feed in [site_dir / name, *sorted(own)]:
            if feed.relative_to(site_dir).as_posix() not in trusted_feeds:
                check(feed, site_dir, host, problems)
    return problems


def check_sitemap(
    site_dir: Path, name: str, site_url: str, articles: Iterable[str]
) -> list[Problem]:
    """One sitemap of the index, and that it lists every one of ``articles`` (folder names)."""
    problems: list[Problem] = []
    site_url = uri(site_url)
    prefix = f"{site_url}{ARTICLES}/"
    unlisted = set(articles)
    stream = _stream(site_dir / name, site_dir, problems)
    if stream is not None and stream[0] != f"{{{SITEMAP_NS}}}urlset":
        problems.append(("error", name, f"root element {stream[0]} is not urlset"))
    elif stream is not None:
        _check_urlset(name, stream[1], urlsplit(site_url).netloc, prefix, unlisted, problems)
    problems.extend(
        ("error", name, f"article {prefix}{folder}/ is missing from the sitemap")
        for folder in sorted(unlisted)
    )
    return problems


def check_news(site_dir: Path, site_url: str, now: datetime) -> list[Problem]:
    problems: list[Problem] = []
    _check_news(site_dir, urlsplit(uri(site_url)).netloc, now, problems)
    return problems


def _parse(path: Path, site_dir: Path, problems: list[Problem]) -> ET.Element | None:
    rel = path.relative_to(site_dir).as_posix()
    if not path.is_file():
        problems.append(("error", rel, "missing"))
        return None
    try:
        return ET.parse(path).getroot()
    except ET.ParseError as exc:
        problems.append(("error", rel, f"not well-formed XML: {exc}"))
        return None


def _absolute_on(url: str | None, host: str) -> bool:
    """Whether ``url`` is an http(s) URL on ``host``. A sitemap lists every article, so the
    common form is told by its start, without ``urlsplit`` (0.1 to 0.2 s at 20,000 URLs).

    >>> [_absolute_on(u, "x.test") for u in (
    ...     "https://x.test/a/", "http://x.test", "https://x.test.evil/", "https://a@x.test/",
    ...     "ftp://x.test/", None,
    ... )]
    [True, True, False, False, False, False]
    """
    if url and url.startswith((f"https://{host}/", f"http://{host}/")):
        return True
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and parts.netloc == host


def _iso_with_offset(value: str | None) -> bool:
    try:
        return value is not None and datetime.fromisoformat(value).utcoffset() is not None
    except ValueError:
        return False


def _check_sitemaps(
    site_dir: Path,
    host: str,
    prefix: str,
    unlisted: set[str],
    problems: list[Problem],
    trusted: Mapping[str, Iterable[str]],
) -> None:
    """Each sitemap is read as a stream, one entry at a time, and each article it lists is
    struck off ``unlisted`` (article folder names): at 100,000 articles, a parsed tree of
    50,000 URLs and a set of every URL listed took 124 MB beside the search indexer."""
    s = f"{{{SITEMAP_NS}}}"
    stream = _stream(site_dir / "sitemap.xml", site_dir, problems)
    if stream is None:
        return
    tag, entries = stream
    if tag == f"{s}urlset":
        _check_urlset("sitemap.xml", entries, host, prefix, unlisted, problems)
        return
    if tag != f"{s}sitemapindex":
        problems.append(
            ("error", "sitemap.xml", f"root element {tag} is neither urlset nor sitemapindex")
        )
        return
    names = []
    for entry in entries:
        loc = entry.findtext(f"{s}loc")
        if _absolute_on(loc, host):
            names.append(urlsplit(loc or "").path.rsplit("/", 1)[-1])
        else:
            problems.append(
                (
                    "error",
                    "sitemap.xml",
                    f"sitemap index entry {loc!r} is not an absolute URL on the site",
                )
            )
    for name in names:
        if name in trusted:
            unlisted.difference_update(trusted[name])
            continue
        stream = _stream(site_dir / name, site_dir, problems)
        if stream is not None and stream[0] != f"{s}urlset":
            problems.append(("error", name, f"root element {stream[0]} is not urlset"))
        elif stream is not None:
            _check_urlset(name, stream[1], host, prefix, unlisted, problems)


def _check_urlset(
    name: str,
    entries: Iterator[ET.Element],
    host: str,
    prefix: str,
    unlisted: set[str],
    problems: list[Problem],
) -> None:
    s = f"{{{SITEMAP_NS}}}"
    count = 0
    for url in entries:
        if url.tag != f"{s}url":
            continue
        count += 1
        loc, lastmod = url.findtext(f"{s}loc"), url.findtext(f"{s}lastmod")
        if not _absolute_on(loc, host):
            problems.append(("error", name, f"<loc> {loc!r} is not an absolute URL on the site"))
        elif not (loc or "").isascii():
            problems.append(
                (
                    "error",
                    name,
                    f"<loc> {loc!r} is not URL-escaped "
                    "(sitemaps take Arabic letters percent-encoded)",
                )
            )
        if lastmod is not None and not _iso_with_offset(lastmod):
            problems.append(
                ("error", name, f"<lastmod> {lastmod!r} is not a W3C date-time with offset")
            )
        if loc and loc.startswith(prefix) and loc.endswith("/"):
            unlisted.discard(unquote(loc[len(prefix) : -1]))
    if count > SITEMAP_MAX:
        problems.append(("error", name, f"{count} URLs: a sitemap holds at most {SITEMAP_MAX}"))


def _stream(
    path: Path, site_dir: Path, problems: list[Problem]
) -> tuple[str, Iterator[ET.Element]] | None:
    """The root's tag, and its children as each one ends (then dropped from the tree)."""
    rel = path.relative_to(site_dir).as_posix()
    if not path.is_file():
        problems.append(("error", rel, "missing"))
        return None
    events = ET.iterparse(path, events=("start", "end"))
    try:
        _, root = next(events)
    except ET.ParseError as exc:
        problems.append(("error", rel, f"not well-formed XML: {exc}"))
        return None
    return root.tag, _children(root, events, rel, problems)


def _children(
    root: ET.Element, events: Iterator[tuple[str, Any]], rel: str, problems: list[Problem]
) -> Iterator[ET.Element]:
    depth = 1
    try:
        for event, element in events:
            depth += 1 if event == "start" else -1
            if event == "end" and depth == 1:
                yield element
                root.clear()
    except ET.ParseError as exc:
        problems.append(("error", rel, f"not well-formed XML: {exc}"))


def _check_news(site_dir: Path, host: str, now: datetime, problems: list[Problem]) -> None:
    s, n = f"{{{SITEMAP_NS}}}", f"{{{NEWS_NS}}}"
    root = _parse(site_dir / "news-sitemap.xml", site_dir, problems)
    if root is None:
        return
    urls = root.findall(f"{s}url")
    if len(urls) > NEWS_MAX:
        problems.append(
            (
                "error",
                "news-sitemap.xml",
                f"{len(urls)} articles: a news sitemap holds at most {NEWS_MAX}",
            )
        )
    for url in urls:
        loc = url.findtext(f"{s}loc")
        date = url.findtext(f"{n}news/{n}publication_date")
        if not _absolute_on(loc, host):
            problems.append(
                ("error", "news-sitemap.xml", f"<loc> {loc!r} is not an absolute URL on the site")
            )
        elif not (loc or "").isascii():
            problems.append(
                (
                    "error",
                    "news-sitemap.xml",
                    f"<loc> {loc!r} is not URL-escaped "
                    "(sitemaps take Arabic letters percent-encoded)",
                )
            )
        if not (
            url.findtext(f"{n}news/{n}publication/{n}name")
            and url.findtext(f"{n}news/{n}publication/{n}language")
            and url.findtext(f"{n}news/{n}title")
        ):
            problems.append(
                (
                    "error",
                    "news-sitemap.xml",
                    f"{loc}: news:publication name/language or news:title missing",
                )
            )
        if not _iso_with_offset(date):
            problems.append(
                (
                    "error",
                    "news-sitemap.xml",
                    f"{loc}: publication_date {date!r} is not ISO 8601 with offset",
                )
            )
        elif not now - NEWS_WINDOW <= datetime.fromisoformat(date or "") <= now:
            problems.append(
                (
                    "error",
                    "news-sitemap.xml",
                    f"{loc}: published {date}, outside the two days before {now.isoformat()}",
                )
            )


def _check_robots(site_dir: Path, site_url: str, problems: list[Problem]) -> None:
    path = site_dir / "robots.txt"
    if at_host_root(site_url):
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        problems.extend(robots_problems(text, site_url))
    elif path.is_file():
        problems.append(
            (
                "warning",
                "robots.txt",
                f"crawlers read robots.txt only at the host's root, not under {site_url}",
            )
        )


def robots_problems(text: str, site_url: str) -> list[Problem]:
    """What is wrong with a robots.txt for the site at ``site_url`` (as escaped by
    :func:`builder.core.urls.uri`): it must name both sitemaps.

    >>> robots_problems("Sitemap: https://h/sitemap.xml\\n", "https://h/")
    [('error', 'robots.txt', 'does not name https://h/news-sitemap.xml')]
    """
    return [
        ("error", "robots.txt", f"does not name {site_url}{name}")
        for name in ("sitemap.xml", "news-sitemap.xml")
        if f"Sitemap: {site_url}{name}" not in text
    ]


def _check_rss(path: Path, site_dir: Path, host: str, problems: list[Problem]) -> None:
    rel = path.relative_to(site_dir).as_posix()
    root = _parse(path, site_dir, problems)
    if root is None:
        return
    channel = root.find("channel")
    if root.tag != "rss" or root.get("version") != "2.0" or channel is None:
        problems.append(("error", rel, "not an RSS 2.0 document"))
        return
    for field in ("title", "link", "description"):
        if not channel.findtext(field):
            problems.append(("error", rel, f"channel has no <{field}>"))
    for item in channel.findall("item"):
        link = item.findtext("link")
        if not item.findtext("title") or not _absolute_on(link, host):
            problems.append(
                ("error", rel, f"item {link!r}: needs a title and an absolute link on the site")
            )
        try:
            parsedate_to_datetime(item.findtext("pubDate") or "")
        except (TypeError, ValueError):
            problems.append(("error", rel, f"item {link!r}: pubDate is not an RFC 822 date"))


def _check_atom(path: Path, site_dir: Path, host: str, problems: list[Problem]) -> None:
    a = f"{{{ATOM_NS}}}"
    rel = path.relative_to(site_dir).as_posix()
    root = _parse(path, site_dir, problems)
    if root is None:
        return
    if root.tag != f"{a}feed":
        problems.append(("error", rel, "not an Atom feed"))
        return
    for field in ("id", "title", "updated"):
        if not root.findtext(f"{a}{field}"):
            problems.append(("error", rel, f"feed has no <{field}>"))
    has_feed_author = root.find(f"{a}author/{a}name") is not None
    for entry in root.findall(f"{a}entry"):
        entry_id = entry.findtext(f"{a}id")
        if not (
            entry.findtext(f"{a}title")
            and _absolute_on(entry_id, host)
            and _iso_with_offset(entry.findtext(f"{a}updated"))
        ):
            problems.append(
                (
                    "error",
                    rel,
                    f"entry {entry_id!r}: needs title, absolute id and updated with offset",
                )
            )
        if not has_feed_author and entry.find(f"{a}author/{a}name") is None:
            problems.append(("error", rel, f"entry {entry_id!r}: no author (and no feed author)"))
