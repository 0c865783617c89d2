"""What a published page or stylesheet would load from another host.

The site promises readers that its pages make no request to any other host: no CDN, no remote
fonts, no analytics. A request can hide in more places than ``<script src>``: a stylesheet's
``url()`` and ``@import``, a ``<style>`` element, a ``style`` attribute, an image's ``srcset``, a
video's poster. CSS is read with tinycss2, a tokenizer that follows CSS Syntax Level 3 (quoted
and unquoted ``url()``, escapes, comments, case), rather than with regular expressions that
would miss an escaped or oddly cased one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import lxml.etree
import tinycss2
from tinycss2.ast import (
    AtRule,
    CurlyBracketsBlock,
    FunctionBlock,
    Node,
    ParenthesesBlock,
    QualifiedRule,
    SquareBracketsBlock,
    StringToken,
    URLToken,
)

# The attributes of each element whose value is one URL the browser fetches on its own.
LOADS = {
    "script": ("src",),
    "img": ("src",),
    "iframe": ("src",),
    "link": ("href",),
    "source": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
    "image": ("href", "xlink:href"),  # SVG's <image>, inline in a page
}
# The attribute of each element whose value is a srcset: comma-separated candidates, each a URL
# and descriptors.
_SRCSETS = {"img": "srcset", "source": "srcset", "link": "imagesrcset"}
# A link whose rels are all of these names a page (a crawler's business) and loads nothing;
# "alternate stylesheet" still loads.
_NOT_LOADED_RELS = frozenset({"canonical", "alternate"})
# CSS functions whose string arguments are URLs (url("x") is a function token; url(x) a URL token).
_URL_FUNCTIONS = frozenset({"url", "src", "image", "image-set", "-webkit-image-set"})
_HTML_SPACE = " \t\n\f\r"
# Elements found by libxml2 rather than by a Python walk of every element, which cost a page
# (and a large site's build) four times as much: 30 µs a page, less than the five XPath
# queries this check made before.
_TAGS = ("style", *LOADS, *(tag for tag in _SRCSETS if tag not in LOADS))
_STYLED = lxml.etree.XPath("//*[@style]")


_TAB_OR_NEWLINE = re.compile("[\t\n\r]")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_foreign(url: str, allowed_hosts: frozenset[str]) -> bool:
    r"""A URL with a scheme, or a scheme-relative ``//host`` one, whose host is not allowed.
    ``data:`` carries its bytes in itself and requests nothing. Browsers read a backslash as a
    slash in http(s) URLs, so ``/\host/x`` is a ``//host/x`` too.

    Browsers also drop every tab and line break in a URL (``/\t/x.example`` is ``//x.example``),
    and compare hosts without case or a default port.

    >>> [is_foreign(u, frozenset({"img.example"})) for u in (
    ...     "a.png", "/a.png", "//cdn.example/a", "https://img.example/a",
    ...     "data:image/png;base64,AA", "HTTPS://x.example", "/\\x.example/a",
    ... )]
    [False, False, True, False, False, True, True]
    >>> [is_foreign(u, frozenset({"img.example"})) for u in (
    ...     "/\t/x.example/a", "/\n/x.example/a",
    ...     "https://IMG.example:443/a", "http://img.example:8080/a",
    ... )]
    [True, True, False, True]
    """
    url = _TAB_OR_NEWLINE.sub("", url.strip(_HTML_SPACE)).replace("\\", "/")
    parts = urlsplit(url)
    if parts.scheme.lower() == "data":
        return False
    if not (parts.scheme or parts.netloc):
        return False
    try:
        port = parts.port
    except ValueError:  # not a port a browser would take: not one of ours either
        return True
    host = (parts.hostname or "") + (
        f":{port}" if port not in (None, _DEFAULT_PORTS.get(parts.scheme.lower())) else ""
    )
    return host not in {h.lower() for h in allowed_hosts}


def foreign_requests(tree: Any, allowed_hosts: frozenset[str]) -> list[tuple[str, str]]:
    """Anything the page (an lxml tree) would load from another host, as (level, message) pairs:
    scripts, styles, images, frames, media, fonts, and the url()s of its own CSS."""
    requests: list[tuple[str, str]] = []  # (what asks, URL)
    for node in tree.iter(*_TAGS):
        if node.tag == "style":
            requests.extend(
                ("<style>", url)
                for url in stylesheet_urls(tinycss2.parse_stylesheet(node.text or ""))
            )
        else:
            requests.extend(_element_urls(node))
    for node in _STYLED(tree):
        requests.extend(
            (f"style attribute of <{node.tag}>", url)
            for url in css_urls(tinycss2.parse_component_value_list(node.get("style")))
        )
    return _errors(requests, allowed_hosts)


def foreign_in_stylesheet(data: bytes, allowed_hosts: frozenset[str]) -> list[tuple[str, str]]:
    """What a published ``.css`` file would load from another host. Its bytes are decoded as a
    browser does (BOM, ``@charset``, else UTF-8)."""
    rules, _ = tinycss2.parse_stylesheet_bytes(data)
    return _errors([("stylesheet", url) for url in stylesheet_urls(rules)], allowed_hosts)


def _element_urls(node: Any) -> list[tuple[str, str]]:
    """(what asks, URL) for each URL an element's attributes make the browser fetch."""
    tag = node.tag
    if not _loads(node):
        return []
    found = [
        (f"<{tag}>", node.get(attr)) for attr in LOADS.get(tag, ()) if node.get(attr) is not None
    ]
    if tag in _SRCSETS and node.get(_SRCSETS[tag]) is not None:
        found.extend(
            (f"<{tag} {_SRCSETS[tag]}>", url) for url in srcset_urls(node.get(_SRCSETS[tag]))
        )
    return found


def _loads(node: Any) -> bool:
    """Whether the element fetches what its attributes name: not a link that only names a page,
    not an input other than an image button."""
    if node.tag == "link":
        rels = set((node.get("rel") or "").lower().split())
        return not (rels and rels <= _NOT_LOADED_RELS)
    if node.tag == "input":
        return (node.get("type") or "").strip(_HTML_SPACE).lower() == "image"
    return True


def _errors(
    requests: Iterable[tuple[str, str]], allowed_hosts: frozenset[str]
) -> list[tuple[str, str]]:
    """One error for each foreign request: each is a promise broken on every reader's visit."""
    return [
        ("error", f"{what} loads from another host: {url}")
        for what, url in requests
        if is_foreign(url, allowed_hosts)
    ]


def stylesheet_urls(rules: Iterable[Node]) -> list[str]:
    """Every URL a parsed stylesheet would fetch: ``url()`` anywhere, and ``@import "x.css"``
    (a bare string loads too). ``@namespace url(...)`` only names a namespace: not a request.

    >>> css = (
    ...     '@import "a.css"; @import url(b.css) screen; '
    ...     '@namespace url(http://www.w3.org/1999/xhtml); '
    ...     '/* url(c) */ p { background: URL( "d.png" ) }'
    ... )
    >>> stylesheet_urls(tinycss2.parse_stylesheet(css))
    ['a.css', 'b.css', 'd.png']
    """
    urls: list[str] = []
    for rule in rules:
        if isinstance(rule, AtRule):
            if rule.lower_at_keyword == "namespace":
                continue
            first = next((t for t in rule.prelude if t.type not in ("whitespace", "comment")), None)
            if rule.lower_at_keyword == "import" and isinstance(first, StringToken):
                urls.append(first.value)
            urls.extend(css_urls(rule.prelude))
            urls.extend(css_urls(rule.content or []))
        elif isinstance(rule, QualifiedRule):
            urls.extend(css_urls(rule.content))
    return urls


def css_urls(values: Iterable[Node]) -> list[str]:
    """Every URL in CSS component values (a declaration list, a rule's body), nested blocks and
    functions included: unquoted ``url(x)`` is one URL token; ``url("x")``, ``src("x")`` and
    ``image-set("x" 1x)`` are functions with string arguments.

    >>> css = "background: url(a.png), image-set('b.png' 1x, url(c.png) 2x); color: red"
    >>> css_urls(tinycss2.parse_component_value_list(css))
    ['a.png', 'b.png', 'c.png']
    """
    return list(_walk(values))


def _walk(values: Iterable[Node]) -> Iterator[str]:
    """Depth first, so a url() inside any function or block is found."""
    for value in values:
        if isinstance(value, URLToken):
            yield value.value
        elif isinstance(value, FunctionBlock):
            if value.lower_name in _URL_FUNCTIONS:
                yield from (a.value for a in value.arguments if isinstance(a, StringToken))
            yield from _walk(value.arguments)
        elif isinstance(value, (ParenthesesBlock, SquareBracketsBlock, CurlyBracketsBlock)):
            yield from _walk(value.content)


def srcset_urls(srcset: str) -> list[str]:
    """The URLs of a ``srcset`` (HTML's parsing algorithm, less the descriptors' meaning): a URL
    runs to whitespace; a comma at its end ends it, one inside belongs to it (a ``data:`` URL
    has one); descriptors run to the next comma outside parentheses. So the URL judged is the
    one a browser fetches, not a piece of a ``data:`` URL split at its comma.

    >>> srcset_urls("a.png 1x, b.png 2x,c.png,, data:image/png;base64,AA 3x, d.png (x, y) 4x")
    ['a.png', 'b.png', 'c.png', 'data:image/png;base64,AA', 'd.png']
    """
    urls: list[str] = []
    pos, end = 0, len(srcset)
    while True:
        while pos < end and (srcset[pos] in _HTML_SPACE or srcset[pos] == ","):
            pos += 1
        if pos == end:
            return urls
        start = pos
        while pos < end and srcset[pos] not in _HTML_SPACE:
            pos += 1
        url = srcset[start:pos]
        if url.endswith(","):
            urls.append(url.rstrip(","))
            continue
        urls.append(url)
        in_parens = False
        while pos < end and (srcset[pos] != "," or in_parens):
            in_parens = (in_parens or srcset[pos] == "(") and srcset[pos] != ")"
            pos += 1
