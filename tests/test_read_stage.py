"""The read stage takes the workers' answers as they arrive, and the records come encoded from
the workers; a worker's MkDocs runs leave no URLs cached behind them."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from mkdocs import utils as mkdocs_utils

from builder.core.settings import load_settings
from builder.core.store import decode
from builder.pipeline.executors import InlineExecutor
from builder.pipeline.listing_cache import listed_key
from builder.pipeline.partitions import ReadTask, read_chunk
from builder.pipeline.read_cache import ReadCache
from builder.pipeline.reading import read_files
from builder.pipeline.records import facts_of, slim
from builder.publish.swap import render
from builder.read.inputs import input_files, read_inputs, scan_inputs
from builder.read.profile import load_profile
from tests.conftest import SAMPLE, make_project


class InOrder(InlineExecutor):
    """Runs each chunk only when the read stage asks for its answer (as a process pool hands
    them back), and notes which files the cache had been given by then."""

    def __init__(self, cache: ReadCache) -> None:
        self.cache = cache
        self.seen_before: list[set[str]] = []

    def map(
        self,
        fn: Callable[..., Any],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[Any]:
        for task in iterables[0]:
            self.seen_before.append(set(self.cache.changed))
            yield fn(task)


def test_each_chunk_is_taken_in_before_the_next_is_asked_for(tmp_path: Path) -> None:
    config = make_project(tmp_path, SAMPLE)
    files = scan_inputs([SAMPLE]).names
    cache = ReadCache("code")
    pool = InOrder(cache)
    reading = read_files(
        pool, files, cache, tmp_path / "build", str(config), None, "code", workers=1
    )
    records = list(reading.records)
    size = len(files) // 4 + 1  # at least four chunks per worker
    chunks = [set(files[i : i + size]) for i in range(0, len(files), size)]
    assert len(chunks) >= 3 and len(pool.seen_before) == len(chunks)
    for n in range(
        1, len(chunks)
    ):  # the files of every earlier chunk were in the cache before this one ran
        assert set().union(*chunks[:n]) <= pool.seen_before[n]
    sources = [decode(blob).source for blob, _, _, _ in records]
    assert sources == sorted(sources, key=files.index)
    assert [key for _, _, key, _ in records] == [
        listed_key(decode(blob)) for blob, _, _, _ in records
    ] and reading.stale == len(files)
    assert [facts._replace(told=b"", content=b"") for _, facts, _, _ in records] == [
        facts_of(decode(blob))._replace(told=b"") for blob, _, _, _ in records
    ]  # told and content are of the whole article, which the slim record no longer holds
    assert all(len(facts.content) == 16 for _, facts, _, _ in records)
    assert all(len(digest) == 64 for _, _, _, digest in records)
    again = read_files(
        InOrder(cache), files, cache, tmp_path / "build", str(config), None, "code", workers=1
    )  # all from the cache now
    assert again.stale == 0 and list(again.records) == records


def test_a_chunk_s_answers_carry_each_record_slim_and_encoded(tmp_path: Path) -> None:
    config = make_project(tmp_path, SAMPLE)
    paths = tuple(map(str, input_files([SAMPLE])))
    answers = pickle.loads(
        pickle.dumps(read_chunk(ReadTask(str(config), None, paths, "code")))
    )  # as a worker's answer arrives
    profile = load_profile()
    for path, outcome in answers.items():
        full = [
            r.article
            for r in read_inputs(Path(path), profile, load_settings(config)[0].limits)
            if r.article
        ]
        expected = [slim(a) for a in full]
        assert [decode(blob) for blob in outcome.blobs] == expected
        assert outcome.keys == [listed_key(a) for a in expected] and list(outcome.digests) == [
            a.source for a in expected
        ]
        assert outcome.facts == [facts_of(a, f) for a, f in zip(expected, full, strict=True)]
        assert outcome.photos == tuple(
            a.image.url for a in expected if a.image and a.image.url and "://" not in a.image.url
        )
    assert any(outcome.photos for outcome in answers.values())  # the sample has local photos


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
