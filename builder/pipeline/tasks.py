"""A build's partition tasks, and the links file each one reads.

Tasks carry paths and names only (a process pool or a Dask cluster runs them); what a task
needs from the whole corpus, the links its pages show to other articles, is written to a file
per partition beforehand.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import tempfile
from array import array
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from builder.core.article import Article
from builder.core.settings import Settings
from builder.core.store import Picked
from builder.pipeline.partitions import PARTITIONS, PartitionTask
from builder.pipeline.records import UNDATED, partition_key
from builder.pipeline.site_parts import parts_dir
from builder.publish.swap import MARKER, remove_later
from builder.render.links import ArticleLinks
from builder.render.pages import sort_newest_first
from builder.render.photos import STORE as PHOTO_STORE

SHADOWS = "shadows"  # inside Settings.build_dir: each partition's search shadow pages
GATHERED = (
    "gathered"  # inside Settings.build_dir: each search chunk's shadow pages, hard-linked together
)
LINKS = "links"  # inside Settings.build_dir: each partition's article links (JSON)
# inside Settings.build_dir: each partition's sources, paths and input digests (JSON), for the
# partitions built
MEMBERS = "members"


def partition_groups(
    articles: Sequence[Article], size: int, keys: Sequence[str] | None = None
) -> dict[str, Picked]:
    """Articles by partition: their month, and a month of more than ``size`` articles cut in
    date order, oldest first, into runs of ``size`` ("2021-11.1", "2021-11.2", ...). An edit
    changes one run, and so does a new article, the month's latest (a newsroom's current month
    grows at its end: equal runs moved every boundary of the month at each new article). Each
    group holds its articles' positions in the newest-first order, not the records. ``keys``:
    each article's :func:`partition_key`, in that order, when the build already knows them (it
    does not read the records back for them).

    >>> from datetime import datetime, timezone
    >>> day = lambda d: Article(f"id{d}", f"{d}.txt", "h", None, None, ("p",),
    ...                         published=datetime(2021, 11, d, tzinfo=timezone.utc))
    >>> {k: [a.id for a in v] for k, v in partition_groups([day(3), day(1), day(2)], 2).items()}
    {'2021-11.1': ['id1', 'id2'], '2021-11.2': ['id3']}
    >>> [len(v) for v in partition_groups([day(d) for d in range(1, 8)], 3).values()]
    [3, 3, 1]
    """
    ordered = sort_newest_first(articles)
    months: dict[str, array[int]] = {}
    for n, month in enumerate(keys if keys is not None else map(partition_key, ordered)):
        months.setdefault(month, array("I")).append(n)
    groups: dict[str, Picked] = {}
    for month, members in months.items():
        if len(members) <= size:
            groups[month] = Picked(ordered, members)
            continue
        if (
            month != UNDATED
        ):  # oldest first, as (date, id) ascending; undated ones are in id order already
            members.reverse()
        for n in range(math.ceil(len(members) / size)):
            groups[f"{month}.{n + 1}"] = Picked(ordered, members[n * size : (n + 1) * size])
    return groups


def _clear_photo_store(build_dir: Path) -> None:
    """The last build's encoded photos go (the published site holds what it kept of them),
    moved aside and removed in the background: after a full build of 20,000 photos, removing
    their 120,000 files took 30 s of the next one-article rebuild. What a killed build left
    aside is removed again."""
    for stale in build_dir.glob(f".{PHOTO_STORE}-old-*"):
        remove_later(stale)
    store = build_dir / PHOTO_STORE
    if store.exists():
        aside = Path(tempfile.mkdtemp(prefix=f".{PHOTO_STORE}-old-", dir=build_dir))
        store.rename(aside / PHOTO_STORE)
        remove_later(aside)


def partition_tasks(
    groups: dict[str, Picked],
    settings: Settings,
    config: str,
    profile: str | None,
    target: Path,
    moment: datetime,
    code: str,
    links: dict[str, tuple[Path, str]],
    search: bool,
    line: Callable[[int], bytes],
    compress: bool = False,
    copies: Path | None = None,
    menu: tuple[tuple[str, str], ...] = (),
) -> tuple[list[PartitionTask], dict[str, str]]:
    """One task per partition (a month, or a run of one), and the digest of what each one's
    pages are made from (:func:`partition_digest`); stale partition and shadow folders of
    earlier builds are removed. A task to run needs its :func:`write_members` first. ``line``:
    the hash of an article's source, inputs' digest and URL slug, by its position. ``compress``:
    the pages get precompressed copies; ``copies``: the published site, when its copies may be
    linked (:mod:`builder.publish.precompress`)."""
    root, shadows = settings.build_dir / PARTITIONS, settings.build_dir / SHADOWS
    for stale in [*root.glob("*"), *shadows.glob("*")]:
        if stale.name not in groups:
            shutil.rmtree(stale, ignore_errors=True)
    _clear_photo_store(settings.build_dir)
    lists = settings.build_dir / MEMBERS
    shutil.rmtree(lists, ignore_errors=True)
    lists.mkdir(parents=True)
    parts = parts_dir(target)
    current = str(target.resolve()) if (target / MARKER).exists() else ""
    tasks, wanted = [], {}
    for key, group in sorted(groups.items()):
        task = PartitionTask(
            config_file=config,
            profile_file=profile,
            key=key,
            docs_dir=str(root / key),
            site_dir=str(parts / key),
            now=moment.isoformat(),
            code=code,
            links_file=str(links[key][0]),
            shadow_dir=str(shadows / key) if search else "",
            current=current,
            target=str(target.resolve()),
            members_file=str(lists / f"{key}.json"),
            compress=compress,
            copies=str(copies.resolve()) if copies else "",
            menu=menu,
        )
        tasks.append(task)
        wanted[key] = partition_digest(
            code,
            key,
            [line(n) for n in group.positions],
            target,
            links[key][1],
            task.shadow_dir,
            task.compress,
        )
    return tasks, wanted


def write_members(task: PartitionTask, group: Picked, digest: Callable[[int], str]) -> None:
    """The task's members file (:attr:`PartitionTask.members_file`), for a partition to build
    (``digest``: an article's inputs' digest, by its position)."""
    sources, paths = [], []
    for source, _, _ in group.names():
        sources.append(source)
        paths.append(source.rsplit(":", 1)[0] if is_record(source) else source)
    digests = [digest(n) for n in group.positions]
    Path(task.members_file).write_text(
        json.dumps({"sources": sources, "paths": paths, "digests": digests}, ensure_ascii=False),
        encoding="utf-8",
    )


def partition_digest(
    code: str,
    key: str,
    lines: list[bytes],
    target: Path,
    links: str = "",
    shadows: str = "",
    compressed: bool = False,
) -> str:
    """What one month's pages are made from (``lines``: each article's hash of its source,
    inputs' digest and URL slug), including the links to other articles they show (``links``:
    the sha256 of its links file); the target site is part of it, since reuse links from that
    site, and so is whether (and where) it made search shadows, and whether its pages have
    precompressed copies."""
    digest = hashlib.sha256(
        f"{code}\0{key}\0{target.resolve()}\0{links}\0{shadows}\0{compressed}".encode()
    )
    for line in sorted(lines):
        digest.update(line)
    return digest.hexdigest()


def link_files(
    articles: Sequence[Article],
    groups: dict[str, Picked],
    folder: Path,
    listed: str,
    code: str = "",
    key_of: Callable[[int], bytes] | None = None,
) -> dict[str, tuple[Path, str]]:
    """Each partition's article links, a JSON file the task reads (the parent holds no
    partition's links while the pages render), with the sha256 of its text for the partition's
    digest (so an unchanged build reads none of them). Links are made from the listed fields
    alone, so the files are made again only when those changed since they were written, and
    then only those of partitions whose members or links may have changed: with ``key_of``
    (each position's :func:`builder.pipeline.listing_cache.listed_key`), the order of keys is
    kept, and a new article makes the links of a few partitions again, not of all (at 20,000
    articles, 1.9 s for all of them), when the code and settings (``code``) are those they were
    made with."""
    files = {key: folder / f"{key}.json" for key in groups}
    stamp = (
        folder / "listed.json"
    )  # what the files were made from, and their hashes; written after them
    try:
        made = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        made = {}
    if (
        made.get("listed") == listed
        and set(made.get("files", {})) == set(files)
        and all(f.is_file() for f in files.values())
    ):
        return {key: (files[key], made["files"][key]) for key in files}
    order = [key_of(n) for n in range(len(articles))] if key_of else []
    before = (
        _order(folder / ORDER, made.get("order")) if order and made.get("code") == code else None
    )
    stamp.unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.json"):
        if stale.stem not in groups:
            stale.unlink()
    links = ArticleLinks(articles)  # each partition's entries made as its file is written
    added, removed = change_points(before, order) if before is not None else ([], [])
    dirty = (
        links.affected(added, removed)
        if before is not None and len(added) + len(removed) <= max(16, len(order) // 20)
        else None
    )
    hashes, members = {}, {}
    for key, group in groups.items():  # each file whole or not at all: the stamp vouches for them
        members[key] = (
            hashlib.sha256(b"".join(order[n] for n in group.positions)).hexdigest() if order else ""
        )
        if (
            dirty is not None
            and dirty.isdisjoint(group.positions)
            and key in made.get("files", {})
            and made.get("members", {}).get(key) == members[key]
            and files[key].is_file()
        ):
            hashes[key] = made["files"][key]  # same members, none of whose links can have changed
            continue
        text = json.dumps(
            dict(links.at(n) for n in group.positions), ensure_ascii=False, sort_keys=True
        )
        hashes[key] = hashlib.sha256(text.encode()).hexdigest()
        temp = files[key].with_suffix(".tmp")
        temp.write_text(text, encoding="utf-8")
        temp.replace(files[key])
    keys = b"".join(order)
    (folder / ORDER).write_bytes(keys)
    stamp.write_text(
        json.dumps(
            {
                "listed": listed,
                "code": code,
                "files": hashes,
                "members": members,
                "order": hashlib.sha256(keys).hexdigest(),
            }
        ),
        encoding="utf-8",
    )
    return {key: (files[key], hashes[key]) for key in files}


# in the links folder: the listed keys the files were made from, newest first, 16 bytes each
ORDER = "order.bin"


def _order(path: Path, digest: str | None) -> list[bytes] | None:
    """The keys the link files were made from, if the stamp vouches for them."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != digest or len(data) % 16:
        return None
    return [data[i : i + 16] for i in range(0, len(data), 16)]


def change_points(before: Sequence[bytes], after: Sequence[bytes]) -> tuple[list[int], list[int]]:
    """Where two orders of listed keys differ, as places in ``after``: of the articles added or
    changed (new keys), and of those removed or changed (old keys: the place of the next one
    kept, or the end).

    >>> change_points([b"a", b"b", b"c", b"d"], [b"n", b"a", b"c", b"D"])
    ([0, 3], [2, 4])
    >>> change_points([b"a", b"b"], [b"a", b"b"])
    ([], [])
    """
    where = {key: n for n, key in enumerate(after)}
    old = set(before)
    added = [n for n, key in enumerate(after) if key not in old]
    removed, following = [], len(after)
    for key in reversed(before):
        if key in where:
            following = where[key]
        else:
            removed.append(following)
    return added, sorted(removed)


def is_record(source: str) -> bool:
    """Sources of JSON records read "/path/file.jsonl:12"; the file is what to reopen."""
    return source.rsplit(":", 1)[-1].isdigit() and not Path(source).exists()
