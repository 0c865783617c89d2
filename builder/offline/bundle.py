"""`builder bundle` and `builder verify-bundle`: the offline bundle's I/O edge.

The bundle is the same site, opened from ``file://`` (a USB stick, a school computer): the
normal :func:`builder.build.build` renders it into a work folder of its own (``dist/.work``,
so the hosted ``site/`` is untouched), then every page is rewritten for ``file://``
(:mod:`builder.offline.pages`), Pagefind is replaced by the script-loaded index
(:mod:`builder.offline.index`), and the result is written as a folder and a zip, each with a
``MANIFEST.sha256`` of every file (``sha256sum -c`` reads it too).

Reproducible: the same input gives the same bytes. Files are written in sorted order; zip
entries are sorted, dated 1980-01-01 00:00 (the earliest a zip can hold), with permissions
0644 and no extra fields.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TextIO
from urllib.parse import urlsplit

from builder.build import build
from builder.core.settings import load_settings
from builder.offline.index import Entry, build_index
from builder.offline.pages import Site, ascii_path, offline_search_page, rewrite_page
from builder.render.assets import logical_name

MANIFEST = "MANIFEST.sha256"
INDEX_DIR = "search-index"
SEARCH_PAGE = "search/index.html"
SEARCH_JS = "assets/offline-search.js"
FOLD_JS = "assets/offline-fold.js"
# Hosted-only files: Pagefind (cannot run from file://) and its page script, what only a web
# server uses (404 page, robots.txt, sitemaps) and the builder's marker.
_DROPPED_DIRS = ("pagefind/",)
_DROPPED = {
    "assets/search.js",
    "404.html",
    "robots.txt",
    "sitemap.xml",
    "sitemap.xml.gz",
    "news-sitemap.xml",
    ".builder-site",
}
_DROPPED_PATTERN = re.compile(r"sitemap-[^/]+\.xml")
_STORED = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff2", ".gz", ".zip"}  # already compressed
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}
_ASSETS = Path(__file__).resolve().parent / "assets"


class BundleError(RuntimeError):
    pass


@dataclass
class BundleReport:
    folder: Path
    zip_path: Path
    files: int = 0
    bytes: int = 0  # of the unpacked folder
    zip_bytes: int = 0
    index_files: int = 0
    index_bytes: int = 0
    articles: int = 0


def bundle_name(site_url: str) -> str:
    """A name for the zip and its folder from the site's host: lower-case ASCII letters, digits
    and hyphens, never a reserved Windows device name, at most 40 characters. The site's own
    name is Arabic: as a zip or folder name it would depend on the unzip program honouring the
    UTF-8 flag (older Windows Explorer does not) and on the file system's normalisation.

    >>> bundle_name("https://akhbar.example.org/")
    'akhbar-example-org'
    >>> bundle_name("https://con/")
    'site-con'
    """
    host = (urlsplit(site_url).hostname or "").lower()
    name = re.sub(r"[^a-z0-9]+", "-", host).strip("-")[:40].strip("-") or "site"
    return f"site-{name}" if name in _RESERVED else name


def fold_script(fold_js: str) -> str:
    """``assets/fold.js`` (an ES module) as a classic script defining ``window.OfflineFold``:
    module scripts do not load from ``file://``; the folding code itself is the same text."""
    if fold_js.count("export ") != 1 or "export function fold(" not in fold_js:
        raise BundleError(
            "assets/fold.js changed shape: expected exactly one `export function fold(`"
        )
    body = fold_js.replace("export function fold(", "function fold(")
    return (
        "// Made by `python -m builder bundle` from assets/fold.js "
        "(the mirror of builder/core/fold.py).\n"
        f"(function () {{\n{body}\nwindow.OfflineFold = fold;\n}})();\n"
    )


