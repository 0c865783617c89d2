"""Untrusted text -> Markdown source that renders back to exactly that text.

Scraped text may hold HTML, Markdown or entity syntax; none of it may become markup. HTML's
three special characters become entities, Markdown's inline syntax characters are
backslash-escaped, and the few characters that are syntax only at the start of a line
(list markers, fences, ordered-list numbers) are neutralised there.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from builder.read.markdown_source import parse_block, spans

# Characters Python-Markdown (with MkDocs's tables extension) treats as syntax anywhere in a line.
_INLINE = re.compile(r"([\\`*_{}\[\]#|!])")
_LINE_START = re.compile(r"^(\s*)([-+]|~+|\d+(?=[.)]))")
# Python-Markdown's internal placeholder delimiters (STX/ETX) must never reach it.
_PLACEHOLDER_MARKS = re.compile("[\x02\x03]")


def escape_markdown(text: str) -> str:
    r"""Markdown source for one paragraph of literal text (no line breaks inside).

    >>> escape_markdown("<b>عاجل</b> & **مهم** [رابط](javascript:x) {{ x }}")
    '&lt;b&gt;عاجل&lt;/b&gt; &amp; \\*\\*مهم\\*\\* \\[رابط\\](javascript:x) \\{\\{ x \\}\\}'
    >>> escape_markdown("1. أولاً")
    '1\\. أولاً'
    >>> escape_markdown("- بند")
    '\\- بند'
    """
    text = _PLACEHOLDER_MARKS.sub("", text).replace("\n", " ")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _INLINE.sub(r"\\\1", text)
    match = _LINE_START.match(text)
    if match:
        lead, marker = match.group(1), match.group(2)
        rest = text[match.end() :]
        if marker[0] == "~":
            marker = "&#126;" * len(marker)
        elif marker.isdigit():
            rest = "\\" + rest  # "1986." stays a number, not an ordered list
        else:
            marker = "\\" + marker
        text = lead + marker + rest
    return text


def render_blocks(blocks: tuple[str, ...]) -> str:
    """Markdown for an article its editor wrote in Markdown
    (:func:`builder.read.markdown_source.markdown_source`'s blocks): subheads (level 2 and 3, the
    page's ``<h1>`` is the headline), quotes, lists, allowed links and emphasis are written as
    Markdown, and every run of text between them through :func:`escape_markdown`, so raw HTML
    and any other syntax stay literal.

    >>> print(render_blocks(("# فرعي", "> قال <b>", "- [أ](https://x.org/a?b=<i>)", "**ب**")))
    ## فرعي
    <BLANKLINE>
    > قال &lt;b&gt;
    <BLANKLINE>
    - [أ](https://x.org/a?b=%3Ci%3E)
    <BLANKLINE>
    **ب**
    """
    out = []
    for block in blocks:
        lines = []
        for n, (kind, text) in enumerate(parse_block(block), start=1):
            mark = {"quote": "> ", "ul": "- ", "ol": f"{n}. ", "p": ""}.get(kind)
            if mark is None:  # a subhead
                mark = "## " if kind in ("h1", "h2") else "### "
            lines.append(mark + _spans(text))
        out.append("\n".join(lines))
    return "\n\n".join(out)


def _spans(text: str) -> str:
    parts = []
    for span in spans(text):
        inner = escape_markdown(span.text)
        if span.kind == "strong":
            parts.append(f"**{inner}**")
        elif span.kind == "em":
            parts.append(f"*{inner}*")
        elif span.kind == "link" and span.url:
            parts.append(f"[{inner}]({quote(span.url, safe=_URL_SAFE)})")
        else:
            parts.append(inner)
    return "".join(parts)


# Kept as written in a link's URL; anything else (brackets, quotes, spaces) is percent-encoded
# so that it can neither end the link nor the attribute it becomes.
_URL_SAFE = "/:?#@!$&*+,;=%~-._"
