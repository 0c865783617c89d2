"""The site a build replaces is kept as a spare, and the next build starts from it.

Linking every article of the current site into a new folder costs one folder and one link per
article (seconds at 20,000 articles) even when one article changed. Instead, the folder that held
the previous site after a swap is kept beside ``site/`` and the next build starts from it: the
months it holds that were made from the same inputs as now stay as they are, and so do its
listing pages and search chunks whose recorded keys are the ones the new site needs; everything
else is removed and filled from the current site (hard links) or from this build's parts.

Which months the spare holds is recorded in the build folder, keyed to the spare's marker file
(inode and modification time): a spare without a matching record (a crash between the swap and
the record, a hand edit) is deleted, never trusted. Files are never rewritten in place, so hard
links shared between the spare and the current site stay correct in both.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

from builder.core.urls import ARTICLES
from builder.publish.swap import MARKER, discard, mark

SITE_RECORD, SPARE_RECORD = "site.json", "spare.json"  # inside the build folder
KEPT = (ARTICLES, "media")  # the folders a spare contributes; all else is made anew


def spare_dir(target: Path) -> Path:
    return target.resolve().parent / f".{target.resolve().name}.spare"


def marker_key(site: Path) -> list[int] | None:
    try:
        st = (site / MARKER).stat()
    except OSError:
        return None
    return [st.st_ino, st.st_mtime_ns]


def _read(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def describes(build_dir: Path, site: Path) -> bool:
    """Whether the build folder's record is of ``site`` as it is now: the last build published
    from it replaced that very folder (a build into another folder, or a later failed one
    whose pages never replaced it, leaves the record of the published one)."""
    record = _read(build_dir / SITE_RECORD)
    return (
        record is not None
        and marker_key(site) is not None
        and record.get("marker") == marker_key(site)
    )


def take(target: Path, build_dir: Path, fresh: Path) -> dict[str, str] | None:
    """Move the spare to ``fresh`` and return the month digests it was built with; ``None``
    (and no spare left) when there is none or it cannot be trusted."""
    spare = spare_dir(target)
    record = _read(build_dir / SPARE_RECORD)
    if not spare.is_dir():
        return None
    if (
        record is None
        or record.get("marker") != marker_key(spare)
        or not isinstance(record.get("partitions"), dict)
    ):
        discard(spare, target)
        return None
    spare.rename(fresh)
    (fresh / MARKER).unlink()
    partitions = record["partitions"]
    assert isinstance(partitions, dict)
    return {str(k): str(v) for k, v in partitions.items()}


def prune(
    fresh: Path, slugs: set[str], ids: set[str], target: Path, keep: frozenset[str] = frozenset()
) -> None:
    """Leave in the recycled folder only the article folders in ``slugs``, media in ``ids``, and
    the site-relative files and folders in ``keep`` (listing pages and search chunks the new
    site has as they are); the rest is moved aside and deleted in the background, as the
    replaced site is. Linking a kept listing page or search chunk back in would cost a folder
    and a link each (about 0.9 s at 20,000 articles, on the critical path of one change)."""
    trash = fresh.parent / f"{fresh.name}.pruned"
    trash.mkdir()
    on_way = {
        "/".join(parts[:n]) for parts in (k.split("/") for k in keep) for n in range(1, len(parts))
    }
    for entry in fresh.iterdir():
        if entry.name in keep:
            continue
        if entry.name in on_way:
            _prune_tree(fresh, entry.name, keep, on_way, trash)
        elif entry.name not in KEPT:
            entry.rename(trash / entry.name)
    for folder, wanted in ((fresh / ARTICLES, slugs), (fresh / "media", ids)):
        if folder.is_dir():
            _keep_only(folder, wanted, trash / f"{folder.name}-changed")
    discard(trash, target)


def _keep_only(folder: Path, wanted: set[str], trash: Path) -> None:
    """Leave in ``folder`` only the entries named in ``wanted``, moving the others to ``trash``
    with as few renames as there are entries to move or to keep: a spare made before a full
    build (new code or settings) keeps nothing, and moving its 40,000 folders one by one cost
    a second of the first build after it."""
    names = os.listdir(folder)  # 20,000 names: no Path object each
    going = [n for n in names if n not in wanted]
    if 2 * len(going) <= len(names):
        trash.mkdir()
        for name in going:
            os.rename(os.path.join(folder, name), trash / name)
        return
    staying = folder.with_name(folder.name + ".kept")
    staying.mkdir()
    for name in names:
        if name in wanted:
            os.rename(os.path.join(folder, name), staying / name)
    folder.rename(trash)
    staying.rename(folder)


def _prune_tree(root: Path, top: str, keep: frozenset[str], on_way: set[str], trash: Path) -> None:
    """Within ``root/top``, move to ``trash`` every file and folder that is neither in ``keep``
    nor ``on_way`` to something in it (so no folder is left empty)."""
    aside = trash / f"{top}.pruned"
    aside.mkdir()
    moved = 0
    start = len(str(root)) + 1
    for folder, dirs, files in os.walk(root / top):
        rel = folder[start:].replace(os.sep, "/")
        descend = []
        for name in dirs:
            path = f"{rel}/{name}"
            if path in on_way and path not in keep:
                descend.append(name)
            elif path not in keep:
                os.rename(os.path.join(folder, name), aside / str(moved))
                moved += 1
        dirs[:] = descend  # a kept folder stays whole
        for name in files:
            if f"{rel}/{name}" not in keep:
                os.rename(os.path.join(folder, name), aside / str(moved))
                moved += 1


def link_entries(old: Path, fresh: Path, names: set[str]) -> None:
    """Hard-link the folders ``names`` of ``old`` into ``fresh`` (one ``cp -al`` per thousand)."""
    present = sorted(n for n in names if (old / n).exists())
    if not present:
        return
    fresh.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(present), 1000):
        batch = [str(old / n) for n in present[start : start + 1000]]
        subprocess.run(["cp", "-al", *batch, str(fresh) + "/"], check=True)


def made_with(build_dir: Path, target: Path) -> dict[str, str]:
    """What the published site was made with (:func:`remember`'s ``made``), when the record is
    of that site; else nothing."""
    record = _read(build_dir / SITE_RECORD)
    made = record.get("made") if record and describes(build_dir, target) else None
    return {str(k): str(v) for k, v in made.items()} if isinstance(made, dict) else {}


def remember(
    build_dir: Path, target: Path, partitions: dict[str, str], made: dict[str, str] | None = None
) -> None:
    """After a swap: the record of the replaced site becomes the spare's, and the new site's
    record is written (``made``: what it was made with besides its inputs, to say why the next
    build makes every month again, if it does)."""
    site = build_dir / SITE_RECORD
    if site.exists():
        site.replace(build_dir / SPARE_RECORD)
    else:
        (build_dir / SPARE_RECORD).unlink(missing_ok=True)
    temp = build_dir / (SITE_RECORD + ".tmp")
    temp.write_text(
        json.dumps(
            {"marker": marker_key(target), "partitions": partitions, "made": made or {}},
            sort_keys=True,
        ),
        encoding="utf-8",
    )
    temp.replace(site)


def worth_copying(built: int, reused: int) -> bool:
    """Whether the site just replaced is a poor spare, so the new site should be copied as one:
    when most months were made anew (a first build, new code or settings), the replaced site
    holds few of the months the next build needs, and that build would link every other article
    and media file of the current site into its own folder, seconds on the path of the first
    one-article change. Copying once here moves that cost to the full build."""
    return built > reused


def copy_as_spare(target: Path, build_dir: Path, records: Iterable[tuple[str, str]]) -> None:
    """Make the spare a hard-linked copy of the published site, with a marker of its own, and
    make each record of the site (``(site record, spare record)`` file names in the build
    folder, :data:`SITE_RECORD` included) the spare's. The copy is made under a name the next
    build removes if this one dies, and the records are written after it is in place: a spare
    left without them is deleted, never trusted (:func:`take`)."""
    site = target.resolve()
    making = site.parent / f".{site.name}.new-{os.getpid()}.spare"
    try:
        subprocess.run(["cp", "-al", str(site), str(making)], check=True, capture_output=True)
    except subprocess.CalledProcessError as exc:  # a full disk, say: what it made goes
        if making.exists():
            discard(making, target)
        raise OSError(f"cp -al failed: {exc.stderr.decode(errors='replace').strip()}") from exc
    (making / MARKER).unlink()  # the site's own marker, linked: the spare needs its own
    mark(making)
    spare = spare_dir(target)
    if spare.exists():
        discard(spare, target)
    making.rename(spare)
    for name, spare_name in ((SITE_RECORD, SPARE_RECORD), *records):
        record = _read(build_dir / name)
        if record is None:
            (build_dir / spare_name).unlink(missing_ok=True)
            continue
        record["marker"] = marker_key(spare)
        temp = build_dir / (spare_name + ".tmp")
        temp.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
        temp.replace(build_dir / spare_name)
