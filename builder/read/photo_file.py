"""Opening a newsroom photo: the one place a photo file is decoded, for judging and encoding.

A photo is judged while its article is read (so listings, made from what reading gave, never
show one that cannot be published) and decoded again only to make its derivatives
(:mod:`builder.render.photos`). Whatever Pillow cannot turn into plain 8-bit RGB pixels is
refused with the reason: a truncated or corrupt file, an unknown format, or more pixels than
Pillow's decompression-bomb limit (checked before anything is decoded). CMYK, 16-bit and
palette files are converted, the EXIF orientation is applied, and an animated GIF gives its
first frame. Nothing of the file's metadata survives into the pixels returned.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps


class PhotoError(ValueError):
    """Why a photo cannot be published (the message names no path: the caller does)."""


@dataclass(frozen=True)
class Judged:
    width: int  # as shown: after the EXIF orientation
    height: int
    digest: str  # sha256 of the file's bytes: derivatives are named by it
    notes: tuple[str, ...]  # what was changed to publish it (an animation's other frames)


def judge(path: Path) -> Judged:
    """Decode ``path`` once, cheaply (a JPEG at an eighth of its size, which still reads every
    byte of it), and say whether it can be published; raise :class:`PhotoError` if not."""
    data = path.read_bytes()
    image, notes = open_photo(data, (64, 64))
    image.close()
    with Image.open(io.BytesIO(data)) as header:
        width, height = header.size
        if header.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # turned a quarter
            width, height = height, width
    return Judged(width, height, hashlib.sha256(data).hexdigest(), notes)


def open_photo(
    data: bytes, draft: tuple[int, int] | None = None
) -> tuple[Image.Image, tuple[str, ...]]:
    """The photo's pixels, upright, as RGB (RGBA when it has transparency), with no metadata;
    ``draft``: a JPEG may be decoded at the smallest DCT scale at least this size (much
    faster, deterministic). Also returns notes on what was changed."""
    notes: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise PhotoError(
                f"has more pixels than Pillow's limit of {Image.MAX_IMAGE_PIXELS:,} "
                "(a decompression bomb, or a scan far larger than any page needs)"
            ) from None
        except (OSError, ValueError, SyntaxError):
            raise PhotoError(
                "is not an image that can be read (corrupt or unknown format)"
            ) from None
    width, height = image.size
    if width * height > (Image.MAX_IMAGE_PIXELS or 0):
        raise PhotoError(
            f"has {width * height:,} pixels, more than Pillow's limit of "
            f"{Image.MAX_IMAGE_PIXELS:,} (a decompression bomb?)"
        )
    frames = int(getattr(image, "n_frames", 1))
    if frames > 1:
        notes.append(f"is animated ({frames} frames): its first frame is published")
        image.seek(0)
    if draft and image.format == "JPEG":
        image.draft(image.mode if image.mode == "CMYK" else "RGB", draft)
    try:
        image.load()
    except (OSError, ValueError, SyntaxError) as exc:
        raise PhotoError(f"is truncated or corrupt ({exc})") from None
    icc = image.info.get("icc_profile")
    try:
        upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError):
        upright = image  # an unreadable orientation tag: the pixels as stored
    return _plain(upright, icc), tuple(notes)


def _plain(image: Image.Image, icc: bytes | None) -> Image.Image:
    """8-bit RGB or RGBA pixels in sRGB, without ``info`` (encoders copy EXIF, XMP and ICC
    from it)."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        image = image.convert("I").point(lambda v: v * (1 / 257)).convert("L")  # 16-bit grey
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if alpha else "RGB"
    if icc and image.mode in ("RGB", "CMYK"):
        try:
            converted = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGB",
            )
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the numbers as they are
    plain = image.convert(mode) if image.mode != mode else image.copy()
    plain.info = {}
    return plain
