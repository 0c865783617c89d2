"""schema.org JSON-LD for an article page: one ``@graph`` of linked nodes.

Pure functions: the graph is data built from the ``Article`` and the site settings; each
property sits on a type schema.org allows it on (``primaryImageOfPage`` and ``breadcrumb`` on
``WebPage``, not ``NewsArticle``). Nothing absent from the inputs is added.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from builder.core.article import Article, Author
from builder.core.article_types import article_type
from builder.core.authors import Profile
from builder.core.settings import Settings
from builder.core.urls import article_path, listed_urls, slug_url
from builder.render.photos import photo_set

DESCRIPTION_CHARS = 160
# Replaced one by one: str.replace scans at C speed, where str.translate looks every character
# of a mostly Arabic text up in a table (0.5 ms against 0.02 ms for a 7 KB graph, 4% of a page).
_SCRIPT_UNSAFE = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def dumps_script_safe(data: Any) -> str:
    """JSON that cannot end or confuse the ``<script>`` element it sits in; Arabic stays readable.

    >>> dumps_script_safe({"headline": "</script><b>خبر & رأي"})
    '{"headline": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003eخبر \\\\u0026 رأي"}'
    >>> json.loads(dumps_script_safe({"h": "</script>"})) == {"h": "</script>"}
    True
    """
    text = json.dumps(data, ensure_ascii=False)
    for unsafe, escaped in _SCRIPT_UNSAFE:
        text = text.replace(unsafe, escaped)
    return text


def description(article: Article) -> str:
    """A summary for meta description and JSON-LD: the deck, else the first paragraph, cut at a
    word.

    >>> from builder.core.article import Article
    >>> description(Article("a", "a.txt", "h", None, None, ("كلمة " * 50,)))[-11:]
    'كلمة كلمة …'
    """
    text = article.alternative_headline or article.paragraphs[0]
    if len(text) <= DESCRIPTION_CHARS:
        return text
    cut = text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0]
    return cut + " …"


def word_count(article: Article) -> int:
    return sum(len(p.split()) for p in article.paragraphs)


def image_url(url: str, settings: Settings) -> str:
    return url if "://" in url else settings.absolute(url)


def author_id(settings: Settings, author: Author) -> str:
    """One node per distinct author across the site: a person's is on their page (the
    ``ProfilePage``'s ``mainEntity``); an organisation's is its kind, name and URL hashed."""
    page = settings.author_path(author)
    if page is not None:
        return settings.absolute(page) + "#person"
    digest = hashlib.sha1(f"{author.kind}\0{author.name}\0{author.url or ''}".encode()).hexdigest()[
        :12
    ]
    return f"{settings.site_url}#/schema/author/{digest}"


def build_graph(article: Article, settings: Settings) -> dict[str, Any]:
    page = settings.absolute(article_path(article))
    site = settings.site_url
    ids = {
        "article": page + "#article",
        "image": page + "#primaryimage",
        "breadcrumb": page + "#breadcrumb",
        "website": site + "#website",
        "publisher": site + "#publisher",
    }
    has_photo = bool(article.image and article.image.url)
    images = _image_nodes(article, settings, ids["image"]) if has_photo else []
    authors = [author_node(a, settings) for a in article.authors]
    published = article.published.isoformat() if article.published else None
    dates = _compact(
        {
            "datePublished": published,
            # an article not changed since it was published was last modified then: a fact
            "dateModified": article.modified.isoformat() if article.modified else published,
        }
    )

    news_article = _compact(
        {
            "@type": article_type(article.article_type).schema,
            "@id": ids["article"],
            "url": page,
            "headline": article.headline,
            "alternativeHeadline": article.alternative_headline,
            "description": description(article),
            "inLanguage": settings.language,
            **dates,
            "author": [{"@id": a["@id"]} for a in authors] or None,
            "publisher": {"@id": ids["publisher"]},
            "mainEntityOfPage": {"@id": page},
            "image": (
                [{"@id": n["@id"]} for n in images] if len(images) > 1 else {"@id": ids["image"]}
            )
            if images
            else None,
            "dateline": article.dateline,
            "articleSection": article.section,
            "keywords": list(listed_urls("tags", article.tags).values())
            or None,  # as the page's tag list shows them
            "wordCount": word_count(article),
            "isAccessibleForFree": True,
            "articleBody": "\n\n".join(article.paragraphs),
            "correction": [
                {"@type": "CorrectionComment", "datePublished": c.date.isoformat(), "text": c.text}
                for c in article.corrections
            ]
            or None,
        }
    )
    web_page = _compact(
        {
            "@type": "WebPage",
            "@id": page,
            "url": page,
            "name": article.headline,
            "description": description(article),
            "inLanguage": settings.language,
            "isPartOf": {"@id": ids["website"]},
            **dates,
            "primaryImageOfPage": {"@id": ids["image"]} if has_photo else None,
            "breadcrumb": {"@id": ids["breadcrumb"]},
        }
    )
    website, publisher = site_nodes(settings)
    crumbs = [("الرئيسية", site)]
    if article.section:
        crumbs.append((article.section, settings.absolute(slug_url("sections", article.section))))
    crumbs.append((article.headline, page))
    breadcrumb = {
        "@type": "BreadcrumbList",
        "@id": ids["breadcrumb"],
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": url}
            for n, (name, url) in enumerate(crumbs, start=1)
        ],
    }
    graph: list[dict[str, Any]] = [news_article, web_page, website, publisher, breadcrumb]
    graph.extend(images)
    graph.extend(authors)
    return {"@context": "https://schema.org", "@graph": graph}


def _image_nodes(article: Article, settings: Settings, primary: str) -> list[dict[str, Any]]:
    """The article's images: a local photo's three crops (16:9, the primary image, then 4:3
    and 1:1, as Google asks), else the one image it has."""
    image = article.image
    assert image and image.url
    photos = photo_set(article)
    found = (
        [(settings.absolute(c.path), c.width, c.height) for c in photos.crops]
        if photos
        else [(image_url(image.url, settings), image.width, image.height)]
    )
    photo = not image.generated  # a drawn share image has no caption or credit of its own
    terms = dict(image.licensing) if photo else {}
    return [
        _compact(
            {
                "@type": "ImageObject",
                "@id": primary if n == 0 else f"{primary}-{n}",
                "url": url,
                "contentUrl": url,
                "width": width,
                "height": height,
                "caption": image.caption if photo else None,
                "creditText": terms.get("creditText", image.credit if photo else None),
                "copyrightNotice": terms.get("copyrightNotice", image.credit if photo else None),
                "license": terms.get("license"),
                "acquireLicensePage": terms.get("acquireLicensePage"),
                "inLanguage": settings.language,
            }
        )
        for n, (url, width, height) in enumerate(found)
    ]


def author_node(author: Author, settings: Settings) -> dict[str, Any]:
    """An article's author as Google asks for one (name, and ``url``: a person's page on this
    site, where the profile is), with the author's profiles elsewhere as ``sameAs``: the URL
    an input gave, then the authors file's."""
    page = settings.author_path(author)
    if page is None:
        return {"@type": author.kind, "@id": author_id(settings, author), "name": author.name} | (
            {"url": author.url} if author.url else {}
        )
    profile = settings.authors.get(author.name)
    same_as = list(dict.fromkeys([*([author.url] if author.url else []), *_same_as(profile)]))
    return _compact(
        {
            "@type": "Person",
            "@id": author_id(settings, author),
            "name": author.name,
            "url": settings.absolute(page),
            "sameAs": same_as or None,
        }
    )


