"""The publishing edge: MkDocs renders docs/ into a fresh folder that then replaces site/.

A reader of site/ sees the previous complete site or the new complete one, never a mix.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.exceptions import MkDocsException


class PublishError(RuntimeError):
    pass


def publish(cfg: Any, site_dir: Path) -> None:
    """Run MkDocs (strict: any warning fails) into a sibling folder, then swap it in."""
    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    fresh = site_dir.parent / f".{site_dir.name}.new-{os.getpid()}"
    old = site_dir.parent / f".{site_dir.name}.old-{os.getpid()}"
    shutil.rmtree(fresh, ignore_errors=True)
    cfg["site_dir"] = str(fresh)
    try:
        mkdocs_build(cfg)
    except (MkDocsException, SystemExit) as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        raise PublishError(f"MkDocs failed: {exc}") from exc
    finally:
        cfg["site_dir"] = str(site_dir)
    if site_dir.exists():
        site_dir.rename(old)
    fresh.rename(site_dir)
    shutil.rmtree(old, ignore_errors=True)
