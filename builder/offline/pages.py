"""Pages of the hosted site made into pages of the offline bundle. Pure: bytes in, bytes out.

Why a rewrite after the build rather than a second theme: the bundle must be the same site
(same templates, same checks), only addressed differently. From ``file://`` there is no server
to turn ``articles/x/`` into ``articles/x/index.html``, so every link to a folder is made to
name the file; root-absolute links (``/about/``, in the 404 page) are made relative; links to
the site's own address become local files. Nothing may be fetched from elsewhere: ``<img>``,
``<script>`` and ``<link>`` that would load from another host are removed (links that only
name the hosted site, ``rel=canonical`` and OpenGraph tags, stay: they are not requests), and
so is the font preload, which Chromium refuses from ``file://`` (a credentialed CORS request
from origin ``null``) while the stylesheet's ``@font-face`` loads the same file fine.

Every bundle path is ASCII (:func:`ascii_path`): an Arabic section folder becomes
``xn--`` + its Punycode, so the zip's names need no UTF-8 flag that some unzip programs
(older Windows Explorer among them) ignore, and no file system normalises them differently.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import lxml.html
from lxml.html import HtmlElement

from builder.check.other_hosts import LOADS
from builder.offline.index import Entry

DOCTYPE = "<!doctype html>"
_LINK_FETCHED = {
    "stylesheet",
    "icon",
    "preload",
    "modulepreload",
    "prefetch",
    "manifest",
    "apple-touch-icon",
    "shortcut",
}


def ascii_path(path: str) -> str:
    """``path`` with every non-ASCII segment written as ``xn--`` + Punycode (reversible,
    collision-free against ASCII names, lower-case digits only: safe on FAT32 and in zips).

    >>> ascii_path("sections/اقتصاد/index.html")
    'sections/xn--mgbaiv2a0f/index.html'
    >>> ascii_path("articles/oil-prices/index.html")
    'articles/oil-prices/index.html'
    """
    return "/".join(
        s if s.isascii() else "xn--" + s.encode("punycode").decode("ascii") for s in path.split("/")
    )


@dataclass
class Rewritten:
    html: bytes
    unresolved: list[str] = field(default_factory=list)  # local links to no file of the bundle
    entry: Entry | None = None  # the article's search record, for article pages
    loads: set[str] = field(default_factory=set)  # the site's files it fetches (original paths)


@dataclass(frozen=True)
class Site:
    """What the rewrite needs to know about the whole bundle."""

    files: frozenset[str]  # every file of the bundle, original (hosted) paths
    site_url: str  # absolute, ends with "/"

    def resolve(self, page: str, url: str) -> tuple[str | None, str] | None:
        """(bundle file or None, query+fragment) for a local ``url`` on ``page``; None when
        ``url`` points elsewhere (another host or scheme)."""
        parts = urlsplit(url)
        base = urlsplit(self.site_url)
        if parts.scheme or parts.netloc:
            if (parts.scheme, parts.netloc) not in {
                ("http", base.netloc),
                ("https", base.netloc),
                ("", base.netloc),
            }:
                return None
            if not parts.path.startswith(base.path):
                return None
            target = parts.path[len(base.path) :]
        elif parts.path.startswith("/"):
            if not parts.path.startswith(base.path):
                return (None, "")
            target = parts.path[len(base.path) :]
        elif parts.path == "":
            return (page, _rest(parts.query, parts.fragment))
        else:
            target = posixpath.join(posixpath.dirname(page), parts.path)
        target = unquote(target)
        folder = target.endswith("/") or target in ("", ".")
        target = posixpath.normpath(target) if target else "."
        if target.startswith("../") or target == "..":
            return (None, "")
        if target == ".":
            target = "index.html"
        elif folder or (target not in self.files and target + "/index.html" in self.files):
            target += "/index.html"
        return (target if target in self.files else None, _rest(parts.query, parts.fragment))


def _rest(query: str, fragment: str) -> str:
    return urlunsplit(("", "", "", query, fragment))


def relative(page: str, target: str) -> str:
    """The href from bundle page ``page`` to bundle file ``target`` (both ASCII paths).

    >>> relative("articles/x/index.html", "index.html")
    '../../index.html'
    >>> relative("index.html", "archive/2021/index.html")
    'archive/2021/index.html'
    """
    return quote(posixpath.relpath(target, posixpath.dirname(page) or "."), safe="/-._~")


def rewrite_page(
    data: bytes, page: str, site: Site, transform: Callable[[HtmlElement, str], None] | None = None
) -> Rewritten:
    """The bundle's version of the published page ``page`` (original path)."""
    tree = lxml.html.document_fromstring(data)
    out = Rewritten(b"")
    new_page = ascii_path(page)
    if transform is not None:
        transform(tree, new_page)
    _one_photo_size(tree)
    for element in list(tree.iter()):
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag == "link" and "preload" in (element.get("rel") or "").lower().split():
            element.drop_tree()
            continue
        for name in ("href", "src", "action", "poster", "data"):
            url = element.get(name)
            if url is None or url.startswith("#") or url.startswith("data:"):
                continue
            parts = urlsplit(url.strip())
            if (parts.scheme or parts.netloc) and not (tag == "a" or _fetches(element, tag, name)):
                continue  # rel=canonical, rel=alternate: they name the hosted site, fetch nothing
            found = site.resolve(page, url.strip())
            if found is None:  # another host or scheme
                if _fetches(element, tag, name):
                    element.drop_tree()
                    break
                continue
            target, rest = found
            if target is None and (parts.scheme or parts.netloc):
                # the site's own address, but no file of the bundle: named by the input (a photo,
                # an author's page)
                if _fetches(element, tag, name):
                    element.drop_tree()  # as a photo on another host: nothing is fetched offline
                    break
                continue  # a link to the hosted site stays one
            if target is None:  # a link the site itself made: the bundle lacks a file it needs
                out.unresolved.append(url)
                continue
            element.set(name, relative(new_page, ascii_path(target)) + rest)
            if _fetches(element, tag, name):
                out.loads.add(target)
    out.entry = article_entry(tree, new_page)
    out.html = (DOCTYPE + "\n" + lxml.html.tostring(tree, encoding="unicode") + "\n").encode(
        "utf-8"
    )
    return out


