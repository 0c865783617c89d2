"""One writer at a time per project: the lock file ``.build/lock`` that a build and a deploy take.

A second build would remove the first one's work folders, and a deploy that reads ``site/``
while a build swaps it and recycles the old one would send a mix of two sites.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from builder.core.settings import SettingsError

BUILD_BUSY = "another build of this project is running"


@contextmanager
def project_lock(build_dir: Path, busy: str = BUILD_BUSY) -> Iterator[None]:
    """Hold the project's lock, or fail at once with ``busy`` and the lock's path: waiting
    would only hide that two runs were started. A POSIX lock, released when the holder ends
    or dies, and not inherited by forked workers."""
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / "lock", "w") as handle:  # closing it unlocks
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise SettingsError(f"{busy} (lock: {build_dir / 'lock'})") from exc
        yield
