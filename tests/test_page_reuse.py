"""Page-level reuse: in a month built again, only the pages whose inputs or links changed are
rendered; the others come from the published site, and the site equals a full build."""

import io

from builder.build import build
from builder.pipeline.page_reuse import NEXT, RECORD
from tests.conftest import make_project
from tests.test_incremental import full_build, tree_hashes, workspace

DAYS = (10, 20, 25)  # three more May 2023 sport stories, beside the sample's own (May 20th)


def may_project(tmp_path, monkeypatch):
    work, corpus = workspace(tmp_path, monkeypatch)
    source = (corpus / "002_7c1d2e9f40ab8835.txt").read_text(encoding="utf-8")
    for day in DAYS:
        (corpus / f"009_may{day}.txt").write_text(
            f"خبر رياضي يوم {day} مايو\n\n{source.split(chr(10), 1)[1]}", encoding="utf-8"
        )
        (corpus / f"009_may{day}.toml").write_text(
            f'published = 2023-05-{day}T10:00:00+03:00\nsection = "رياضة"\nslug = "may-{day}"\n',
            encoding="utf-8",
        )
    config = make_project(work, corpus)
    first = build(config)
    assert first.published and first.partitions["pages_reused"] == 0
    return work, corpus, config


def edit_body(corpus, day):
    story = corpus / f"009_may{day}.txt"
    story.write_text(
        story.read_text(encoding="utf-8").replace("وأشاد المدرب", "وأثنى المدرب"), encoding="utf-8"
    )


def test_an_edit_renders_its_page_alone_and_the_site_equals_a_full_build(tmp_path, monkeypatch):
    work, corpus, config = may_project(tmp_path, monkeypatch)
    edit_body(corpus, 25)
    said = io.StringIO()
    again = build(config, out=said)
    assert again.published and again.partitions["built"] == 1
    assert (again.partitions["pages_rendered"], again.partitions["pages_reused"]) == (1, len(DAYS))
    assert (
        f"article pages: 1 rendered, {len(again.built) - 1} unchanged from the last site\n"
        in said.getvalue()
    )  # the summary says how little was done
    assert "وأثنى المدرب" in (work / "site" / "articles" / "may-25" / "index.html").read_text(
        encoding="utf-8"
    )
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus)


def test_a_new_headline_renders_the_pages_that_link_to_it(tmp_path, monkeypatch):
    work, corpus, config = may_project(tmp_path, monkeypatch)
    story = corpus / "009_may25.txt"
    story.write_text(
        story.read_text(encoding="utf-8").replace("خبر رياضي يوم 25", "نبأ رياضي يوم 25", 1),
        encoding="utf-8",
    )
    again = build(config)
    assert (
        again.published and again.partitions["pages_rendered"] >= 2
    )  # it, and the sport stories that list it as related
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus)


def test_a_page_missing_from_the_site_is_rendered_again(tmp_path, monkeypatch):
    work, corpus, config = may_project(tmp_path, monkeypatch)
    (work / "site" / "articles" / "may-10" / "index.html").unlink()
    edit_body(corpus, 25)
    again = build(config)
    assert again.published and again.partitions["pages_rendered"] == 2
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus)


def test_a_build_that_is_not_published_leaves_no_record(tmp_path, monkeypatch):
    work, corpus, config = may_project(tmp_path, monkeypatch)
    docs = work / ".build" / "partitions" / "2023-05"
    assert (docs / RECORD).is_file()
    edit_body(corpus, 25)
    broken = (
        tmp_path / "pagefind-broken"
    )  # a real program that fails: the build renders, then is not published
    broken.write_text('#!/bin/sh\necho "disk full" >&2\nexit 3\n')
    broken.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(broken))
    failed = build(config)
    assert not failed.published and "disk full" in (failed.failure or "")
    assert (failed.partitions["pages_rendered"], failed.partitions["pages_reused"]) == (
        1,
        len(DAYS),
    )
    assert not (docs / RECORD).exists() and (docs / NEXT).exists()
    monkeypatch.delenv("PAGEFIND_BINARY_PATH")
    again = build(config)
    assert again.published and (
        again.partitions["pages_rendered"],
        again.partitions["pages_reused"],
    ) == (len(DAYS) + 1, 0)
    assert (docs / RECORD).is_file() and not (docs / NEXT).exists()
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus)
