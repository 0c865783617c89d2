"""The search edge: Pagefind indexes the article pages of a freshly rendered site.

Runs inside the build on the new site folder, before validation and the swap, so a failed
index never reaches ``site/``. Pagefind reads shadow copies of the article pages (folded text,
see :mod:`builder.search_shadow`) kept in a work folder (``.build/search``; a page is parsed
again only when its bytes change), and writes its bundle to ``<site>/pagefind/``. Pagefind
itself has no incremental mode: the index is rebuilt whole on every build. The binary comes from the pinned ``pagefind_bin_extended`` wheel; nothing
is downloaded at build time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from importlib import metadata
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
    """Index ``site``'s article pages into ``site/pagefind/``; ``work`` keeps the shadow pages
    between builds, so only pages whose bytes changed are parsed again."""
    pages = _write_shadows(site, work, language)
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
    return SearchIndex(pages=pages, bundle=bundle)


def _write_shadows(site: Path, work: Path, language: str) -> int:
    """Bring ``work`` in line with the site's article pages: a shadow page per indexable page,
    rewritten when the page's bytes (or the shadow code) changed, removed when the page went."""
    manifest = work / "shadows.json"
    key = _shadow_key(language)
    try:
        known = json.loads(manifest.read_text(encoding="utf-8"))
        done: dict[str, str] = known["pages"] if known.get("key") == key else {}
    except (OSError, ValueError, KeyError, TypeError):
        done = {}
    if not done:
        shutil.rmtree(work, ignore_errors=True)
    current: dict[str, str] = {}
    articles = site / ARTICLES
    for folder in sorted(articles.iterdir()) if articles.is_dir() else []:
        page = folder / "index.html"
        if not page.is_file():
            continue
        data = page.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        out = work / ARTICLES / folder.name / "index.html"
        if done.get(folder.name) == digest and out.is_file():
            current[folder.name] = digest
            continue
        shadow = shadow_page(data, language)
        if shadow is None:
            out.unlink(missing_ok=True)
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        part = out.with_name("index.html.part")
        part.write_text(f"<!doctype html>\n{shadow}\n", encoding="utf-8")
        os.replace(part, out)  # a killed build never leaves half a shadow page behind
        current[folder.name] = digest
    shadows = work / ARTICLES
    for folder in sorted(shadows.iterdir()) if shadows.is_dir() else []:
        if folder.name not in current:  # its page went (or a killed build left it): not searchable
            shutil.rmtree(folder, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps({"key": key, "pages": current}, sort_keys=True), encoding="utf-8")
    return len(current)


def _shadow_key(language: str) -> str:
    """What a shadow page depends on besides its page: the folding and shadow code, the language."""
    digest = hashlib.sha256(language.encode())
    for module in ("fold.py", "search_shadow.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    digest.update(metadata.version("lxml").encode())
    return digest.hexdigest()
