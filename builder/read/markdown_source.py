"""An editor's own Markdown: the few kinds of block and span a newsroom writes, and no more.

Scraped text stays literal (``markdown_text.escape_markdown``). An article its editor declared
Markdown (``format = "markdown"``, or a ``.md`` file with front matter) keeps subheads, quotes,
lists, links and emphasis; everything else in it (raw HTML, images, code, tables) stays text.
This module reads the source into blocks written one way (``## x``, ``> x``, ``- x``, ``1. x``,
a paragraph) and gives each block's plain text, which is what the JSON-LD ``articleBody``,
the description and search read. ``builder.render.markdown_text.render_blocks`` writes the
blocks back as Markdown whose every text run is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple
from urllib.parse import urlsplit

from builder.read.normalize import normalize_line

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?$")
_QUOTE = re.compile(r"^>\s?(.*)$")
_BULLET = re.compile(r"^[-*+]\s+(.*)$")
_NUMBER = re.compile(r"^\d{1,9}[.)]\s+(.*)$")
# Spans: an image (kept as its words), a link, strong, emphasis. Anything else (code, HTML) is
# text.
_TITLE = r"""(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?"""  # a link's title: not shown
_SPAN = re.compile(
    r"!\[(?P<alt>[^\[\]\n]*)\]\((?P<src>(?:[^()\s]|\([^()\s]*\))+)" + _TITLE + r"\)"
    r"|\[(?P<label>[^\[\]\n]+)\]\((?P<url>(?:[^()\s]|\([^()\s]*\))+)" + _TITLE + r"\)"
    r"|\*\*(?P<strong>(?=\S)[^*\n]+?(?<=\S))\*\*"
    r"|(?<!\*)\*(?P<em>(?=\S)[^*\n]+?(?<=\S))\*(?!\*)"  # inside a word too: و*مائل*
    r"|(?<![_\w])_(?P<em2>(?=\S)[^_\n]+?(?<=\S))_(?![_\w])"
)


# Reference-style links: a definition line ("[label]: url" with an optional title), and the
# full ("[text][label]", "[text][]") and shortcut ("[label]") references to it (images too).
_DEFINITION = re.compile(
    r"^ {0,3}\[(?P<label>[^\[\]\n]+)\]:[ \t]*<?(?P<url>[^\s<>]+)>?" + _TITLE + r"[ \t]*$",
    re.MULTILINE,
)
_REFERENCE = re.compile(
    r"(?<!\])(?P<bang>!?)\[(?P<text>[^\[\]\n]+)\](?:\[(?P<label>[^\[\]\n]*)\]|(?![(\[:]))"
)

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?=[\s/>])[^<>\n]*>|<!--")  # raw HTML, for the warning


class Span(NamedTuple):
    kind: str  # "text", "strong", "em", "link"
    text: str
    url: str | None = None


def markdown_source(text: str) -> tuple[list[str], list[str], tuple[str, ...]]:
    """The editor's Markdown as blocks written one way, their plain text (one paragraph per
    subhead, quote, list item or paragraph) and warnings (links left as text).

    >>> blocks, plain, said = markdown_source(
    ...     "## عنوان فرعي\\nفقرة **مهمة**\\nتكمل\\n\\n> قول\\n\\n- أول\\n- [ثانٍ](javascript:x)"
    ... )
    >>> blocks
    ['## عنوان فرعي', 'فقرة **مهمة** تكمل', '> قول', '- أول\\n- [ثانٍ](javascript:x)']
    >>> plain
    ['عنوان فرعي', 'فقرة مهمة تكمل', 'قول', 'أول', 'ثانٍ']
    >>> said
    ("link or image 'javascript:x' kept as text: only http(s) and mailto links are published \
(a photo is the 'image' key's)",)
    >>> markdown_source('[أ](https://x.org "عنوان") و<b>ب</b><br/>')[2]
    ("raw HTML kept as text (an editor's Markdown publishes none): <b>, </b>, <br/>",)
    >>> spans('[أ](https://x.org "عنوان")')
    [Span(kind='link', text='أ', url='https://x.org')]
    """
    blocks: list[str] = []
    plain: list[str] = []
    marks = {"p": "", "quote": "> ", "ul": "- "}
    for kind, items in _groups(inline_references(text)):
        items = [normalize_line(i) for i in items]
        items = [i for i in items if i]
        if not items:
            continue
        if kind.startswith("h"):
            blocks.append("#" * int(kind[1]) + " " + items[0])
        elif kind == "ol":
            blocks.append("\n".join(f"{n}. {item}" for n, item in enumerate(items, start=1)))
        else:
            blocks.append("\n".join(marks[kind] + item for item in items))
        plain.extend(plain_text(item) for item in items)
    said = tuple(
        f"link or image {span.url!r} kept as text: only http(s) and mailto links are "
        "published (a photo is the 'image' key's)"
        for block in blocks
        for _, item in parse_block(block)
        for span in spans(item)
        if span.kind == "text" and span.url
    )
    tags = list(dict.fromkeys(_TAG.findall("\n".join(blocks))))
    if tags:
        shown = ", ".join(tags[:3]) + (", ..." if len(tags) > 3 else "")
        said += (f"raw HTML kept as text (an editor's Markdown publishes none): {shown}",)
    return blocks, [p for p in plain if p], said


def inline_references(text: str) -> str:
    """Reference-style links written inline, their definitions removed: the rest of this
    module reads one way of writing a link. A reference to no definition stays as written.

    >>> print(inline_references(
    ...     "نص [الخبر][1] و[المصدر][] و[وكالة].\\n\\n[1]: https://x.org/a\\n"
    ...     '[المصدر]: <https://y.org> "عنوان"\\n[وكالة]: mailto:desk@x.org\\n[ناقص][2]'
    ... ))
    نص [الخبر](https://x.org/a) و[المصدر](https://y.org) و[وكالة](mailto:desk@x.org).
    <BLANKLINE>
    [ناقص][2]
    """
    defined: dict[str, str] = {}

    def define(m: re.Match[str]) -> str:
        defined.setdefault(_label(m.group("label")), m.group("url"))
        return ""

    text = _DEFINITION.sub(define, text)
    if not defined:
        return text

    def link(m: re.Match[str]) -> str:
        url = defined.get(_label(m.group("label") or m.group("text")))
        return m.group(0) if url is None else f"{m.group('bang')}[{m.group('text')}]({url})"

    text = re.sub(r"\n{3,}", "\n\n", _REFERENCE.sub(link, text))
    return text.strip("\n")


def _label(label: str) -> str:
    """A reference's key: case and runs of white space do not matter (as in CommonMark)."""
    return " ".join(label.split()).casefold()


def _groups(text: str) -> Iterator[tuple[str, list[str]]]:
    """(kind, lines or items) runs: a subhead is one line; quote and list lines join their
    run; a line of plain text continues the paragraph, item or quote before it."""
    kind, items = "", list[str]()
    for raw in [*text.split("\n"), ""]:
        line = raw.strip()
        if not line:
            if items:
                yield kind, items
            kind, items = "", []
            continue
        heading = _HEADING.match(line)
        found = [(k, m) for k, m in (("quote", _QUOTE), ("ul", _BULLET), ("ol", _NUMBER))]
        match = next(((k, m.match(line)) for k, m in found if m.match(line)), None)
        if heading:
            if items:
                yield kind, items
            yield f"h{len(heading.group(1))}", [heading.group(2)]
            kind, items = "", []
        elif match:
            new, m = match
            assert m is not None
            if kind == new and new == "quote":
                items[-1] += " " + m.group(1)
            elif kind == new:
                items.append(m.group(1))
            else:
                if items:
                    yield kind, items
                kind, items = new, [m.group(1)]
        elif items:
            items[-1] += " " + line
        else:
            kind, items = "p", [line]


def parse_block(block: str) -> list[tuple[str, str]]:
    """A block :func:`markdown_source` wrote, as (kind, text) items: ("h2", x), ("quote", x),
    ("ul", item)..., ("ol", item)..., ("p", x).

    >>> parse_block("1. أ\\n2. ب")
    [('ol', 'أ'), ('ol', 'ب')]
    """
    heading = _HEADING.match(block)
    if heading:
        return [(f"h{len(heading.group(1))}", heading.group(2))]
    lines = block.split("\n")
    for kind, pattern in (("quote", _QUOTE), ("ul", _BULLET), ("ol", _NUMBER)):
        matches = [pattern.match(line) for line in lines]
        if all(matches):
            return [(kind, m.group(1)) for m in matches if m]
    return [("p", block)]


def allowed_url(url: str) -> bool:
    """Links an editor may publish: web pages and mail addresses, nothing a browser runs.

    >>> [allowed_url(u) for u in ("https://a.org/x", "mailto:a@b.org", "javascript:x", "/x")]
    [True, True, False, False]
    """
    parts = urlsplit(url)
    if parts.scheme == "mailto":
        return bool(parts.path)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def spans(text: str) -> list[Span]:
    """The text's links, strong and emphasised runs, and text between; a link whose URL is not
    :func:`allowed_url` is text (its URL kept, for the warning).

    >>> spans("أ *ب* [ج](https://x.org)")
    [Span(kind='text', text='أ ', url=None), Span(kind='em', text='ب', url=None), \
Span(kind='text', text=' ', url=None), Span(kind='link', text='ج', url='https://x.org')]
    >>> [s.kind for s in spans("و*مائل* و**عريض**")]  # after a prefix joined to the word
    ['text', 'em', 'text', 'strong']
    """
    found: list[Span] = []
    at = 0
    for m in _SPAN.finditer(text):
        if m.start() > at:
            found.append(Span("text", text[at : m.start()]))
        if m.group("src") is not None:  # an image in the text: its words, never a request
            found.append(Span("text", m.group("alt"), m.group("src")))
        elif m.group("label") is not None:
            url = m.group("url")
            found.append(Span("link" if allowed_url(url) else "text", m.group("label"), url))
        elif m.group("strong") is not None:
            found.append(Span("strong", m.group("strong")))
        else:
            found.append(Span("em", m.group("em") or m.group("em2")))
        at = m.end()
    if at < len(text):
        found.append(Span("text", text[at:]))
    return found


def plain_text(text: str) -> str:
    """What a reader reads of a span run: the words, without the marks.

    >>> plain_text("**عاجل**: [الخبر](https://x.org) _هنا_")
    'عاجل: الخبر هنا'
    """
    return "".join(span.text for span in spans(text))
