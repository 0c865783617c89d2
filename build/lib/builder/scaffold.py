"""``nashra new DIR``: a site folder of its own, that builds from anywhere with no copy of this
repository.

What it writes is data shipped inside the package (``new_site/``): ``mkdocs.yml`` naming the
installed theme and the publisher plugin, the default ``docs/`` pages (about, search, a logo),
an ``input/`` folder with one example article and its sidecar, and a ``.gitignore`` for what
builds make. A build keeps its state (``.build/``, ``build-report.json``) beside that
``mkdocs.yml``, so several sites live side by side.
"""

from __future__ import annotations

import shutil
from pathlib import Path

NEW_SITE = Path(__file__).parent / "new_site"


class ScaffoldError(ValueError):
    pass


def new_site(folder: Path) -> list[Path]:
    """Write a new site into ``folder`` (made if missing; refused if it holds anything, so no
    file of an existing site is ever overwritten). Returns the files written, in order."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ScaffoldError(f"{folder} already exists and is not an empty folder")
    shutil.copytree(NEW_SITE, folder, dirs_exist_ok=True)
    return sorted(p for p in folder.rglob("*") if p.is_file())
