"""The files for the host, written beside the site folder (``site-host/`` beside ``site/``),
not inside it: the nginx snippet is server configuration, not a page to publish, and when
``site_url`` has a path the host-root files (``robots.txt``, which crawlers read only at the
host's root, and ``_headers``, which Netlify and Cloudflare Pages read only there) belong to
the host's root, not to the site's folder.

They are written after the swap (a host reads them when it is deployed or reloaded, not per
request), each whole (written aside, then renamed). A file there that this builder did not
write (it lacks the first line the builder writes) is never replaced: the build refuses to
start its swap instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from builder.publish.swap import PublishError

NAMES = ("nginx.conf", "_headers", "robots.txt")


def host_dir(target: Path) -> Path:
    """``site-host/`` beside ``site/``."""
    return target.resolve().parent / f"{target.resolve().name}-host"


def _ours(path: Path, first_line: bytes) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.readline().rstrip(b"\n") == first_line
    except FileNotFoundError:
        return True


def check(target: Path, first_line: bytes) -> None:
    """Refuse a host folder holding one of our file names that this builder did not write."""
    folder = host_dir(target)
    if folder.exists() and not folder.is_dir():
        raise PublishError(f"{folder} is a file: the host files go in a folder of that name")
    for name in NAMES:
        if not _ours(folder / name, first_line):
            raise PublishError(
                f"{folder / name} was not written by this builder: refusing to replace it "
                "(move it away)"
            )


def write(target: Path, files: Mapping[str, bytes], first_line: bytes) -> None:
    """Write ``files`` (each starting with ``first_line``) into the host folder and remove our
    other files there (a ``robots.txt`` for the host's root, once the site is at the root)."""
    folder = host_dir(target)
    folder.mkdir(exist_ok=True)
    for name, data in sorted(files.items()):
        temp = folder / f".{name}.{os.getpid()}.tmp"
        temp.write_bytes(data)
        temp.replace(folder / name)
    for name in NAMES:
        if name not in files and (folder / name).exists() and _ours(folder / name, first_line):
            (folder / name).unlink()
