"""Text normalisation, done once and only here, before any structure is read.

Stored text keeps its Arabic letters as written (no alef/hamza/yaa folding: that belongs to
search only); what goes is invisible or typographic noise that scrapers carry along.
"""

from __future__ import annotations

import re
import unicodedata

# Invisible format characters with no meaning in published text: zero-width space, word
# joiner, BOM, soft hyphen, and the bidi marks, embeddings, overrides and isolates (our
# templates do the bidi isolation themselves; stray overrides in data can reorder a headline).
_INVISIBLE = re.compile("[\u00ad\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
# C0/C1 controls except newline (tab becomes a space below).
_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]"
)  # and lone surrogates (from JSON escapes)
_SPACES = re.compile("[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_LINE_BREAKS = re.compile("\r\n|\r|\u2028|\u2029|\x85")
# Arabic presentation forms A and B: legacy glyph codes; NFKC maps them to letters.
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]+")
# Tatweel (kashida) between two letters is decoration; before a space or digit ("الـ 20") it
# is an abbreviation mark and stays.
# Curly double quotes (either order: RTL scrapes often reverse them) around a phrase become
# the Arabic guillemets the rest of the text uses; straight quotes are left as written.
_CURLY_QUOTED = re.compile(
    "[\u201c\u201d\u201e\u201f]([^\u201c\u201d\u201e\u201f\n]{1,400}?)[\u201c\u201d\u201e\u201f]"
)
_TATWEEL = re.compile("(?<=[\u0620-\u064a])\u0640+(?=[\u0620-\u064a])")


def normalize_text(text: str) -> str:
    """Return ``text`` with one kind of line break, one kind of space and no invisible noise.

    >>> normalize_text("\\ufeffالمغرب\\r\\nوإسرائيل\\u00a0 يوقعان\\u200b")
    'المغرب\\nوإسرائيل يوقعان'
    >>> normalize_text("الـــمغرب الـ 20 \\ufefb")
    'المغرب الـ 20 لا'
    >>> normalize_text("قال إن ”الاتفاق تاريخي“ وإن “العمل مستمر”")
    'قال إن «الاتفاق تاريخي» وإن «العمل مستمر»'
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = text.replace("\t", " ")
    text = _CONTROLS.sub("", text)
    if "\u0640" in text:  # a scan at C speed; the pattern's look-behind tries every character
        text = _TATWEEL.sub("", text)
    text = _CURLY_QUOTED.sub("«\\1»", text)
    return "\n".join(line.strip() for line in _SPACES.sub(" ", text).split("\n")).strip("\n")


def normalize_line(text: str) -> str:
    """Normalise a value that must be one line (a metadata string): breaks become spaces.

    >>> normalize_line(" سياسة\\n دولية ")
    'سياسة دولية'
    """
    return " ".join(normalize_text(text).split("\n")).strip()
