"""Incremental builds: after one article changes (or is added or removed), only its month is
rebuilt, and the site is byte-identical to a full build of the same input."""

import hashlib
import shutil

import pytest

from builder.build import build
from tests.conftest import SAMPLE, make_project


def tree_hashes(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def full_build(tmp_path, name, corpus):
    root = tmp_path / name
    root.mkdir()
    report = build(make_project(root, corpus))
    assert report.partitions["reused"] == 0
    return tree_hashes(root / "site")


def change_body(corpus):
    path = corpus / "001_a3f09c2e7b14d6e1.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("قفزت أسعار النفط", "ارتفعت أسعار النفط"), encoding="utf-8")


def add_article(corpus):
    shutil.copy(SAMPLE / "002_7c1d2e9f40ab8835.txt", corpus / "006_added.txt")
    (corpus / "006_added.toml").write_text('published = 2023-05-20T10:00:00+03:00\nsection = "رياضة"\nauthors = ["فهد المطيري"]\n', encoding="utf-8")


def remove_article(corpus):
    (corpus / "004_e92f4b7a1c3d5068.txt").unlink()


def change_photo(corpus):
    path = corpus / "images" / "book-fair.jpg"
    path.write_bytes(path.read_bytes() + b"\0")  # same picture, different bytes


@pytest.mark.parametrize("change, rebuilt", [(change_body, 1), (add_article, 1), (remove_article, 0), (change_photo, 1)])
def test_incremental_equals_full(tmp_path, monkeypatch, change, rebuilt):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1760256000")
    work = tmp_path / "work"
    work.mkdir()
    corpus = work / "corpus"
    shutil.copytree(SAMPLE, corpus)
    config = make_project(work, corpus)
    first = build(config)
    assert first.partitions == {"built": 6, "reused": 0}
    change(corpus)
    again = build(config)
    assert again.published and again.partitions["built"] == rebuilt
    assert again.partitions["reused"] == len(list((work / ".build" / "partitions").iterdir())) - rebuilt
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus)


def test_settings_change_rebuilds_everything(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    config = make_project(tmp_path, corpus)
    build(config)
    config.write_text(config.read_text(encoding="utf-8").replace("site_name: أخبار المثال", "site_name: أخبار أخرى"), encoding="utf-8")
    assert build(config).partitions == {"built": 6, "reused": 0}


def test_unchanged_files_are_not_read_again(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    config = make_project(tmp_path, corpus)
    build(config)
    import builder.partitions as partitions

    read = []
    original = partitions.read_inputs
    monkeypatch.setattr(partitions, "read_inputs", lambda path, *a: read.append(path.name) or original(path, *a))
    change_body(corpus)
    again = build(config, jobs=1)  # in-process, so the counting wrapper sees the reads
    assert again.published
    # the read phase reopened only the changed file; its partition reopened it to render it
    assert read == ["001_a3f09c2e7b14d6e1.txt", "001_a3f09c2e7b14d6e1.txt"]
