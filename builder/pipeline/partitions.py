"""Partitioned builds: plain functions, run side by side by any ``concurrent.futures`` executor.

The site is cut into partitions by month of publication, a month of more than
``partition_size`` articles into runs of that size. Everything one article needs (its page, photo or
share image, rendered HTML, checks, search shadow) depends only on that article and the links
it shows, so each partition is read, rendered by its own MkDocs run and checked in one task,
with memory bounded by the partition, not the corpus. Tasks get paths and names, never live
objects, so a process pool or a Dask cluster can run them; each worker loads settings once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from builder.check.validate import Finding, check_page, date_shown, fold_notes, parse_page
from builder.core.article import Article
from builder.core.settings import Settings, load_settings
from builder.core.store import encode
from builder.core.urls import ARTICLES
from builder.pipeline import page_reuse
from builder.pipeline.cluster import LIBRARIES
from builder.pipeline.executors import give_back_memory
from builder.pipeline.listing_cache import html_path, listed_key
from builder.pipeline.records import Facts, as_of, facts_of, slim
from builder.publish import precompress
from builder.publish.swap import PublishError, render
from builder.publish.writer import replace_tree, write_files
from builder.read.inputs import read_inputs
from builder.read.profile import DEFAULT_PROFILE, Profile, load_profile
from builder.render.pages import article_page, read_front_matter
from builder.render.photos import place_photos
from builder.render.search_shadow import shadow_of

PARTITIONS = "partitions"  # inside Settings.build_dir: one docs folder per partition


@dataclass(frozen=True)
class ReadTask:
    config_file: str
    profile_file: str | None
    paths: tuple[str, ...]
    code: str = ""  # code_digest(): a worker reloads its settings when it changes


@dataclass
class ReadOutcome:
    """Slim records (first paragraph only) for listings, feeds and collision checks, and a
    content hash of every input an article came from (raw file, sidecar, photo)."""

    blobs: list[bytes] = field(
        default_factory=list
    )  # the slim records, encoded (builder.core.store)
    facts: list[Facts] = field(default_factory=list)  # of each record, what the build admits it by
    rejected: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)  # source -> sha256 of its inputs
    stat: StatKey = ()  # the file's (and sidecar's, photos') size and mtime, taken before reading
    keys: list[bytes] = field(default_factory=list)  # each article's listing_cache.listed_key
    photos: tuple[
        str, ...
    ] = ()  # the local photos its articles name (their stat is part of the cache's)


@dataclass(frozen=True)
class PartitionTask:
    config_file: str
    profile_file: str | None
    key: str
    docs_dir: str  # this partition's docs folder (replaced whole)
    site_dir: str  # where its MkDocs run writes
    now: str  # the build's "now" (ISO 8601), for the future-date check
    code: str = ""
    links_file: str = (
        ""  # JSON file: source -> previous, next and related articles (links.article_links)
    )
    shadow_dir: str = (
        ""  # where its pages' search shadows go (replaced whole); "" for no search index
    )
    current: str = (
        ""  # the published site, whose share images (and unchanged pages) are reused; "" for none
    )
    target: str = ""  # the site folder built for (its pages' records hold only for it)
    # JSON file: "sources" (the accepted inputs, "file" or "file:line"), "paths" (the file each
    # comes from) and "digests" (the sha256 of each one's inputs). A file, not fields: the build
    # process would hold every article's source and digest in its tasks while they render.
    members_file: str = ""
    compress: bool = False  # write .br and .gz copies beside its pages (a hosted build)
    # a published site whose copies were made the same way (builder.publish.precompress): a
    # page rendered again with its very bytes gets them as links; "" for none
    copies: str = ""
    menu: tuple[tuple[str, str], ...] = ()  # the masthead's sections (swap.render)


def members(task: PartitionTask) -> tuple[list[str], list[str], list[str]]:
    """The sources, paths and input digests of a task's articles."""
    data = json.loads(Path(task.members_file).read_text(encoding="utf-8"))
    return data["sources"], data["paths"], data["digests"]


@dataclass
class PartitionOutcome:
    key: str
    warnings: list[tuple[str, str]] = field(default_factory=list)
    findings: list[tuple[str, str, str]] = field(default_factory=list)  # (level, page, message)
    failure: str | None = None
    search: tuple[str, int] | None = None  # digest and count of its search shadow pages
    reused: tuple[str, ...] = ()  # sources whose pages were taken from the published site


StatKey = tuple[tuple[int, int] | None, ...]


