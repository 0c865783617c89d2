"""A build's partition tasks, and the links file each one reads.

Tasks carry paths and names only (a process pool or a Dask cluster runs them); what a task
needs from the whole corpus, the links its pages show to other articles, is written to a file
per partition beforehand.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime
from pathlib import Path

from builder.article import Article
from builder.listings import ArticleLinks
from builder.partitions import PARTITIONS, PartitionTask
from builder.publish import MARKER
from builder.settings import Settings
from builder.site_parts import parts_dir

SHADOWS = "shadows"  # inside Settings.build_dir: each partition's search shadow pages
GATHERED = "gathered"  # inside Settings.build_dir: each search chunk's shadow pages, hard-linked together
LINKS = "links"  # inside Settings.build_dir: each partition's article links (JSON)


def partition_tasks(
    groups: dict[str, list[Article]],
    settings: Settings,
    config: str,
    profile: str | None,
    target: Path,
    moment: datetime,
    code: str,
    links: dict[str, tuple[Path, str]],
    search: bool,
    digests: dict[str, str],
) -> list[PartitionTask]:
    """One task per partition (a month, or a run of one); stale partition and shadow folders
    of earlier builds are removed."""
    root, shadows = settings.build_dir / PARTITIONS, settings.build_dir / SHADOWS
    for stale in [*root.glob("*"), *shadows.glob("*")]:
        if stale.name not in groups:
            shutil.rmtree(stale, ignore_errors=True)
    parts = parts_dir(target)
    return [
        PartitionTask(
            config_file=config,
            profile_file=profile,
            key=key,
            sources=tuple(a.source for a in group),
            paths=tuple(a.source.rsplit(":", 1)[0] if is_record(a.source) else a.source for a in group),
            docs_dir=str(root / key),
            site_dir=str(parts / key),
            now=moment.isoformat(),
            code=code,
            links_file=str(links[key][0]),
            shadow_dir=str(shadows / key) if search else "",
            current=str(target.resolve()) if (target / MARKER).exists() else "",
            digests=tuple(digests[a.source] for a in group),
            target=str(target.resolve()),
        )
        for key, group in sorted(groups.items())
    ]


def link_files(articles: list[Article], groups: dict[str, list[Article]], folder: Path, listed: str) -> dict[str, tuple[Path, str]]:
    """Each partition's article links, a JSON file the task reads (the parent holds no
    partition's links while the pages render), with the sha256 of its text for the partition's
    digest (so an unchanged build reads none of them). Links are made from the listed fields
    alone, so the files are made again only when those changed since they were written."""
    files = {key: folder / f"{key}.json" for key in groups}
    stamp = folder / "listed.json"  # what the files were made from, and their hashes; written after them
    try:
        made = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        made = {}
    if made.get("listed") == listed and set(made.get("files", {})) == set(files) and all(f.is_file() for f in files.values()):
        return {key: (files[key], made["files"][key]) for key in files}
    stamp.unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.json"):
        if stale.stem not in groups:
            stale.unlink()
    links = ArticleLinks(articles)  # each partition's entries made as its file is written
    hashes = {}
    for key, group in groups.items():  # each file whole or not at all: the stamp vouches for them
        text = json.dumps({a.source: links[a.source] for a in group}, ensure_ascii=False, sort_keys=True)
        hashes[key] = hashlib.sha256(text.encode()).hexdigest()
        temp = files[key].with_suffix(".tmp")
        temp.write_text(text, encoding="utf-8")
        temp.replace(files[key])
    stamp.write_text(json.dumps({"listed": listed, "files": hashes}), encoding="utf-8")
    return {key: (files[key], hashes[key]) for key in files}


def is_record(source: str) -> bool:
    """Sources of JSON records read "/path/file.jsonl:12"; the file is what to reopen."""
    return source.rsplit(":", 1)[-1].isdigit() and not Path(source).exists()
