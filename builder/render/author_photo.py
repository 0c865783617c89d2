"""An author's photo, published as a small derivative: never the file as given, whose
metadata (EXIF, GPS, the camera's owner) would be published with it."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageOps

from builder.core.authors import Profile

SIZE = 400  # pixels on the longer side: the page shows it at most 160 CSS pixels wide


def author_photo_path(profile: Profile) -> str:
    """Site-relative URL of the author's photo.

    >>> author_photo_path(Profile("laila", "ليلى", photo=Path("/x/Laila Photo.PNG")))
    'portraits/laila.jpg'
    """
    return f"portraits/{profile.slug}.jpg"


def author_photo(path: Path) -> bytes:
    """The published photo: turned upright as its EXIF says, cut down to :data:`SIZE`, as a
    JPEG with no metadata at all. Raises ``OSError`` for a file Pillow cannot read."""
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    image.thumbnail((SIZE, SIZE))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()
