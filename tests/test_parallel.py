"""Partitions run by any concurrent.futures executor give the same site: in-process, a local
process pool, and a Dask cluster (a LocalCluster here, reached by its tcp:// address)."""

import hashlib
import shutil

import pytest

from builder.build import build
from tests.conftest import SAMPLE, SAMPLE_ARTICLES, make_project


def tree_hashes(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


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
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
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
    task, when the parent already holds every article's record (copied pages, counted twice)."""
    import psutil

    from builder.executors import make_executor

    before = {p.pid for p in psutil.Process().children()}  # other tests' servers, clusters
    with make_executor(jobs=2) as pool:
        assert len({p.pid for p in psutil.Process().children()} - before) == 2
        assert pool.submit(sum, [1, 2]).result() == 3
