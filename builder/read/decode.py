"""Bytes of a scraped file -> text, for the encodings Arabic dumps really come in.

A BOM is proof, and strict UTF-8 almost never decodes anything else by accident. Past those,
charset-normalizer chooses among the legacy encodings Arabic text is found in (UTF-16 without
BOM, Windows-1256, ISO-8859-6), by how messy and how Arabic each reading is, instead of a guess
by hand; MacArabic, which it does not offer, is read when none of them fits. UTF-8 that a
scraper read as a Western code page and saved again (``Ø§Ù„...``) is repaired by ftfy, and the
repair is named. What no step can vouch for is judged by :mod:`builder.read.coherence` once
the article is read: a wrong reading is refused there, never published.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer
import ftfy
from ftfy.badness import is_bad


class DecodeError(ValueError):
    """The bytes are not text we can read; the message is the reason shown to the user."""


# charset-normalizer's candidates: the encodings Arabic files come in (its own names)
LEGACY = ("utf_16_le", "utf_16_be", "cp1256", "iso8859_6")
_NAMES = {
    "utf_16_le": "UTF-16",
    "utf_16_be": "UTF-16",
    "cp1256": "Windows-1256",
    "iso8859_6": "ISO-8859-6",
    "mac_arabic": "MacArabic",
}
# UTF-8 read as latin-1 or Windows-1252: a lead byte's letter (Â-ô), then a continuation byte's
# (U+0080-U+00BF, or what Windows-1252 puts at 0x80-0x9F). ftfy's own test costs about 3 ms on
# a 2 KB article, this one microseconds: ftfy looks only at text where this is found.
_UTF8_AS_WESTERN = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a"
    "\u20ac\u2122]"
)
_FTFY_NAMES = {"sloppy-windows-1252": "Windows-1252", "latin-1": "Latin-1"}
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
# C0 controls other than tab, LF, CR, form feed: plentiful in binary, absent from text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f]")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # as a user would name it: UTF-8, Windows-1256, ...
    repair: str | None = None  # the warning for text ftfy repaired


def decode(data: bytes) -> Decoded:
    """Decode ``data`` or raise :class:`DecodeError` saying why it is not text.

    >>> decode("خبر عاجل من المدينة".encode("cp1256")).text
    'خبر عاجل من المدينة'
    >>> decode(codecs.BOM_UTF8 + "خبر".encode()).text
    'خبر'
    >>> decode("خبر".encode("utf-16")).text
    'خبر'
    >>> d = decode("خبر عاجل".encode().decode("latin-1").encode())
    >>> d.text, d.repair
    ('خبر عاجل', 'double-encoded text repaired (UTF-8 read as Latin-1)')
    >>> try:
    ...     decode(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00\\x00\\rIHDR")
    ... except DecodeError as exc:
    ...     print(exc)
    binary data, not text (NUL bytes)
    """
    if not data:
        raise DecodeError("empty file")
    found = _decode_by_bom(data) or _decode_without_bom(data)
    text, encoding = found
    controls = len(_CONTROL.findall(text))
    if controls > max(8, len(text) // 100):
        raise DecodeError(f"binary data, not text ({controls} control characters)")
    return _repaired(text, encoding)


def _decode_by_bom(data: bytes) -> tuple[str, str] | None:
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding.upper().removesuffix("-SIG")
            except UnicodeDecodeError as exc:
                raise DecodeError(
                    f"invalid {encoding.upper()} after its byte-order mark: {exc.reason}"
                ) from exc
    return None


def _decode_without_bom(data: bytes) -> tuple[str, str]:
    if b"\x00" in data or b"\x06" in data:
        # UTF-16 without BOM: its ASCII and Arabic leave NUL or 0x06 bytes, and are valid UTF-8
        found = _decode_legacy(data)
        if found is not None and found[1] == "UTF-16":
            return found
    if data.count(b"\x00") > max(8, len(data) // 100):  # a few stray NULs are noise
        raise DecodeError("binary data, not text (NUL bytes)")
    found = _decode_utf8(data) or _decode_legacy(data)
    if found is None:
        raise DecodeError("binary data, not text (NUL bytes)")
    return found


def _decode_utf8(data: bytes) -> tuple[str, str] | None:
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    # UTF-8 damaged in a few places (a truncated scrape, a cut multi-byte letter) is still
    # UTF-8: read as Windows-1256 it would turn every Arabic letter into two wrong ones. Arabic
    # in Windows-1256 read as UTF-8 is nearly all bad sequences: over 374 real and bench
    # articles so encoded, at most 0.02 good non-ASCII characters per bad one; one damaged
    # byte in a short UTF-8 headline and paragraph left 24 or more. charset-normalizer has no
    # notion of damaged UTF-8, so this comes before it.
    lenient = data.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    good = sum(1 for c in lenient if ord(c) > 127) - bad
    return (lenient, "UTF-8") if good >= 5 * bad else None


def _decode_legacy(data: bytes) -> tuple[str, str] | None:
    best = charset_normalizer.from_bytes(data, cp_isolation=list(LEGACY)).best()
    if best is not None:
        return str(best), _NAMES[best.encoding]
    if b"\x00" in data:
        return None
    return data.decode("mac_arabic"), "MacArabic"  # every byte is a character there


def _repaired(text: str, encoding: str) -> Decoded:
    """``text``, with UTF-8 that was once read as a Western code page put back (ftfy);
    ftfy is asked only about text where such a pair of characters is found. UTF-8 once read
    as Windows-1256 (``ط§ظ„``), which ftfy does not know, is refused: Arabic text in that
    code page is nearly never valid UTF-8, so it cannot be Arabic written so."""
    if not text.isascii() and _utf8_read_as_cp1256(text):
        raise DecodeError(
            "UTF-8 text that was read as Windows-1256 and saved again (mojibake such as "
            "«ط§ظ„»): take the scraper's original bytes"
        )
    if not _UTF8_AS_WESTERN.search(text) or not is_bad(text):
        return Decoded(text, encoding)
    fixed, steps = ftfy.fix_encoding_and_explain(text)
    if not steps or fixed == text:
        return Decoded(text, encoding)
    read_as = ", then ".join(
        _FTFY_NAMES.get(name, name) for step, name in steps if step == "encode"
    )
    lost = fixed.count("\ufffd")
    if lost:
        raise DecodeError(
            f"UTF-8 text that was read as {read_as} and saved again, with {lost} letter(s) "
            "lost in the process (shown as \ufffd): it cannot be repaired"
        )
    return Decoded(fixed, encoding, f"double-encoded text repaired (UTF-8 read as {read_as})")


def _utf8_read_as_cp1256(text: str) -> bool:
    try:
        again = text.encode("cp1256").decode("utf-8")
    except UnicodeError:
        return False
    return again != text and _ARABIC_LETTER.search(again) is not None
