"""The search edge: Pagefind indexes the article pages of a freshly rendered site, in chunks.

Runs inside the build on the new site folder, before validation and the swap, so a failed
index never reaches ``site/``. Pagefind reads shadow copies of the article pages (folded text,
see :mod:`builder.search_shadow`) kept in a work folder (``.build/search``; a page is parsed
again only when its bytes change). Pagefind has no incremental mode and holds its whole index
in memory (about 0.2 MB per article: 3.8 GB at 20,000), so the articles are indexed in chunks
of consecutive months, at most :data:`CHUNK_CAP` articles each, one Pagefind run per chunk into
``<site>/pagefind/<chunk>/``; the search page merges them (Pagefind's ``mergeIndex``). A chunk whose pages did not change is hard-linked from the current site. The
binary comes from the pinned ``pagefind_bin_extended`` wheel; nothing is downloaded at build
time.
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


CHUNK_CAP = 2000  # default articles per Pagefind run (setting search_chunk): bounds its memory (~0.2 MB an article) and a rebuild's work
CHUNKS = "chunks.json"  # in the bundle folder: the chunk folders, newest first, for search.js
DIGEST = "inputs.sha256"  # in each chunk folder: what it was made from


def search_chunks(months: dict[str, list[str]], cap: int = CHUNK_CAP) -> dict[str, str]:
    """Article folder name -> chunk: runs of consecutive months, oldest first, of at most
    ``cap`` articles (a larger month is a chunk of its own), named by their first month. A site
    of up to ``cap`` articles is one chunk, so one index; new articles, landing in the newest
    months, change only the newest chunk. Undated articles are a chunk of their own.

    >>> search_chunks({"2023-01": ["a"], "2024-01": ["b", "c"], "2024-02": ["d"], "undated": ["e"]}, cap=3)
    {'a': '2023-01', 'b': '2023-01', 'c': '2023-01', 'd': '2024-02', 'e': 'undated'}
    """
    chunks: dict[str, str] = {}
    name, size = "", 0
    for month in sorted(k for k in months if k[:4].isdigit()):
        if not name or size + len(months[month]) > cap:
            name, size = month, 0
        size += len(months[month])
        chunks.update((slug, name) for slug in months[month])
    for month in sorted(k for k in months if not k[:4].isdigit()):
        chunks.update((slug, month) for slug in months[month])
    return chunks


def index_site(site: Path, work: Path, language: str, chunks: dict[str, str], current: Path | None = None) -> SearchIndex:
    """Index ``site``'s article pages into ``site/pagefind/<chunk>/``; ``work`` keeps the shadow
    pages between builds; ``current`` is the published site, whose unchanged chunks are linked."""
    pages, digests = _write_shadows(site, work, language, chunks)
    bundle = site / BUNDLE
    if pages == 0:
        raise PublishError("search: no page carries data-pagefind-body; nothing to index")
    bundle.mkdir(parents=True, exist_ok=True)
    for chunk, digest in sorted(digests.items()):
        out, old = bundle / chunk, (current / BUNDLE / chunk) if current else None
        if old is not None and _recorded(old) == digest:
            subprocess.run(["cp", "-al", str(old), str(out)], check=True)
            continue
        _run_pagefind(work / chunk, out)
        (out / DIGEST).write_text(digest + "\n", encoding="utf-8")
    newest_first = sorted(digests, key=lambda c: (c[:4].isdigit(), c), reverse=True)
    (bundle / CHUNKS).write_text(json.dumps(newest_first) + "\n", encoding="utf-8")
    return SearchIndex(pages=pages, bundle=bundle)


def _recorded(folder: Path) -> str | None:
    try:
        return (folder / DIGEST).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def _run_pagefind(source: Path, out: Path) -> None:
    command = [str(pagefind_binary()), "--site", str(source), "--output-path", str(out), "--silent"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PublishError(f"search: Pagefind could not run: {exc}") from exc
    if done.returncode != 0 or not (out / "pagefind.js").is_file():
        raise PublishError(f"search: Pagefind failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()[-2000:]}")
    for name in _UNUSED:
        (out / name).unlink(missing_ok=True)


def _write_shadows(site: Path, work: Path, language: str, chunks: dict[str, str]) -> tuple[int, dict[str, str]]:
    """Bring ``work/<chunk>/`` in line with the site's article pages: a shadow page per
    indexable page, rewritten when the page's bytes (or the shadow code) changed, removed when
    the page went. Returns the page count and a digest of each chunk's pages."""
    manifest = work / "shadows.json"
    key = _shadow_key(language)
    try:
        known = json.loads(manifest.read_text(encoding="utf-8"))
        done: dict[str, list[str]] = known["pages"] if known.get("key") == key else {}
    except (OSError, ValueError, KeyError, TypeError):
        done = {}
    if not done:
        shutil.rmtree(work, ignore_errors=True)
    manifest.unlink(missing_ok=True)  # rewritten at the end: a build killed meanwhile starts the shadows afresh
    current: dict[str, list[str]] = {}
    articles = site / ARTICLES
    for folder in sorted(articles.iterdir()) if articles.is_dir() else []:
        page = folder / "index.html"
        if not page.is_file():
            continue
        chunk = chunks.get(folder.name, "undated")
        st = page.stat()
        seen = f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"  # an unchanged page is a hard link of the same file
        out = work / chunk / ARTICLES / folder.name / "index.html"
        known_entry = done.get(folder.name)
        if known_entry and known_entry[1:] == [chunk, seen] and out.is_file():
            current[folder.name] = known_entry
            continue
        data = page.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if known_entry and known_entry[:2] == [digest, chunk] and out.is_file():
            current[folder.name] = [digest, chunk, seen]
            continue
        shadow = shadow_page(data, language)
        if shadow is None:
            out.unlink(missing_ok=True)
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        part = out.with_name("index.html.part")
        part.write_text(f"<!doctype html>\n{shadow}\n", encoding="utf-8")
        os.replace(part, out)  # a killed build never leaves half a shadow page behind
        current[folder.name] = [digest, chunk, seen]
    work.mkdir(parents=True, exist_ok=True)
    for chunk_dir in sorted(p for p in work.iterdir() if p.is_dir()):
        for folder in sorted((chunk_dir / ARTICLES).iterdir()) if (chunk_dir / ARTICLES).is_dir() else []:
            if current.get(folder.name, [None, None])[1] != chunk_dir.name:  # gone, or moved to another chunk
                shutil.rmtree(folder, ignore_errors=True)
        if not any((chunk_dir / ARTICLES).iterdir()) if (chunk_dir / ARTICLES).is_dir() else True:
            shutil.rmtree(chunk_dir, ignore_errors=True)
    manifest.write_text(json.dumps({"key": key, "pages": current}, sort_keys=True), encoding="utf-8")
    digests: dict[str, hashlib._Hash] = {}
    for name, (digest, chunk, _) in sorted(current.items()):
        digests.setdefault(chunk, hashlib.sha256(key.encode() + metadata.version("pagefind_bin_extended").encode())).update(f"{name}\0{digest}\0".encode())
    return len(current), {chunk: d.hexdigest() for chunk, d in digests.items()}


def _shadow_key(language: str) -> str:
    """What a shadow page depends on besides its page: the folding and shadow code, the language."""
    digest = hashlib.sha256(language.encode())
    for module in ("fold.py", "search_shadow.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    digest.update(metadata.version("lxml").encode())
    return digest.hexdigest()
