"""The writing edge for generated Markdown: the builder's part of docs/ is replaced as a whole.

Pages are written to a staging folder first, so a crash mid-write leaves the previous
generated pages in place, and pages of articles removed from the input do not linger.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# What the builder owns inside docs_dir (git-ignored); everything else there is hand-written.
# ("articles" and "media" held article pages before the partitioned layout; they are cleared.)
OWNED = ("index.md", "articles", "page", "media", "portraits")  # portraits: authors' photos


def write_generated(docs_dir: Path, pages: dict[str, str | bytes]) -> None:
    """Replace the builder's part of ``docs_dir`` (home and listing pages) by ``pages``; article
    pages live in the month partitions (``builder.pipeline.partitions``)."""
    for stale in docs_dir.glob(".staging-*"):  # left by a killed build
        shutil.rmtree(stale, ignore_errors=True)
    staging = docs_dir / f".staging-{os.getpid()}"
    write_files(staging, dict(pages))
    retired = staging / ".retired"
    retired.mkdir()
    for name in OWNED:
        current, new = docs_dir / name, staging / name
        if current.exists():
            current.rename(retired / name)
        if new.exists():
            new.rename(current)
    shutil.rmtree(staging)


def replace_tree(root: Path, files: dict[str, str | bytes | Path]) -> None:
    """Replace the folder ``root`` by ``files``: written beside it, then renamed in."""
    staging = root.with_name(root.name + ".staging")
    shutil.rmtree(staging, ignore_errors=True)
    write_files(staging, files)
    shutil.rmtree(root, ignore_errors=True)
    staging.rename(root)


def write_files(root: Path, files: dict[str, str | bytes | Path]) -> None:
    """Create ``root`` with ``files`` in it: text, bytes, or a file to link; nothing outside it.
    Each folder is made and resolved once, not once per file (a partition writes a thousand
    files into a few folders, and resolving every path was 4% of a full build)."""
    root.mkdir(parents=True, exist_ok=True)
    base = root.resolve()
    folders: dict[str, Path] = {}
    for rel, content in files.items():
        head, _, name = rel.rpartition("/")
        folder = folders.get(head)
        if folder is None:
            folder = folders[head] = _inside(base, head)
            folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        if name in ("", ".", "..") or target.is_symlink():
            raise ValueError(f"refusing to write outside the docs folder: {rel!r}")
        if isinstance(content, str):
            target.write_text(content, encoding="utf-8")
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            _link(content, target)


def _link(source: Path, target: Path) -> None:
    """A file the build holds already (a photo's derivative in the store, a published one) is
    hard-linked, not copied: no file of a site or of the store is ever rewritten in place, so
    the shared inode stays right in both, and creating a copy of each derivative was 5% of a
    full build's time. Copied only across file systems."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _inside(base: Path, rel: str) -> Path:
    """``base / rel`` (``base`` resolved), refused if it leads outside ``base``.

    >>> base = Path("/srv/docs")
    >>> _inside(base, "articles/x").as_posix(), _inside(base, "").as_posix()
    ('/srv/docs/articles/x', '/srv/docs')
    >>> _inside(base, "../etc")
    Traceback (most recent call last):
    ValueError: refusing to write outside the docs folder: '../etc'
    """
    target = (base / rel).resolve()
    if not target.is_relative_to(base):
        raise ValueError(f"refusing to write outside the docs folder: {rel!r}")
    return target
