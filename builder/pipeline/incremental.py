"""What an incremental build may reuse from the last successful one.

- Read cache (:mod:`builder.pipeline.read_cache`): an input file whose stat is unchanged is not
  parsed again.
- Partitions: a month whose content hash is the one recorded when the current site was
  published has its pages and media taken from the spare (``builder.publish.recycle``) or
  hard-linked from that site instead of rebuilt.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from builder.pipeline import page_reuse
from builder.pipeline.partitions import PartitionTask

DIGEST, FINDINGS = ".inputs.sha256", ".findings.json"


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
    (Path(task.docs_dir) / FINDINGS).write_text(
        json.dumps(data, ensure_ascii=False), encoding="utf-8"
    )


def reused_names(groups: Iterable[Iterable[tuple[str, str, str]]]) -> tuple[set[str], set[str]]:
    """Article folder names (slugs) and media folder names (ids) of the reused partitions
    (``groups``: each article's source, id and URL slug, :func:`builder.core.store.names_of`)."""
    slugs: set[str] = set()
    ids: set[str] = set()
    for group in groups:
        for _, aid, slug in group:
            slugs.add(slug)
            ids.add(aid)
    return slugs, ids
