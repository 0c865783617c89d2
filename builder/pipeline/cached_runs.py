"""A chunk of the read cache, as the admission gate takes it whole: its records' columns laid
end to end, made once when the chunk is written.

Why: after one edit, every other file of a 20,000-file site comes from the read cache, and
walking those records one at a time through the gate (:class:`builder.pipeline.admit.Admission`) was
0.3 to 0.55 s of the build's process: a method call, two file writes and a hash per record.
A chunk none of whose files changed, whose records neither collide with one taken before it
nor carry a date still to come, is taken in a few joins and dictionary updates instead, with
the same outcome as taking its records one by one (the gate falls back to that otherwise).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from builder.pipeline.records import Facts
from builder.render.listings import Spellings

# What builder.pipeline.read_cache keeps of a file: records (encoded), warnings, digests, listed
# keys, facts.
Entry = tuple[
    tuple[bytes, ...],
    tuple[tuple[str, str], ...],
    tuple[tuple[str, str], ...],
    tuple[bytes, ...],
    tuple[Facts, ...],
]


@dataclass(frozen=True)
class Run:
    """The records of a chunk's files, in path order, column by column."""

    blobs: bytes  # the encoded records, end to end
    blob_sizes: tuple[int, ...]
    briefs: bytes  # each one's builder.core.store.brief, end to end
    brief_sizes: tuple[int, ...]
    ids: tuple[str, ...]
    slugs: tuple[str, ...]  # casefolded, as the gate claims them
    published: tuple[int | None, ...]  # microseconds
    latest: int | None  # the latest published or modified date among them (None: no date)
    distinct: bool  # no two of them share an id, a slug or a content
    contents: tuple[bytes, ...]  # builder.pipeline.records.content_of each
    digests: bytes  # builder.pipeline.admit.Digests' form: 32 bytes and a 0 each
    keys: bytes  # listed keys, 16 bytes each
    lines: bytes  # builder.pipeline.tasks.partition_digest lines, 32 bytes each
    months: tuple[str, ...]
    dated: bytes  # each one's builder.pipeline.records.dated (16 bytes), end to end
    told: bytes  # each one's builder.pipeline.records.told (16 bytes), end to end
    pairs: dict[
        tuple[str | None, tuple[str, ...]], list[Any]
    ]  # builder.render.listings.Spellings.pairs of them alone
    warnings: tuple[tuple[str, str], ...]  # the files' warnings, in order

    def __len__(self) -> int:
        return len(self.ids)


def line_of(facts: Facts, digest: str) -> bytes:
    """What the gate keeps of an admitted record for
    :func:`builder.pipeline.tasks.partition_digest`."""
    return hashlib.sha256(f"{facts.source}\0{digest}\0{facts.slug}".encode()).digest()


def run_of(entries: Sequence[Entry]) -> Run:
    """The run of a chunk's entries (each file's, in path order).

    >>> from builder.pipeline.records import Facts
    >>> f = Facts("i", "S", "a.txt", 5, 9, "s", ("t",), b"d", b"t", "1970-01", b"b")
    >>> r = run_of([((b"rec",), (("a.txt", "w"),), (("a.txt", "ab" * 32),), (b"k" * 16,), (f,))])
    >>> r.blobs, r.slugs, r.latest, r.distinct, r.pairs, r.warnings, len(r.digests), len(r)
    (b'rec', ('s',), 9, True, {('s', ('t',)): ['a.txt', 1]}, (('a.txt', 'w'),), 33, 1)
    """
    blobs, briefs, digests, lines, dated, told = (
        bytearray(),
        bytearray(),
        bytearray(),
        bytearray(),
        bytearray(),
        bytearray(),
    )
    blob_sizes: list[int] = []
    brief_sizes: list[int] = []
    facts_all: list[Facts] = []
    keys = bytearray()
    warnings: list[tuple[str, str]] = []
    spellings = Spellings()
    for records, warned, hashed, keyed, facts in entries:
        warnings.extend(warned)
        for blob, fact, key, (_, digest) in zip(records, facts, keyed, hashed, strict=True):
            blobs += blob
            blob_sizes.append(len(blob))
            briefs += fact.brief
            brief_sizes.append(len(fact.brief))
            digests += bytes.fromhex(digest) + b"\0"
            keys += key
            lines += line_of(fact, digest)
            dated += fact.dated
            told += fact.told
            facts_all.append(fact)
            spellings.add_names(fact.section, fact.tags, fact.source)
    ids = tuple(f.id for f in facts_all)
    slugs = tuple(f.slug.casefold() for f in facts_all)
    dates = [d for f in facts_all for d in (f.published, f.modified) if d is not None]
    contents = tuple(f.content for f in facts_all)
    return Run(
        bytes(blobs),
        tuple(blob_sizes),
        bytes(briefs),
        tuple(brief_sizes),
        ids,
        slugs,
        tuple(f.published for f in facts_all),
        max(dates) if dates else None,
        len(set(ids)) == len(ids)
        and len(set(slugs)) == len(slugs)
        and len(set(contents)) == len(contents),
        contents,
        bytes(digests),
        bytes(keys),
        bytes(lines),
        tuple(f.month for f in facts_all),
        bytes(dated),
        bytes(told),
        spellings.pairs,
        tuple(warnings),
    )
