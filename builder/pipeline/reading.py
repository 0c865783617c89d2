"""The read stage: every input file to slim records, in path order, from the read cache where a
file is unchanged and from the workers where it is not.

The workers' answers are taken in as they arrive, not gathered first, and each record goes on
(to the build's record file, :mod:`builder.core.store`) as it comes: the build's process
holds no file's answer longer than it takes to pass it on. The workers encode the records and
hash their listed fields, so this process only decodes what it checks.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from pathlib import Path

from builder.pipeline.cached_runs import Run
from builder.pipeline.executors import spread
from builder.pipeline.partitions import ReadOutcome, ReadTask, read_chunk
from builder.pipeline.read_cache import ReadCache
from builder.pipeline.records import Facts

SPREAD_FILES = 100  # changed files that one worker reads alone (about 1.3 ms each)
# Reading's default records: one empty iterator, shared (it has nothing to hand out twice).
_NO_RECORDS: Iterator[tuple[bytes, Facts, bytes, str]] = iter(())


@dataclass
class Reading:
    """What the inputs give, in path order: each record, with its
    :func:`builder.pipeline.listing_cache.listed_key` and the digest of its inputs, comes out of
    ``records`` as it is read (the build process keeps none of them itself); the warnings and
    rejections gather here as they are walked."""

    # (encoded record, its facts, listed key, inputs' digest)
    records: Iterator[tuple[bytes, Facts, bytes, str]] = _NO_RECORDS
    warnings: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    stale: int = 0  # files read now (the rest came from the cache)


def read_files(
    pool: Executor,
    files: list[str],
    cache: ReadCache,
    build_dir: Path,
    config: str,
    profile: str | None,
    code: str,
    workers: int,
    take_run: Callable[[Run], bool] = lambda run: False,
) -> Reading:
    """Read what changed in the pool (chunks of up to 500 files, at least four per worker) and
    put it in ``cache`` (a cache started empty writes itself into ``build_dir`` as it fills);
    take the rest from ``cache``. Nothing is read until ``records`` is walked. More than
    :data:`SPREAD_FILES` to read spread over every local worker
    (:func:`builder.pipeline.executors.spread`).

    A cached chunk whose files are all still inputs, unchanged, with no other input among
    them, is offered whole to ``take_run`` (the admission gate's
    :meth:`builder.pipeline.admit.Admission.take_run`) as the walk reaches it; its records come
    out of ``records`` one by one only when that declines it."""
    stale = cache.stale(files)
    if len(stale) > SPREAD_FILES:
        spread(pool)
    reading = Reading(stale=len(stale))
    reading.records = _records(
        pool,
        files,
        stale,
        cache,
        build_dir,
        ReadTask(config, profile, (), code),
        workers,
        reading,
        take_run,
    )
    return reading


def _records(
    pool: Executor,
    files: list[str],
    stale: list[str],
    cache: ReadCache,
    build_dir: Path,
    base: ReadTask,
    workers: int,
    reading: Reading,
    take_run: Callable[[Run], bool],
) -> Iterator[tuple[bytes, Facts, bytes, str]]:
    size = max(1, min(500, len(stale) // (4 * workers) + 1))
    tasks = [replace(base, paths=tuple(stale[i : i + size])) for i in range(0, len(stale), size)]
    arriving = _in_order(pool.map(read_chunk, tasks), len(stale))
    waiting = iter(stale)  # stale is files' own order, and so is the pool's
    due = next(waiting, None)
    changed = set(stale)
    chunk_at = {paths[0]: n for n, paths in enumerate(cache.paths) if paths}
    i = 0
    while i < len(files):
        path = files[i]
        n = chunk_at.get(path)
        # a cached chunk starts here: whole, if its files are all here and unchanged
        if n is not None:
            paths = cache.paths[n]
            if files[i : i + len(paths)] == paths and changed.isdisjoint(paths):
                run = cache.run(n)
                if run is not None and take_run(run):
                    reading.warnings.extend(run.warnings)
                    i += len(paths)
                    continue
        i += 1
        # its answer is waited for only now: the cached files before it are walked while a
        # worker starts
        if path == due:
            answer, outcome = next(arriving)
            assert answer == path, (answer, path)
            reading.rejected.extend(outcome.rejected)
            records, warned, hashed, keyed, facts = cache.put(
                path, outcome, tuple(outcome.blobs), tuple(outcome.keys)
            )
            cache.spill(build_dir)
            due = next(waiting, None)
        else:
            records, warned, hashed, keyed, facts = cache.entries[path]
        reading.warnings.extend(warned)
        # one digest per record, in order
        for record, fact, key, (_, digest) in zip(records, facts, keyed, hashed, strict=True):
            yield record, fact, key, digest
    cache.keep_only(set(files))


def _in_order(
    chunks: Iterable[dict[str, ReadOutcome]], total: int
) -> Iterator[tuple[str, ReadOutcome]]:
    """Each file's outcome as its chunk arrives, with progress every ten chunks."""
    done = 0
    for n, chunk in enumerate(chunks, start=1):
        done += len(chunk)
        if n % 10 == 0:
            print(f"  read {done}/{total} changed files", file=sys.stderr, flush=True)
        yield from chunk.items()
