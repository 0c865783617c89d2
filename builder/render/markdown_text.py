"""Untrusted text -> Markdown source that renders back to exactly that text.

Scraped text may hold HTML, Markdown or entity syntax; none of it may become markup. HTML's
three special characters become entities, Markdown's inline syntax characters are
backslash-escaped, and the few characters that are syntax only at the start of a line
(list markers, fences, ordered-list numbers) are neutralised there.
"""

from __future__ import annotations

import re

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
