"""A share image for articles without a photo: the headline set in shaped, right-to-left Arabic.

Pillow lays the text out with libraqm (HarfBuzz shaping + FriBiDi ordering), so letters join
and words run right to left; the font is Amiri (SIL OFL), installed from PyPI as
``fontpkg-amiri``. 1200x675 (16:9, the ratio Google prefers) PNG, deterministic bytes.

Drawing an image cost about 6 ms, of which compressing its 810,000 pixels was 2.7 ms with the
system's zlib (which Pillow's PNG writer links): the pixels are compressed by zlib-ng (four
times faster, the same bytes out) and put in PNG's chunks here.

Most of the rest was shaping and rasterizing the headline (Amiri's contextual forms are costly
to shape: about 0.3 ms to measure a line, 2 ms to draw one). Headlines share most of their
words, so a headline of plain right-to-left text (see :func:`_by_words`) is measured and drawn
word by word from a cache of shaped words: the same line breaks, and each word as it is
shaped alone, placed to the nearest pixel (its glyphs then round their positions from the
word's start, not the line's: within two pixels of the line drawn whole). Any other
headline is shaped whole, line by line, as before.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import struct
import unicodedata
import zlib
from importlib import metadata
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont, features
from zlib_ng import zlib_ng

WIDTH, HEIGHT = 1200, 675
_MARGIN = 80
_BACKGROUND = (140, 20, 30)
_INK = (255, 255, 255)
_MUTED_LEVEL = 215  # secondary text: 215/255 of the way from background to ink
_PALETTE = bytes(
    round(b + (i - b) * level / 255)
    for level in range(256)
    for b, i in zip(_BACKGROUND, _INK)  # noqa: B905 - both 3 long; strict= renames all share images
)


class ShareImageError(RuntimeError):
    pass


@functools.cache
def _font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    import fontpkg_amiri

    if not features.check("raqm"):
        raise ShareImageError("Pillow was built without libraqm: Arabic cannot be shaped")
    name = "Amiri-Bold.ttf" if bold else "Amiri-Regular.ttf"
    path = Path(fontpkg_amiri.__file__).parent / "files" / name
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)


@functools.cache
def _drawing_version() -> bytes:
    """What a drawing depends on besides its text: this code (its syntax tree without
    docstrings, so that layout, comments or prose rename no image), Pillow and the font."""
    versions = (
        f"{metadata.version('pillow')}\0"
        f"{metadata.version('fontpkg-amiri')}\0"
        f"{metadata.version('zlib-ng')}\0"
    )
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) and ast.get_docstring(
            node
        ):
            node.body = node.body[1:]
    return ast.dump(tree).encode() + versions.encode()


def file_name(headline: str, site_name: str, section: str | None = None) -> str:
    """The image's file name, keyed by everything it is drawn from: a rebuild finds the drawing
    it needs already published under that name (drawing costs ~4.5 ms an article), and a changed
    headline gets a new URL, so social sites fetch the new image instead of a cached one.

    >>> (file_name("عنوان", "أخبار", "سياسة") == file_name("عنوان", "أخبار", "سياسة")
    ...  != file_name("عنوان آخر", "أخبار", "سياسة"))
    True
    """
    digest = hashlib.sha256(_drawing_version() + f"\0{headline}\0{site_name}\0{section}".encode())
    return f"share-{digest.hexdigest()[:16]}.png"


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy line breaking by words, measured on shaped text (each candidate line whole:
    Amiri kerns across spaces, so a line is not as wide as its words and spaces added up)."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate, direction="rtl", language="ar") <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


@functools.lru_cache(maxsize=64)
def _base(site_name: str, section: str | None) -> Image.Image:
    """What every image of a section shares (the section, the rule, the site's name), drawn once."""
    image = Image.new("L", (WIDTH, HEIGHT), 0)
    draw = ImageDraw.Draw(image)
    right = WIDTH - _MARGIN
    draw.text(
        (right, 50),
        section or "",
        font=_font(34, bold=False),
        fill=_MUTED_LEVEL,
        anchor="ra",
        direction="rtl",
        language="ar",
    )
    draw.text(
        (right, HEIGHT - 50),
        site_name,
        font=_font(38),
        fill=255,
        anchor="rd",
        direction="rtl",
        language="ar",
    )
    draw.line((_MARGIN, HEIGHT - 110, right, HEIGHT - 110), fill=_MUTED_LEVEL, width=2)
    return image


def render(headline: str, site_name: str, section: str | None = None) -> bytes:
    """PNG bytes of the share image; the headline shrinks until it fits in four lines."""
    # Drawn as a grey-level coverage mask (0 = background, 255 = ink), then given a palette
    # that blends background and ink: anti-aliasing kept, PNG small and fast to encode.
    image = _base(site_name, section).copy()
    draw = ImageDraw.Draw(image)
    right = WIDTH - _MARGIN
    words = headline.split()
    for size in (72, 64, 56, 48, 42, 36):
        by_words = _by_words(words, size)
        lines = (
            by_words
            if by_words is not None
            else [line.split(" ") for line in wrap(headline, _font(size), WIDTH - 2 * _MARGIN)]
        )
        if len(lines) <= 4:
            break
    whole, lines = by_words is None, lines[:4]
    line_height = int(size * 1.55)
    top = (HEIGHT - line_height * len(lines)) // 2
    for i, line in enumerate(lines):
        y = top + i * line_height
        if whole:
            draw.text(
                (right, y),
                " ".join(line),
                font=_font(size),
                fill=255,
                anchor="ra",
                direction="rtl",
                language="ar",
            )
            continue
        x = float(right)
        for word in line:  # right to left, each word's right edge where the shaped line has it
            mask, (dx, dy) = _word_mask(word, size)
            draw.draw.draw_bitmap((round(x) + dx, y + dy), mask, 255)
            x -= _width(word, size) + _width(" ", size)
    return png(image, _PALETTE)


# Bidi classes that can reorder words within a line (left-to-right runs, explicit embeddings):
# without them, every word of a right-to-left line stands right of the next one.
_REORDERING = frozenset({"L", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})
_ALM = "\u061c"  # ARABIC LETTER MARK: invisible, no width, an Arabic letter to the bidi algorithm


def _by_words(words: list[str], size: int) -> list[list[str]] | None:
    """The greedy line breaks of :func:`wrap` from the widths of single words, each line as
    the words to draw right to left (see :func:`_in_line`); None unless the headline is plain
    right-to-left text that shapes as its words do apart: no character that can reorder words,
    and the whole headline exactly as wide as its words and spaces (so no kerning or mark
    joins across a space). Widths are sums of 1/64 px: exact in a float."""
    if not words or any(
        unicodedata.bidirectional(c) in _REORDERING for word in words for c in word
    ):
        return None
    space = _width(" ", size)
    if _font(size).getlength(" ".join(words), direction="rtl", language="ar") != sum(
        map(_width, _in_line(words), [size] * len(words))
    ) + space * (len(words) - 1):
        return None
    lines: list[list[str]] = []
    width = 0.0
    for word in words:
        if lines:
            token = _in_line([*lines[-1], word])[-1]
            if width + space + _width(token, size) <= WIDTH - 2 * _MARGIN:
                lines[-1].append(word)
                width += space + _width(token, size)
                continue
        lines.append([word])  # first on its line: no letter before it
        width = _width(word, size)
    return [_in_line(line) for line in lines]


def _in_line(words: list[str]) -> list[str]:
    """The words as drawn apart, each with the context the bidi algorithm gives it in the line:
    digits after an Arabic letter are Arabic numbers (rule W2), so ``45%`` after ``دراسة`` reads
    ``%45``, but the same word first on its line reads ``45%``. A word with digits after an
    Arabic letter is led by an Arabic letter mark, which gives it that context and no width.

    >>> _in_line(["45%", "من", "45%", "2025:"]) == ["45%", "من", _ALM + "45%", _ALM + "2025:"]
    True
    """
    tokens, after_arabic = [], False
    for word in words:
        types = [unicodedata.bidirectional(c) for c in word]
        tokens.append(_ALM + word if after_arabic and ("EN" in types or "AN" in types) else word)
        strong = [t for t in types if t in ("R", "AL")]
        after_arabic = strong[-1] == "AL" if strong else after_arabic
    return tokens


@functools.lru_cache(maxsize=4096)
def _width(word: str, size: int) -> float:
    return _font(size).getlength(word, direction="rtl", language="ar")


@functools.lru_cache(maxsize=512)  # about 17 KB a word at 72 px; a headline's words mostly hit
def _word_mask(word: str, size: int) -> tuple[Any, tuple[int, int]]:
    """The word shaped and drawn as a coverage mask, with its offset from its right edge on the
    line."""
    return _font(size).getmask2(word, "L", anchor="ra", direction="rtl", language="ar")


def png(mask: Image.Image, palette: bytes) -> bytes:
    """A grey-level image (mode L) as a PNG whose 256 palette entries are ``palette`` (RGB
    bytes): each level is the index of its colour.

    >>> import io
    >>> mask = Image.linear_gradient("L").resize((7, 3))
    >>> back = Image.open(io.BytesIO(png(mask, bytes(range(256)) * 3)))
    >>> back.mode, back.size, back.tobytes() == mask.tobytes(), back.getpalette()[:6]
    ('P', (7, 3), True, [0, 1, 2, 3, 4, 5])
    """
    width, height = mask.size
    rows = Image.new("L", (width + 1, height), 0)  # every row led by its filter type, 0 (none)
    rows.paste(mask, (1, 0))
    deflate = zlib_ng.compressobj(
        6, zlib_ng.DEFLATED, 15, 9, zlib_ng.Z_RLE
    )  # runs of one level are most of it
    pixels = deflate.compress(rows.tobytes()) + deflate.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)  # 8 bits, palette, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"PLTE", palette)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
