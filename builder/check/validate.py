"""`builder validate`: read the published site back, as a search engine would, and check it.

Each page's JSON-LD is parsed twice: strictly with ``json.loads`` (extruct is lenient, and one
bad block makes it drop every block of the page) and with extruct. Article pages must carry
exactly one ``NewsArticle``, equal to what the builder wrote into the page's front matter, with
its headline equal to the visible ``<h1>``.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import lxml.html
from lxml.html import HtmlElement
from mkdocs.utils.meta import get_data

from builder.check.discovery import check_discovery
from builder.check.other_hosts import foreign_in_stylesheet, foreign_requests
from builder.check.site_links import broken_links
from builder.check.vocabulary import check_node
from builder.core.article import MIN_IMAGE_PIXELS
from builder.core.article_types import by_schema, schema_types
from builder.core.settings import Settings
from builder.core.urls import ARTICLES

_ISO_WITH_OFFSET = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)$"
)
_DATE_PROPERTIES = ("datePublished", "dateModified")
_URL_KEYS = ("url", "contentUrl", "item", "@id")
LARGE_PREVIEW_WIDTH = 1200  # Google's least width for large image previews and Discover
RECOMMENDED = ("headline", "image", "datePublished", "dateModified", "author")
HEADLINE_MAX = 110


@dataclass(frozen=True)
class Finding:
    level: str  # "error", "warning", or "info" (pending schema.org terms: allowed, reported)
    page: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.page}: {self.message}"


def validate_site(
    site_dir: Path,
    intents: dict[str, Path] | None,
    allowed_hosts: frozenset[str] = frozenset(),
    settings: Settings | None = None,
    now: datetime | None = None,
    article_pages: bool = True,
    known: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    fold: bool = True,
) -> list[Finding]:
    """Check every HTML page and every stylesheet of ``site_dir``; ``intents`` maps each article's
    slug to the Markdown page the builder wrote for it (its intent: the front matter's JSON-LD),
    :func:`builder.pipeline.page_reuse.published_pages`; with ``settings``, the sitemaps, feeds and
    robots.txt too. A partitioned build has checked its article pages already and passes
    ``article_pages=False``.

    ``known`` maps site-relative pages to the (level, message) findings of the very same bytes,
    checked when they were published (a build's reused listing pages): those pages are not read,
    their findings are taken as found. A page's notes are folded into counts unless
    ``fold=False`` (the build records each listing page's own findings, and folds them itself)."""
    now = now or datetime.now(UTC)
    findings: list[Finding] = []
    if not site_dir.is_dir():
        return [Finding("error", str(site_dir), "site folder does not exist")]
    whole = (
        [
            Finding(
                "info",
                str(site_dir),
                "JSON-LD not compared with the builder's intent "
                "(no build folder of this site as it is now)",
            )
        ]
        if intents is None and article_pages
        else []
    )
    intents = intents or {}
    shows = date_shown(settings) if settings is not None else None
    article_dirs = (
        sorted(os.listdir(site_dir / ARTICLES)) if (site_dir / ARTICLES).is_dir() else []
    )  # names, not 20,000 Paths
    seen_articles = len(article_dirs)
    known = known or {}
    pages, stylesheets, files = _site_files(site_dir, article_pages)
    root = (
        (urlsplit(settings.site_url).path or "/") if settings is not None else None
    )  # where links from "/" start
    host = urlsplit(settings.site_url).netloc if settings is not None else None
    for path in pages:
        rel = path.relative_to(site_dir).as_posix()
        is_article = rel.startswith(f"{ARTICLES}/")
        if rel in known:
            found = known[rel]
        else:
            intent = _intent(intents, rel) if is_article else None
            text = path.read_text(encoding="utf-8")
            if (
                files
            ):  # the whole site walked: its links can be followed, in the tree the checks read too
                tree = parse_page(text)
                found = check_page(tree, is_article, intent, allowed_hosts, now, shows)
                found += [
                    ("error", f"link to {link!r}: no such file in the site")
                    for link in broken_links(tree, rel, files, root, host)
                ]
            else:
                found = check_page(text, is_article, intent, allowed_hosts, now, shows)
        findings.extend(Finding(level, rel, msg) for level, msg in found)
    for path in stylesheets:  # a few files, read every time: a url() in one loads on every page
        rel = path.relative_to(site_dir).as_posix()
        findings.extend(
            Finding(level, rel, msg)
            for level, msg in foreign_in_stylesheet(path.read_bytes(), allowed_hosts)
        )
    if fold:
        findings = fold_notes(findings)
    findings = whole + findings  # a note on the whole site, not counted as one page's
    if seen_articles == 0:
        findings.append(Finding("error", str(site_dir), "no article pages found"))
    if settings is not None:
        findings.extend(
            Finding(level, rel, msg)
            for level, rel, msg in check_discovery(site_dir, settings.site_url, now, article_dirs)
        )
    return findings


def _site_files(site_dir: Path, article_pages: bool) -> tuple[list[Path], list[Path], set[str]]:
    """Every HTML page and every stylesheet, in one walk of the site (a large site's walk is not
    free); without article pages, the article and media folders are not walked, and no file
    list is made (the links are followed only over the whole site: ``validate``)."""
    pages: list[Path] = []
    stylesheets: list[Path] = []
    files: set[str] = set()
    for folder, dirs, names in os.walk(site_dir):
        if Path(folder) == site_dir and not article_pages:
            dirs[:] = [d for d in dirs if d not in (ARTICLES, "media")]
        pages.extend(Path(folder) / n for n in names if n.endswith(".html"))
        stylesheets.extend(Path(folder) / n for n in names if n.endswith(".css"))
        if article_pages:
            at = Path(folder).relative_to(site_dir).as_posix()
            files.update(n if at == "." else f"{at}/{n}" for n in names)
    return sorted(pages), sorted(stylesheets), files


def fold_notes(findings: list[Finding]) -> list[Finding]:
    """The same note on many pages is said once, with the count; notes folded before (by a
    partition) add their counts.

    >>> notes = [Finding("info", "a/", "x"), Finding("info", "2 page(s)", "x")]
    >>> folded = fold_notes([*notes, Finding("error", "b/", "y")])
    >>> [(f.level, f.page, f.message) for f in folded]
    [('error', 'b/', 'y'), ('info', '3 page(s)', 'x')]
    """
    notes: Counter[str] = Counter()
    for f in findings:
        if f.level == "info":
            folded = _FOLDED.fullmatch(f.page)
            notes[f.message] += int(folded.group(1)) if folded else 1
    kept = [f for f in findings if f.level != "info"]
    return kept + [Finding("info", f"{n} page(s)", msg) for msg, n in sorted(notes.items())]


_FOLDED = re.compile(r"(\d+) page\(s\)")


def _intent(intents: dict[str, Path], rel: str) -> Any:
    """The JSON-LD the builder wrote for ``articles/<slug>/index.html``, or None."""
    md = intents.get(rel[len(ARTICLES) + 1 :].removesuffix("/index.html"))
    if md is None:
        return None
    _, meta = get_data(md.read_text(encoding="utf-8"))
    return json.loads(meta["jsonld"]) if "jsonld" in meta else None


def date_shown(settings: Settings) -> Callable[[datetime], str]:
    """How the site's pages show a date (its time zone and digits), for :func:`check_page`."""
    from builder.core.dates import display_datetime

    return lambda moment: display_datetime(moment, settings.timezone, digits=settings.digits)


def parse_page(html: str) -> HtmlElement:
    """A page's tree: read by the checks and extruct, then made the search shadow."""
    return lxml.html.fromstring(html)


def check_page(
    html: str | HtmlElement,
    is_article: bool,
    intent: Any = None,
    allowed_hosts: frozenset[str] = frozenset(),
    now: datetime | None = None,
    shows: Callable[[datetime], str] | None = None,
) -> list[tuple[str, str]]:
    """Problems found in one page (its text, or the tree :func:`parse_page` made of it), as
    (level, message) pairs. The checks only read the tree, and extruct reads the same one: a
    page parsed once, not twice (0.4 ms a page). ``shows`` gives the text a date is shown as
    (the site's zone and digits): with it, the dates a reader sees are checked too, not only
    their ``datetime`` attributes."""
    problems: list[tuple[str, str]] = []
    tree = parse_page(html) if isinstance(html, str) else html
    root = tree.getroottree().getroot()
    if root.get("lang") is None or root.get("dir") != "rtl":
        problems.append(("error", '<html> lacks lang and dir="rtl"'))
    problems.extend(foreign_requests(tree, allowed_hosts))
    blocks = tree.xpath('//script[@type="application/ld+json"]')
    strict: list[Any] = []
    for block in blocks:
        try:
            strict.append(json.loads(block.text or ""))
        except json.JSONDecodeError as exc:
            problems.append(("error", f"JSON-LD is not valid JSON: {exc}"))
    for data in strict:
        problems.extend(
            check_node(data) if isinstance(data, dict) else [("error", "JSON-LD is not an object")]
        )
    if not is_article:
        return problems + [p for data in strict for p in profile_problems(data, tree)]
    if len(blocks) != 1:
        problems.append(("error", f"expected exactly one JSON-LD block, found {len(blocks)}"))
        return problems
    import extruct  # 0.2 s to import: the build process checks few pages itself

    extracted = extruct.extract(tree, syntaxes=["json-ld"], errors="log").get("json-ld", [])
    if len(extracted) != 1:
        problems.append(("error", "extruct could not read the JSON-LD block"))
        return problems
    data = extracted[0]
    if strict and strict[0] != data:
        problems.append(("error", "extruct and strict JSON parsing disagree"))
    if intent is not None and data != intent:
        problems.append(("error", "JSON-LD differs from what the builder emitted"))
    graph = data.get("@graph", [data]) if isinstance(data, dict) else []
    problems.extend(_check_graph(graph, tree))
    problems.extend(google_rules(graph, tree, now or datetime.now(UTC)))
    if shows is not None:
        times = '//p[@class="dates"]//time[@datetime] | //p[@class="correction"]//time[@datetime]'
        for time in tree.xpath(times):
            moment = _parse_date(time.get("datetime"))
            seen = " ".join(time.text_content().split())
            if moment is not None and seen != shows(moment):
                problems.append(
                    (
                        "error",
                        f"date shown as {seen!r}, but its datetime {time.get('datetime')} "
                        f"reads {shows(moment)!r}",
                    )
                )
    return problems


def profile_problems(data: Any, tree: Any) -> list[tuple[str, str]]:
    """An author page's ``ProfilePage``: its ``mainEntity`` is a ``Person`` of the same graph,
    named as the page's visible ``<h1>`` names them.

    >>> tree = parse_page("<html><h1><bdi>ليلى</bdi></h1></html>")
    >>> graph = {"@graph": [{"@type": "ProfilePage", "mainEntity": {"@id": "#p"}},
    ...     {"@type": "Person", "@id": "#p", "name": "ليلى"}]}
    >>> profile_problems(graph, tree)
    []
    >>> graph["@graph"][1]["name"] = "نورة"
    >>> profile_problems(graph, tree)
    [('error', "ProfilePage's Person 'نورة' differs from the visible <h1> 'ليلى'")]
    """
    graph = data.get("@graph", [data]) if isinstance(data, dict) else []
    nodes = {n.get("@id"): n for n in graph if isinstance(n, dict)}
    problems: list[tuple[str, str]] = []
    for page in (n for n in graph if isinstance(n, dict) and n.get("@type") == "ProfilePage"):
        person = nodes.get((page.get("mainEntity") or {}).get("@id"), {})
        if person.get("@type") != "Person":
            problems.append(("error", "ProfilePage's mainEntity is no Person of its graph"))
            continue
        h1 = tree.xpath("//h1//bdi")
        seen = " ".join(h1[0].text_content().split()) if h1 else None
        if seen != person.get("name"):
            problems.append(
                (
                    "error",
                    f"ProfilePage's Person {person.get('name')!r} differs from the visible "
                    f"<h1> {seen!r}",
                )
            )
    return problems


def _check_graph(graph: list[Any], tree: Any) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    news = [n for n in graph if isinstance(n, dict) and n.get("@type") in schema_types()]
    if len(news) != 1:
        return [("error", f"expected exactly one NewsArticle, found {len(news)}")]
    article = news[0]
    labels = [" ".join(p.text_content().split()) for p in tree.xpath('//*[@class="article-type"]')]
    label = by_schema()[article["@type"]].label
    kicker = [" ".join(p.text_content().split()) for p in tree.xpath('//*[@class="kicker"]')]
    if label and not labels and kicker[:1] == [label]:
        labels = kicker[:1]  # the section's name says it (an opinion piece in section «رأي»)
    if labels != ([label] if label else []):
        problems.append(
            (
                "error",
                f"type label shown {labels} does not say the JSON-LD type {article['@type']} "
                f"({label!r})",
            )
        )
    shown = [
        (
            c.xpath(".//time/@datetime"),
            " ".join(c.xpath("string(.//*[@class='correction-text'])").split()),
        )
        for c in tree.xpath('//p[@class="correction"]')
    ]
    marked = [
        ([n.get("datePublished")], n.get("text")) if isinstance(n, dict) else ([], None)
        for n in article.get("correction", [])
    ]
    if shown != marked:
        problems.append(
            ("error", f"corrections shown {shown} differ from the JSON-LD corrections {marked}")
        )
    h1 = tree.xpath("//h1")
    visible = " ".join(h1[0].text_content().split()) if len(h1) == 1 else None
    if len(h1) != 1:
        problems.append(("error", f"expected exactly one <h1>, found {len(h1)}"))
    elif visible != article.get("headline"):
        problems.append(
            (
                "error",
                f"headline {article.get('headline')!r} differs from the visible <h1> {visible!r}",
            )
        )
    for prop in _DATE_PROPERTIES:
        value = article.get(prop)
        if value is not None and not _ISO_WITH_OFFSET.match(str(value)):
            problems.append(("error", f"{prop} {value!r} is not ISO 8601 with a UTC offset"))
    ids = {n.get("@id") for n in graph if isinstance(n, dict)}
    for ref in _references(graph):
        if ref not in ids:
            problems.append(("error", f"@id reference {ref!r} points to no node of the graph"))
    canonical = tree.xpath('//link[@rel="canonical"]/@href')
    main = (article.get("mainEntityOfPage") or {}).get("@id")
    if not canonical:
        problems.append(("error", f"no canonical link (the article's page is {main!r})"))
    elif [unquote(c) for c in canonical] != [
        unquote(main or "")
    ]:  # MkDocs percent-encodes an Arabic slug; JSON-LD keeps the IRI: one URL
        problems.append(
            ("error", f"canonical link {canonical} differs from the article's page {main!r}")
        )
    return problems


def google_rules(graph: list[Any], tree: Any, now: datetime) -> list[tuple[str, str]]:
    """Google's Article guidance: recommended properties, dates, absolute URLs, image size,
    and the visible page agreeing with the markup."""
    problems: list[tuple[str, str]] = []
    nodes = {n.get("@id"): n for n in graph if isinstance(n, dict)}
    article = next(n for n in graph if isinstance(n, dict) and n.get("@type") in schema_types())
    for prop in RECOMMENDED:
        if prop not in article:
            problems.append(
                ("warning", f"NewsArticle has no {prop} (recommended; no input gave it)")
            )
    if len(article.get("headline", "")) > HEADLINE_MAX:
        problems.append(("warning", f"headline longer than {HEADLINE_MAX} characters"))
    dates = {p: _parse_date(article.get(p)) for p in _DATE_PROPERTIES}
    for prop, moment in dates.items():
        if moment and moment > now:
            problems.append(
                ("error", f"{prop} {article[prop]} is in the future (now {now.isoformat()})")
            )
    if (
        dates["datePublished"]
        and dates["dateModified"]
        and dates["dateModified"] < dates["datePublished"]
    ):
        problems.append(("error", "dateModified is earlier than datePublished"))
    for key, value in _url_values(graph):
        if urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc:
            problems.append(("error", f"{key} {value!r} is not an absolute URL"))
    for node in graph:
        if isinstance(node, dict) and node.get("@type") == "ImageObject":
            width, height = node.get("width"), node.get("height")
            if isinstance(width, int) and isinstance(height, int):
                if width * height < MIN_IMAGE_PIXELS:
                    problems.append(
                        (
                            "error",
                            f"image {node.get('url')} has {width * height} pixels; "
                            f"Google needs at least {MIN_IMAGE_PIXELS}",
                        )
                    )
                if not any(abs(width / height - r) < 0.02 for r in (16 / 9, 4 / 3, 1.0)):
                    problems.append(
                        (
                            "info",
                            "image aspect ratio is not 16:9, 4:3 or 1:1 "
                            "(Google's preferred ratios)",
                        )
                    )
            elif (
                width is None and height is None
            ):  # a photo given as a URL: nothing here fetches it
                problems.append(
                    (
                        "info",
                        "photo size unknown (given as a URL, not fetched): "
                        "Google's 50,000-pixel minimum not checked",
                    )
                )
            else:
                problems.append(
                    (
                        "error",
                        f"image {node.get('url')}: width and height must both be whole numbers "
                        f"(found {width!r}, {height!r})",
                    )
                )
    widths = [
        n["width"]
        for n in graph
        if isinstance(n, dict)
        and n.get("@type") == "ImageObject"
        and isinstance(n.get("width"), int)
    ]
    if widths and max(widths) < LARGE_PREVIEW_WIDTH:
        problems.append(
            (
                "warning",
                f"largest image is {max(widths)} px wide, under the {LARGE_PREVIEW_WIDTH:,} "
                "Google needs for large previews (Discover): give a larger photo",
            )
        )
    shown = tree.xpath('//p[@class="dates"]//time/@datetime')
    declared = list(dict.fromkeys(article[p] for p in _DATE_PROPERTIES if p in article))
    if shown != declared:
        problems.append(("error", f"dates shown {shown} differ from the JSON-LD dates {declared}"))
    byline = [
        " ".join(b.text_content().split())
        for b in tree.xpath('//p[@class="byline"]//*[@class="author"]')
    ]
    authors = [nodes.get(ref.get("@id"), {}).get("name") for ref in article.get("author", [])]
    if byline != authors:
        problems.append(("error", f"byline {byline} differs from the JSON-LD authors {authors}"))
    return problems


def _parse_date(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return (
        moment if moment and moment.utcoffset() is not None else None
    )  # naive: reported by the format check


def _url_values(value: Any, key: str = "") -> list[tuple[str, str]]:
    """Every URL-valued property (url, contentUrl, item, @id) anywhere in the graph."""
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in _url_values(v, k)]
    if isinstance(value, list):
        return [found for v in value for found in _url_values(v, key)]
    return [(key, value)] if key in _URL_KEYS and isinstance(value, str) else []


def _references(value: Any) -> list[str]:
    """Every ``{"@id": ...}`` used as a link (a dict with nothing but an @id)."""
    if isinstance(value, dict):
        if set(value) == {"@id"}:
            return [value["@id"]]
        return [ref for v in value.values() for ref in _references(v)]
    if isinstance(value, list):
        return [ref for v in value for ref in _references(v)]
    return []


def summary_counts(findings: list[Finding]) -> str:
    count = Counter(f.level for f in findings)
    return f"{count['error']} error(s), {count['warning']} warning(s), {count['info']} note(s)"
