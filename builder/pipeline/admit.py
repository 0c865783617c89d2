"""Which of the records read a build publishes, decided one record at a time as they are read
(in path order), so the build's process never holds them: each admitted record goes to the
record file (:mod:`builder.core.store`) at once.

- Two inputs with one id or one URL slug: the first in path order wins, the rest are rejected.
- Two inputs with the same headline and body (a scraper that fetched one story twice, under
  two ids) are one story: the older by published date is kept (undated counts as newest), or of
  equal dates the first in path order, and the others are rejected as its duplicates. Taken in
  path order, the gate can only reject the later input; when a later one is the older, it says
  so (:attr:`Admission.inverted`) and the build takes everything again with the inputs to
  refuse named (:meth:`Admission.losers`, given as ``refuse``): rare, and from the read cache. Its
  content hash comes with each record's facts, so an incremental build decides as a full one.
- An article published after the build time is held back: an embargoed story must not appear
  early, and a page dated in the future is one search engines distrust. It still claims its
  id and slug (collisions are settled before holding, as a full build at its time would).
- One only modified after the build time (a correction dated in the wrong time zone, say) is
  published without that date until it comes (:func:`builder.pipeline.records.as_of`; the
  worker drops it the same way), and its digest says so, so the build after that date makes its
  page again.

Both dates still to come are moments the site changes by time alone: the earliest is kept
(:attr:`Admission.later`), for ``nashra watch`` to build again then
(:attr:`builder.build.BuildReport.next_change`).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from builder.core.store import RecordWriter, decode, encode
from builder.pipeline.cached_runs import Run, line_of
from builder.pipeline.records import Facts, as_of, facts_of, microseconds, moment_of
from builder.render.listings import Spellings


class Admission:
    """The gate: :meth:`take` each record as it is read; the admitted ones are in ``store``,
    the rest in ``rejected`` and ``held`` with their reasons."""

    def __init__(
        self,
        store: RecordWriter,
        moment: datetime,
        code: str,
        refuse: dict[str, str] | None = None,
    ) -> None:
        self.store = store
        self.moment = moment
        self.refuse = refuse or {}  # source -> why: duplicates a first pass found to refuse
        self.inverted = False  # a duplicate came after the copy to keep: take all again
        self.rejected: list[tuple[str, str]] = []
        self.held: list[tuple[str, str]] = []
        self.warnings: list[tuple[str, str]] = []
        # Claims by id and by URL slug (casefolded): the record's position in the store, or
        # -1 - its place in ``held``. Sources are read back only for a message.
        self._ids: dict[str, int] = {}
        self._slugs: dict[str, int] = {}
        # by content_of: the claim and its published date (microseconds; None: undated)
        self._contents: dict[bytes, tuple[int, int | None]] = {}
        self._copies: list[tuple[bytes, str, int | None]] = []  # duplicates refused, in order
        self._month: dict[str, str] = {}
        self._listed = hashlib.sha256(
            f"{code}\0".encode()
        )  # builder.pipeline.listing_cache.listed_digest of the admitted
        # Of each admitted record, by its place in the store: its partition's month, and the
        # hash of its source, inputs' digest and URL slug (builder.pipeline.tasks.partition_digest).
        self.months: list[str] = []
        self.lines = bytearray()
        self.keys = (
            bytearray()
        )  # each one's listed key (16 bytes), for builder.pipeline.tasks.link_files
        self.digests = Digests()  # each one's inputs' digest
        self.spellings = Spellings()  # for builder.render.listings.merged_names
        self._dated = (
            hashlib.sha256()
        )  # of every admitted record's builder.pipeline.records.dated, in path order
        self.told = (
            bytearray()
        )  # each one's builder.pipeline.records.told (16 bytes), by its place in the store
        self._now = microseconds(moment)
        self._later: int | None = None  # microseconds() of the earliest date still to come

    def take(self, blob: bytes, facts: Facts, key: bytes, digest: str) -> None:
        """Admit, hold or reject one record (``blob``: encoded; ``facts``: what it is admitted
        by; ``key``: its listed key; ``digest``: its inputs', sha256 in hex)."""
        slug = facts.slug.casefold()
        if facts.source in self.refuse:
            self.rejected.append((facts.source, self.refuse[facts.source]))
            return
        if facts.id in self._ids:
            self.rejected.append(
                (
                    facts.source,
                    f"duplicate article id {facts.id!r} (also {self._source(self._ids[facts.id])})",
                )
            )
            return
        if slug in self._slugs:
            self.rejected.append(
                (
                    facts.source,
                    f"URL slug {facts.slug!r} already used by {self._source(self._slugs[slug])}",
                )
            )
            return
        first = self._contents.get(facts.content) if facts.content else None
        if first is not None:
            self.rejected.append((facts.source, _copy_of(self._source(first[0]))))
            self._copies.append((facts.content, facts.source, facts.published))
            self.inverted |= _when(facts.published) < _when(first[1])
            return
        if facts.published is not None and facts.published > self._now:
            published = decode(blob).published
            assert published is not None
            self._ids[facts.id] = self._slugs[slug] = -1 - len(self.held)
            if facts.content:
                self._contents[facts.content] = (-1 - len(self.held), facts.published)
            self._comes(facts.published)
            self.held.append(
                (
                    facts.source,
                    f"published date {published.isoformat()} is after the build time "
                    f"{self.moment.isoformat(timespec='seconds')}: held back, the first build "
                    "after it publishes it (an embargo, or a date given in the wrong time zone?)",
                )
            )
            return
        if facts.modified is not None and facts.modified > self._now:
            article = decode(blob)
            assert article.modified is not None
            self.warnings.append(
                (
                    facts.source,
                    f"modified date {article.modified.isoformat()} is after the build time "
                    f"{self.moment.isoformat(timespec='seconds')}: left out of its page, "
                    "sitemap and feeds until then (a date given in the wrong time zone?)",
                )
            )
            digest += LATER
            self._comes(facts.modified)
            now = as_of(article, self.moment)
            blob, facts = (
                encode(now),
                facts_of(now)._replace(told=facts.told, content=facts.content),
            )
        self._ids[facts.id] = self._slugs[slug] = self.store.append(
            blob, facts.published, facts.id, facts.brief
        )
        if facts.content:
            self._contents[facts.content] = (self._ids[facts.id], facts.published)
        self.digests.append(digest)
        self._listed.update(key)
        self.keys += key
        self.months.append(self._month.setdefault(facts.month, facts.month))  # one string per month
        self.lines += line_of(facts, digest)
        self.spellings.add_names(facts.section, facts.tags, facts.source)
        self._dated.update(facts.dated)
        self.told += facts.told

    def take_run(self, run: Run) -> bool:
        """Admit a read-cache chunk's records at once (:mod:`builder.pipeline.cached_runs`), as
        :meth:`take` would one by one, when none of them can be refused, held back or have a
        date left out; False (nothing taken) otherwise, for the caller to take them one by one."""
        if (run.latest is not None and run.latest > self._now) or not run.distinct or self.refuse:
            return False
        if not (
            self._ids.keys().isdisjoint(run.ids)
            and self._slugs.keys().isdisjoint(run.slugs)
            and self._contents.keys().isdisjoint(run.contents)
        ):
            return False
        start = self.store.append_run(run)
        positions = range(start, start + len(run))
        self._ids.update(zip(run.ids, positions, strict=True))
        self._slugs.update(zip(run.slugs, positions, strict=True))
        self._contents.update(
            zip(run.contents, zip(positions, run.published, strict=True), strict=True)
        )
        self.digests.data += run.digests
        self._listed.update(run.keys)
        self.keys += run.keys
        self.months.extend([self._month.setdefault(m, m) for m in run.months])
        self.lines += run.lines
        self.spellings.merge(run.pairs)
        self._dated.update(run.dated)
        self.told += run.told
        return True

    def losers(self) -> dict[str, str]:
        """Of every group of duplicates, the inputs to refuse, each with its reason: all but
        the oldest (undated counts as newest; of equal dates, the first in path order)."""
        groups: dict[bytes, list[tuple[float, int, str]]] = {}
        for content, source, published in self._copies:
            if content not in groups:
                claim, when = self._contents[content]
                groups[content] = [(_when(when), 0, self._source(claim))]
            groups[content].append((_when(published), len(groups[content]), source))
        refused: dict[str, str] = {}
        for members in groups.values():
            kept = min(members)[2]
            refused.update((source, _copy_of(kept)) for *_, source in members if source != kept)
        return refused

    @property
    def later(self) -> datetime | None:
        """The earliest published date of a held-back article or modified date left out, both
        after the build time: when a build would next publish something new without any input
        changing (None: no such date)."""
        return None if self._later is None else moment_of(self._later)

    def _comes(self, micros: int) -> None:
        if self._later is None or micros < self._later:
            self._later = micros

    def dated_digest(self) -> str:
        """What the sitemaps show of the admitted records that no listing does
        (:func:`builder.pipeline.discovery_cache.discovery_key`)."""
        return self._dated.hexdigest()

    def listed_digest(self) -> str:
        """:func:`builder.pipeline.listing_cache.listed_digest` of the admitted records' keys, in
        order."""
        return self._listed.hexdigest()

    def _source(self, claim: int) -> str:
        return self.store.source(claim) if claim >= 0 else self.held[-1 - claim][0]


def _copy_of(source: str) -> str:
    return (
        f"duplicate of {source}: the same headline and body (kept: the older, or the first "
        "in path order)"
    )


def _when(published: int | None) -> float:
    """A published date's place in "the older is kept": undated after every date."""
    return float("inf") if published is None else published


LATER = " modified later"  # after a digest: the page leaves out a modified date still to come


class Digests:
    """Input digests (sha256 in hex, perhaps marked :data:`LATER`) in 33 bytes each, not 180.

    >>> d = Digests(); d.append("ab" * 32); d.append("cd" * 32 + LATER)
    >>> d[0] == "ab" * 32, d[1] == "cd" * 32 + LATER
    (True, True)
    """

    def __init__(self) -> None:
        self.data = bytearray()

    def append(self, digest: str) -> None:
        later = digest.endswith(LATER)
        self.data += bytes.fromhex(digest.removesuffix(LATER)) + (b"\1" if later else b"\0")

    def __getitem__(self, n: int) -> str:
        chunk = self.data[33 * n : 33 * n + 33]
        return chunk[:32].hex() + (LATER if chunk[32] else "")


def of_kept(
    warnings: list[tuple[str, str]], rejected: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The warnings of inputs not rejected: an article held back or refused as a duplicate was
    read, with its gaps, but "no author given" beside "rejected" tells its reader nothing.

    >>> of_kept(
    ...     [("a.txt", "no author"), ("b.txt", "no section")], [("b.txt", "duplicate article id")]
    ... )
    [('a.txt', 'no author')]
    """
    if not rejected:
        return warnings
    gone = {source for source, _ in rejected}
    return [w for w in warnings if w[0] not in gone]