def _stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def stat_key(path: Path | str, photos: tuple[str, ...] = ()) -> StatKey:
    """What must not change for a cached read of ``path`` to stand: the file, its sidecar, its
    photos. (Plain strings and os.stat: this runs for every input of every build.)"""
    name = str(path)
    sidecar = _stat(name[:-4] + ".toml") if name[-4:].lower() == ".txt" else None
    if not photos:
        return (_stat(name), sidecar)
    folder = os.path.dirname(name)
    return (_stat(name), sidecar, *(_stat(os.path.join(folder, p)) for p in photos))


def local_photos(articles: list[Article]) -> tuple[str, ...]:
    return tuple(
        a.image.url for a in articles if a.image and a.image.url and "://" not in a.image.url
    )


@functools.lru_cache(maxsize=4)
def _context(
    config_file: str, profile_file: str | None, code: str = ""
) -> tuple[Settings, Profile]:
    """Settings and profile, loaded once per worker and per version of them (``code``)."""
    settings, _ = load_settings(Path(config_file))
    profile = load_profile(
        Path(profile_file) if profile_file else settings.profile or DEFAULT_PROFILE
    )
    return settings, profile


def read_chunk(task: ReadTask) -> dict[str, ReadOutcome]:
    """What each file of the chunk gave, by path (so the parent can cache it per file)."""
    settings, profile = _context(task.config_file, task.profile_file, task.code)
    outcomes = {}
    for path in task.paths:
        outcome = outcomes[path] = ReadOutcome()
        before = stat_key(
            Path(path)
        )  # taken before reading: a file rewritten meanwhile is read again next time
        records = []
        for result in read_inputs(Path(path), profile, settings.limits):
            if result.article is None:
                outcome.rejected.append((result.source, result.error or "unknown reason"))
            else:
                records.append(slim(result.article))
                outcome.blobs.append(encode(records[-1]))
                outcome.facts.append(facts_of(records[-1], result.article))
                outcome.keys.append(listed_key(records[-1]))
                outcome.warnings.extend((result.source, w) for w in result.warnings)
                outcome.digests[result.source] = input_digest(Path(path), result.article)
        outcome.photos = local_photos(records)
        outcome.stat = before[:2] + stat_key(Path(path), outcome.photos)[2:]
    return outcomes


def read_texts(
    config_file: str, profile_file: str | None, wanted: dict[str, set[str]]
) -> dict[str, tuple[str, ...]]:
    """``{id: paragraphs}`` of the ``wanted`` ids of each input file, read again (a file that
    no longer reads keeps its slim text)."""
    settings, profile = _context(config_file, profile_file, "")
    found: dict[str, tuple[str, ...]] = {}
    for path, ids in wanted.items():
        for result in read_inputs(Path(path), profile, settings.limits):
            if result.article is not None and result.article.id in ids:
                found[result.article.id] = result.article.paragraphs
    return found


def input_digest(path: Path, article: Article) -> str:
    """sha256 of everything one article is made from: its file, its sidecar, its photo."""
    digest = hashlib.sha256(path.read_bytes())
    sidecar = path.with_suffix(".toml")
    if path.suffix.lower() == ".txt" and sidecar.exists():
        digest.update(b"\0sidecar\0" + sidecar.read_bytes())
    if article.image and article.image.url and "://" not in article.image.url:
        photo = path.parent / article.image.url
        if photo.is_file():
            digest.update(b"\0photo\0" + photo.read_bytes())
    return digest.hexdigest()


