"""Which ``concurrent.futures`` executor runs the partitions: local processes by default, an
existing Dask cluster with ``--scheduler tcp://HOST:PORT``, or the calling process (``--jobs 1``).
"""

from __future__ import annotations

import ctypes
import gc
import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

from builder.pipeline.cluster import Shared, refusal

T = TypeVar("T")


class InlineExecutor(Executor):
    """Runs each task at submit time, in this process: for one core, debugging and profiling."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller through the future, like a pool does
            future.set_exception(exc)
        return future


class LocalWorkers(Executor):
    """Local worker processes: one, or all of them, forked when made; :meth:`spread` ends a
    single worker and forks all of them in its place.

    Why: most builds after the first change a few files. A one-article rebuild at 20,000
    articles has one file to read and one partition to render; two workers started for it
    (each forked, then importing MkDocs and extruct) took both cores from the build's own
    reading of the other 19,999 records, for work one worker does while that reading goes on
    (ten alternating rebuilds: median 4.41 s with two, 4.09 s with one, and 0.5 s less CPU).
    The build forks all of them at once when it has everything to read or to render again,
    and spreads later when it finds many changed files or many partitions and listing chunks
    to render."""

    def __init__(self, workers: int, now: int) -> None:
        self.workers = workers
        self.size = now
        self.pool = _pool(now)
        _fork_all(self.pool, now)

    def spread(self) -> None:
        """Work on every worker from now on. A single worker is ended and all of them forked
        (a pool cannot grow once its first worker is forked): the build spreads only between
        stages, when no task is pending."""
        if self.size < self.workers:
            self.pool.shutdown(wait=True)
            self.size, self.pool = (
                self.workers,
                _pool(self.workers),
            )  # held before forking: an interrupt still shuts it down
            _fork_all(self.pool, self.workers)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        return self.pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers, initializer=_start_worker, initargs=(os.getpid(),)
    )


def _fork_all(pool: ProcessPoolExecutor, workers: int) -> None:
    """Fork every worker now, while the build's process is as small as it will be for this
    work: a worker forked at a later task would begin as a copy of everything the build
    holds by then, pages copied for real as either side touches them. (With the fork start
    method the first task forks them all; otherwise one each, while none is idle.)"""
    for _ in range(workers):
        pool.submit(time.sleep, 0.05)


class SchedulerError(RuntimeError):
    """The Dask cluster asked for cannot be used; the message says why."""


@contextmanager
def make_executor(
    jobs: int | None = None,
    scheduler: str | None = None,
    all_workers: bool = True,
    shared: Shared | None = None,
) -> Iterator[Executor]:
    """The build's executor: a Dask cluster's, this process (``jobs=1``), or local processes
    (:class:`LocalWorkers`: all of them now, or one until :func:`spread` asks for all). A
    cluster's workers must run this builder and see ``shared`` as this process does
    (:mod:`builder.pipeline.cluster`)."""
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise SchedulerError(
                "--scheduler needs dask.distributed: pip install -e '.[dask]' in this repository"
            ) from None
        try:
            client = Client(scheduler, timeout="20s")  # type: ignore[no-untyped-call]
        except (
            OSError,
            ValueError,
        ) as exc:  # unreachable, or not an address: said in a line, not a traceback
            raise SchedulerError(f"cannot use the Dask scheduler {scheduler}: {exc}") from None
        with client:
            reason = refusal(client, shared) if shared else None
            if reason:
                raise SchedulerError(reason)
            yield client.get_executor()  # type: ignore[no-untyped-call]
    elif jobs == 1:
        yield InlineExecutor()
    else:
        workers = jobs or os.cpu_count() or 1
        with LocalWorkers(workers, workers if all_workers else 1) as pool:
            yield pool


def spread(pool: Executor) -> None:
    """The work coming is worth every worker: see :meth:`LocalWorkers.spread` (a Dask
    cluster's executor, or this process alone with ``--jobs 1``, stay as they are)."""
    if isinstance(pool, LocalWorkers):
        pool.spread()


def local_workers(pool: Executor) -> int:
    """How many local worker processes ``pool`` has (0 for any other executor)."""
    return pool.size if isinstance(pool, LocalWorkers) else 0


def release(pool: Executor) -> None:
    """End local worker processes once no task is left: each keeps the memory of its last task
    (CPython rarely returns it), which would sit beside Pagefind in the search stage."""
    if isinstance(pool, LocalWorkers):
        pool.shutdown(wait=True)


def give_back_memory(collect: bool = True) -> None:
    """Return freed memory to the system: collect cycles (``collect``: skip it where nothing
    freed holds any), then ask glibc to release the free pages of its heap (CPython's
    small-object arenas go back when empty, but freed large strings stay in malloc's pools).
    Measured at 20,000 articles: 234 MB -> 171 MB."""
    if collect:
        gc.collect()
    with suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL(None).malloc_trim(0)


@contextmanager
def no_collection() -> Iterator[None]:
    """No cyclic garbage collection inside: while many long-lived objects are made, each
    collection walks all of them again (reading 20,000 cached records: 0.6 s, 0.2 s without)."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _start_worker(parent: int) -> None:
    """Ready a local worker: tie its life to the build's, collect its cycles (a worker forked
    inside :func:`no_collection` would inherit it off, and keep every MkDocs run's garbage),
    and import what rendering and checking pages need that the build's own process leaves
    out (MkDocs's build and extruct: 0.25 s, beside the build's reading when forked first).
    Then what it holds by now, for good (the objects forked from the build, the imports), is
    put out of the collector's sight: the full collection after each partition walked them
    all again, 7% of a full build's CPU, and writing to them unshared the forked pages."""
    die_with_parent(parent)
    gc.enable()
    import extruct  # noqa: F401
    import mkdocs.commands.build  # noqa: F401

    gc.freeze()


def _libc_prctl() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return None


# Looked up once here: a child between fork and exec (Pagefind's preexec_fn) loads nothing.
_prctl = _libc_prctl()


def die_with_parent(parent: int) -> None:
    """A child of a killed build (a worker, Pagefind) must not live on and write into the next
    build's folders: on Linux, ask the kernel to kill it when its parent dies. A parent that
    died before the request (the child already has another parent) ends the child now."""
    if _prctl is not None:
        _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def worker_count(jobs: int | None, scheduler: str | None) -> int:
    return 8 if scheduler else (jobs or os.cpu_count() or 1)
