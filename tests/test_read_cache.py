"""The read cache writes again only the chunks whose files changed, and loads what it saved."""

import os

from builder.core.article import Article
from builder.core.store import decode, encode
from builder.pipeline.partitions import ReadOutcome
from builder.pipeline.read_cache import CHUNK, INDEX, READ_CACHE, ReadCache
from builder.pipeline.records import facts_of


def outcome(path, text="p"):
    article = Article(os.path.basename(path), path, "عنوان", None, None, (text,))
    return ReadOutcome(
        blobs=[encode(article)],
        facts=[facts_of(article)],
        digests={path: "d" * 64},
        stat=((1, 2), None),
    ), (encode(article),)


def filled(paths):
    cache = ReadCache("code")
    for path in paths:
        result, records = outcome(path)
        cache.put(path, result, records, (b"k",))
    return cache


def chunk_files(build_dir):
    return sorted(set(os.listdir(build_dir / READ_CACHE)) - {INDEX})


def test_one_changed_file_rewrites_one_chunk(tmp_path):
    paths = [f"/in/{n:05d}.txt" for n in range(int(2.5 * CHUNK))]
    filled(paths).save(tmp_path)
    first = chunk_files(tmp_path)
    assert len(first) == 3  # 1,000 + 1,000 + 500 files
    cache = ReadCache.load(tmp_path, "code")
    assert set(cache.entries) == set(paths) and decode(
        cache.entries[paths[1200]][0][0]
    ).paragraphs == ("p",)
    result, records = outcome(paths[1200], "edited")
    cache.put(paths[1200], result, records, (b"k2",))
    cache.save(tmp_path)
    second = chunk_files(tmp_path)
    assert (
        len(set(second) - set(first)) == 1 and len(set(first) - set(second)) == 1
    )  # the middle chunk alone
    again = ReadCache.load(tmp_path, "code")
    assert decode(again.entries[paths[1200]][0][0]).paragraphs == ("edited",) and again.entries[
        paths[1200]
    ][3] == (b"k2",)
    assert set(again.entries) == set(paths)


def test_added_and_removed_files_land_in_their_chunk(tmp_path):
    paths = [
        f"/in/{n:05d}.txt" for n in range(0, 4 * CHUNK, 2)
    ]  # even numbers: 2,000 files, 2 chunks
    filled(paths).save(tmp_path)
    first = chunk_files(tmp_path)
    cache = ReadCache.load(tmp_path, "code")
    result, records = outcome("/in/00001.txt")  # before the second chunk's first path
    cache.put("/in/00001.txt", result, records, (b"k",))
    cache.keep_only(set(paths[:-1]) | {"/in/00001.txt"})  # the last file is gone
    cache.save(tmp_path)
    assert len(set(chunk_files(tmp_path)) & set(first)) == 0  # both chunks changed
    again = ReadCache.load(tmp_path, "code")
    assert set(again.entries) == set(paths[:-1]) | {"/in/00001.txt"}
    unchanged = ReadCache.load(tmp_path, "code")
    before = chunk_files(tmp_path)
    unchanged.save(tmp_path)
    assert chunk_files(tmp_path) == before  # nothing changed: nothing written


def test_another_code_starts_empty(tmp_path):
    filled(["/in/a.txt"]).save(tmp_path)
    assert ReadCache.load(tmp_path, "other").entries == {}
    assert set(ReadCache.load(tmp_path, "code").entries) == {"/in/a.txt"}


def test_a_rejected_file_rewrites_nothing(tmp_path):
    """A rejected file is read again every build; unless its chunk held it, nothing is written."""
    paths = [f"/in/{n:05d}.txt" for n in range(CHUNK)]
    filled(paths).save(tmp_path)
    before = chunk_files(tmp_path)
    cache = ReadCache.load(tmp_path, "code")
    cache.put(
        "/in/bad.txt",
        ReadOutcome(rejected=[("/in/bad.txt", "no headline")], stat=((1, 2), None)),
        (),
        (),
    )
    cache.save(tmp_path)
    assert chunk_files(tmp_path) == before
    cache = ReadCache.load(tmp_path, "code")
    cache.put(
        paths[5], ReadOutcome(rejected=[(paths[5], "no headline")], stat=((1, 3), None)), (), ()
    )  # was cached: now it is not
    cache.save(tmp_path)
    assert (
        chunk_files(tmp_path) != before and paths[5] not in ReadCache.load(tmp_path, "code").entries
    )


