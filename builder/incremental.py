"""What an incremental build may reuse from the last successful one.

- Read cache: an input file whose size and modification time (and its sidecar's and photo's)
  are unchanged is not parsed again; its slim records, warnings and content hashes come from
  ``.build/read-cache.pickle`` (a rejected file is read again every build). The cache is
  dropped whole when the code, settings or profile change.
- Partitions: a month whose content hash is the one recorded when the current site was
  published has its pages and media taken from the spare (``builder.recycle``) or hard-linked
  from that site instead of rebuilt.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path

from datetime import datetime

from builder import page_reuse
from builder.article import Article
from builder.urls import ARTICLES
from builder.partitions import PartitionTask, ReadOutcome, StatKey, local_photos, stat_key

DIGEST, FINDINGS = ".inputs.sha256", ".findings.json"
READ_CACHE = "read-cache.pickle"

FORMAT = 3  # of the read cache file
CHUNK = 1000  # files per pickle in the read cache file

Entry = tuple[tuple[Article, ...], tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], tuple[bytes, ...]]  # records, warnings, digests, listed keys


@dataclass
class ReadCache:
    """What each input file gave (its records, warnings and content hashes), under the stat it
    was read with. The file holds the stats, then the entries in pickles of ``CHUNK`` files in
    path order: loading them makes the records in the order they live on (CPython cannot give
    back an arena that holds one live object) with no pickled copy beside them, and a value
    many records share (a section, a time zone) is one object per chunk. Unpickling 20,000
    files' entries one by one, then sharing their values, cost twice as long."""

    code: str
    stats: dict[str, tuple[StatKey, tuple[str, ...]]] = field(default_factory=dict)  # path -> (stat, photos)
    entries: dict[str, Entry] = field(default_factory=dict)
    dirty: bool = True  # False once loaded: saving an unchanged cache is skipped

    @classmethod
    def load(cls, build_dir: Path, code: str) -> ReadCache:
        cache = cls(code)
        try:
            with open(build_dir / READ_CACHE, "rb") as handle:
                header = pickle.load(handle)
                if not (isinstance(header, tuple) and header[:2] == (FORMAT, code)):
                    return cache
                while True:
                    try:
                        cache.entries.update(pickle.load(handle))
                    except EOFError:
                        break
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, ValueError, TypeError):
            return cls(code)
        cache.stats, cache.dirty = header[2], False
        return cache

    def fresh(self, path: Path) -> bool:
        """Whether the file (its sidecar, its photos) has the stat it had when cached."""
        stat = self.stats.get(str(path))
        return stat is not None and stat_key(path, stat[1]) == stat[0] and str(path) in self.entries

    def put(self, path: str, outcome: ReadOutcome, records: tuple[Article, ...], listed: tuple[bytes, ...]) -> None:
        """Cache what a file gave (``records``: its articles as the build keeps them, with their
        :func:`builder.listing_cache.listed_key`), under the
        stat taken before it was read. Rejections are not: their cause (a missing photo, say)
        may lie outside what the stat covers."""
        self.dirty = True
        if not outcome.stat or outcome.rejected:
            self.stats.pop(path, None)
            self.entries.pop(path, None)
            return
        self.stats[path] = (outcome.stat, local_photos(outcome))
        self.entries[path] = (records, tuple(outcome.warnings), tuple(outcome.digests.items()), listed)

    def keep_only(self, paths: set[str]) -> None:
        """Forget the files no longer among the inputs."""
        for gone in [k for k in self.entries if k not in paths]:
            del self.entries[gone]
            self.stats.pop(gone, None)
            self.dirty = True

    def save(self, build_dir: Path) -> None:
        if not self.dirty and (build_dir / READ_CACHE).exists():
            return
        build_dir.mkdir(parents=True, exist_ok=True)
        temp = build_dir / f"{READ_CACHE}.{os.getpid()}.tmp"
        order = sorted(self.entries, key=lambda n: n.split(os.sep))
        try:
            with open(temp, "wb") as handle:
                pickle.dump((FORMAT, self.code, {k: self.stats[k] for k in order}), handle, protocol=pickle.HIGHEST_PROTOCOL)
                for start in range(0, len(order), CHUNK):
                    pickle.dump({k: self.entries[k] for k in order[start : start + CHUNK]}, handle, protocol=pickle.HIGHEST_PROTOCOL)
            temp.replace(build_dir / READ_CACHE)
        except OSError as exc:  # only a cache: the next build reads those files again
            temp.unlink(missing_ok=True)
            print(f"  warning: read cache not written: {exc}", file=sys.stderr)


def reusable(task: PartitionTask, digest: str, site_ok: bool) -> bool:
    """Unchanged since the current site was built from it: same inputs, code and settings (and
    its search shadows, if it makes them, still there)."""
    docs = Path(task.docs_dir)
    try:
        return (
            site_ok
            and (docs / DIGEST).read_text(encoding="utf-8") == digest
            and (docs / FINDINGS).exists()
            and (not task.shadow_dir or Path(task.shadow_dir).is_dir())
        )
    except OSError:
        return False


@dataclass
class Stored:
    """What a partition's last build gave besides its pages."""

    findings: list[list[str]]
    warnings: list[list[str]]
    search: tuple[str, int] | None  # digest and count of its search shadows


def stored(task: PartitionTask) -> Stored:
    data = json.loads((Path(task.docs_dir) / FINDINGS).read_text(encoding="utf-8"))
    search = data.get("search")
    return Stored(data["findings"], data["warnings"], (search[0], search[1]) if search else None)


def remember(task: PartitionTask, digest: str, record: Stored, built: bool) -> None:
    """The site is published: record what each partition was made from and gave (and, for one
    built now, its pages' record)."""
    if built:
        page_reuse.commit(Path(task.docs_dir))
    (Path(task.docs_dir) / DIGEST).write_text(digest, encoding="utf-8")
    data = {"findings": record.findings, "warnings": record.warnings, "search": record.search}
    (Path(task.docs_dir) / FINDINGS).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def future_dates(group: list[Article], now: datetime) -> list[list[str]]:
    """The future-date errors a reused partition would get now: its stored findings were made
    with an earlier "now" (and, being published, had none)."""
    found = []
    for a in group:
        for prop, moment in (("datePublished", a.published), ("dateModified", a.modified)):
            if moment and moment > now:
                found.append(["error", f"{ARTICLES}/{a.url_slug}/index.html", f"{prop} {moment.isoformat()} is in the future (now {now.isoformat()})"])
    return found


def reused_names(groups: list[list[Article]]) -> tuple[set[str], set[str]]:
    """Article folder names (slugs) and media folder names (ids) of the reused partitions."""
    slugs = {a.url_slug for group in groups for a in group}
    ids = {a.id for group in groups for a in group}
    return slugs, ids