OFFLINE_WIDTH = 800  # the one size of each photo a bundle carries


def _one_photo_size(tree: HtmlElement) -> None:
    """Each photo as one file: its fallback derivative nearest :data:`OFFLINE_WIDTH` wide (not
    wider, unless all are), without the AVIF and WebP sources or other widths: a bundle is
    read on whatever screen opens it, and carrying every size of every photo tripled it."""
    for source in list(tree.iter("source")):
        if source.getparent() is not None and source.getparent().tag == "picture":
            source.drop_tree()
    for img in tree.iter("img"):
        srcset = img.attrib.pop("srcset", None)
        img.attrib.pop("sizes", None)
        candidates = [c.split() for c in (srcset or "").split(",") if c.strip()]
        sized = [
            (int(w[:-1]), url) for url, w in candidates if w.endswith("w") and w[:-1].isdigit()
        ]
        if sized:
            fitting = [c for c in sized if c[0] <= OFFLINE_WIDTH] or [min(sized)]
            img.set("src", max(fitting)[1])


def _fetches(element: HtmlElement, tag: str, name: str) -> bool:
    """Whether the browser fetches ``name`` of ``element`` by itself: the page check's table
    (:data:`builder.check.other_hosts.LOADS`), but for links, which offline keep every rel that only
    names a page."""
    if tag == "link":
        return bool(set((element.get("rel") or "").lower().split()) & _LINK_FETCHED)
    return name in LOADS.get(tag, ())


def article_entry(tree: HtmlElement, page: str) -> Entry | None:
    """The search record of an article page (the theme marks headline, deck and date for
    Pagefind; the offline index reads the same marks), or None for other pages."""
    body = tree.xpath("//*[@data-pagefind-body]")
    titles = tree.xpath("//*[@data-pagefind-meta='title']")
    if not body or not titles:
        return None
    decks = tree.xpath("//*[@data-pagefind-meta='deck']")
    dates = tree.xpath("//time[@data-pagefind-meta='date']")
    texts = tree.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), ' article-body ')]")
    return Entry(
        path=page,
        headline=_text(titles[0]),
        deck=_text(decks[0]) if decks else "",
        date=_text(dates[0]) if dates else "",
        published=(dates[0].get("datetime") or "") if dates else "",
        body=" ".join(_text(t) for t in texts),
        summary=""
        if decks
        else " ".join(str(tree.xpath("string(//meta[@name='description']/@content)")).split()),
    )


def _text(element: HtmlElement) -> str:
    return " ".join(str(element.text_content()).split())


def offline_search_page(index_dir: str, scripts: list[str]) -> Callable[[HtmlElement, str], None]:
    """A transform for the search page: Pagefind's module script out, the offline search's
    classic scripts in (module scripts do not load from ``file://``), and the section told
    where the index and the bundle's root are."""

    def transform(tree: HtmlElement, page: str) -> None:
        for script in tree.xpath("//script[@src]"):
            script.drop_tree()
        section = tree.get_element_by_id("search")
        section.attrib.pop("data-bundle", None)
        here = posixpath.dirname(page) or "."
        root = posixpath.relpath(".", here)
        section.set("data-root", "" if root == "." else root + "/")
        section.set("data-index", quote(posixpath.relpath(index_dir, here), safe="/-._~") + "/")
        head = tree.find("head")
        for src in scripts:
            head.append(
                lxml.html.Element(
                    "script",
                    {"src": quote(posixpath.relpath(src, here), safe="/-._~"), "defer": ""},
                )
            )

    return transform
