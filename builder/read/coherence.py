"""Is a read article text a reader could trust? The last guard against a wrong decoding.

Decoding is a judgement (:mod:`builder.read.decode`), and a wrong one yields letters all the
same: ISO-8859-6 read as Windows-1256 gives Arabic words strewn with ``è ê ë``, UTF-8 read as
Windows-1256 gives ``ط§ظ„...``, and UTF-8 read as a Western code page gives ``Ø§Ù„...``.
Such text is refused with the reason, never published: a headline with a replacement
character or mojibake, a word that mixes Arabic letters with accented Latin ones (no language
writes one), letters mostly outside the script of the site's ``language``, or, in Arabic
script, words that are not words: bytes of another kind read in an Arabic code page give
Arabic letters strewn with digits and symbols (``ن{نّ ضى١ رليث#``), which no text has often.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from ftfy.badness import is_bad

# The script a site language's text is written in (the first word of a letter's Unicode name);
# a language not named here is not checked for its script.
SCRIPTS = {
    **dict.fromkeys(("ar", "fa", "ur", "ps", "ckb", "sd", "ug"), "ARABIC"),
    **dict.fromkeys(
        ("en", "fr", "de", "es", "it", "pt", "nl", "tr", "id", "ms", "sw", "ha", "so"), "LATIN"
    ),
    **dict.fromkeys(("ru", "uk", "bg", "sr", "kk"), "CYRILLIC"),
    "he": "HEBREW",
    "el": "GREEK",
}
# a word with Arabic letters and accented Latin ones: what a wrong Arabic code page makes
_MIXED = re.compile(
    "[\u0600-\u06ff]+[\u00c0-\u024f][\u0600-\u06ff\u00c0-\u024f]*|[\u00c0-\u024f]+[\u0600-\u06ff]"
)
_ACCENTED = re.compile("[\u00c0-\u024f]")
_LETTERS = re.compile(r"[^\W\d_]+")  # runs, not single letters: a tenth of the matches
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc]+")
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
# at least this share of the letters in the language's script: text in another language, or
# a wrong decoding, has next to none; an Arabic story quoting English at length still passes
SHARE = 0.25
SAMPLE = 1000  # characters of the body enough to tell its script
# A word of Arabic script: its letters and marks (tatweel, harakat, superscript alef), once
# the punctuation around it is stripped; a number; or ASCII (a name, a URL, a figure)
_LETTERS_OF_WORD = "[\u0620-\u064a\u064b-\u065f\u0670-\u06d3\u06d5]+"
_ARABIC_WORD = re.compile(f"{_LETTERS_OF_WORD}(?:[./\\-]{_LETTERS_OF_WORD})*")  # أ.ف.ب, و/أو
_NUMBER = re.compile(r"[\d.,%+\-/:\u066a-\u066c]+")
_AROUND = "\"'«»“”‘’()[].,;:!?،؛؟…-–—*_~#`"  # and Markdown's emphasis, which text may quote
# more than this share of broken words (and at least BROKEN_LEAST of them): not text
BROKEN_SHARE = 0.4
BROKEN_LEAST = 5


def problem(headline: str, texts: Sequence[str], language: str = "ar") -> str | None:
    """Why the article (its headline, and all its texts) is not trustworthy text, or None.

    >>> problem("خبر عاجل", ["نص الخبر."]) is None
    True
    >>> problem("انهعرب èإسرائêن", ["نص"])
    'headline mixes Arabic and accented Latin letters in one word («èإسرائêن»): a wrong encoding'
    >>> problem("Ø§Ø±ØªÙ\\x81Ø§Ø¹", ["نص"])
    'headline shows mojibake («Ø§Ø±ØªÙ\\x81Ø§Ø¹»): UTF-8 read in another encoding'
    >>> problem("A news story", ["A body."])
    "0 of 15 letters are Arabic: not text in the site's language 'ar'"
    """
    if "\ufffd" in headline:
        return "headline has undecodable bytes shown as \ufffd: a damaged or wrongly decoded file"
    if is_bad(headline) or _utf8_in_cp1256(headline):
        return f"headline shows mojibake («{headline[:40]}»): {_misread(headline)}"
    mixed = _MIXED.search(headline)
    if mixed:
        word = _word_at(headline, mixed.start())
        return (
            f"headline mixes Arabic and accented Latin letters in one word («{word}»): "
            "a wrong encoding"
        )
    body = "\n".join(texts)
    mixed_words = len(_MIXED.findall(body)) if _ACCENTED.search(body) else 0
    if mixed_words and mixed_words * 50 >= (words := len(body.split())):
        return (
            f"{mixed_words} of {words} words mix Arabic and accented Latin letters: "
            "a wrong encoding"
        )
    script = SCRIPTS.get(language.split("-")[0].split("_")[0].lower())
    if script is None:
        return None
    letters = "".join(_LETTERS.findall(headline + body[:SAMPLE]))
    if script == "ARABIC":  # the usual case, by a regular expression (a third of the time)
        ours = sum(map(len, _ARABIC_SCRIPT.findall(letters)))
    else:
        ours = sum(n for c, n in Counter(letters).items() if unicodedata.name(c).startswith(script))
    if letters and ours < SHARE * len(letters):
        return (
            f"{ours} of {len(letters)} letters are {script.title()}: "
            f"not text in the site's language {language!r}"
        )
    if script == "ARABIC":
        return _broken_words(headline + " " + body[:SAMPLE])
    return None


def _broken_words(text: str) -> str | None:
    """Why ``text`` is Arabic letters but not words, or None: two fifths of its words (and five
    at least) mix letters with digits or symbols, as bytes of another kind read in an Arabic
    code page do. Real text has a few (``أ.ف.ب``), never that many.

    >>> _broken_words("قال الوزير إن 45% من المشاريع «انتهت» (أ.ف.ب) في 2025 و/أو **بعده**.")
    >>> print(_broken_words("مٍي! ن{نّ ٣ ژ(ً#آ| ضى١ ١ء ِ رليث# ٤ة {"))
    5 of 10 words mix letters with digits or symbols («ن{نّ», «ژ(ً#آ|»): a wrong encoding
    """
    words = text.split()
    broken = [
        w
        for w in words
        if not w.isascii()
        and not _ARABIC_WORD.fullmatch(core := w.strip(_AROUND))
        and not _NUMBER.fullmatch(core)
    ]
    if len(broken) >= BROKEN_LEAST and len(broken) > BROKEN_SHARE * len(words):
        shown = ", ".join(f"«{w}»" for w in broken[:2])
        return (
            f"{len(broken)} of {len(words)} words mix letters with digits or symbols ({shown}): "
            "a wrong encoding"
        )
    return None


def _misread(text: str) -> str:
    """What the mojibake was before, for the message: Windows-1256 Arabic read as a Western
    code page (its bytes in that page are Arabic again, and not UTF-8), else UTF-8 read in
    another encoding (the usual case, which is repaired when it can be).

    >>> _misread("ÎÈÑ ÚÑÈí"), _misread("Ø§Ø±ØªÙ\x81Ø§Ø¹")
    ('Windows-1256 text read as a Western code page', 'UTF-8 read in another encoding')
    """
    for western in ("cp1252", "latin-1"):
        try:
            raw = text.encode(western)
            raw.decode("utf-8")
        except UnicodeEncodeError:
            continue
        except UnicodeDecodeError:  # not UTF-8: an Arabic code page's bytes?
            if _ARABIC_LETTER.search(raw.decode("cp1256", errors="replace")):
                return "Windows-1256 text read as a Western code page"
    return "UTF-8 read in another encoding"


def _utf8_in_cp1256(text: str) -> bool:
    """UTF-8 Arabic read as Windows-1256 (``ط§ظ„``): its bytes in that code page are UTF-8
    Arabic again. Arabic text in that code page is nearly never valid UTF-8, and an accident
    would not spell Arabic letters. (ftfy knows Western code pages, not this one.)"""
    if text.isascii():
        return False
    try:
        again = text.encode("cp1256").decode("utf-8")
    except UnicodeError:
        return False
    return again != text and _ARABIC_LETTER.search(again) is not None


def _word_at(text: str, at: int) -> str:
    start = text.rfind(" ", 0, at) + 1
    end = text.find(" ", at)
    return text[start : end if end >= 0 else len(text)]
