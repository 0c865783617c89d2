"""Links inside a built site: every link a page makes to the site itself ends in one of its files.

Pure: the page's tree, its place and the site's file list in, the broken targets out. ``validate``
runs it over a published site (a page edited by hand, a file lost in a copy); the builder makes
its links from the same records it makes the pages from.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection
from typing import Any
from urllib.parse import unquote, urlsplit

# What a browser follows or loads from a page: links, images, scripts, stylesheets, icons, feeds.
_LINKS = (
    "//a/@href | //img/@src | //script/@src | //link[not(@rel='canonical')]/@href | //source/@src"
)


def broken_links(
    tree: Any, page: str, files: Collection[str], root: str | None = "/", host: str | None = None
) -> list[str]:
    """The links of ``tree`` (the page ``page``, site-relative) to the site that name no file of
    ``files`` (site-relative paths); a folder means its ``index.html``. Links to other hosts,
    fragments and ``mailto:``/``data:`` are not the site's. ``root`` is the site's path on its
    host: a link from ``/`` (as the 404 page makes them) is read from there, and not followed
    when ``root`` is None (not known). A link to ``host`` (the site's own) is the site's
    too: a photo named by its full URL on the site's host must be one of its files. Each
    candidate of a ``srcset`` is a link.

    >>> from lxml.html import fromstring
    >>> page = fromstring(
    ...     '<p><a href="../b/">b</a> <a href="../c/#x">c</a> <a href="https://x.org/">x</a> '
    ...     '<img src="/news/m.png"> <a href="#top">t</a></p>'
    ... )
    >>> broken_links(page, "articles/a/index.html", {"articles/b/index.html", "m.png"}, "/news/")
    ['../c/#x']
    >>> page = fromstring('<img src="https://x.org/news/gone.jpg" srcset="/news/m.png 1w, n 2w">')
    >>> broken_links(page, "index.html", {"m.png"}, "/news/", "x.org")
    ['https://x.org/news/gone.jpg', 'n']
    """
    broken = []
    links = [
        *tree.xpath(_LINKS),
        *(
            candidate.split()[0]
            for srcset in tree.xpath("//img/@srcset | //source/@srcset")
            for candidate in srcset.split(",")
            if candidate.strip()
        ),
    ]
    for link in dict.fromkeys(links):
        parts = urlsplit(link)
        own = host is not None and parts.scheme in ("http", "https") and parts.netloc == host
        if ((parts.scheme or parts.netloc) and not own) or not parts.path:
            continue  # another host, mailto:, data:, or a fragment of this page
        path = unquote(parts.path)
        if path.startswith("/"):
            if root is None:
                continue
            target = path[len(root) :] if path.startswith(root) else None
        else:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
            target = (
                None
                if target == ".." or target.startswith("../")
                else ("" if target == "." else target)
            )
        if target is None or not _exists(target, path.endswith("/"), files):
            broken.append(link)
    return broken


def _exists(target: str, folder: bool, files: Collection[str]) -> bool:
    index = posixpath.join(target, "index.html") if target else "index.html"
    return index in files if folder else target in files or index in files
