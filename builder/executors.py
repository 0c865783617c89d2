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


@contextmanager
def make_executor(jobs: int | None = None, scheduler: str | None = None) -> Iterator[Executor]:
    if scheduler:
        from distributed import Client

        with Client(scheduler) as client:  # type: ignore[no-untyped-call]
            yield client.get_executor()
    elif jobs == 1:
        yield InlineExecutor()
    else:
        workers = jobs or os.cpu_count() or 1
        with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker) as pool:
            # Start every worker now, while this process is small: a worker forked later
            # would begin as a copy of the parent's records (hundreds of MB at scale), pages
            # that are copied for real as soon as either side touches them. The pool starts
            # one worker per submit while none is idle, so the sleeps keep them busy.
            for _ in range(workers):
                pool.submit(time.sleep, 0.05)
            yield pool


def release(pool: Executor) -> None:
    """End local worker processes once no task is left: each keeps the memory of its last task
    (CPython rarely returns it), which would sit beside Pagefind in the search stage."""
    if isinstance(pool, ProcessPoolExecutor):
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
