"""The read stage: every input file to slim records, in path order, from the read cache where a
file is unchanged and from the workers where it is not.

The workers' answers are taken in as they arrive, not gathered first: at 100,000 files,
holding every file's answer until the last one came doubled the build process's memory
while reading (that process holds every article's record to the end, so what it held at
its peak it keeps). The workers also share a record's repeated values (section, tags,
authors, time zones) and hash its listed fields, so this process makes no copies of them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

from builder.article import Article
from builder.partitions import ReadOutcome, ReadTask, read_chunk
from builder.read_cache import ReadCache


@dataclass
class Reading:
    """What the inputs gave, in path order; ``keys`` and ``articles`` run side by side."""

    articles: list[Article] = field(default_factory=list)
    keys: list[bytes] = field(default_factory=list)  # each article's listing_cache.listed_key
    digests: dict[str, str] = field(default_factory=dict)  # source -> sha256 of its inputs
    warnings: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    stale: int = 0  # files read now (the rest came from the cache)


def read_files(pool: Executor, files: list[Path], cache: ReadCache, build_dir: Path, config: str, profile: str | None, code: str, workers: int) -> Reading:
    """Read what changed in the pool (chunks of up to 500 files, at least four per worker) and
    put it in ``cache`` (a cache started empty writes itself into ``build_dir`` as it fills);
    take the rest from ``cache``."""
    stale = [str(path) for path in files if not cache.fresh(path)]
    size = max(1, min(500, len(stale) // (4 * workers) + 1))
    tasks = [ReadTask(config, profile, tuple(stale[i : i + size]), code) for i in range(0, len(stale), size)]
    arriving = _in_order(pool.map(read_chunk, tasks), len(stale))
    pending = next(arriving, None)
    reading = Reading(stale=len(stale))
    for path in map(str, files):
        if pending is not None and pending[0] == path:  # stale is files' own order, and so is the pool's
            outcome = pending[1]
            reading.rejected.extend(outcome.rejected)
            records, warned, hashed, keyed = cache.put(path, outcome, tuple(outcome.articles), tuple(outcome.keys))
            cache.spill(build_dir)
            pending = next(arriving, None)  # (taken in first: the next chunk's answers are asked for only now)
        else:
            records, warned, hashed, keyed = cache.entries[path]
        reading.articles.extend(records)
        reading.keys.extend(keyed)
        reading.warnings.extend(warned)
        reading.digests.update(hashed)
    cache.keep_only(set(map(str, files)))
    return reading


def _in_order(chunks: Iterable[dict[str, ReadOutcome]], total: int) -> Iterator[tuple[str, ReadOutcome]]:
    """Each file's outcome as its chunk arrives, with progress every ten chunks."""
    done = 0
    for n, chunk in enumerate(chunks, start=1):
        done += len(chunk)
        if n % 10 == 0:
            print(f"  read {done}/{total} changed files", file=sys.stderr, flush=True)
        yield from chunk.items()