def make_bundle(
    config: Path,
    out_dir: Path = Path("dist"),
    input_dir: Path | None = None,
    profile_file: Path | None = None,
    now: datetime | None = None,
    jobs: int | None = None,
    out: TextIO = sys.stdout,
) -> BundleReport:
    """Build the site for offline use and write ``out_dir/<name>-offline/`` and its zip."""
    settings, _ = load_settings(config)
    out_dir = out_dir.resolve()
    name = f"{bundle_name(settings.site_url)}-offline"
    folder = out_dir / name
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MANIFEST).is_file():
        raise BundleError(
            f"{folder} is not empty and was not made by `builder bundle` (no {MANIFEST}): "
            "refusing to replace it"
        )
    if folder.exists() and not folder.is_dir():
        raise BundleError(f"{folder} is a file, not a folder: refusing to replace it")
    work = out_dir / ".work"
    site = work / "site"
    report = build(
        config, input_dir, site, profile_file, out=out, now=now, jobs=jobs, search=False
    )  # Pagefind cannot run from file://
    if not report.published:
        raise BundleError(
            f"the site could not be built: {report.failure or 'see the errors above'}"
        )
    staging = work / name
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    result = write_folder(site, staging, settings.site_url)
    zip_path = out_dir / f"{name}.zip"
    partial = work / f"{name}.zip.part"
    result.zip_bytes = write_zip(staging, partial, name)
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    os.replace(partial, zip_path)
    result.folder, result.zip_path = folder, zip_path
    print(
        f"bundle: {zip_path} ({_size(result.zip_bytes)}); "
        f"unpacked {folder}: {result.files} files, {_size(result.bytes)}; "
        f"{result.articles} articles; "
        f"search index {result.index_files} files, {_size(result.index_bytes)}",
        file=out,
    )
    return result


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.1f} KB"


def _kept(rel: str) -> bool:
    return not (
        logical_name(rel) in _DROPPED
        or rel.startswith(_DROPPED_DIRS)
        or _DROPPED_PATTERN.fullmatch(rel)
    )


def _theme_asset(site: Path, originals: list[str], logical: str) -> Path:
    """The site's file of a theme asset, named by its content hash (builder.render.assets)."""
    found = [rel for rel in originals if logical_name(rel) == logical]
    if len(found) != 1:
        raise BundleError(f"expected one {logical} (content-hashed) in {site}, found {found}")
    return site / found[0]


def write_folder(site: Path, target: Path, site_url: str) -> BundleReport:
    """Rewrite the built ``site`` into the bundle folder ``target`` (existing and empty)."""
    originals = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    kept = [rel for rel in originals if _kept(rel)]
    added = {
        SEARCH_JS: (_ASSETS / "offline-search.js").read_bytes(),
        FOLD_JS: fold_script(
            _theme_asset(site, originals, "assets/fold.js").read_text(encoding="utf-8")
        ).encode("utf-8"),
    }
    index_names = {
        "manifest.js"
    }  # pages only link to the manifest's folder; its files are loaded by script
    names: dict[str, str] = {}  # bundle path -> original path, to refuse two mapping to one
    for rel in [*kept, *added]:
        new = ascii_path(rel)
        if new.casefold() in names:
            raise BundleError(
                f"{rel} and {names[new.casefold()]} would be one file in the bundle ({new})"
            )
        names[new.casefold()] = rel
    info = Site(
        files=frozenset([*kept, *added, *(f"{INDEX_DIR}/{n}" for n in index_names)]),
        site_url=site_url,
    )
    search = offline_search_page(INDEX_DIR, [FOLD_JS, SEARCH_JS])
    entries: list[Entry] = []
    unresolved: list[str] = []
    loaded: set[str] = set()
    for rel in kept:  # pages first: they say which photos the bundle carries
        if rel.endswith(".html"):
            dest = target / ascii_path(rel)
            dest.parent.mkdir(parents=True, exist_ok=True)
            page = rewrite_page(
                (site / rel).read_bytes(), rel, info, search if rel == SEARCH_PAGE else None
            )
            unresolved.extend(f"{rel}: {url}" for url in page.unresolved)
            if page.entry is not None:
                entries.append(page.entry)
            loaded |= page.loads
            dest.write_bytes(page.html)
    for rel in kept:  # media/ only as the pages show it: no share images, one size a photo
        if not rel.endswith(".html") and (not rel.startswith("media/") or rel in loaded):
            dest = target / ascii_path(rel)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(site / rel, dest)
    if unresolved:
        raise BundleError(
            f"{len(unresolved)} link(s) point to no file of the bundle, e.g. {unresolved[:5]}"
        )
    for rel, data in added.items():
        (target / rel).write_bytes(data)
    index = build_index(entries)
    (target / INDEX_DIR).mkdir()
    for file_name, data in sorted(index.files.items()):
        (target / INDEX_DIR / file_name).write_bytes(data)
    manifest = manifest_text(target)
    (target / MANIFEST).write_text(manifest, encoding="utf-8")
    files = [p for p in target.rglob("*") if p.is_file()]
    return BundleReport(
        folder=target,
        zip_path=target,
        files=len(files),
        bytes=sum(p.stat().st_size for p in files),
        index_files=len(index.files),
        index_bytes=sum(map(len, index.files.values())),
        articles=len(entries),
    )


