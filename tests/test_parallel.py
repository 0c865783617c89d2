"""Partitions run by any concurrent.futures executor give the same site: in-process, a local
process pool, and a Dask cluster (a LocalCluster here, reached by its tcp:// address)."""

import hashlib
import shutil

import pytest

from builder.build import build
from tests.conftest import SAMPLE, SAMPLE_ARTICLES, make_project


def tree_hashes(root):
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def build_with(tmp_path, name, **options):
    root = tmp_path / name
    root.mkdir()
    corpus = root / "corpus"
    shutil.copytree(SAMPLE, corpus)
    report = build(make_project(root, corpus), **options)
    assert report.published and len(report.built) == SAMPLE_ARTICLES, report.failure
    return tree_hashes(root / "site")


@pytest.fixture(scope="module")
def dask_scheduler():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def test_executors_agree(tmp_path, monkeypatch, dask_scheduler):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1760256000")
    inline = build_with(tmp_path, "inline", jobs=1)
    pool = build_with(tmp_path, "pool", jobs=2)
    assert dask_scheduler.startswith("tcp://")
    on_dask = build_with(tmp_path, "dask", scheduler=dask_scheduler)
    assert inline == pool == on_dask


def test_local_workers_start_with_the_pool():
    """Every worker is forked when the pool opens, while the parent is small, not at its first
    task, when the parent already holds every article's record (copied pages, counted twice).
    A pool opened with one worker ends it when asked to spread and forks all of them at once,
    each collecting its cycles even when forked where the build has collection off."""

    import psutil

    from builder.pipeline.executors import local_workers, make_executor, no_collection, spread

    def children():
        return {p.pid for p in psutil.Process().children()}

    before = children()  # other tests' servers, clusters
    with make_executor(jobs=2) as pool:
        assert len(children() - before) == 2 and local_workers(pool) == 2
        assert pool.submit(sum, [1, 2]).result() == 3
    with make_executor(jobs=3, all_workers=False) as pool:
        first = children() - before
        assert len(first) == 1 and local_workers(pool) == 1
        assert pool.submit(sum, [1, 2]).result() == 3
        with no_collection():
            spread(pool)
        now = children() - before
        assert len(now) == 3 and not now & first and local_workers(pool) == 3
        assert list(pool.map(abs, [-1, -2, -3])) == [1, 2, 3]
        assert all(pool.map(_collecting, range(6)))
        spread(pool)  # spread already: nothing new
        assert children() - before == now


def _collecting(_):
    import gc

    return gc.isenabled()


def edit(corpus, n=1):
    """Change the body of the first ``n`` stories of the sample corpus."""
    for story in sorted(corpus.glob("*.txt"))[:n]:
        story.write_text(
            story.read_text(encoding="utf-8").replace("\n\n", "\n\nوفي آخر التطورات، ", 1),
            encoding="utf-8",
        )


def test_workers_follow_the_work(tmp_path, monkeypatch):
    """A build from nothing reads and renders on every worker; a rebuild after one edit, one
    file to read and one partition to render, starts one; with no site to start from (the
    read cache stands), every partition is rendered again on all of them; and a rebuild
    that finds more files to read, or more partitions to render, than one worker takes
    ends it and spreads over all of them."""
    import builder.build
    import builder.pipeline.reading

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1760256000")
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    config = make_project(tmp_path, corpus)
    first = build(config, jobs=2)
    assert first.workers == 2 and first.partitions["built"] == SAMPLE_ARTICLES
    story = corpus / "001_a3f09c2e7b14d6e1.txt"
    story.write_text(
        story.read_text(encoding="utf-8").replace("قفزت أسعار النفط", "ارتفعت أسعار النفط"),
        encoding="utf-8",
    )
    again = build(config, jobs=2)
    assert again.published and again.partitions["built"] == 1 and again.workers == 1
    assert any(
        "ارتفعت أسعار النفط" in p.read_text(encoding="utf-8")
        for p in (tmp_path / "site" / "articles").glob("*/index.html")
    )
    shutil.rmtree(tmp_path / "site")
    whole = build(config, jobs=2)
    assert whole.published and whole.partitions["built"] == SAMPLE_ARTICLES and whole.workers == 2
    assert whole.to_json()["workers"] == 2
    for module, name in (
        (builder.pipeline.reading, "SPREAD_FILES"),
        (builder.build, "SPREAD_RENDERS"),
    ):
        with monkeypatch.context() as m:
            m.setattr(
                module, name, 0
            )  # one file, or one partition, is already more than one worker takes
            edit(corpus)
            spread = build(config, jobs=2)
            assert spread.published and spread.partitions["built"] == 1 and spread.workers == 2, (
                name
            )


def test_a_scheduler_that_cannot_be_used_is_said_in_a_line(tmp_path, capsys):
    """Not a traceback; and --jobs beside --scheduler is refused, not silently ignored."""
    from builder.cli import main

    config = make_project(tmp_path, SAMPLE)
    assert main(["build", "--config", str(config), "--scheduler", "foo://bar"]) == 2
    assert capsys.readouterr().err.startswith(
        "error: cannot use the Dask scheduler foo://bar: unknown address scheme 'foo'"
    )
    with pytest.raises(SystemExit):
        main(
            ["build", "--config", str(config), "--jobs", "2", "--scheduler", "tcp://127.0.0.1:8786"]
        )
    assert "argument --scheduler: not allowed with argument --jobs" in capsys.readouterr().err
