"""Reader for saved HTML article pages.

The page's own metadata is read with extruct (JSON-LD, OpenGraph, microdata), preferring the
publisher's structured data; the body is taken by trafilatura, a maintained main-content
extractor, rather than by our own heuristics. Page chrome trafilatura keeps is then removed
with the source profile, as for raw text.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import lxml.html
import trafilatura
from lxml import etree

from builder.core.article import Article, Image, ReadResult
from builder.core.article_types import by_schema
from builder.read.date_line import is_date_line
from builder.read.decode import DecodeError, decode
from builder.read.normalize import normalize_line, normalize_text
from builder.read.profile import Profile
from builder.read.raw_text import ParseError, article_id, clean_body, dateline, split_credit
from builder.read.sidecar import MetadataError, gaps, parse_metadata, why, with_metadata

_ARTICLE_TYPES = {
    "NewsArticle",
    "Article",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "BlogPosting",
    "OpinionNewsArticle",
}


def read_html(path: Path, profile: Profile) -> ReadResult:
    source = str(path)
    try:
        decoded = decode(path.read_bytes())
        article, warnings = html_article(
            decoded.text, article_id(path.name), source, path.parent, profile
        )
    except (OSError, DecodeError, ParseError, MetadataError) as exc:
        return ReadResult(source, None, why(exc))
    except (
        etree.ParserError,
        etree.XMLSyntaxError,
    ) as exc:  # lxml on text that is no HTML document
        return ReadResult(source, None, f"not an HTML page: {exc}")
    repair = (decoded.repair,) if decoded.repair else ()
    return ReadResult(source, article, warnings=repair + warnings + gaps(article))


def html_article(
    html: str, aid: str, source: str, base_dir: Path, profile: Profile
) -> tuple[Article, tuple[str, ...]]:
    import extruct  # 0.2 s to import, needed only for saved HTML pages

    data = extruct.extract(
        html, syntaxes=["json-ld", "opengraph", "microdata"], uniform=True, errors="ignore"
    )
    ld = _article_node(data.get("json-ld", []) + data.get("microdata", []))
    og = _opengraph(data.get("opengraph", []))
    tree = lxml.html.fromstring(html)
    h1 = _text(tree, "//h1")
    headline = _first(ld.get("headline"), og.get("og:title"), h1, _text(tree, "//title"))
    if not headline:
        raise ParseError("no headline in the page (JSON-LD, OpenGraph, <h1> or <title>)")
    body = (
        trafilatura.extract(
            html, include_comments=False, include_tables=False, favor_precision=True
        )
        or ""
    )
    lines = [normalize_line(line) for line in normalize_text(body).split("\n")]
    given_deck = normalize_line(_first(ld.get("alternativeHeadline")) or "") or None
    kickers = _kickers(
        tree,
        {
            normalize_line(d)
            for d in (
                given_deck,
                _first(ld.get("description")),
                og.get("og:description"),
                _first(*tree.xpath("//meta[@name='description']/@content")),
            )
            if isinstance(d, str) and d.strip()
        },
        profile.deck_classes,
    )
    paragraphs = _without_page_header(
        [p for p in clean_body(lines, profile) if p != headline and p not in kickers],
        {normalize_line(headline), h1},
        tree,
    )
    if not paragraphs:
        raise ParseError("no article body found in the page")
    caption_text = _text(tree, "//figure//figcaption")
    image = None
    if caption_text:
        caption, credit = split_credit(caption_text, profile)
        image = Image(caption=caption, credit=credit)
    photo = _image_url(ld.get("image"), og.get("og:image"))
    kind = by_schema().get(ld["@type"]) if isinstance(ld.get("@type"), str) else None
    metadata, warnings = parse_metadata(
        {
            k: v
            for k, v in {
                "published": _first(ld.get("datePublished"), og.get("article:published_time")),
                "modified": _first(ld.get("dateModified"), og.get("article:modified_time")),
                "authors": _authors(ld.get("author")),
                "section": _first(ld.get("articleSection"), og.get("article:section")),
                "tags": _tags(ld.get("keywords"), og.get("article:tag")),
                "type": kind.key if kind else None,  # the page's own OpinionNewsArticle...
                "image": photo,
                "image_alt": normalize_line(
                    _first(og.get("og:image:alt"), *tree.xpath("//figure//img/@alt")) or ""
                )
                if photo
                else None,
            }.items()
            if v
        },
        base_dir=base_dir,
        profile=profile,
    )
    article = Article(
        id=aid,
        source=source,
        headline=normalize_line(headline),
        alternative_headline=given_deck or (min(kickers) if len(kickers) == 1 else None),
        image=image,
        paragraphs=tuple(paragraphs),
        dateline=dateline(paragraphs[0], profile),
    )
    return with_metadata(article, metadata, profile), warnings


def _without_page_header(
    paragraphs: list[str], titles: set[str | None], tree: Any = None
) -> list[str]:
    """The body without what the page prints above it: the page's title (its ``<h1>`` may
    differ from the headline its JSON-LD or OpenGraph gives) and its date line. Leading lines
    go. trafilatura can also move a date printed above the article's element to the end of its
    text: a date line last goes too when the page (``tree``) prints it only before the body.
    Anywhere else, such a line is the article's own text.

    >>> import lxml.html
    >>> page = lxml.html.fromstring("<body><h1>عنوان</h1><p>5 مايو 2025</p>"
    ...     "<article><p><b>الرباط:</b> نص الخبر.</p></article></body>")
    >>> _without_page_header(["الرباط: نص الخبر.", "5 مايو 2025"], set(), page)
    ['الرباط: نص الخبر.']
    >>> page = lxml.html.fromstring("<body><article><p><b>الرباط:</b> نص الخبر.</p>"
    ...     "<p>5 مايو 2025</p></article></body>")
    >>> _without_page_header(["الرباط: نص الخبر.", "5 مايو 2025"], set(), page)
    ['الرباط: نص الخبر.', '5 مايو 2025']
    """
    start, end = 0, len(paragraphs)
    while start < end and (paragraphs[start] in titles or is_date_line(paragraphs[start])):
        start += 1
    while (
        tree is not None
        and end > start + 1
        and is_date_line(paragraphs[end - 1])
        and _only_before(tree, paragraphs[end - 1], paragraphs[start])
    ):
        end -= 1
    return paragraphs[start:end]


def _kickers(tree: Any, decks: set[str], classes: frozenset[str]) -> set[str]:
    """The texts of the page's deck elements: a subheading (``h2``-``h6``) or an element
    whose class or id names a deck (the profile's ``deck_classes``: ``article__kicker``),
    whose text is the page's deck or description. Such an element is the deck, not body text.
    A plain paragraph equal to the description stays: many sites make the description of the
    first paragraph.

    >>> import lxml.html
    >>> page = lxml.html.fromstring("<article><p class='post-kicker'>موجز الخبر</p>"
    ...     "<p>موجز الخبر</p><p>نص</p></article>")
    >>> _kickers(page, {"موجز الخبر"}, frozenset({"kicker"}))
    {'موجز الخبر'}
    >>> _kickers(page, {"موجز الخبر"}, frozenset({"deck"}))
    set()
    """
    found: set[str] = set()
    if not decks:
        return found
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in _SUBHEADINGS or _name_parts(element) & classes:
            text = normalize_line(element.text_content())
            if text in decks:
                found.add(text)
    return found


def _name_parts(element: Any) -> set[str]:
    """The parts of an element's class and id names, alone and two by two run together
    (``article__sub-title``: article, sub, title, subtitle)."""
    parts: set[str] = set()
    for name in f"{element.get('class', '')} {element.get('id', '')}".lower().split():
        pieces = [p for p in re.split(r"[_\-]+", name) if p]
        parts.update(pieces, (a + b for a, b in pairwise(pieces)))
    return parts


_SUBHEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})


def _only_before(tree: Any, line: str, first: str) -> bool:
    """Whether every element of the page whose whole text is ``line`` comes before the first
    element whose text begins with the body's ``first`` paragraph (elements in document order,
    each one's text as the reader sees it: inline markup such as <b> is part of it). A page that
    prints the same date again after that (a header's date, the article's own) keeps it."""
    opening, found, before = first[:40], False, False
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style"):
            continue
        text = normalize_line(element.text_content())
        if not found and text.startswith(opening):
            found = True
        elif text == line:
            if found:
                return False
            before = True
    return found and before


def _article_node(nodes: list[Any]) -> dict[str, Any]:
    for node in _flatten(nodes):
        types = node.get("@type")
        if set(types if isinstance(types, list) else [types]) & _ARTICLE_TYPES:
            return node
    return {}


def _flatten(nodes: list[Any]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for node in nodes:
        if isinstance(node, dict):
            flat.append(node)
            flat.extend(_flatten(node.get("@graph", [])))
    return flat


def _opengraph(items: list[Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for item in items:
        if isinstance(item, dict):
            for key, value in item.items():
                merged.setdefault(key, value)
    return merged


def _first(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _text(tree: Any, xpath: str) -> str | None:
    found = tree.xpath(xpath)
    return normalize_line(found[0].text_content()) or None if found else None


def _authors(value: Any) -> list[dict[str, str]]:
    items = value if isinstance(value, list) else [value] if value else []
    authors = []
    for item in items:
        if isinstance(item, str) and item.strip():
            authors.append({"name": item})
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            kind = "Organization" if "Organization" in str(item.get("@type", "")) else "Person"
            authors.append(
                {"name": item["name"], "type": kind}
                | ({"url": item["url"]} if isinstance(item.get("url"), str) else {})
            )
    return authors


def _tags(keywords: Any, og_tags: Any) -> list[str]:
    if isinstance(keywords, str):
        return [k.strip() for k in keywords.split(",") if k.strip()]
    if isinstance(keywords, list):
        return [k for k in keywords if isinstance(k, str)]
    return [t for t in (og_tags if isinstance(og_tags, list) else [og_tags]) if isinstance(t, str)]


def _image_url(ld_image: Any, og_image: Any) -> str | None:
    if isinstance(ld_image, dict):
        ld_image = ld_image.get("contentUrl") or ld_image.get("url")
    url = _first(ld_image, og_image)
    return url if url and url.startswith(("http://", "https://")) else None