def test_a_cache_started_empty_writes_each_full_chunk_as_it_fills(tmp_path):
    paths = [f"/in/{n:05d}.txt" for n in range(int(2.5 * CHUNK))]
    cache = ReadCache("code")
    for n, path in enumerate(paths):
        result, records = outcome(path)
        cache.put(path, result, records, (b"k",))
        cache.spill(tmp_path)
        if (
            n == CHUNK - 1
        ):  # the first chunk is on disk and out of memory before the next file comes
            assert len(chunk_files(tmp_path)) == 1 and not cache.entries
    assert len(chunk_files(tmp_path)) == 2 and len(cache.entries) == CHUNK // 2
    cache.save(tmp_path)
    assert len(chunk_files(tmp_path)) == 3
    loaded = ReadCache.load(tmp_path, "code")
    assert list(loaded.entries) == paths and loaded.complete
    before = chunk_files(tmp_path)
    result, records = outcome(paths[1500], "edited")
    loaded.put(paths[1500], result, records, (b"k2",))
    loaded.save(tmp_path)
    assert (
        len(set(chunk_files(tmp_path)) - set(before)) == 1
    )  # the spilled chunks keep their ranges
    assert decode(ReadCache.load(tmp_path, "code").entries[paths[1500]][0][0]).paragraphs == (
        "edited",
    )


def test_files_out_of_path_order_leave_no_cache_rather_than_a_wrong_one(tmp_path):
    paths = [f"/in/{n:05d}.txt" for n in range(2 * CHUNK)]
    cache = ReadCache("code")
    for path in paths[CHUNK:] + paths[:CHUNK]:  # the second range first
        result, records = outcome(path)
        cache.put(path, result, records, (b"k",))
        cache.spill(tmp_path)
    cache.save(tmp_path)
    assert chunk_files(tmp_path) == [] and ReadCache.load(tmp_path, "code").entries == {}


def test_a_loaded_cache_reads_one_chunk_at_a_time_as_the_files_are_walked(tmp_path, monkeypatch):
    """Loading reads the stats only; walking the files in path order reads each chunk's
    entries once, and only one chunk's are held at a time."""
    import pickle

    paths = [f"/in/{n:05d}.txt" for n in range(int(2.5 * CHUNK))]
    filled(paths).save(tmp_path)
    loads = []
    real = pickle.load

    def counting(handle, *args, **kwargs):
        value = real(handle, *args, **kwargs)
        loads.append(len(value) if isinstance(value, dict) else 0)
        return value

    monkeypatch.setattr(pickle, "load", counting)
    cache = ReadCache.load(tmp_path, "code")
    assert len(loads) == 1 + 3 and len(cache.stats) == len(
        paths
    )  # the index, then each chunk's stats
    loads.clear()
    for path in paths:
        assert decode(cache.entries[path][0][0]).source == path
        assert len(cache.entries._loaded[1]) <= CHUNK
    assert loads == [1000, 1000, 500]  # each chunk's entries, once
    assert "/in/99999.txt" not in cache.entries and len(cache.entries) == len(paths)


def test_a_damaged_run_is_declined_and_its_entries_read(tmp_path):
    """A chunk's run that cannot be read (a damaged pickle, one claiming a length too large to
    hold) gives no run: the build walks that chunk's entries instead of failing."""
    paths = [f"/in/{n:05d}.txt" for n in range(3)]
    filled(paths).save(tmp_path)
    cache = ReadCache.load(tmp_path, "code")
    assert cache.run(0) is not None and len(cache.run(0)) == 3
    chunk = tmp_path / READ_CACHE / cache.files[0]
    data = bytearray(chunk.read_bytes())
    for damage in (
        b"\x8e" + (2**63 - 1).to_bytes(8, "little"),
        b"\x8e" + (2**40).to_bytes(8, "little"),
        b"\xff" * 9,
    ):
        data[cache.runs[0] : cache.runs[0] + len(damage)] = damage  # the run's first bytes
        chunk.write_bytes(bytes(data))
        assert cache.run(0) is None
        assert [decode(cache.entries[p][0][0]).source for p in paths] == paths
