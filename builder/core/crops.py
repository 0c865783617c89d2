"""The crops of a photo that search engines ask for (16:9, 4:3 and 1:1), by size alone.

Reading needs them as much as the photo encoder: a photo whose crops would fall under
Google's least size must be left out when it is read (so no listing shows it either), not
found out by the page check, which would stop the whole site being published.
"""

from __future__ import annotations

CROP_WIDTH = 1200  # Google's least for large previews (Discover)
RATIOS = ((16, 9), (4, 3), (1, 1))  # the ratios Google asks for, 16:9 first (og:image)


def box_size(width: int, height: int, ratio: tuple[int, int]) -> tuple[int, int]:
    """The largest ``ratio`` box inside a ``width`` x ``height`` photo.

    >>> box_size(4000, 3000, (16, 9)), box_size(1200, 800, (4, 3))
    ((4000, 2250), (1066, 800))
    """
    rw, rh = ratio
    if width * rh <= height * rw:
        return width, width * rh // rw
    return height * rw // rh, height


def crop_size(width: int, height: int, ratio: tuple[int, int]) -> tuple[int, int]:
    """The published size of that box: as it is when at most :data:`CROP_WIDTH` wide (its
    whole height kept, not one pixel lost to rounding), else scaled down to that width.

    >>> crop_size(4000, 3000, (16, 9)), crop_size(1200, 800, (4, 3)), crop_size(5000, 12, (1, 1))
    ((1200, 675), (1066, 800), (12, 12))
    """
    w, h = box_size(width, height, ratio)
    if w <= CROP_WIDTH:
        return w, h
    return CROP_WIDTH, CROP_WIDTH * ratio[1] // ratio[0]
