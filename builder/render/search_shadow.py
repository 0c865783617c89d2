"""The page Pagefind indexes in place of a published page: same markup, folded text.

The theme says what is searchable with Pagefind's own attributes (``data-pagefind-body`` on the
article, ``data-pagefind-ignore`` on chrome inside it, ``data-pagefind-meta`` on the headline,
deck, date and description). The shadow page keeps exactly that: the body element(s), with
every text node passed through :func:`builder.core.fold.fold` and ignored parts removed, plus an
unfolded, ignored copy of each metadata element, so results show the text as published while
matching runs on folded words. Pure: bytes in, text out.
"""

from __future__ import annotations

import copy

import lxml.html
from lxml.html import HtmlElement

from builder.core.fold import fold

_CARRIERS = "//*[@data-pagefind-meta or @data-pagefind-filter or @data-pagefind-sort]"


def shadow_page(html: bytes, default_language: str) -> str | None:
    """The folded page to index, or None when the page has no ``data-pagefind-body``.

    >>> page = '''<html lang="ar"><head><meta charset="utf-8">
    ... <meta name="description" content="وصفٌ" data-pagefind-meta="description[content]"></head>
    ... <body><nav>الرئيسية</nav><article data-pagefind-body><p data-pagefind-ignore>سياسة</p>
    ... <h1 data-pagefind-meta="title">إسرائيلُ &lt;b&gt;</h1><p>مدرسة <b>أولى</b> هنا</p></article>
    ... </body></html>'''.encode()
    >>> print(shadow_page(page, "ar").replace("><", ">\\n<"))  # a tag a line
    <html lang="ar">
    <head>
    <meta charset="utf-8">
    </head>
    <body>
    <article data-pagefind-body>
    <h1>اسرائيل &lt;b&gt;</h1>
    <p>مدرسه <b>اولي</b> هنا</p>
    </article>
    <div data-pagefind-ignore="">
    <meta name="description" content="وصفٌ" data-pagefind-meta="description[content]">
    <h1 data-pagefind-meta="title">إسرائيلُ &lt;b&gt;</h1>
    </div>
    </body>
    </html>
    >>> shadow_page(b"<html><body><p>no body marker</p></body></html>", "ar") is None
    True
    """
    return shadow_of(lxml.html.document_fromstring(html), default_language)


def shadow_of(tree: HtmlElement, default_language: str) -> str | None:
    """:func:`shadow_page` of a page already parsed, whose tree it takes apart: the build
    parses each page once, checks it, then makes its shadow of the same tree."""
    bodies = tree.xpath("//*[@data-pagefind-body]")
    if not bodies:
        return None
    carriers = [_detached_copy(e) for e in tree.xpath(_CARRIERS)]
    for body in bodies:
        for ignored in body.xpath(".//*[@data-pagefind-ignore]"):
            ignored.drop_tree()  # keeps the text that follows it
        for element in body.iter():
            for key in ("data-pagefind-meta", "data-pagefind-filter", "data-pagefind-sort"):
                element.attrib.pop(key, None)  # the unfolded copies carry these
            _fold_element(element)
        body.tail = None
    language = tree.get("lang") or default_language
    shadow = lxml.html.Element("html", {"lang": language})
    head = lxml.html.Element("head")
    head.append(lxml.html.Element("meta", {"charset": "utf-8"}))
    target = lxml.html.Element("body")
    shadow.extend([head, target])
    target.extend(bodies)
    # Plain data-pagefind-ignore: its text is not indexed but its metadata is read (Pagefind
    # 1.5 reads no metadata at all inside data-pagefind-ignore="all").
    holder = lxml.html.Element("div", {"data-pagefind-ignore": ""})
    holder.extend(carriers)
    target.append(holder)
    return str(lxml.html.tostring(shadow, encoding="unicode"))


def _detached_copy(element: HtmlElement) -> HtmlElement:
    twin: HtmlElement = copy.deepcopy(element)
    twin.tail = None
    return twin


def _fold_element(element: HtmlElement) -> None:
    if isinstance(element.tag, str):  # not a comment or processing instruction
        if element.text:
            element.text = fold(element.text)
        indexed = element.get("data-pagefind-index-attrs")
        for name in (n.strip() for n in (indexed or "").split(",")):
            if name and element.get(name):
                element.set(name, fold(element.get(name, "")))
    if element.tail:
        element.tail = fold(element.tail)