def manifest_text(folder: Path) -> str:
    """``sha256sum`` lines for every file of ``folder`` but the manifest, sorted by path."""
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel != MANIFEST:
            lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {rel}\n")
    return "".join(sorted(lines, key=lambda line: line[66:]))


def write_zip(folder: Path, target: Path, name: str) -> int:
    """Zip ``folder`` as ``name/...``: sorted entries, fixed dates and permissions, so the same
    folder always gives the same bytes. Returns the zip's size."""
    paths = sorted((p.relative_to(folder).as_posix(), p) for p in folder.rglob("*") if p.is_file())
    with zipfile.ZipFile(target, "w") as archive:
        for rel, path in paths:
            entry = zipfile.ZipInfo(f"{name}/{rel}", date_time=_ZIP_TIME)
            entry.create_system = 3  # Unix: the permissions below are read as such
            entry.external_attr = (0o100644 & 0xFFFF) << 16
            stored = PurePosixPath(rel).suffix.lower() in _STORED
            entry.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes(), compresslevel=None if stored else 9)
    return target.stat().st_size


@dataclass
class Verification:
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # no or unreadable manifest, bad zip

    @property
    def ok(self) -> bool:
        return not (self.missing or self.changed or self.extra or self.problems)


def read_bundle(path: Path) -> dict[str, bytes]:
    """Every file of a bundle folder or zip, by path inside the bundle folder."""
    if path.is_dir():
        return {
            p.relative_to(path).as_posix(): p.read_bytes()
            for p in sorted(path.rglob("*"))
            if p.is_file()
        }
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        tops = {n.split("/", 1)[0] for n in names}
        if len(tops) != 1 or any("/" not in n for n in names):
            raise BundleError(
                f"{path}: expected one top folder holding every file, found {sorted(tops)[:5]}"
            )
        return {n.split("/", 1)[1]: archive.read(n) for n in names}


def verify_bundle(path: Path) -> Verification:
    """Check every file of a bundle against its ``MANIFEST.sha256``."""
    result = Verification()
    try:
        files = read_bundle(path)
    except (OSError, zipfile.BadZipFile, BundleError) as exc:
        result.problems.append(str(exc))
        return result
    manifest = files.pop(MANIFEST, None)
    if manifest is None:
        result.problems.append(f"no {MANIFEST} in {path}")
        return result
    expected: dict[str, str] = {}
    for number, line in enumerate(manifest.decode("utf-8", errors="replace").splitlines(), start=1):
        match = re.fullmatch(r"([0-9a-f]{64})  (.+)", line)
        if match is None:
            result.problems.append(f"{MANIFEST}:{number}: not a sha256sum line: {line[:80]!r}")
            continue
        expected[match.group(2)] = match.group(1)
    for rel in sorted(expected):
        if rel not in files:
            result.missing.append(rel)
        elif hashlib.sha256(files[rel]).hexdigest() != expected[rel]:
            result.changed.append(rel)
    result.extra = sorted(set(files) - set(expected))
    return result