def _same_as(profile: Profile | None) -> tuple[str, ...]:
    return profile.same_as if profile else ()


def profile_graph(
    author: Author,
    settings: Settings,
    page_url: str,
    photo: str | None,
) -> dict[str, Any]:
    """An author page's JSON-LD: a ``ProfilePage`` whose ``mainEntity`` is the ``Person`` the
    articles' bylines point to (same ``@id``), with what the authors file says of them and
    nothing else; ``photo``: the site-relative URL of their published photo."""
    profile = settings.authors.get(author.name)
    home = settings.absolute(settings.author_path(author) or "")
    person = _compact(
        {
            "@type": "Person",
            "@id": author_id(settings, author),
            "name": author.name,
            "url": home,
            "description": profile.bio if profile else None,
            "jobTitle": profile.job_title if profile else None,
            "image": settings.absolute(photo) if photo else None,
            "email": profile.email if profile else None,
            "sameAs": list(_same_as(profile)) or None,
        }
    )
    page = _compact(
        {
            "@type": "ProfilePage",
            "@id": page_url,
            "url": page_url,
            "name": author.name,
            "inLanguage": settings.language,
            "mainEntity": {"@id": person["@id"]},
        }
    )
    return {"@context": "https://schema.org", "@graph": [page, person]}


def site_nodes(settings: Settings) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``WebSite`` and its publisher, a ``NewsMediaOrganization`` with the policy pages and
    profiles the settings name (Google News's transparency guidance asks for both)."""
    site = settings.site_url
    website = {
        "@type": "WebSite",
        "@id": site + "#website",
        "url": site,
        "name": settings.site_name,
        "inLanguage": settings.language,
        "publisher": {"@id": site + "#publisher"},
    }
    publisher = _compact(
        {
            "@type": "NewsMediaOrganization",
            "@id": site + "#publisher",
            "name": settings.publisher_name,
            "url": site,
            "logo": {
                "@type": "ImageObject",
                "@id": site + "#logo",
                "url": settings.absolute(settings.publisher_logo),
                "contentUrl": settings.absolute(settings.publisher_logo),
            }
            if settings.publisher_logo
            else None,
            **{prop: settings.absolute(path) for prop, path in settings.policies},
            "sameAs": list(settings.same_as) or None,
        }
    )
    return website, publisher


def site_graph(settings: Settings) -> dict[str, Any]:
    """The home page's JSON-LD: the site and its publisher."""
    return {"@context": "https://schema.org", "@graph": list(site_nodes(settings))}


def _compact(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if v is not None}
