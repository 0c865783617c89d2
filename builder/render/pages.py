"""Article and listing records -> Markdown pages (YAML front matter + body) for MkDocs.

Pure: returns page texts; the writer puts them on disk. Front matter is produced by a JSON
dumper (never by string pasting) and the body by :func:`escape_markdown`, so article text
stays literal whatever syntax it holds. The JSON-LD travels already serialised
(script-safe) so the template only places it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

from builder.core.article import Article
from builder.core.article_types import article_type
from builder.core.dates import display_datetime, with_digits
from builder.core.settings import Settings
from builder.core.urls import listed_urls, slug_url
from builder.render.jsonld import build_graph, description, dumps_script_safe, image_url, word_count
from builder.render.markdown_text import escape_markdown, render_blocks
from builder.render.photos import MIME, photo_set, srcset

# Characters PyYAML refuses in a stream or reads as line breaks: written as JSON escapes.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def front_matter(data: dict[str, Any]) -> str:
    """Front matter as one line of JSON, which YAML (MkDocs's front matter) reads as a flow
    mapping: a JSON dump is ~50x faster than a YAML dump, matters at thousands of listing
    pages, and, having no raw line break, can never be mistaken for the block's end.

    >>> print(front_matter({"title": "---", "n": 2}), end="")
    ---
    {"title": "---", "n": 2}
    ---
    """
    text = _YAML_UNSAFE.sub(_escape, json.dumps(data, ensure_ascii=False))
    return f"---\n{text}\n---\n"


def read_front_matter(page: str) -> dict[str, Any]:
    """The data :func:`front_matter` wrote, read back as JSON: the same mapping MkDocs's YAML
    reader gives (a property test checks that), at a twentieth of the cost.

    >>> read_front_matter(front_matter({"title": "---"}) + "body")
    {'title': '---'}
    """
    split = split_front_matter(page)
    if split is None:
        raise ValueError(
            "the page does not start with the front matter builder.render.pages writes"
        )
    return split[0]


def split_front_matter(page: str) -> tuple[dict[str, Any], str] | None:
    """The data :func:`front_matter` wrote and the text after it; ``None`` for a page that does
    not start with such a front matter.

    >>> split_front_matter(front_matter({"n": 2}) + "body")
    ({'n': 2}, 'body')
    >>> split_front_matter("---\\ntitle: x\\n---\\nbody") is None
    True
    """
    parts = page.split("\n", 2)
    if len(parts) < 3 or parts[0] != "---" or not parts[2].startswith("---\n"):
        return None
    try:
        data = json.loads(parts[1])
    except ValueError:
        return None
    return (data, parts[2][4:]) if isinstance(data, dict) else None


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def article_page(article: Article, settings: Settings, links: dict[str, Any] | None = None) -> str:
    """The Markdown page for one article; ``links`` (previous, next, related) come from
    :func:`builder.render.links.article_links`, which sees the other articles."""
    zone = settings.timezone
    image = article.image
    # shown only when it says something: the JSON-LD gives the publication date when unchanged
    modified = article.modified if article.modified != article.published else None
    meta: dict[str, Any] = {
        "template": "article.html",
        "title": article.headline,
        "description": description(article),
        "article": {
            "id": article.id,
            "headline": article.headline,
            "deck": article.alternative_headline,
            "image": _image(article, settings) if image else None,
            "published": article.published.isoformat() if article.published else None,
            "published_display": display_datetime(article.published, zone, digits=settings.digits)
            if article.published
            else None,
            "modified": modified.isoformat() if modified else None,
            "modified_display": display_datetime(modified, zone, digits=settings.digits)
            if modified
            else None,
            "type_label": article_type(article.article_type).label or None,
            "corrections": [
                {
                    "date": c.date.isoformat(),
                    "display": display_datetime(c.date, zone, digits=settings.digits),
                    "text": c.text,
                }
                for c in article.corrections
            ],
            # a person's byline links to their page; an agency's is its name alone
            "authors": [
                {"name": a.name, "url": settings.author_path(a), "type": a.kind}
                for a in article.authors
            ],
            "section": article.section,
            "section_url": slug_url("sections", article.section) if article.section else None,
            "tags": [
                {"name": t, "url": url} for url, t in listed_urls("tags", article.tags).items()
            ],  # a tag once, in its first spelling
            "reading_time": with_digits(reading_time(word_count(article)), settings.digits),
        },
        "links": links or {"previous": None, "next": None, "related": []},
        "jsonld": dumps_script_safe(build_graph(article, settings)),
    }
    body = (
        render_blocks(article.markdown)
        if article.markdown
        else "\n\n".join(escape_markdown(p) for p in article.paragraphs)
    )
    return front_matter(meta) + "\n" + body + "\n"


def _image(article: Article, settings: Settings) -> dict[str, Any]:
    """What the page shows of its image: ``url`` (absolute, with ``og_width``/``og_height``)
    for og:image, ``src`` (site-relative), its size, and for a local photo ``srcset`` and
    ``sources`` (AVIF, WebP) of its derivatives."""
    image = article.image
    assert image is not None
    photos = photo_set(article)
    shown: dict[str, Any] = {
        "url": image_url(image.url, settings) if image.url else None,
        "og_width": image.width,
        "og_height": image.height,
        "src": image.url,  # site-relative when published with the site: <img src>
        "width": image.width,
        "height": image.height,
        "srcset": None,
        "sources": [],
    }
    if photos:
        crop, largest = photos.crops[0], photos.fallback[-1]
        shown |= {
            "url": settings.absolute(crop.path),
            "og_width": crop.width,
            "og_height": crop.height,
            "src": largest.path,
            "width": largest.width,
            "height": largest.height,
            "srcset": srcset(photos.fallback),
            "sources": [
                {"type": MIME[ext], "srcset": srcset(variants)}
                for ext, variants in photos.formats[:-1]
            ],
        }
    return shown | {
        "caption": image.caption,
        "credit": image.credit,
        # a drawn share image's alt is its headline (builder.render.photos); a photo
        # nothing describes gets alt="" (reported), never a guess
        "alt": image.alt or image.caption or "",
        "generated": image.generated,
    }


def sort_newest_first(articles: Sequence[Article]) -> Sequence[Article]:
    """Newest first; undated articles after all dated ones, in id order (stable across builds).
    The build's records (:class:`builder.core.store.Records`) are stored in this order."""
    if getattr(articles, "newest_first", False):
        return articles
    dated = sorted(
        (a for a in articles if a.published), key=lambda a: (a.published, a.id), reverse=True
    )
    undated = sorted((a for a in articles if not a.published), key=lambda a: a.id)
    return dated + undated


WORDS_PER_MINUTE = 180  # a common estimate for reading Arabic news prose on screen


def reading_time(words: int) -> str:
    """Minutes to read, with the Arabic number agreement a reader expects.

    >>> [reading_time(w) for w in (10, 300, 500, 2000, 2500)]  # doctest: +NORMALIZE_WHITESPACE
    ['قراءة في دقيقة واحدة', 'قراءة في دقيقتين', 'قراءة في 3 دقائق',
     'قراءة في 12 دقيقة', 'قراءة في 14 دقيقة']
    """
    minutes = max(1, math.ceil(words / WORDS_PER_MINUTE))
    if minutes == 1:
        return "قراءة في دقيقة واحدة"
    if minutes == 2:
        return "قراءة في دقيقتين"
    return f"قراءة في {minutes} {'دقائق' if minutes <= 10 else 'دقيقة'}"
