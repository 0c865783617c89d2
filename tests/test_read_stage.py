"""The read stage takes the workers' answers as they arrive, and the records it keeps come
shared from the workers; a worker's MkDocs runs leave no URLs cached behind them."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from mkdocs import utils as mkdocs_utils

from builder.executors import InlineExecutor
from builder.listing_cache import listed_key
from builder.load import input_files
from builder.partitions import ReadTask, read_chunk
from builder.publish import render
from builder.read_cache import ReadCache
from builder.read_stage import read_files
from tests.conftest import SAMPLE, make_project


class InOrder(InlineExecutor):
    """Runs each chunk only when the read stage asks for its answer (as a process pool hands
    them back), and notes which files the cache had been given by then."""

    def __init__(self, cache: ReadCache) -> None:
        self.cache = cache
        self.seen_before: list[set[str]] = []

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any], timeout: float | None = None, chunksize: int = 1) -> Iterator[Any]:
        for task in iterables[0]:
            self.seen_before.append(set(self.cache.changed))
            yield fn(task)


def test_each_chunk_is_taken_in_before_the_next_is_asked_for(tmp_path: Path) -> None:
    config = make_project(tmp_path, SAMPLE)
    files = input_files([SAMPLE])
    cache = ReadCache("code")
    pool = InOrder(cache)
    reading = read_files(pool, files, cache, tmp_path / "build", str(config), None, "code", workers=1)
    records = list(reading.records)
    size = len(files) // 4 + 1  # at least four chunks per worker
    chunks = [set(map(str, files[i : i + size])) for i in range(0, len(files), size)]
    assert len(chunks) >= 3 and len(pool.seen_before) == len(chunks)
    for n in range(1, len(chunks)):  # the files of every earlier chunk were in the cache before this one ran
        assert set().union(*chunks[:n]) <= pool.seen_before[n]
    sources = [a.source for a, _, _ in records]
    assert sources == sorted(sources, key=lambda s: files.index(Path(s)))
    assert [key for _, key, _ in records] == [listed_key(a) for a, _, _ in records] and reading.stale == len(files)
    assert all(len(digest) == 64 for _, _, digest in records)
    again = read_files(InOrder(cache), files, cache, tmp_path / "build", str(config), None, "code", workers=1)  # all from the cache now
    assert again.stale == 0 and list(again.records) == records


def test_a_chunk_s_records_share_their_repeated_values_through_the_pickle(tmp_path: Path) -> None:
    config = make_project(tmp_path, SAMPLE)
    paths = tuple(map(str, input_files([SAMPLE])))
    answers = pickle.loads(pickle.dumps(read_chunk(ReadTask(str(config), None, paths, "code"))))  # as a worker's answer arrives
    records = [a for outcome in answers.values() for a in outcome.articles]
    by_section: dict[str, list[Any]] = {}
    for a in records:
        if a.section:
            by_section.setdefault(a.section, []).append(a.section)
    repeated = [values for values in by_section.values() if len(values) > 1]
    assert repeated and all(all(v is values[0] for v in values) for values in repeated)
    zones = {id(a.published.tzinfo) for a in records if a.published}
    offsets = {a.published.utcoffset() for a in records if a.published}
    assert len(zones) == len(offsets)  # one time zone object per offset
    assert all(outcome.keys == [listed_key(a) for a in outcome.articles] for outcome in answers.values())


def test_mkdocs_keeps_no_urls_after_a_run(tmp_path: Path) -> None:
    """MkDocs caches every URL it normalises, without bound: a worker rendering partition after
    partition grew by 0.3 MB each. After each run the caches are empty."""
    config = make_project(tmp_path, SAMPLE)
    docs = tmp_path / "pages"
    (docs / "articles").mkdir(parents=True)
    for n in range(30):
        (docs / "articles" / f"a{n}.md").write_text(f"# صفحة {n}\n\nنص.\n", encoding="utf-8")
    render(config, docs, tmp_path / "out", nav=[])
    assert (tmp_path / "out" / "articles" / "a29" / "index.html").is_file()
    assert mkdocs_utils._norm_parts.cache_info().currsize == 0
    assert mkdocs_utils._get_norm_url.cache_info().currsize == 0
