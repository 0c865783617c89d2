"""Article and listing records -> Markdown pages (YAML front matter + body) for MkDocs.

Pure: returns page texts; the writer puts them on disk. Front matter is produced by a YAML
dumper (never by string pasting) and the body by :func:`escape_markdown`, so article text
stays literal whatever syntax it holds. The JSON-LD travels already serialised
(script-safe) so the template only places it.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from builder.article import Article
from builder.dates import display_date, display_datetime
from builder.jsonld import build_graph, description, dumps_script_safe, image_url
from builder.markdown_text import escape_markdown
from builder.settings import Settings
from builder.urls import article_path, listing_path

try:  # the C dumper is ~10x faster at scale; output is the same for our plain data
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]


class PageError(ValueError):
    pass


def front_matter(data: dict[str, Any]) -> str:
    """YAML front matter whose lines can never be mistaken for its end marker.

    >>> print(front_matter({"title": "---"}), end="")
    ---
    title: '---'
    ---
    """
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=2**31 - 1)
    for line in text.splitlines():
        if line.rstrip() in ("---", "..."):  # pragma: no cover - guarded by dumper quoting
            raise PageError("front matter line would end the YAML block")
    return f"---\n{text}---\n"


def article_page(article: Article, settings: Settings) -> str:
    """The Markdown page for one article."""
    zone = settings.timezone
    image = article.image
    meta: dict[str, Any] = {
        "template": "article.html",
        "title": article.headline,
        "description": description(article),
        "article": {
            "id": article.id,
            "headline": article.headline,
            "deck": article.alternative_headline,
            "image": {
                "url": image_url(image.url, settings) if image.url else None,  # absolute: og:image
                "src": image.url,  # site-relative when published with the site: <img src>
                "caption": image.caption,
                "credit": image.credit,
                "alt": image.alt or image.caption or article.headline,
                "width": image.width,
                "height": image.height,
                "generated": image.generated,
            }
            if image
            else None,
            "published": article.published.isoformat() if article.published else None,
            "published_display": display_datetime(article.published, zone, digits=settings.digits) if article.published else None,
            "modified": article.modified.isoformat() if article.modified else None,
            "modified_display": display_datetime(article.modified, zone, digits=settings.digits) if article.modified else None,
            "authors": [{"name": a.name, "url": a.url, "type": a.kind} for a in article.authors],
            "section": article.section,
            "tags": list(article.tags),
        },
        "jsonld": dumps_script_safe(build_graph(article, settings)),
    }
    body = "\n\n".join(escape_markdown(p) for p in article.paragraphs)
    return front_matter(meta) + "\n" + body + "\n"


def sort_newest_first(articles: list[Article]) -> list[Article]:
    """Newest first; undated articles after all dated ones, in id order (stable across builds)."""
    dated = sorted((a for a in articles if a.published), key=lambda a: (a.published, a.id), reverse=True)
    undated = sorted((a for a in articles if not a.published), key=lambda a: a.id)
    return dated + undated


def listing_pages(articles: list[Article], settings: Settings) -> dict[str, str]:
    """The home page and its following pages: ``{docs-relative path: page text}``."""
    ordered = sort_newest_first(articles)
    per_page = max(1, settings.per_page)
    count = max(1, math.ceil(len(ordered) / per_page))
    pages: dict[str, str] = {}
    for number in range(1, count + 1):
        chunk = ordered[(number - 1) * per_page : number * per_page]
        meta = {
            "template": "home.html",
            "title": settings.site_name if number == 1 else f"{settings.site_name} - الصفحة {number}",
            "description": f"آخر الأخبار من {settings.site_name}",
            "listing": [_listing_item(a, settings) for a in chunk],
            "pagination": {
                "number": number,
                "count": count,
                "previous": listing_path(number - 1) if number > 1 else None,
                "next": listing_path(number + 1) if number < count else None,
            },
        }
        path = "index.md" if number == 1 else f"{listing_path(number).rstrip('/')}.md"
        pages[path] = front_matter(meta)
    return pages


def _listing_item(article: Article, settings: Settings) -> dict[str, Any]:
    return {
        "headline": article.headline,
        "deck": article.alternative_headline,
        "url": article_path(article),
        "section": article.section,
        "published": article.published.isoformat() if article.published else None,
        "published_display": display_date(article.published, settings.timezone, digits=settings.digits) if article.published else None,
    }
