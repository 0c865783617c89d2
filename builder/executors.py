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
from contextlib import contextmanager
from typing import Any, TypeVar

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
    """Local worker processes: one, or all of them, forked when made, more when :meth:`spread`
    asks for them.

    Why: most builds after the first change a few files. A one-article rebuild at 20,000
    articles has one file to read and one partition to render; two workers started for it
    (each forked, then importing MkDocs and extruct) took both cores from the build's own
    reading of the other 19,999 records, for work one worker does while that reading goes on
    (ten alternating rebuilds: median 4.41 s with two, 4.09 s with one, and 0.5 s less CPU).
    The build spreads over all of them when the work is worth it: everything to read, many
    files, or many partitions or listing pages to render."""

    def __init__(self, workers: int, now: int) -> None:
        self.workers = workers
        self.pool = _open(now)
        self.size = now

    def spread(self) -> None:
        """Work on every worker from now on. A pool of fewer is replaced (its work is done:
        the build spreads only between stages), so the workers added now are forked from
        this process as it is now."""
        if self.size < self.workers:
            self.pool.shutdown(wait=True)
            self.pool, self.size = _open(self.workers), self.workers

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        return self.pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _open(workers: int) -> ProcessPoolExecutor:
    """A process pool with its workers forked now, while this process is small: a worker
    forked at its first task would begin as a copy of everything the build holds by then,
    pages copied for real as either side touches them."""
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker)
    for _ in range(workers):  # the pool starts one worker per submit while none is idle
        pool.submit(time.sleep, 0.05)
    return pool


@contextmanager
def make_executor(jobs: int | None = None, scheduler: str | None = None, all_workers: bool = True) -> Iterator[Executor]:
    """The build's executor: a Dask cluster's, this process (``jobs=1``), or local processes
    (:class:`LocalWorkers`: all of them now, or one until :func:`spread` asks for all)."""
    if scheduler:
        from distributed import Client

        with Client(scheduler) as client:  # type: ignore[no-untyped-call]
            yield client.get_executor()
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
    if isinstance(pool, (ProcessPoolExecutor, LocalWorkers)):
        pool.shutdown(wait=True)


def give_back_memory(collect: bool = True) -> None:
    """Return freed memory to the system: collect cycles (``collect``: skip it where nothing
    freed holds any), then ask glibc to release the free pages of its heap (CPython's
    small-object arenas go back when empty, but freed large strings stay in malloc's pools).
    Measured at 20,000 articles: 234 MB -> 171 MB."""
    if collect:
        gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


@contextmanager
def no_collection() -> Iterator[None]:
    """No cyclic garbage collection inside: while many long-lived objects are made, each
    collection walks all of them again (reading 20,000 cached records: 0.6 s, 0.2 s without)."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _start_worker() -> None:
    """Ready a local worker while the build reads: tie its life to the build's, and import what
    rendering and checking pages need that the build's own process leaves out (MkDocs's build
    and extruct: 0.25 s)."""
    _die_with_parent()
    import extruct  # noqa: F401
    import mkdocs.commands.build  # noqa: F401


def _die_with_parent() -> None:
    """A worker of a killed build must not live on and write into the next build's folders:
    on Linux, ask the kernel to kill it when its parent dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def worker_count(jobs: int | None, scheduler: str | None) -> int:
    return 8 if scheduler else (jobs or os.cpu_count() or 1)
