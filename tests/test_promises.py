"""Promises the README makes that no other test checks, each through the command line
(``python -m builder build|validate`` in a child process) on real builds with real MkDocs:

- one build of a project at a time;
- worker processes and Pagefind, the build's other child process, die with a killed build
  (SIGKILL and SIGTERM);
- ``build --strict`` fails on rejected articles, never on held-back ones;
- ``validate`` fails on warnings only with ``--strict``;
- the same input gives the same bytes whatever the interpreter's hash seed;
- a build killed during the final swap of ``site/`` leaves the old or the new site, whole.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid

import psutil
import pytest

from tests.conftest import REPO, SAMPLE, make_project
from tests.test_atomic import corpus_copies, site_hash

EPOCH = "1760256000"  # SOURCE_DATE_EPOCH: 2025-10-12T08:00:00Z, after every sample article
# what a build prints to stderr as it starts rendering (its workers busy)
RENDERING = "partition(s) to build"
# The function that puts the new site in place of site/ (a child build wraps it to pause there).
SWAP_MODULE, SWAP_FUNCTION = "builder.publish.swap", "swap"


def builder(*args, env=None, timeout=600):
    """``python -m builder ARGS`` run to its end."""
    return subprocess.run(
        [sys.executable, "-m", "builder", *map(str, args)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def fixed_env(**extra):
    return dict(os.environ, SOURCE_DATE_EPOCH=EPOCH, **extra)


class Running:
    """A build in a child process whose stderr is read as it comes (``wait_for`` a line)."""

    def __init__(self, command, env):
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stderr:
            self.lines.append(line)

    def wait_for(self, text, timeout=300):
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert self.process.poll() is None, (
                f"the build ended ({self.process.returncode}) before printing {text!r}:\n"
                f"{''.join(self.lines)}"
            )
            assert time.monotonic() < deadline, (
                f"no {text!r} from the build within {timeout} s:\n{''.join(self.lines)}"
            )
            time.sleep(0.02)

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=60)
        self.reader.join(timeout=10)


def start_build(config, *args, env):
    return Running(
        [sys.executable, "-m", "builder", "build", "--config", str(config), *map(str, args)], env
    )


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory):
    """400 articles from bench/generate_corpus.py: a build of them renders for several
    seconds on two workers, long enough to act while it runs."""
    corpus = tmp_path_factory.mktemp("big") / "corpus"
    subprocess.run(
        [sys.executable, "bench/generate_corpus.py", "400", str(corpus)],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return corpus


# --- one build at a time ---------------------------------------------------------------------


def test_a_second_build_of_a_running_project_is_refused_at_once(big_corpus, tmp_path):
    config = make_project(tmp_path, big_corpus)
    first = start_build(config, "--jobs", "2", "--report", tmp_path / "first.json", env=fixed_env())
    try:
        first.wait_for(RENDERING)
        asked = time.monotonic()
        second = builder(
            "build",
            "--config",
            config,
            "--report",
            tmp_path / "second.json",
            env=fixed_env(),
            timeout=120,
        )
        took = time.monotonic() - asked
        assert second.returncode != 0, (
            f"a second build ran beside the first (which ended: {first.process.poll()}):\n"
            f"{second.stdout}{second.stderr}"
        )
        assert "another build of this project is running" in second.stderr, second.stderr
        assert took < 30, (
            f"the second build took {took:.1f} s to be refused (at once: before any work)"
        )
        assert first.process.poll() is None, (
            "the first build ended before the second was refused: "
            "nothing was tested (a larger corpus is needed)"
        )
        assert not (tmp_path / "second.json").exists()
        assert first.process.wait(timeout=600) == 0, "".join(first.lines)
    finally:
        first.stop()
    # the first build published a whole site: every built article has its page, the site validates
    report = json.loads((tmp_path / "first.json").read_text(encoding="utf-8"))
    assert report["published"] and report["built"] > 300
    site = tmp_path / "site"
    for entry in report["inputs"]:
        if entry["status"] == "built":
            assert (site / entry["url"] / "index.html").is_file(), entry
    checked = builder("validate", site, "--config", config, "--strict", env=fixed_env())
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # and its lock is gone with it: the next build runs, and changes nothing
    whole = site_hash(site)
    assert (
        builder(
            "build", "--config", config, "--report", tmp_path / "third.json", env=fixed_env()
        ).returncode
        == 0
    )
    assert site_hash(site) == whole


# --- worker processes die with a killed build ---------------------------------------------


def tagged(tag):
    """Live processes (not zombies) whose environment carries ``tag``: the build's whole tree,
    children of children and ones started after any snapshot included."""
    found = []
    for process in psutil.process_iter():
        try:
            if (
                process.environ().get("PROMISES_BUILD_TAG") == tag
                and process.status() != psutil.STATUS_ZOMBIE
            ):
                found.append(f"{process.pid} {' '.join(process.cmdline())[:120]}")
        except psutil.Error:  # gone meanwhile, or not ours to read
            pass
    return found


def end_tagged(tag):
    """Kill what is left of a build's tree (after a failed check: nothing outlives the test)."""
    for process in psutil.process_iter():
        try:
            if process.environ().get("PROMISES_BUILD_TAG") == tag:
                process.kill()
        except psutil.Error:
            pass


