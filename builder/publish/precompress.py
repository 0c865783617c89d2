"""Precompressed copies of the site's text files: ``x.br`` and ``x.gz`` beside ``x``.

Why: a static server (nginx's ``gzip_static`` and ``brotli_static``) then sends a ready file
instead of compressing each response, and can afford Brotli at a quality no server would spend
per request. The copies are deterministic (gzip with mtime 0 and no file name, Brotli at a
fixed quality with a window fitted to the file's size), so an incremental build stays byte
for byte a full build, and a second build gives the same bytes.

No file is compressed twice: each part of the site is compressed where it is made (the
partition workers compress the article pages they render, the listing and main MkDocs runs
theirs, the build the crawler files and Pagefind's scripts), a part taken over from the
current site or the spare (a folder, a listing page, a search chunk) brings its copies along,
and a file made again with the very bytes the published site has gets that site's copies as
hard links (``previous``), but only when that site's copies were made the same way
(:data:`RECIPE`, recorded with the site: :func:`remember`).

Files are never written in place: a copy may be a hard link shared with the published site.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import zlib
from collections.abc import Iterable
from pathlib import Path

import brotli

# What is text: pages, stylesheets, scripts, feeds, sitemaps, JSON (Pagefind's entry and chunk
# list), robots.txt. Images, fonts (WOFF2 is Brotli inside) and Pagefind's index files (gzip
# inside) gain nothing.
TEXT = (".html", ".css", ".js", ".mjs", ".json", ".xml", ".txt", ".svg")
MIN_BYTES = 256  # smaller files: a response's headers outweigh what compression saves
SUFFIXES = (".br", ".gz")
# Chosen by measurement on the sample's pages (bench/RESULTS.md): with the window fitted to the
# file, quality 9 costs about 0.4 ms a page, 10 and 11 (Zopfli-style) 5 and 20 ms for 10%
# fewer bytes; below 9 saves little time for slightly larger files. gzip -9 costs about as
# much as -6 on pages this size.
BROTLI_QUALITY = 9
GZIP_LEVEL = 9
RECIPE = (
    f"brotli {brotli.__version__} q{BROTLI_QUALITY}; zlib {zlib.ZLIB_RUNTIME_VERSION} "
    f"-{GZIP_LEVEL}; min {MIN_BYTES}; {' '.join(TEXT)}"
)
RECORD = "precompress.json"  # inside the build folder: the recipe of the published site's copies


def wanted(name: str, size: int) -> bool:
    """Whether a file of this name and size gets precompressed copies.

    >>> wanted("index.html", 5000), wanted("index.html", 100), wanted("photo.jpg", 5000)
    (True, False, False)
    """
    return size >= MIN_BYTES and name.endswith(TEXT)


def window(size: int) -> int:
    """Brotli's window (log2 bytes) for ``size`` bytes: the least that holds the file (10 to 24).
    A fixed large window made quality 9 cost ten times as much on small files.

    >>> window(10_000), window(0), window(100_000_000)
    (14, 10, 24)
    """
    return max(10, min(24, math.ceil(math.log2(max(size, 1)))))


def compressed(data: bytes) -> tuple[bytes, bytes]:
    """``data`` as Brotli and as gzip, the same bytes every time.

    >>> br, gz = compressed(b"x" * 1000)
    >>> brotli.decompress(br) == gzip.decompress(gz) == b"x" * 1000, gz[4:8]
    (True, b'\\x00\\x00\\x00\\x00')
    """
    br = brotli.compress(
        data, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY, lgwin=window(len(data))
    )
    return br, gzip.compress(data, GZIP_LEVEL, mtime=0)


def copies(rel: str) -> list[str]:
    """The precompressed copies' paths of ``rel``."""
    return [rel + suffix for suffix in SUFFIXES]


def compress_file(root: Path, rel: str, previous: Path | None = None) -> bool:
    """Write the copies of ``root/rel`` beside it, unless it is not text or too small; when
    ``previous/rel`` holds the same bytes and has its copies, they are hard-linked instead.
    Returns whether anything was compressed."""
    path = root / rel
    if not rel.endswith(TEXT) or not path.is_file():
        return False
    data = path.read_bytes()
    if not wanted(rel, len(data)):
        return False
    if previous is not None and _same(previous / rel, path, data):
        try:
            for name in copies(rel):
                _link(previous / name, root / name)
            return False
        except FileNotFoundError:
            pass
    for name, blob in zip(copies(rel), compressed(data), strict=True):
        _write(root / name, blob)
    return True


def compress_all(root: Path, rels: Iterable[str], previous: Path | None = None) -> int:
    """:func:`compress_file` for each of ``rels``; returns how many were compressed."""
    return sum(compress_file(root, rel, previous) for rel in rels)


def text_files(root: Path, skip: Iterable[str] = ()) -> list[str]:
    """Every file under ``root`` that gets copies (site-relative paths), but ``skip``."""
    left = set(skip)
    found = []
    for folder, _, names in os.walk(root):
        at = os.path.relpath(folder, root).replace(os.sep, "/")
        for name in names:
            rel = name if at == "." else f"{at}/{name}"
            if name.endswith(TEXT) and rel not in left:
                found.append(rel)
    return sorted(found)


def move(source: Path, dest: Path) -> None:
    """Move a file and its copies (those it has)."""
    source.rename(dest)
    for suffix in SUFFIXES:
        with_copy = source.with_name(source.name + suffix)
        if with_copy.exists():
            with_copy.rename(dest.with_name(dest.name + suffix))


def link(source: Path, dest: Path) -> None:
    """Hard-link a file and its copies (those it has) to ``dest``, replacing what is there."""
    _link(source, dest)
    for suffix in SUFFIXES:
        with_copy = source.with_name(source.name + suffix)
        if with_copy.exists():
            _link(with_copy, dest.with_name(dest.name + suffix))


def recorded(build_dir: Path, site: Path, marker: list[int] | None) -> bool:
    """Whether the copies in ``site`` (its marker's inode and mtime: ``marker``) were made
    with this :data:`RECIPE`, so that they may be linked for files of the same bytes."""
    try:
        data = json.loads((build_dir / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(data, dict)
        and marker is not None
        and data.get("marker") == marker
        and data.get("recipe") == RECIPE
    )


def remember(build_dir: Path, marker: list[int] | None, made: bool) -> None:
    """After a swap: the published site's copies were made with this recipe (``made``), or it
    has none."""
    temp = build_dir / (RECORD + ".tmp")
    temp.write_text(
        json.dumps({"marker": marker, "recipe": RECIPE if made else None}), encoding="utf-8"
    )
    temp.replace(build_dir / RECORD)


def _same(old: Path, new: Path, data: bytes) -> bool:
    try:
        return os.path.samefile(old, new) or old.read_bytes() == data
    except OSError:
        return False


def _write(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_bytes(data)
    temp.replace(path)


def _link(source: Path, dest: Path) -> None:
    try:
        if os.path.samefile(source, dest):  # rename(2) onto the same file would do nothing
            return
    except FileNotFoundError:
        pass
    temp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    temp.unlink(missing_ok=True)
    os.link(source, temp)
    temp.replace(dest)
