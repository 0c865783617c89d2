"""The read cache: an input file whose size and modification time (and its sidecar's and
photos') are unchanged is not parsed again.

What each file gave (its slim records, warnings, content hashes and listed keys) is kept in
``.build/read-cache/``, dropped whole when the code, settings or profile change; a rejected
file is read again every build. The folder holds pickles of about ``CHUNK`` files each, in path
order, and an index naming them:

- a chunk file is three pickles, its files' stats (with the size of the next pickle), their
  records as one run (:mod:`builder.pipeline.cached_runs`), then their entries: loading the
  cache reads the stats alone; as the build walks the files in path order it reads the run of
  a chunk whose files are all still inputs, unchanged, with no other input among them, and the
  entries of one other chunk at a time (:class:`_Entries`: those of a chunk whose run the
  gate declines too), so the build's process never holds every file's records (which go on
  to the record file, :mod:`builder.core.store`); a value many records share (a section,
  a time zone) is one object per chunk;
- a build writes again only the chunks whose files changed (a chunk keeps its range of paths
  from build to build): after one edit, one pickle of 1,000 files instead of all of them
  (0.16 s of this process's time at 20,000 files, spent beside Pagefind).
"""

from __future__ import annotations

import bisect
import os
import pickle
import secrets
import sys
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from builder.pipeline.cached_runs import Entry, Run, run_of
from builder.pipeline.partitions import ReadOutcome, StatKey, stat_key

READ_CACHE = "read-cache"  # the folder, inside Settings.build_dir
INDEX = "index.pickle"
# a chunk file is three pickles: its stats (with the size of the next), its run
# (builder.pipeline.cached_runs), its entries (records encoded by builder.core.store; facts with
# their brief)
FORMAT = 11
CHUNK = 1000  # files per pickle; a chunk grown past twice this is cut again

Stat = tuple[StatKey, tuple[str, ...]]  # the stat a file was read with, and its local photos


def _order(path: str) -> list[str]:
    return path.split(os.sep)


class _Entries(MutableMapping[str, Entry]):
    """The entries of a cache, read from their chunk file when asked for, one chunk at a time:
    the build walks the files in path order, so each chunk is read once, and the build's
    process never holds every file's records (at 100,000 files, about 140 MB). What was put
    since loading is held apart (``changed``; None: removed). The paths are the keys of the
    cache's ``stats``, which are put and removed with the entries."""

    def __init__(self, stats: dict[str, Stat]) -> None:
        self.stats = stats
        self.chunks: list[tuple[str, int]] = []  # (file, where its entries start), in path order
        self.starts: list[list[str]] = []  # each chunk's first path (as _order)
        self.folder = Path()
        self.changed: dict[str, Entry | None] = {}
        self._loaded: tuple[int, dict[str, Entry]] = (-1, {})

    def __getitem__(self, path: str) -> Entry:
        entry = self.changed.get(path, ())
        if entry is None or path not in self.stats:
            raise KeyError(path)
        if entry != ():
            return entry  # type: ignore[return-value]
        n = max(0, bisect.bisect_right(self.starts, _order(path)) - 1)
        if self._loaded[0] != n:
            name, offset = self.chunks[n]
            self._loaded = (-1, {})  # the last chunk's entries go before the next one's come
            with open(self.folder / name, "rb") as handle:
                handle.seek(offset)
                self._loaded = (n, pickle.load(handle))
        return self._loaded[1][path]

    def __setitem__(self, path: str, entry: Entry) -> None:
        self.changed[path] = entry

    def __delitem__(self, path: str) -> None:
        self.changed[path] = None

    def __contains__(self, path: object) -> bool:
        return path in self.stats and self.changed.get(path, ()) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.stats)

    def __len__(self) -> int:
        return len(self.stats)

    def clear(self) -> None:
        self.changed, self.chunks, self.starts, self._loaded = {}, [], [], (-1, {})


