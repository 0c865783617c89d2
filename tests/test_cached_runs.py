"""The admission gate takes a read-cache chunk whole (a run) with the same outcome as taking
its records one by one, and declines a run it could not take that way."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from builder.core.store import RecordWriter
from builder.pipeline.admit import Admission
from builder.pipeline.cached_runs import Entry, run_of
from builder.pipeline.partitions import ReadTask, read_chunk
from builder.read.inputs import scan_inputs
from tests.conftest import SAMPLE, make_project

LATE = datetime(2030, 1, 1, tzinfo=UTC)  # after every sample date


def sample_entries(tmp_path: Path) -> list[Entry]:
    """Each sample file's entry, as the read cache keeps it (read by a real read task)."""
    config = make_project(tmp_path, SAMPLE)
    files = scan_inputs([SAMPLE]).names
    answers = read_chunk(ReadTask(str(config), None, tuple(files), "code"))
    return [
        (tuple(o.blobs), tuple(o.warnings), tuple(o.digests.items()), tuple(o.keys), tuple(o.facts))
        for o in (answers[f] for f in files)
    ]


def one_by_one(gate: Admission, entries: list[Entry]) -> None:
    for records, _, hashed, keyed, facts in entries:
        for record, fact, key, (_, digest) in zip(records, facts, keyed, hashed, strict=True):
            gate.take(record, fact, key, digest)


def state(gate: Admission) -> dict[str, object]:
    """All a gate gives the build, its record file read back."""
    records = gate.store.finish()
    try:
        return {
            "records": [records._records.get(n) for n in range(len(records))],
            "names": list(records.names()),
            "briefs": list(records.briefs()),
            "arrival": list(records.arrival),
            "months": gate.months,
            "lines": bytes(gate.lines),
            "keys": bytes(gate.keys),
            "digests": bytes(gate.digests.data),
            "pairs": list(gate.spellings.pairs.items()),
            "merged": gate.spellings.merged(),
            "listed": gate.listed_digest(),
            "dated": gate.dated_digest(),
            "told": bytes(gate.told),
            "claims": (gate._ids, gate._slugs),
            "refused": (gate.rejected, gate.held, gate.warnings),
        }
    finally:
        records.close()


def test_a_run_is_taken_as_its_records_one_by_one(tmp_path: Path) -> None:
    entries = sample_entries(tmp_path)
    assert len(entries) >= 6 and len({f.section for e in entries for f in e[4]}) < len(
        entries
    )  # some sections shared: spellings counted
    chunks = [entries[:1], entries[1:4], entries[4:]]
    single = Admission(RecordWriter(tmp_path / "one"), LATE, "code")
    one_by_one(single, entries)
    whole = Admission(RecordWriter(tmp_path / "runs"), LATE, "code")
    one_by_one(whole, chunks[0])  # a chunk taken one by one, then runs after it
    assert whole.take_run(run_of(chunks[1])) and whole.take_run(run_of(chunks[2]))
    expected, got = state(single), state(whole)
    assert got == expected and len(got["records"]) == len(entries)  # type: ignore[arg-type]


def test_a_run_the_gate_could_not_take_whole_is_declined_and_nothing_taken(tmp_path: Path) -> None:
    entries = sample_entries(tmp_path)
    first = Admission(RecordWriter(tmp_path / "a"), LATE, "code")
    one_by_one(first, entries[:2])
    assert not first.take_run(run_of(entries[1:4]))  # an id taken before: one of them is refused
    assert len(first.store) == 2 and not first.rejected
    dated = max(f.published or 0 for e in entries for f in e[4])
    early = Admission(
        RecordWriter(tmp_path / "b"), datetime.fromtimestamp(dated / 1e6 - 1, UTC), "code"
    )
    assert not early.take_run(run_of(entries))  # one published after the build time: held back
    twice = Admission(RecordWriter(tmp_path / "c"), LATE, "code")
    assert not twice.take_run(
        run_of(entries[:3] + entries[:1])
    )  # one file's records twice: the second is refused
    assert len(early.store) == len(twice.store) == 0