def code_digest(
    config_file: Path, profile_file: Path | None, loaded: tuple[Settings, Any] | None = None
) -> str:
    """sha256 of what every page depends on besides its own inputs: the builder's code and
    profiles, the theme (ours and MkDocs's own templates), the settings, the source profile, and
    the versions of the libraries that shape the output. Any change rebuilds every partition.
    The settings count as loaded too: ``!ENV`` values and an ``INHERIT``ed file change them
    without changing mkdocs.yml's bytes. ``loaded``: what :func:`load_settings` gave for
    ``config_file`` alone (no other site folder), when the caller has it (0.1 s a load)."""
    settings, cfg = loaded or load_settings(config_file)
    package = Path(__file__).parent.parent  # builder/: every stage, its profiles and types
    files = sorted(package.rglob("*.py")) + sorted(package.rglob("*.toml")) + [config_file]
    inherit = re.search(
        r"(?m)^INHERIT:\s*['\"]?([^'\"\n#]+?)['\"]?\s*(?:#.*)?$",
        config_file.read_text(encoding="utf-8"),
    )
    if inherit:
        files.append((config_file.parent / inherit.group(1)).resolve())
    for folder in cfg.theme.dirs:
        files += sorted(
            p for p in Path(folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts
        )
    profile = profile_file or settings.profile
    if profile is not None:
        files.append(profile)
    if settings.authors_file is not None:  # bylines link to its slugs; its photos are published
        files.append(settings.authors_file)
        files += sorted({p.photo for p in settings.authors.values() if p.photo})
    digest = hashlib.sha256()
    for name in LIBRARIES:
        digest.update(f"{name}=={metadata.version(name)}\0".encode())
    digest.update(f"{precompress.RECIPE}\0".encode())  # the system zlib's version is in it
    for file in files:
        digest.update(str(file).encode() + b"\0" + (file.read_bytes() if file.is_file() else b""))
    values = {
        k: sorted(v) if isinstance(v, frozenset) else str(v) for k, v in vars(settings).items()
    }
    digest.update(json.dumps(values, sort_keys=True).encode())
    return digest.hexdigest()


def build_partition(task: PartitionTask) -> PartitionOutcome:
    """Pages, photos, MkDocs HTML and page checks for one partition: of the pages whose
    inputs and links changed since the published site was made (:mod:`builder.pipeline.page_reuse`);
    the others (``reused`` in the outcome) are linked from that site as the new one is
    assembled."""
    settings, profile = _context(task.config_file, task.profile_file, task.code)
    outcome = PartitionOutcome(task.key)
    docs, site = Path(task.docs_dir), Path(task.site_dir)
    current = Path(task.current) if task.current else None
    shadow_dir = Path(task.shadow_dir) if task.shadow_dir else None
    links = json.loads(Path(task.links_file).read_text(encoding="utf-8")) if task.links_file else {}
    sources, paths, digests = members(task)
    keys = page_reuse.page_keys(
        sources, digests, links, f"{task.code}\0{task.target}\0{task.shadow_dir}\0{task.compress}"
    )
    record = page_reuse.take_record(docs)
    kept = page_reuse.reusable_pages(record, keys, current, shadow_dir) if current and keys else {}
    wanted = set(sources) - set(kept)
    articles: list[Article] = []
    now = datetime.fromisoformat(task.now)
    for path in dict.fromkeys(p for s, p in zip(sources, paths, strict=True) if s in wanted):
        articles.extend(
            as_of(r.article, now)
            for r in read_inputs(Path(path), profile, settings.limits)
            if r.article and r.source in wanted
        )
    articles, media, outcome.warnings = place_photos(articles, settings, current)
    pages = {
        f"{ARTICLES}/{a.url_slug}.md": article_page(a, settings, links.get(a.source))
        for a in articles
    }
    if kept:  # the kept pages' Markdown stays; only the changed pages go to MkDocs
        _update_docs(docs, pages, {f"{ARTICLES}/{e['slug']}.md" for e in kept.values()})
        rendered = docs.with_name(docs.name + ".render")
        replace_tree(rendered, {rel: docs / rel for rel in pages})
    else:
        replace_tree(docs, dict(pages))
        rendered = docs
    try:
        if pages:
            render(Path(task.config_file), rendered, site, nav=[], menu=task.menu)
        site.mkdir(
            parents=True, exist_ok=True
        )  # kept pages: linked into the new site by the build, beside Pagefind
    except (PublishError, OSError, subprocess.CalledProcessError) as exc:
        outcome.failure = f"partition {task.key}: {exc}"
        return outcome
    finally:
        if rendered != docs:
            shutil.rmtree(rendered, ignore_errors=True)
    write_files(site, dict(media))  # straight into the site: MkDocs would only copy them
    entries = {source: kept[source] for source in kept}
    shadows: dict[str, str] = {}
    shows = date_shown(settings)
    for a in articles:
        rel = f"{ARTICLES}/{a.url_slug}/index.html"
        data = (site / rel).read_bytes()
        intent = json.loads(read_front_matter(pages[f"{ARTICLES}/{a.url_slug}.md"])["jsonld"])
        tree = parse_page(data.decode("utf-8"))
        checked = [
            [level, rel, msg]
            for level, msg in check_page(tree, True, intent, settings.image_hosts, now, shows)
        ]
        shadow = shadow_of(tree, settings.language) if shadow_dir else None
        if shadow is not None:
            shadows[rel] = f"<!doctype html>\n{shadow}\n"
        media_of = f"media/{a.id}/"
        entries[a.source] = {
            "key": keys.get(a.source, ""),
            "slug": a.url_slug,
            "id": a.id,
            "findings": checked,
            "warnings": [list(w) for w in outcome.warnings if w[0] == a.source],
            "media": any(rel.startswith(media_of) for rel in media),
            "shadow": shadow is not None,
        }
    if task.compress:  # in the page's folder, so a page linked into a later site brings its copies
        precompress.compress_all(
            site,
            (f"{ARTICLES}/{a.url_slug}/index.html" for a in articles),
            Path(task.copies) if task.copies else None,
        )
    for entry in kept.values():
        outcome.warnings.extend((w[0], w[1]) for w in entry["warnings"])
        if shadow_dir and entry["shadow"]:
            rel = f"{ARTICLES}/{entry['slug']}/index.html"
            shadows[rel] = (shadow_dir / rel).read_text(encoding="utf-8")
    found = [
        Finding(*f) for source in sources if source in entries for f in entries[source]["findings"]
    ]
    outcome.findings = [
        (f.level, f.page, f.message) for f in fold_notes(found)
    ]  # the parent holds N pages' notes otherwise
    outcome.reused = tuple(s for s in sources if s in kept)
    if shadow_dir and kept:  # the kept pages' shadows stay where they are
        _update_tree(
            shadow_dir,
            {
                rel: text
                for rel, text in shadows.items()
                if f"{ARTICLES}/{rel.split('/')[1]}.md" in pages
            },
            set(shadows),
        )
    elif shadow_dir:  # a month made whole: a shadow that came out the same stays the same file
        _update_tree(shadow_dir, _differing(shadow_dir, shadows), set(shadows))
    if shadow_dir:
        digest = hashlib.sha256()
        for rel, text in sorted(shadows.items()):
            digest.update(f"{rel}\0{text}\0".encode())
        outcome.search = (digest.hexdigest(), len(shadows))
    if keys:
        page_reuse.save_next(docs, entries)
    many = len(pages) > 20
    del articles, media, pages, shadows, entries
    if (
        multiprocessing.parent_process() is not None and many
    ):  # a worker: its memory between partitions is its floor for the rest of the build
        # (not in the build's own process, --jobs 1: a full collection there costs per partition;
        # nor after a few pages)
        give_back_memory()
    return outcome


def _update_docs(docs: Path, pages: dict[str, str], kept: set[str]) -> None:
    """Write the changed pages into the partition's docs folder and remove the pages of
    articles no longer in it; the kept pages stay as they are."""
    _update_tree(docs, pages, kept | set(pages))


def _differing(root: Path, files: dict[str, str]) -> dict[str, str]:
    """Those of ``files`` whose file under ``root`` is missing or holds other text. A month made
    whole (after a settings or template change, say) mostly makes the same search shadows: kept
    as the same files, the search stage's gathered links to them stay valid, and the next edit
    in their chunk does not link its thousand pages again (0.3 to 0.4 s before Pagefind starts).
    A file a killed build left half written differs, so it is written again."""
    changed = {}
    for rel, text in files.items():
        try:
            if (root / rel).read_text(encoding="utf-8") == text:
                continue
        except (OSError, UnicodeDecodeError):
            pass
        changed[rel] = text
    return changed


def _update_tree(root: Path, changed: dict[str, str], wanted: set[str]) -> None:
    """Write ``changed`` into ``root``'s article folder and remove what is not ``wanted`` there
    (the page records make this safe: a build that dies midway leaves none, and the next one
    makes the month whole, writing every file whose text differs)."""
    folder = root / ARTICLES
    folder.mkdir(parents=True, exist_ok=True)
    for entry in folder.iterdir():
        rel = f"{ARTICLES}/{entry.name}"
        if rel in wanted or f"{rel}/index.html" in wanted:
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    write_files(root, dict(changed))


@dataclass(frozen=True)
class RenderTask:
    """One MkDocs run over a folder: a chunk of generated listing pages (no nav), or the
    hand-written pages with the home page (the configured nav)."""

    config_file: str
    docs_dir: str
    site_dir: str
    nav: bool = False  # the configured nav (the hand-written pages and home), else none
    # .br and .gz copies: "" none, "pages" of the pages of docs_dir (a listing chunk: the run's
    # theme files and 404 page are not published from it), "site" every text file but the
    # sitemap MkDocs writes (the build writes its own in its place)
    compress: str = ""
    copies: str = ""  # as PartitionTask.copies
    menu: tuple[tuple[str, str], ...] = ()  # as PartitionTask.menu


def render_docs(task: RenderTask) -> str | None:
    """Render the folder; the failure, if any, as text (exceptions may not cross a cluster)."""
    try:
        render(
            Path(task.config_file),
            Path(task.docs_dir),
            Path(task.site_dir),
            nav=None if task.nav else [],
            menu=task.menu,
        )
    except PublishError as exc:
        return f"pages in {task.docs_dir}: {exc}"
    site, previous = Path(task.site_dir), Path(task.copies) if task.copies else None
    if task.compress == "pages":
        docs = Path(task.docs_dir)
        precompress.compress_all(
            site, (html_path(p.relative_to(docs).as_posix()) for p in docs.rglob("*.md")), previous
        )
    elif task.compress == "site":
        precompress.compress_all(site, precompress.text_files(site, skip=["sitemap.xml"]), previous)
    return None
