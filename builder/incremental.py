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
import pickle
from dataclasses import dataclass, field
from pathlib import Path

from datetime import datetime

from builder import page_reuse
from builder.article import Article
from builder.urls import ARTICLES
from builder.partitions import PartitionTask, ReadOutcome, StatKey, local_photos, stat_key

DIGEST, FINDINGS = ".inputs.sha256", ".findings.json"
READ_CACHE = "read-cache.pickle"

@dataclass
class ReadCache:
    """What each input file gave, under the stat it was read with. Outcomes are kept pickled
    and unpickled one at a time, in path order, as the build takes its records from them: the
    records then lie in memory in the order they live on, not among cache objects that die
    with the read stage (CPython cannot give back an arena that holds one live object)."""

    code: str
    entries: dict[str, tuple[StatKey, tuple[str, ...], bytes]] = field(default_factory=dict)
    dirty: bool = True  # False once loaded: saving an unchanged cache is skipped

    @classmethod
    def load(cls, build_dir: Path, code: str) -> ReadCache:
        try:
            with open(build_dir / READ_CACHE, "rb") as handle:
                cache = pickle.load(handle)
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
            return cls(code)
        if not (isinstance(cache, cls) and cache.code == code):
            return cls(code)
        cache.dirty = False
        return cache

    def fresh(self, path: Path) -> bool:
        """Whether the file (its sidecar, its photos) has the stat it had when cached."""
        entry = self.entries.get(str(path))
        return entry is not None and stat_key(path, entry[1]) == entry[0]

    def take(self, path: Path) -> ReadOutcome:
        """What the file gave, its entry dropped: taken once the cache is saved, so the pickles
        go as the records come (at 100,000 articles both at once were 200 MB more)."""
        outcome: ReadOutcome = pickle.loads(self.entries.pop(str(path))[2])
        return outcome

    def put(self, path: Path, outcome: ReadOutcome) -> bool:
        """Cache what a file gave, under the stat taken before it was read; say whether it was
        cached. Rejections are not: their cause (a missing photo, say) may lie outside what
        the stat covers."""
        if not outcome.stat or outcome.rejected:
            self.dirty = self.entries.pop(str(path), None) is not None or self.dirty
            return False
        self.entries[str(path)] = (outcome.stat, local_photos(outcome), pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
        self.dirty = True
        return True

    def save(self, build_dir: Path, keep: set[str]) -> None:
        gone = [k for k in self.entries if k not in keep]
        for k in gone:
            del self.entries[k]
        self.dirty = self.dirty or bool(gone)
        if not self.dirty and (build_dir / READ_CACHE).exists():
            return
        build_dir.mkdir(parents=True, exist_ok=True)
        temp = build_dir / (READ_CACHE + ".tmp")
        with open(temp, "wb") as handle:
            pickle.dump(self, handle, protocol=pickle.HIGHEST_PROTOCOL)
        temp.replace(build_dir / READ_CACHE)


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
