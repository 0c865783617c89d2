"""The search edge: Pagefind indexes the article pages of a freshly rendered site, in chunks.

Runs beside the build's own work (Pagefind is another process): the chunks are written beside
the new site folder and join it before the swap, so a failed index never reaches ``site/``.
Pagefind reads shadow copies of the article pages (folded text, see
:mod:`builder.render.search_shadow`) that the partitions wrote from the pages they rendered (a
partition's shadows are made again only when its pages are). Pagefind has no incremental mode
and holds its whole index in memory (about 0.16 MB per page), so the articles are indexed in
chunks of consecutive partitions, at most ``search_chunk`` articles each (undated ones in
chunks of their own), one Pagefind run per chunk into ``<site>/pagefind/<chunk>/``; the
search page merges them (Pagefind's ``mergeIndex``). A chunk whose shadows did not change is
hard-linked from the current site.
The binary comes from the pinned ``pagefind_bin_extended`` wheel; nothing is downloaded at
build time.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from builder.core.urls import ARTICLES
from builder.pipeline.executors import die_with_parent
from builder.publish import precompress
from builder.publish.swap import PublishError

BUNDLE = "pagefind"
# Files of Pagefind's own UIs, which the site does not use (search.js talks to the JS API).
_UNUSED = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
)


def pagefind_binary() -> Path:
    """The Pagefind executable of the pinned wheel (``PAGEFIND_BINARY_PATH`` overrides it)."""
    override = os.environ.get("PAGEFIND_BINARY_PATH")
    if override:
        return Path(override)
    from pagefind_bin_extended import get_executable

    path: Path = get_executable()
    return path


# Default articles per Pagefind run (setting search_chunk): bounds its memory (~0.2 MB an
# article) and a rebuild's work.
CHUNK_CAP = 1000
CHUNKS = "chunks.json"  # in the bundle folder: the chunk folders, newest first, for search.js
DIGEST = "inputs.sha256"  # in each chunk folder: what it was made from


def search_chunks(months: dict[str, int], cap: int = CHUNK_CAP) -> dict[str, str]:
    """Partition (a month, or a run of one) -> chunk: runs of consecutive partitions, oldest
    first, of at most ``cap`` articles (a larger one is a chunk of its own), named by their
    first partition. A site growing by new months changes only the newest chunk. Undated
    articles are chunked the same way after the dated ones, never with them: an archive of
    undated articles would otherwise be one Pagefind run, whose memory grows with it.

    >>> search_chunks(
    ...     {"2023-01": 1, "2024-01.1": 2, "2024-01.2": 1, "undated.1": 2, "undated.2": 2}, cap=3
    ... )  # doctest: +NORMALIZE_WHITESPACE
    {'2023-01': '2023-01', '2024-01.1': '2023-01', '2024-01.2': '2024-01.2',
     'undated.1': 'undated.1', 'undated.2': 'undated.2'}
    """
    chunks: dict[str, str] = {}
    for dated in (True, False):
        name, size = "", 0
        for month in sorted((k for k in months if k[:4].isdigit() == dated), key=in_order):
            if not name or size + months[month] > cap:
                name, size = month, 0
            size += months[month]
            chunks[month] = name
    return chunks


def in_order(key: str) -> tuple[str, int]:
    """A partition's place in date order: its month, then its run as a number (a month's
    growing last run, ".10", after ".9", not after ".1").

    >>> sorted(["2024-01.10", "2024-01.9", "2023-12", "2024-01.1"], key=in_order)
    ['2023-12', '2024-01.1', '2024-01.9', '2024-01.10']
    """
    month, _, run = key.partition(".")
    return month, int(run) if run.isdigit() else 0


@dataclass(frozen=True)
class SearchPlan:
    """Which chunks the new site's index needs (with the digest of what each is made from), and
    which of them the published site already holds."""

    wanted: dict[str, str]  # chunk -> digest of its partitions' shadows
    members: dict[str, list[str]]  # chunk -> its partitions that have pages
    same: list[str]  # chunks unchanged in the published site


def plan_search(
    months: dict[str, tuple[str, int]], chunks: dict[str, str], current: Path | None = None
) -> SearchPlan:
    """``months``: each partition's shadow digest and page count, as the partitions gave them
    (nothing here reads the site's pages); ``chunks``: partition -> chunk
    (:func:`search_chunks`)."""
    pages = sum(count for _, count in months.values())
    if pages == 0:
        raise PublishError("search: no page carries data-pagefind-body; nothing to index")
    version = metadata.version("pagefind_bin_extended")
    digests: dict[str, hashlib._Hash] = {}
    members: dict[str, list[str]] = {}
    for month, (digest, count) in sorted(months.items()):
        if count:
            digests.setdefault(chunks[month], hashlib.sha256(version.encode())).update(
                f"{month}\0{digest}\0".encode()
            )
            members.setdefault(chunks[month], []).append(month)
    wanted = {chunk: hashed.hexdigest() for chunk, hashed in digests.items()}
    same = [
        chunk
        for chunk, digest in sorted(wanted.items())
        if current and _recorded(current / BUNDLE / chunk) == digest
    ]
    return SearchPlan(wanted, members, same)


def to_index(plan: SearchPlan) -> list[str]:
    """The chunks Pagefind runs for, in the order it runs them."""
    return sorted(set(plan.wanted) - set(plan.same))


@dataclass(frozen=True)
class SearchFolders:
    """Where a build's search stage reads and writes."""

    out: Path  # where the chunks indexed now are written
    shadows: Path  # each partition's shadow pages (``<partition>/articles/``)
    work: Path  # each chunk's shadow pages, gathered (kept from build to build, see gather)
    current: Path | None  # the published bundle, whose chunks seed the new ones (see seed)
    compress: bool = False  # precompressed copies of each new chunk's scripts
    copies: Path | None = None  # the published bundle, when its copies may be linked


def prepare_first(plan: SearchPlan, folders: SearchFolders) -> dict[str, set[str]]:
    """Drop gathered chunks the plan has no more, and gather and seed the first chunk to
    index (:func:`index_chunks` readies each next one while Pagefind runs); returns what was
    seeded. For the build's main thread: in a thread beside it, each of a chunk's ~2,000 stats
    and links waited for the interpreter lock (one changed page: 0.3 s to gather, against
    10 ms here)."""
    folders.work.mkdir(parents=True, exist_ok=True)
    for stale in set(os.listdir(folders.work)) - set(plan.wanted):
        shutil.rmtree(folders.work / stale, ignore_errors=True)
    return {chunk: _ready(plan, chunk, folders) for chunk in to_index(plan)[:1]}


def index_chunks(plan: SearchPlan, folders: SearchFolders, seeded: dict[str, set[str]]) -> None:
    """One Pagefind run per changed chunk, over its gathered shadow pages, into
    ``out/<chunk>/``; ``seeded``: what :func:`prepare_first` seeded."""
    folders.out.mkdir(parents=True, exist_ok=True)
    chunks = to_index(plan)
    for n, chunk in enumerate(chunks):
        running = _start_pagefind(folders.work / chunk, folders.out / chunk)
        try:
            if n + 1 < len(chunks):  # the next chunk is readied while Pagefind runs
                seeded[chunks[n + 1]] = _ready(plan, chunks[n + 1], folders)
        except BaseException:
            _stop_pagefind(running)  # not left writing into a folder the failed build removes
            raise
        _finish_pagefind(running, folders.out / chunk)
        prune(folders.out / chunk, seeded.pop(chunk))
        (folders.out / chunk / DIGEST).write_text(plan.wanted[chunk] + "\n", encoding="utf-8")
        if folders.compress:  # its scripts are Pagefind's own, the same bytes in every chunk
            precompress.compress_all(
                folders.out / chunk,
                sorted(os.listdir(folders.out / chunk)),
                folders.copies / chunk if folders.copies else None,
            )


def _ready(plan: SearchPlan, chunk: str, folders: SearchFolders) -> set[str]:
    """Gather the chunk's pages and seed its output; returns what was seeded."""
    gather(
        folders.work / chunk / ARTICLES,
        [folders.shadows / m / ARTICLES for m in plan.members[chunk]],
    )
    return seed(folders.current / chunk, folders.out / chunk) if folders.current else set()


# Pagefind's files named by a hash of their content, in folders of these names or as
# ``pagefind.<hash>.pf_meta``: it writes one only when no file of that name exists.
_HASHED = ("fragment", "index", "filter")
_DCD = b"pagefind_dcd"  # what Pagefind puts before the CBOR of its compressed files


def seed(last: Path, new: Path) -> set[str]:
    """Hard-link the content-named files of ``last`` (a chunk's index as published) into
    ``new``, where Pagefind is about to index the chunk again, and return them. Pagefind skips
    writing a content-named file that exists, and so skips compressing it at gzip's best level,
    the larger part of a run: a chunk of ~900 pages with one changed took 0.65 s instead of
    1.5 s. Pagefind never opens such a file for writing, so the published one stays as it is;
    its other files (``pagefind.js``, the entry) are written new, not linked. The seeded files
    the new index does not use are removed by :func:`prune`. Nothing is seeded from an index
    another Pagefind version made: a name covers a file's content, not how it is written."""
    shutil.rmtree(new, ignore_errors=True)  # only what this run and the last index hold
    new.mkdir(parents=True)
    seeded: set[str] = set()
    if _made_by(last) != metadata.version("pagefind_bin_extended"):
        return seeded
    for folder, names in [(".", [n for n in _listed(last) if n.endswith(".pf_meta")])] + [
        (f, _listed(last / f)) for f in _HASHED
    ]:
        if names:
            (new / folder).mkdir(parents=True, exist_ok=True)
        for name in names:
            os.link(last / folder / name, new / folder / name)
            seeded.add(os.path.normpath(os.path.join(folder, name)))
    return seeded


def prune(index: Path, seeded: set[str]) -> None:
    """Remove the seeded files a finished index does not name (the fragments of changed pages,
    the word chunks they changed, the last meta file), so the chunk holds what a run into an
    empty folder makes. The names are read from the entry file and the meta file it names.

    Raises :class:`PublishError` when the meta file cannot be read (another Pagefind format)."""
    import cbor2

    if not seeded:
        return
    named: set[str] = set()
    try:
        for language in _entry(index)["languages"].values():
            meta = f"pagefind.{language['hash']}.pf_meta"
            data = gzip.decompress((index / meta).read_bytes())
            if not data.startswith(_DCD):
                raise ValueError(f"{meta} does not start with {_DCD!r}")
            named.add(meta)
            named.update(_strings(cbor2.loads(data[len(_DCD) :])))
    except (OSError, ValueError, KeyError, TypeError, cbor2.CBORDecodeError) as exc:
        raise PublishError(
            f"search: cannot read the index Pagefind made in {index}: {exc}"
        ) from exc
    for rel in seeded:
        folder, name = os.path.split(rel)
        if (
            name if not folder else name.split(".")[0]
        ) not in named:  # <hash>.pf_index; pagefind.<hash>.pf_meta by its whole name
            os.unlink(index / rel)


def _strings(value: object) -> set[str]:
    """Every string in a decoded CBOR value (hashes among them)."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, (list, tuple)):
        return set().union(*map(_strings, value)) if value else set()
    if isinstance(value, dict):
        return _strings(list(value.keys())) | _strings(list(value.values()))
    return set()


def _entry(index: Path) -> dict[str, Any]:
    """An index's entry file (its Pagefind version, and each language's meta file)."""
    entry = json.loads((index / "pagefind-entry.json").read_text(encoding="utf-8"))
    if not isinstance(entry, dict):
        raise ValueError("pagefind-entry.json is not an object")
    return entry


def _made_by(index: Path) -> str | None:
    """The Pagefind version an index names in its entry file (None: no readable entry)."""
    try:
        version = _entry(index).get("version")
    except (OSError, ValueError):
        return None
    return version if isinstance(version, str) else None


def _listed(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except FileNotFoundError:
        return []


def gather(folder: Path, sources: list[Path]) -> None:
    """Make ``folder`` hold exactly the pages of the ``sources`` folders, as hard links
    (``<slug>/index.html``): only pages missing, removed, or whose file is not the source's
    any more are changed, so a chunk with one changed page costs a few hundred stats, not
    linking a thousand folders again (0.2 to 0.35 s beside the build)."""
    wanted = {slug: source for source in sources for slug in os.listdir(source)}
    folder.mkdir(parents=True, exist_ok=True)
    present = set(os.listdir(folder))
    for gone in present - set(wanted):
        shutil.rmtree(folder / gone)
    for slug, source in wanted.items():
        page, link = (
            os.path.join(source, slug, "index.html"),
            os.path.join(folder, slug, "index.html"),
        )
        if slug in present:
            try:
                if os.stat(page).st_ino == os.stat(link).st_ino:
                    continue
            except FileNotFoundError:
                pass
            shutil.rmtree(os.path.join(folder, slug))
        os.mkdir(os.path.join(folder, slug))
        try:
            os.link(page, link)
        except FileNotFoundError as exc:
            raise PublishError(
                f"search: shadow page {page} is missing (a build killed while writing it?); "
                f"delete {source.parent} and build again"
            ) from exc


def in_spare(plan: SearchPlan, spare: Path) -> frozenset[str]:
    """The unchanged chunks (site paths) the spare holds as the new site needs them: left in
    place when the spare is recycled (:func:`builder.publish.recycle.prune`)."""
    return frozenset(
        f"{BUNDLE}/{chunk}"
        for chunk in plan.same
        if _recorded(spare / BUNDLE / chunk) == plan.wanted[chunk]
    )


def link_unchanged(plan: SearchPlan, bundle: Path, current: Path | None) -> None:
    """Hard-link the chunks the published site already holds into ``bundle``, but those kept
    there from the spare (one ``cp`` for all of them: a process per chunk cost more than the
    linking)."""
    bundle.mkdir(parents=True, exist_ok=True)
    missing = [chunk for chunk in plan.same if not (bundle / chunk).is_dir()]
    if missing and current:
        subprocess.run(
            ["cp", "-al", *(str(current / BUNDLE / chunk) for chunk in missing), str(bundle)],
            check=True,
        )


def finish_bundle(
    plan: SearchPlan, bundle: Path, indexed: Path, folders: SearchFolders | None = None
) -> None:
    """Move the chunks :func:`index_chunks` made into ``bundle`` and list them all, newest
    first, for search.js (with its precompressed copies when ``folders`` says so)."""
    bundle.mkdir(parents=True, exist_ok=True)
    for chunk in sorted(set(plan.wanted) - set(plan.same)):
        (indexed / chunk).rename(bundle / chunk)
    newest_first = sorted(plan.wanted, key=lambda c: (c[:4].isdigit(), *in_order(c)), reverse=True)
    (bundle / CHUNKS).write_text(json.dumps(newest_first) + "\n", encoding="utf-8")
    if folders is not None and folders.compress:
        precompress.compress_all(bundle, [CHUNKS], folders.copies)


def _recorded(folder: Path) -> str | None:
    try:
        return (folder / DIGEST).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def _start_pagefind(source: Path, out: Path) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    command = [str(pagefind_binary()), "--site", str(source), "--output-path", str(out), "--silent"]
    said = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _finish_pagefind
    try:
        # Killed with the build. The kernel ties this to the thread that starts Pagefind, which
        # waits for it to end (index_chunks).
        parent = os.getpid()
        tie = functools.partial(die_with_parent, parent)
        return subprocess.Popen(
            command, stdout=said, stderr=subprocess.STDOUT, preexec_fn=tie
        ), said
    except OSError as exc:
        said.close()
        raise PublishError(f"search: Pagefind could not run: {exc}") from exc


def _stop_pagefind(running: tuple[subprocess.Popen[bytes], IO[bytes]]) -> None:
    process, said = running
    with said:
        process.kill()
        process.wait()


def _finish_pagefind(running: tuple[subprocess.Popen[bytes], IO[bytes]], out: Path) -> None:
    process, said = running
    with said:
        try:
            code = process.wait(timeout=3600)
        except subprocess.TimeoutExpired as exc:
            process.kill()
            process.wait()
            raise PublishError(f"search: Pagefind could not run: {exc}") from exc
        said.seek(0)
        text = said.read().decode("utf-8", "replace").strip()
    if code != 0 or not (out / "pagefind.js").is_file():
        raise PublishError(f"search: Pagefind failed (exit {code}): {text[-2000:]}")
    for name in _UNUSED:
        (out / name).unlink(missing_ok=True)
