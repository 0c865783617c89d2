"""The new site from its parts: the spare or an empty folder, the current site's unchanged
months (hard-linked), the pages each partition's MkDocs run wrote, and the main run's pages.

Every part is written beside the site (``.<site>.new-<pid>...``), so the leftovers of a build
that died are removed by the next one, and the site itself changes only by one rename.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from builder.core.store import Picked
from builder.core.urls import ARTICLES
from builder.pipeline.incremental import reused_names
from builder.pipeline.partitions import PartitionTask
from builder.publish import recycle


def search_dir(target: Path) -> Path:
    """Where Pagefind writes before its bundle joins the new site (removed with the new site's
    other leftovers if the build dies: the name starts like the new site's)."""
    return target.resolve().parent / f".{target.resolve().name}.new-{os.getpid()}.search"


def parts_dir(target: Path) -> Path:
    """Where this build's MkDocs runs write before their pages move into the new site (removed
    with other leftovers by the next build if this one dies)."""
    return target.resolve().parent / f".{target.resolve().name}.new-{os.getpid()}.parts"


def other_pages(fresh: Path) -> list[str]:
    """Site-relative URLs of the pages besides articles (home, listings, about), found without
    walking the article and media folders."""
    found = []
    for folder, dirs, names in os.walk(fresh):
        rel = Path(folder).relative_to(fresh).as_posix()
        if rel == ".":
            dirs[:] = [d for d in dirs if d not in (ARTICLES, "media")]
        if "index.html" in names:
            found.append("" if rel == "." else rel + "/")
    return sorted(found)


def assemble(
    fresh: Path,
    main: Path,
    todo: list[PartitionTask],
    reused: list[PartitionTask],
    groups: Mapping[str, Picked],
    wanted: dict[str, str],
    target: Path,
    build_dir: Path,
    site_ok: bool,
    keep: frozenset[str] = frozenset(),
    kept_pages: dict[str, set[str]] | None = None,
) -> int | None:
    """The new site from the spare (months it holds unchanged stay, and the other files in
    ``keep``), the current site (reused months, and the pages of built months that were not
    rendered again, ``kept_pages``: partition -> sources; hard-linked), this build's partitions
    and the main MkDocs run."""
    old = recycle.take(target, build_dir, fresh) if site_ok else None
    built = {t.key for t in todo}
    kept = {k for k, digest in (old or {}).items() if wanted.get(k) == digest and k not in built}
    if old is None:
        fresh.mkdir()
    else:
        slugs, ids = reused_names([groups[k].names() for k in kept])
        recycle.prune(fresh, slugs, ids, target, keep)
    linked: list[Iterable[tuple[str, str, str]]] = [
        groups[t.key].names() for t in reused if t.key not in kept
    ]
    linked += [
        [n for n in groups[key].names() if n[0] in sources]
        for key, sources in (kept_pages or {}).items()
    ]
    slugs, ids = reused_names(linked)
    recycle.link_entries(target / ARTICLES, fresh / ARTICLES, slugs)
    recycle.link_entries(target / "media", fresh / "media", ids)
    merge_partitions(todo, fresh)
    for entry in sorted(main.iterdir()):
        entry.rename(fresh / entry.name)
    return None if old is None else len(kept)


def merge_partitions(partitions: list[PartitionTask], fresh: Path) -> None:
    """Move each partition's article pages and media into the new site."""
    for task in partitions:
        part = Path(task.site_dir)
        for folder in (ARTICLES, "media"):
            if (part / folder).is_dir():
                (fresh / folder).mkdir(exist_ok=True)
                for entry in sorted((part / folder).iterdir()):
                    entry.rename(fresh / folder / entry.name)
