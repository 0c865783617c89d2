"""The search edge: Pagefind indexes the article pages of a freshly rendered site.

Runs inside the build on the new site folder, before validation and the swap, so a failed
index never reaches ``site/``. Pagefind reads shadow copies of the article pages (folded text,
see :mod:`builder.search_shadow`) written to a work folder, and writes its bundle to
``<site>/pagefind/``. The binary comes from the pinned ``pagefind_bin_extended`` wheel; nothing
is downloaded at build time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from builder.publish import PublishError
from builder.search_shadow import shadow_page
from builder.urls import ARTICLES

BUNDLE = "pagefind"
# Files of Pagefind's own UIs, which the site does not use (search.js talks to the JS API).
_UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")


@dataclass(frozen=True)
class SearchIndex:
    pages: int
    bundle: Path


def pagefind_binary() -> Path:
    """The Pagefind executable of the pinned wheel (``PAGEFIND_BINARY_PATH`` overrides it)."""
    override = os.environ.get("PAGEFIND_BINARY_PATH")
    if override:
        return Path(override)
    from pagefind_bin_extended import get_executable

    path: Path = get_executable()
    return path


def index_site(site: Path, work: Path, language: str) -> SearchIndex:
    """Index ``site``'s article pages into ``site/pagefind/``, using ``work`` for the shadow pages."""
    shutil.rmtree(work, ignore_errors=True)
    pages = 0
    articles = site / ARTICLES
    for folder in sorted(articles.iterdir()) if articles.is_dir() else []:
        page = folder / "index.html"
        if not page.is_file():
            continue
        shadow = shadow_page(page.read_bytes(), language)
        if shadow is None:
            continue
        out = work / ARTICLES / folder.name / "index.html"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(f"<!doctype html>\n{shadow}\n", encoding="utf-8")
        pages += 1
    bundle = site / BUNDLE
    if pages == 0:
        raise PublishError("search: no page carries data-pagefind-body; nothing to index")
    command = [str(pagefind_binary()), "--site", str(work), "--output-path", str(bundle), "--silent"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PublishError(f"search: Pagefind could not run: {exc}") from exc
    if done.returncode != 0 or not (bundle / "pagefind.js").is_file():
        raise PublishError(f"search: Pagefind failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()[-2000:]}")
    for name in _UNUSED:
        (bundle / name).unlink(missing_ok=True)
    shutil.rmtree(work, ignore_errors=True)
    return SearchIndex(pages=pages, bundle=bundle)
