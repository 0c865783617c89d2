"""One story fetched twice, under two ids, is published once: the copy is rejected naming the
article kept (the older, or the first in path order), in a full build and an incremental one
alike (issue 33)."""

from __future__ import annotations

import json
import shutil

import pytest

import builder.pipeline.read_cache as read_cache
from builder.build import build
from tests.conftest import SAMPLE, make_project
from tests.test_incremental import tree_hashes, workspace

KUWAIT = "002_7c1d2e9f40ab8835"  # published 2023-05-14T23:10:00+03:00
BOOKS = "003_b51e6a0d92c47f13"  # published 2024-11-06T18:00:00+03:00


@pytest.fixture(autouse=True)
def small_read_cache_chunks(monkeypatch):
    """Chunks of two files: unchanged ones reach the gate whole, as runs."""
    monkeypatch.setattr(read_cache, "CHUNK", 2)


def add_copies(corpus):
    """The sports story again, same date, later in path order (the first is kept); the book
    fair story again under another id, dated a day earlier (this older copy is kept)."""
    later = corpus / "later"
    later.mkdir(exist_ok=True)
    shutil.copy(SAMPLE / f"{KUWAIT}.txt", later / "900_same-story.txt")
    (later / "900_same-story.toml").write_text(
        'published = 2023-05-14T23:10:00+03:00\nsection = "رياضة"\n', encoding="utf-8"
    )
    shutil.copy(SAMPLE / f"{BOOKS}.txt", later / "901_older-copy.txt")
    (later / "901_older-copy.toml").write_text(
        'published = 2024-11-05T18:00:00+03:00\nsection = "ثقافة"\n', encoding="utf-8"
    )


def reasons(report):
    return {s.rsplit("/", 1)[-1]: r for s, r in report.rejected}


def kept(source):
    return (
        f"duplicate of {source}: the same headline and body "
        "(kept: the older, or the first in path order)"
    )


def test_a_story_fetched_twice_is_published_once_naming_the_one_kept(tmp_path, monkeypatch):
    work, corpus = workspace(tmp_path, monkeypatch)
    add_copies(corpus)
    report = build(make_project(work, corpus))
    assert reasons(report) == {
        "900_same-story.txt": kept(str(corpus / f"{KUWAIT}.txt")),
        f"{BOOKS}.txt": kept(str(corpus / "later" / "901_older-copy.txt")),
    }
    built = dict(report.built)
    assert built[str(corpus / "later" / "901_older-copy.txt")] == "articles/older-copy/"
    assert not (work / "site" / "articles" / "book-fair-opens").exists()
    saved = json.loads(json.dumps(report.to_json()))  # what build-report.json holds
    assert {
        (i["source"].rsplit("/", 1)[-1], i["reason"])
        for i in saved["inputs"]
        if i["status"] == "rejected"
    } == set(reasons(report).items())


@pytest.mark.parametrize("edit", ["add the copies", "make a copy differ"])
def test_incremental_and_full_builds_agree_on_duplicates(tmp_path, monkeypatch, edit):
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    if edit == "make a copy differ":
        add_copies(corpus)
    build(config)
    if edit == "add the copies":
        add_copies(corpus)
    else:  # the older copy is a story of its own now: both book fair articles are built
        copy = corpus / "later" / "901_older-copy.txt"
        copy.write_text(copy.read_text(encoding="utf-8") + "\nفقرة أضافها المحرر.\n", "utf-8")
    again = build(config)
    assert again.partitions["reused"] > 0  # incremental indeed
    full_root = tmp_path / "full"
    full_root.mkdir()
    full = build(make_project(full_root, corpus))
    assert reasons(again) == reasons(full) and len(again.built) == len(full.built)
    assert tree_hashes(work / "site") == tree_hashes(full_root / "site")
    if edit == "make a copy differ":
        assert set(reasons(again)) == {"900_same-story.txt"}
