"""A Dask cluster started as its users start one: ``dask scheduler`` and ``dask worker`` from
the command line, each worker its own process group in a folder of its own, reached by
``--scheduler tcp://127.0.0.1:PORT``. It builds the very site a local build makes, and it
refuses, in a line, a worker of another version of the builder or one that sees other files
at the build's paths (as a worker on a machine without the shared storage would)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from builder.build import build
from tests.conftest import REPO, SAMPLE, SAMPLE_ARTICLES, make_project

distributed = pytest.importorskip("distributed")

DASK = Path(sys.executable).parent / "dask"
EPOCH = "1760256000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A scheduler and the workers a test starts, each a process group of its own: stopping
    one ends its nanny and the worker process the nanny started."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.processes: list[subprocess.Popen[bytes]] = []
        port = free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        self.start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", str(port)])

    def start(self, name: str, args: list[str], env=None, prefix=()) -> None:
        """Start ``dask`` with ``args`` (without its dashboard: no port to share) in its own
        folder under the test's, its output in that folder's log."""
        folder = self.root / name
        folder.mkdir(parents=True)
        log = (folder / "log").open("wb")
        self.processes.append(
            subprocess.Popen(
                [*prefix, str(DASK), *args, "--no-dashboard"],
                cwd=folder,
                env={**os.environ, **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def worker(self, name: str, env=None, prefix=()) -> str:
        """Start a worker in its own folder; returns its address."""
        address = f"tcp://127.0.0.1:{free_port()}"
        args = ["worker", self.address, "--nworkers", "1", "--nthreads", "1"]
        args += ["--host", "127.0.0.1", "--worker-port", address.rsplit(":", 1)[1]]
        self.start(name, [*args, "--local-directory", "."], env, prefix)
        return address

    def wait_for(self, workers: list[str]) -> None:
        """Until every worker started is connected (the guard's timeout is no assertion on
        speed: it ends a test whose workers never come, with their logs)."""
        with distributed.Client(self.address, timeout="60s") as client:
            try:
                client.wait_for_workers(len(workers), timeout=120)
            except TimeoutError:
                logs = "\n".join(p.read_text() for p in sorted(self.root.glob("*/log")))
                pytest.fail(f"workers did not connect:\n{logs}")
            assert sorted(client.scheduler_info()["workers"]) == sorted(workers)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def cluster(tmp_path):
    started = Cluster(tmp_path / "cluster")
    try:
        yield started
    finally:
        started.stop()


def project(root: Path) -> Path:
    """The sample corpus in a project of its own; returns its mkdocs.yml."""
    root.mkdir()
    shutil.copytree(SAMPLE, root / "corpus")
    return make_project(root, root / "corpus")


def site_bytes(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def build_on(config: Path, scheduler: str) -> subprocess.CompletedProcess[str]:
    """A build through the command line, as a user runs it, in a folder of its own."""
    command = ["build", "--config", str(config), "--scheduler", scheduler]
    return subprocess.run(
        [sys.executable, "-m", "builder", *command],
        cwd=config.parent,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
        capture_output=True,
        text=True,
        check=False,
    )


def test_workers_started_from_the_command_line_build_the_local_site(tmp_path, monkeypatch, cluster):
    """Byte for byte, every file: the workers are other processes in other folders, which
    import the builder from the same checkout and share the project's folders."""
    workers = [cluster.worker("worker-1"), cluster.worker("worker-2")]
    cluster.wait_for(workers)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    local = project(tmp_path / "local")
    report = build(local, jobs=1)
    assert report.published and len(report.built) == SAMPLE_ARTICLES, report.failure
    on_dask = project(tmp_path / "dask")
    done = build_on(on_dask, cluster.address)
    assert done.returncode == 0, done.stderr
    expected, got = site_bytes(local.parent / "site"), site_bytes(on_dask.parent / "site")
    assert sorted(got) == sorted(expected)
    assert [name for name in expected if got[name] != expected[name]] == []


def test_a_worker_of_another_version_is_refused(tmp_path, cluster):
    """A worker that imports an older checkout of the builder, the same version number with
    one file changed, is refused before any work, named, with both versions."""
    older = tmp_path / "older"
    shutil.copytree(
        REPO / "builder", older / "builder", ignore=shutil.ignore_patterns("__pycache__")
    )
    changed = older / "builder" / "render" / "pages.py"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n# an older checkout\n", "utf-8")
    same = cluster.worker("same")
    other = cluster.worker("older", env={"PYTHONPATH": str(older)})
    cluster.wait_for([same, other])
    config = project(tmp_path / "project")
    done = build_on(config, cluster.address)
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith(f"error: worker {other} runs nashra ")
    ours, theirs = line.split(" runs ")[1], line.split(", this build runs ")[1]
    assert ours.split(",")[0] != theirs.split(":")[0]
    assert ours.startswith("nashra 0.1.0 (code ") and theirs.startswith("nashra 0.1.0 (code ")
    assert "workers need the same version of the tool" in line
    assert not (config.parent / "site").exists()


def can_mount() -> bool:
    """A mount namespace of its own, with a tmpfs in it: root on Linux (as here), unless a
    container forbids it."""
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "--mount", "sh", "-c", "mount -t tmpfs tmpfs /mnt"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not can_mount(), reason="needs unshare --mount and tmpfs (root on Linux)")
@pytest.mark.parametrize("hidden", ["corpus", ".build"])
def test_a_worker_without_the_shared_storage_is_refused(tmp_path, cluster, hidden):
    """A worker that sees another folder at the input folder's path, or the build folder's (an
    empty one of its own: a tmpfs mounted there in a mount namespace only it is in, as a
    machine without the shared storage sees its own disk), is refused, named, with the path."""
    config = project(tmp_path / "project")
    folder = config.parent / hidden
    folder.mkdir(exist_ok=True)
    alone = ["unshare", "--mount", "sh", "-c", f'mount -t tmpfs tmpfs "{folder}" && exec "$0" "$@"']
    apart = cluster.worker("apart", prefix=alone)
    cluster.wait_for([apart])
    done = build_on(config, cluster.address)
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith(f"error: worker {apart} does not ")
    assert str(folder) in line and line.endswith("shared storage needed at the same path")
    assert not (config.parent / "site").exists()
