"""The publishing edge: MkDocs renders into a fresh folder, which is checked and only then
replaces site/.

A reader of site/ sees the previous complete site or the new complete one, never a mix, and a
new site that fails validation is never swapped in. The output folder is replaced only if it
is empty or a site this builder made (it carries :data:`MARKER`), so a mistyped ``--site-dir``
cannot delete a corpus or a home folder.
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from builder.check.validate import Finding
from builder.render.plugin import Menu, rendering_for_builder

MARKER = ".builder-site"


class PublishError(RuntimeError):
    pass


def check_site_dir(site_dir: Path, inputs: Iterable[Path], homes: Iterable[Path]) -> None:
    """Refuse an output folder that overlaps an input tree, contains a home (project, user)
    folder, or holds anything but an earlier site."""
    site_dir = site_dir.resolve()
    for other in (p.resolve() for p in inputs):
        if site_dir == other or site_dir in other.parents or other in site_dir.parents:
            raise PublishError(
                f"site folder {site_dir} overlaps {other}: choose a separate output folder"
            )
    for home in (p.resolve() for p in homes):
        if site_dir == home or site_dir in home.parents:
            raise PublishError(
                f"site folder {site_dir} would replace {home}: choose a separate output folder"
            )
    if site_dir.is_dir() and any(site_dir.iterdir()) and not (site_dir / MARKER).exists():
        raise PublishError(
            f"{site_dir} is not empty and was not made by this builder: refusing to replace it"
        )
    if site_dir.exists() and not site_dir.is_dir():
        raise PublishError(f"{site_dir} is a file, not a folder")


def render(
    config_file: Path,
    docs_dir: Path,
    site_dir: Path,
    nav: list[Any] | None = None,
    menu: Menu = (),
) -> None:
    """One strict MkDocs run (any warning fails) of ``docs_dir`` into ``site_dir``, with the
    masthead's section ``menu``."""
    overrides: dict[str, Any] = {
        "strict": True,
        "docs_dir": str(docs_dir),
        "site_dir": str(site_dir),
    }
    if nav is not None:
        overrides["nav"] = nav
    from mkdocs.commands.build import (
        build as mkdocs_build,
    )  # here: the build's own process never renders (66 ms of its start)

    _show_mkdocs_messages()
    rendering_for_builder(menu)  # else our plugin stops MkDocs, as it stops `mkdocs build`
    try:
        mkdocs_build(load_config(config_file=str(config_file), **overrides))
    except (MkDocsException, SystemExit) as exc:
        raise PublishError(f"MkDocs failed (messages above): {exc}") from exc
    finally:
        _forget_urls()


def _forget_urls() -> None:
    """Empty MkDocs's URL caches: unbounded, they keep every URL of every run, and a worker
    that renders partition after partition grew by 0.3 MB per partition (35 MB over the 464
    partitions of 100,000 articles). Within a run they still save the work they were made for."""
    from mkdocs import utils

    for name in ("_norm_parts", "_get_norm_url"):
        cached = getattr(utils, name, None)
        if cached is not None and hasattr(cached, "cache_clear"):
            cached.cache_clear()


def publish(
    site_dir: Path,
    make: Callable[[Path], None],
    check: Callable[[Path], list[Finding]],
    keep: Path | None = None,
) -> tuple[bool, list[Finding]]:
    """Let ``make`` fill a fresh folder beside ``site_dir``; swap it in if ``check`` finds no
    error. The replaced site is deleted, or kept at ``keep`` for the next build to start from."""
    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    for stale in site_dir.parent.glob(f".{site_dir.name}.new-*"):  # left by a build that died
        discard(stale, site_dir)
    for stale in site_dir.parent.glob(
        f".{site_dir.name}.old-*"
    ):  # being deleted, or left by a reboot
        remove_later(stale)
    fresh = site_dir.parent / f".{site_dir.name}.new-{os.getpid()}"
    try:
        make(fresh)
        findings = check(fresh)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    if any(f.level == "error" for f in findings):
        shutil.rmtree(fresh, ignore_errors=True)
        return False, findings
    mark(fresh)
    swap(fresh, site_dir)
    if fresh.exists():  # now holds the previous site (none on the first build)
        if keep is None:
            discard(fresh, site_dir)
        else:
            if keep.exists():
                discard(keep, site_dir)
            fresh.rename(keep)
    return True, findings


def mark(folder: Path) -> None:
    """Mark ``folder`` as a site this builder made (a new file: its inode and time key the
    records kept of that site, :func:`builder.publish.recycle.marker_key`)."""
    (folder / MARKER).write_text(
        "made by `python -m builder build`; replaced whole on every build\n", encoding="utf-8"
    )


def discard(folder: Path, site_dir: Path) -> None:
    """Delete a folder beside the site without making the build wait: it is moved into a new
    folder of its own beside the site (its name is free at once, and no aside of an earlier
    build still being removed can clash) and removed by :func:`remove_later`; whatever is left
    of it is removed at the start of the next build."""
    site_dir = site_dir.resolve()
    aside = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.old-", dir=site_dir.parent))
    folder.rename(aside / folder.name)
    remove_later(aside)


def remove_later(folder: Path) -> None:
    """A detached ``rm -rf``: tens of thousands of folders take seconds, which no build should
    wait for (a second one on a folder being removed does no harm)."""
    if shutil.which("rm"):
        subprocess.Popen(
            ["rm", "-rf", str(folder)],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    else:  # pragma: no cover
        shutil.rmtree(folder, ignore_errors=True)


_RENAME_EXCHANGE = 2


def swap(fresh: Path, site_dir: Path) -> None:
    """Put ``fresh`` at ``site_dir`` in one step: with Linux's renameat2(RENAME_EXCHANGE) the two
    folders trade places atomically, so no moment exists without a complete site/."""
    if not site_dir.exists():
        fresh.rename(site_dir)  # rename(2) is atomic
        return
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        at_fdcwd = -100
        if (
            renameat2(
                at_fdcwd, os.fsencode(fresh), at_fdcwd, os.fsencode(site_dir), _RENAME_EXCHANGE
            )
            == 0
        ):
            return
    # no renameat2 (not Linux, old libc, or a file system without it): two renames, a short gap
    # (through a folder of its own, as discard's: no aside still being removed can clash)
    old = (
        Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.old-", dir=site_dir.parent)) / site_dir.name
    )
    site_dir.rename(old)
    fresh.rename(site_dir)
    old.rename(fresh)
    old.parent.rmdir()


def _show_mkdocs_messages() -> None:
    """MkDocs logs its warnings; without a handler they would vanish and strict mode would fail
    mutely."""
    logger = logging.getLogger("mkdocs")
    logger.setLevel(logging.WARNING)
    if not any(getattr(h, "_builder", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("mkdocs %(levelname)s: %(message)s"))
        handler._builder = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