@dataclass
class ReadCache:
    """What each input file gave, under the stat it was read with."""

    code: str
    stats: dict[str, Stat] = field(default_factory=dict)  # path -> (stat, photos)
    entries: _Entries = field(init=False)  # path -> entry, read from the chunk files as asked for
    files: list[str] = field(default_factory=list)  # the chunk files, in path order, as loaded
    paths: list[list[str]] = field(default_factory=list)  # each chunk's paths, in order, as loaded
    runs: list[int] = field(default_factory=list)  # where each chunk's run starts in its file
    starts: list[list[str]] = field(
        default_factory=list
    )  # each chunk's first path (as _order), as loaded
    changed: set[str] = field(default_factory=set)  # paths put or forgotten since loading
    complete: bool = False  # loaded from an index of this code: else every chunk is written
    spilled: list[str] = field(
        default_factory=list
    )  # chunks of a cache started empty, written as it filled
    spilling: bool = True  # while the files put so far came in path order
    spilled_to: list[str] = field(
        default_factory=list
    )  # the last spilled path (as _order): the next chunk starts past it

    def __post_init__(self) -> None:
        self.entries = _Entries(self.stats)
        self.entries.starts = self.starts

    @classmethod
    def load(cls, build_dir: Path, code: str) -> ReadCache:
        cache = cls(code)
        folder = build_dir / READ_CACHE
        try:
            with open(folder / INDEX, "rb") as handle:
                index = pickle.load(handle)
            if not (isinstance(index, tuple) and index[:2] == (FORMAT, code)):
                return cache
            cache.entries.folder = folder
            for name in index[2]:
                with open(folder / name, "rb") as handle:
                    stats, run_size = pickle.load(
                        handle
                    )  # the run and entries after them are read as the build walks the files
                    cache.runs.append(handle.tell())
                    cache.entries.chunks.append((name, handle.tell() + run_size))
                cache.files.append(name)
                cache.paths.append(list(stats))
                cache.starts.append(_order(next(iter(stats))))
                cache.stats.update(stats)
        except (
            OSError,
            pickle.PickleError,
            EOFError,
            AttributeError,
            ImportError,
            ValueError,
            TypeError,
            StopIteration,
        ):
            return cls(code)
        cache.complete = True
        return cache

    def stale(self, paths: list[str]) -> list[str]:
        """The paths whose file (sidecar, photos) has not the stat it had when cached, or that
        are not cached."""
        stats, entries, found = self.stats, self.entries, []
        for path in paths:
            stat = stats.get(path)
            if stat is None or stat_key(path, stat[1]) != stat[0] or path not in entries:
                found.append(path)
        return found

    def run(self, n: int) -> Run | None:
        """The run of the ``n``-th chunk loaded, as it was written (None: it cannot be read, and
        its entries are taken one by one)."""
        try:
            with open(self.entries.folder / self.files[n], "rb") as handle:
                handle.seek(self.runs[n])
                run = pickle.load(handle)
        except (
            OSError,
            pickle.PickleError,
            EOFError,
            AttributeError,
            ImportError,
            ValueError,
            TypeError,
            OverflowError,
            MemoryError,
        ):
            return None  # (a damaged pickle can claim a length too large to hold)
        return run if isinstance(run, Run) else None

    def put(
        self, path: str, outcome: ReadOutcome, records: tuple[bytes, ...], listed: tuple[bytes, ...]
    ) -> Entry:
        """Cache what a file gave (``records``: its articles as the build keeps them, with their
        :func:`builder.pipeline.listing_cache.listed_key`), under the stat taken before it was
        read, and return it as an entry. Rejections are not cached: their cause (a missing photo,
        say) may lie outside what the stat covers."""
        entry = (
            records,
            tuple(outcome.warnings),
            tuple(outcome.digests.items()),
            listed,
            tuple(outcome.facts),
        )
        if (
            not outcome.stat or outcome.rejected
        ):  # read again every build: its chunk changes only if it held the file
            if (
                self.entries.pop(path, None) is not None
            ):  # (before its stat: the entries' paths are the stats')
                self.changed.add(path)
            self.stats.pop(path, None)
            return entry
        self.changed.add(path)
        self.stats[path] = (outcome.stat, outcome.photos)
        self.entries[path] = entry
        return entry

    def spill(self, build_dir: Path) -> None:
        """A cache started empty (a first build, new code) fills in path order: each full chunk
        is written at once and let go, so the build's process never holds an entry per file
        (at 100,000 files, about 75 MB left as holes among the records it keeps)."""
        if self.complete or not self.spilling or len(self.entries) < CHUNK:
            return
        group = list(self.entries)
        if group != sorted(group, key=_order) or (
            self.spilled and _order(group[0]) <= self.spilled_to
        ):
            self.spilling = False  # chunks must hold ranges of paths: the rest waits for save()
            return
        try:
            self.spilled.append(self._write(build_dir / READ_CACHE, group))
        except OSError:
            self.spilling = False
            return
        self.spilled_to = _order(group[-1])
        self.entries.clear()
        self.stats.clear()
        self.changed.clear()

    def _write(self, folder: Path, group: list[str]) -> str:
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{secrets.token_hex(8)}.pickle"
        entries = {k: self.entries[k] for k in group}
        run = pickle.dumps(run_of(list(entries.values())), protocol=pickle.HIGHEST_PROTOCOL)
        with open(folder / name, "wb") as handle:
            pickle.dump(
                ({k: self.stats[k] for k in group}, len(run)),
                handle,
                protocol=pickle.HIGHEST_PROTOCOL,
            )
            handle.write(run)
            pickle.dump(entries, handle, protocol=pickle.HIGHEST_PROTOCOL)
        return name

    def keep_only(self, paths: set[str]) -> None:
        """Forget the files no longer among the inputs."""
        for gone in [k for k in self.entries if k not in paths]:
            del self.entries[gone]
            self.stats.pop(gone, None)
            self.changed.add(gone)

    def save(self, build_dir: Path) -> None:
        """Write the chunks that changed (each to a new file), then the index naming them all,
        then remove the files it no longer names: a build that dies midway leaves the last
        index and its chunks as they were."""
        folder = build_dir / READ_CACHE
        if self.complete and not self.changed and (folder / INDEX).exists():
            return
        order = sorted(self.entries, key=_order)
        if self.spilled and (not self.spilling or (order and _order(order[0]) <= self.spilled_to)):
            print(
                "  warning: read cache not written: files came out of path order", file=sys.stderr
            )
            for (
                name
            ) in self.spilled:  # (unnamed by any index: the next save would remove them anyway)
                (folder / name).unlink(missing_ok=True)
            return
        if self.complete and self.starts:  # each path goes to the chunk whose range holds it
            groups: list[list[str]] = [[] for _ in self.starts]
            for path in order:
                groups[max(0, bisect.bisect_right(self.starts, _order(path)) - 1)].append(path)
            names = list(self.files)
            touched = {
                max(0, bisect.bisect_right(self.starts, _order(p)) - 1) for p in self.changed
            }
        else:
            groups, names, touched = [order], [""], {0}
        chunks: list[tuple[list[str], str]] = []  # (paths, existing file or "" to write)
        for n, (group, name) in enumerate(zip(groups, names, strict=True)):
            if len(group) > 2 * CHUNK or (
                n in touched and len(group) > CHUNK and not self.complete
            ):
                chunks.extend((group[i : i + CHUNK], "") for i in range(0, len(group), CHUNK))
            elif group:
                chunks.append((group, "" if n in touched else name))
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (build_dir / "read-cache.pickle").unlink(
                missing_ok=True
            )  # the single file of earlier versions
            written = list(self.spilled)
            for group, name in chunks:
                written.append(name or self._write(folder, group))
            temp = folder / f"{INDEX}.{os.getpid()}.tmp"
            with open(temp, "wb") as handle:
                pickle.dump((FORMAT, self.code, written), handle, protocol=pickle.HIGHEST_PROTOCOL)
            temp.replace(folder / INDEX)
            for stale in set(os.listdir(folder)) - set(written) - {INDEX}:
                (folder / stale).unlink(missing_ok=True)
        except OSError as exc:  # only a cache: the next build reads those files again
            print(f"  warning: read cache not written: {exc}", file=sys.stderr)