def kill_and_wait_for_the_tree(build, sig, tag, timeout=10):
    """Send ``sig`` to the build; the processes of its tree still alive after ``timeout``."""
    build.process.send_signal(sig)
    assert build.process.wait(timeout=60) == -sig
    deadline = time.monotonic() + timeout
    while tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.1)
    return tagged(tag)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_worker_processes_die_with_a_killed_build(big_corpus, tmp_path, sig):
    """Killed while its two workers render, a build leaves no process behind (the workers ask
    the kernel for SIGKILL when their parent dies: PR_SET_PDEATHSIG,
    builder/pipeline/executors.py)."""
    config = make_project(tmp_path, big_corpus)
    tag = uuid.uuid4().hex
    build = start_build(
        config,
        "--jobs",
        "2",
        "--report",
        tmp_path / "report.json",
        env=fixed_env(PROMISES_BUILD_TAG=tag),
    )
    try:
        build.wait_for(RENDERING)
        tree = psutil.Process(build.process.pid).children(recursive=True)
        workers = [p for p in tree if "python" in p.name()]
        assert len(workers) >= 2, [p.cmdline() for p in tree]
        left = kill_and_wait_for_the_tree(build, sig, tag)
    finally:
        build.stop()
        end_tagged(tag)
    assert left == [], f"still running 10 s after the build got {sig.name}: {left}"
    for worker in workers:
        assert not worker.is_running() or worker.status() == psutil.STATUS_ZOMBIE, worker


def test_the_search_indexer_dies_with_a_killed_build(tmp_path):
    """The same for the build's other child process, Pagefind: here a stand-in that indexes
    slowly (PAGEFIND_BINARY_PATH), so that the kill surely lands while it runs."""
    slow = tmp_path / "pagefind-slow"
    slow.write_text("#!/bin/sh\nexec sleep 60\n")
    slow.chmod(0o755)
    config = make_project(tmp_path, SAMPLE)
    tag = uuid.uuid4().hex
    build = start_build(
        config,
        "--report",
        tmp_path / "report.json",
        env=fixed_env(PROMISES_BUILD_TAG=tag, PAGEFIND_BINARY_PATH=str(slow)),
    )
    try:
        deadline = time.monotonic() + 300
        while not any(
            p.name() == "sleep" for p in psutil.Process(build.process.pid).children(recursive=True)
        ):
            assert build.process.poll() is None, (
                f"the build ended without running its search indexer:\n{''.join(build.lines)}"
            )
            assert time.monotonic() < deadline, "the search indexer did not start within 300 s"
            time.sleep(0.02)
        left = kill_and_wait_for_the_tree(build, signal.SIGKILL, tag, timeout=5)
    finally:
        build.stop()
        end_tagged(tag)
    assert left == [], f"still running 5 s after the build was killed: {left}"


# --- --strict: rejected articles fail it, held-back ones do not ------------------------------


