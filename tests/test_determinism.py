"""Two builds of the same input are byte-identical (SOURCE_DATE_EPOCH fixes "now")."""

import hashlib
import shutil

from builder.build import build
from tests.conftest import SAMPLE, make_project


def tree_hashes(root):
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_two_builds_are_byte_identical(tmp_path, monkeypatch):
    monkeypatch.setenv(
        "SOURCE_DATE_EPOCH", "1760256000"
    )  # 2025-10-12: the news sitemap is not empty
    sites = []
    for name in ("one", "two"):
        root = tmp_path / name
        root.mkdir()
        corpus = root / "corpus"
        shutil.copytree(SAMPLE, corpus)
        assert build(make_project(root, corpus)).published
        sites.append(tree_hashes(root / "site"))
    assert len(sites[0]) > 30
    assert sum(rel.endswith((".br", ".gz")) for rel in sites[0]) > 100  # precompressed copies too
    assert sites[0] == sites[1]
    assert b"<url>" in (tmp_path / "one" / "site" / "news-sitemap.xml").read_bytes()