def test_strict_build_passes_with_held_back_articles_and_fails_on_rejected_ones(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    config = make_project(tmp_path, corpus)
    report = tmp_path / "report.json"
    # before two sample articles (2025-09-21, 2025-10-12): they are held back
    now = "2025-09-01T00:00:00+03:00"

    done = builder(
        "build", "--config", config, "--now", now, "--strict", "--report", report, env=fixed_env()
    )
    held = json.loads(report.read_text(encoding="utf-8"))
    assert held["published"] and held["held"] == 2 and held["rejected"] == 0, held
    assert done.returncode == 0, (
        f"build --strict failed with nothing rejected, 2 held back:\n{done.stdout}{done.stderr}"
    )
    assert "rejected 0, held back 2" in done.stdout, done.stdout

    (corpus / "009_empty.txt").write_text("\n", encoding="utf-8")  # rejected: empty
    done = builder(
        "build", "--config", config, "--now", now, "--strict", "--report", report, env=fixed_env()
    )
    rejected = json.loads(report.read_text(encoding="utf-8"))
    assert rejected["published"] and rejected["held"] == 2 and rejected["rejected"] == 1, rejected
    assert done.returncode == 1, (
        f"build --strict passed with an article rejected:\n{done.stdout}{done.stderr}"
    )
    assert (
        builder(
            "build", "--config", config, "--now", now, "--report", report, env=fixed_env()
        ).returncode
        == 0
    )  # not strict


# --- validate: warnings fail it only with --strict ----------------------------------------


def test_validate_passes_on_warnings_and_fails_on_them_with_strict(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    sidecar = corpus / "002_7c1d2e9f40ab8835.toml"
    sidecar.write_text(
        "".join(
            line
            for line in sidecar.read_text(encoding="utf-8").splitlines(keepends=True)
            if not line.startswith("authors")
        ),
        encoding="utf-8",
    )
    config = make_project(tmp_path, corpus)
    now = "2025-10-13T00:00:00+03:00"
    assert (
        builder(
            "build",
            "--config",
            config,
            "--now",
            now,
            "--report",
            tmp_path / "report.json",
            env=fixed_env(),
        ).returncode
        == 0
    )
    site = tmp_path / "site"

    plain = builder("validate", site, "--config", config, "--now", now, "--json", env=fixed_env())
    found = json.loads(plain.stdout)
    assert found["errors"] == 0 and found["warnings"] == 1, found["findings"]
    [warning] = [f for f in found["findings"] if f["level"] == "warning"]
    assert (
        warning["page"] == "articles/kuwait-club-league-title/index.html"
        and "no author" in warning["message"]
    )
    assert plain.returncode == 0, (
        f"validate failed on a warning without --strict:\n{plain.stdout}{plain.stderr}"
    )

    strict = builder(
        "validate", site, "--config", config, "--now", now, "--strict", env=fixed_env()
    )
    assert strict.returncode == 1, (
        f"validate --strict passed a site with a warning:\n{strict.stdout}{strict.stderr}"
    )
    assert "1 error(s)" in strict.stdout and "no author" in strict.stdout


# --- the same bytes whatever the hash seed ------------------------------------------------


def file_digests(site):
    return sorted(
        (p.relative_to(site).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in site.rglob("*")
        if p.is_file()
    )


def test_builds_in_processes_with_different_hash_seeds_are_byte_identical(tmp_path):
    """Sets of strings iterate in another order under another PYTHONHASHSEED: no output may
    follow that order. Two full builds of the sample corpus, each in its own process (and its
    workers), in two projects; every file of the two sites the same bytes."""
    sites = {}
    for seed in ("1", "2"):
        root = tmp_path / f"seed-{seed}"
        root.mkdir()
        config = make_project(root, SAMPLE)
        done = builder(
            "build",
            "--config",
            config,
            "--jobs",
            "2",
            "--report",
            root / "report.json",
            env=fixed_env(PYTHONHASHSEED=seed),
        )
        assert done.returncode == 0, done.stdout + done.stderr
        sites[seed] = file_digests(root / "site")
    assert len(sites["1"]) > 50
    differ = sorted(set(sites["1"]) ^ set(sites["2"]))
    assert differ == [], (
        f"files that differ between PYTHONHASHSEED=1 and 2: {sorted({rel for rel, _ in differ})}"
    )


# --- a kill that lands during the final swap ----------------------------------------------

# Runs ``python -m builder ARGS`` with the swap function wrapped: the child stops for good at
# its kill point (the entry of the swap, each rename made inside it, its return), saying which
# in the flag file, so that the SIGKILL lands exactly there. Past the last point, it says
# "done" and the build goes on.
SWAP_HOOK = r"""
import importlib, os, pathlib, runpy, time

module = importlib.import_module(os.environ["HOOK_MODULE"])
real = getattr(module, os.environ["HOOK_FUNCTION"])
flag, stop_at = pathlib.Path(os.environ["HOOK_FLAG"]), int(os.environ["HOOK_STOP_AT"])
seen = []

def point(name):
    if len(seen) == stop_at:
        flag.write_text(f"{stop_at} {name}\n")
        time.sleep(3600)
    seen.append(name)

def paused(*args, **kwargs):
    point("enter")
    # what Path.rename, Path.replace and shutil.move call
    os_rename, os_replace = os.rename, os.replace
    os.rename = lambda *a, **k: (point("rename"), os_rename(*a, **k))[1]
    os.replace = lambda *a, **k: (point("replace"), os_replace(*a, **k))[1]
    try:
        result = real(*args, **kwargs)
    finally:
        os.rename, os.replace = os_rename, os_replace
    point("return")
    flag.write_text("done " + " ".join(seen) + "\n")
    return result

setattr(module, os.environ["HOOK_FUNCTION"], paused)
runpy.run_module("builder", run_name="__main__", alter_sys=True)
"""


def test_a_kill_during_the_final_swap_leaves_a_whole_site(tmp_path):
    """A build is killed at each point of the swap of site/ in turn (its entry, every rename
    inside it, its return); each time site/ is the old complete site or the new one (the
    whole-site hash of tests/test_atomic.py), and the next build succeeds."""
    corpora = {"a": tmp_path / "a", "b": tmp_path / "b"}
    corpus_copies(corpora["a"], 1)
    corpus_copies(corpora["b"], 1, headline_suffix="(محدّث)")
    config = make_project(tmp_path, corpora["a"])
    site = tmp_path / "site"

    def build(which):
        done = builder(
            "build",
            "--config",
            config,
            "--input",
            corpora[which],
            "--report",
            tmp_path / "report.json",
            env=fixed_env(),
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return site_hash(site)

    expected = {"a": build("a"), "b": build("b")}
    assert expected["a"] != expected["b"]
    flag = tmp_path / "swap-flag"
    landed = []
    for stop_at in range(10):
        if (
            site_hash(site) != expected["a"]
        ):  # each kill starts from the old site (and the leftovers of the last kill)
            assert build("a") == expected["a"]
        flag.unlink(missing_ok=True)
        env = fixed_env(
            HOOK_MODULE=SWAP_MODULE,
            HOOK_FUNCTION=SWAP_FUNCTION,
            HOOK_FLAG=str(flag),
            HOOK_STOP_AT=str(stop_at),
        )
        command = [
            sys.executable,
            "-c",
            SWAP_HOOK,
            "build",
            "--config",
            str(config),
            "--input",
            str(corpora["b"]),
            "--report",
            str(tmp_path / "report.json"),
        ]
        child = Running(command, env)
        try:
            deadline = time.monotonic() + 300
            while not (flag.exists() and flag.read_text().endswith("\n")):
                assert child.process.poll() is None, (
                    f"the build ended ({child.process.returncode}) "
                    f"without reaching {SWAP_MODULE}.{SWAP_FUNCTION}:\n{''.join(child.lines)}"
                )
                assert time.monotonic() < deadline, "the swap was not reached within 300 s"
                time.sleep(0.01)
            point = flag.read_text().strip()
            if point.startswith("done"):  # every point of this swap has been tried
                assert child.process.wait(timeout=300) == 0, "".join(child.lines)
                break
            child.process.kill()
        finally:
            child.stop()
        state = site_hash(site)
        assert state is not None, f"no site/ at all after a kill at {point!r}"
        assert state in (expected["a"], expected["b"]), (
            f"site/ is neither the old nor the new whole site after a kill at {point!r}"
        )
        landed.append((point, "old" if state == expected["a"] else "new"))
    else:
        pytest.fail(f"the swap was never passed: {landed}")
    assert landed[0][0].split()[1] == "enter" and landed[-1][0].endswith("return"), landed
    assert landed[0][1] == "old" and landed[-1][1] == "new", landed
    print("kill points in the swap and the site each left:", landed)
    # the build after such kills succeeds and leaves nothing of them behind
    assert build("b") == expected["b"]
    deadline = time.monotonic() + 30  # leftovers are removed by a detached rm -rf

    def leftovers() -> list[str]:
        return sorted(p.name for p in tmp_path.glob(".site.*") if p.name != ".site.spare")

    while leftovers() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert leftovers() == []
