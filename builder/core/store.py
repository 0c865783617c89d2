"""The build process's records of the articles, on disk, read back as they are needed.

Why: the build's own process makes the listings, links, feeds and sitemaps from every
article's slim record (:mod:`builder.pipeline.records`). Held in memory they were 1.4 KB an article
(136 MB at 100,000), the one part of its memory that grew with N. Here they are a file (about
530 bytes a record, in the page cache, not in the process) and 16 bytes an article of offsets;
a record comes back in about 7 µs. The file is written in the order the records are read
(path order), then once more newest first (:func:`builder.render.pages.sort_newest_first`'s order):
listings, links, feeds and sitemaps walk it that way, and a month's articles lie together.

Records are encoded with :mod:`marshal` (plain tuples of strings and numbers), not pickle:
unpickling a slotted dataclass with its datetimes took 85 µs a record. The read workers encode
them; the read cache keeps them encoded; the build writes them here as they come.
"""

from __future__ import annotations

import marshal
import os
import secrets
import shutil
from array import array
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import accumulate, islice
from pathlib import Path
from typing import Any, NamedTuple, Protocol, overload

from builder.core.article import Article, Author, Correction, Image


class Run(Protocol):
    """Records laid end to end, column by column (:class:`builder.pipeline.cached_runs.Run`):
    what :meth:`RecordWriter.append_run` takes, said here so the store needs nothing above it."""

    @property
    def blobs(self) -> bytes: ...
    @property
    def blob_sizes(self) -> tuple[int, ...]: ...
    @property
    def briefs(self) -> bytes: ...
    @property
    def brief_sizes(self) -> tuple[int, ...]: ...
    @property
    def ids(self) -> tuple[str, ...]: ...
    @property
    def published(self) -> tuple[int | None, ...]: ...


RECORDS = "records"  # inside Settings.build_dir: the current build's record files
_BLOCK = 1 << 20  # bytes read at a time when the records are walked in order


def encode(article: Article) -> bytes:
    """One record as bytes.

    >>> from datetime import timezone, timedelta
    >>> a = Article("a", "a.txt", "عنوان", "موجز", Image("c", None, "p.jpg", "alt", 10, 20),
    ...     ("نص",),
    ...     published=datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=3))),
    ...     authors=(Author("م", None, "Person"),), section="س", tags=("t",))
    >>> decode(encode(a)) == a
    True
    """
    image = article.image
    return marshal.dumps(
        (
            article.id,
            article.source,
            article.headline,
            article.alternative_headline,
            None
            if image is None
            else (
                image.caption,
                image.credit,
                image.url,
                image.alt,
                image.width,
                image.height,
                image.generated,
                image.digest,
                image.focus,
                image.licensing,
            ),
            article.paragraphs,
            article.dateline,
            article.published.isoformat() if article.published else None,
            article.modified.isoformat() if article.modified else None,
            tuple((a.name, a.url, a.kind) for a in article.authors),
            article.section,
            article.tags,
            article.slug,
            article.article_type,
            tuple((c.date.isoformat(), c.text) for c in article.corrections),
            article.markdown,
        )
    )


_FIELDS = (
    "id",
    "source",
    "headline",
    "alternative_headline",
    "image",
    "paragraphs",
    "dateline",
    "published",
    "modified",
    "authors",
    "section",
    "tags",
    "slug",
    "article_type",
    "corrections",
    "markdown",
)


def names_of(article: Article) -> tuple[str, str, str]:
    """An article's source, id and URL slug (what :meth:`Records.names` reads back)."""
    return article.source, article.id, article.url_slug


class Brief(NamedTuple):
    """What listings, links and sitemaps walk every record for (:meth:`Records.briefs`): read
    back without the record, about 2 µs instead of 10 (four walks of 20,000 records were 0.8 s
    of the build after a new article)."""

    source: str
    id: str
    url_slug: str
    section: str | None
    tags: tuple[str, ...]
    published: datetime | None
    modified: datetime | None
    authors: tuple[Author, ...] = ()  # name and kind: what author listings and feeds group by


def brief(article: Article) -> bytes:
    """The column value of a record: its :func:`names_of`, then what :class:`Brief` adds, then
    where that starts (4 bytes). :mod:`marshal` ignores what follows a value, so the names,
    read three times a build, are read as fast as when they were the whole value.

    >>> from datetime import timezone, timedelta
    >>> a = Article("a", "a.txt", "h", None, None, ("p",),
    ...     published=datetime(2024, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=3))),
    ...     section="س", tags=("t",))
    >>> _brief(brief(a)) == Brief("a.txt", "a", "a", "س", ("t",), a.published, None, ())
    True
    """
    names = marshal.dumps(names_of(article))
    when = (
        article.published.isoformat() if article.published else None,
        article.modified.isoformat() if article.modified else None,
    )
    return (
        names
        + marshal.dumps(
            (article.section, article.tags, *when, tuple((x.name, x.kind) for x in article.authors))
        )
        + len(names).to_bytes(4, "little")
    )


def _brief(value: bytes) -> Brief:
    source, aid, slug = marshal.loads(value)
    section, tags, published, modified, authors = marshal.loads(
        memoryview(value)[int.from_bytes(value[-4:], "little") : -4]
    )
    return Brief(
        source,
        aid,
        slug,
        section,
        tags,
        _date(published),
        _date(modified),
        tuple(Author(name, None, kind) for name, kind in authors),
    )


def _date(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class Listed(Protocol):
    """What an :class:`Article` and a :class:`Brief` both give."""

    @property
    def source(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def url_slug(self) -> str: ...
    @property
    def section(self) -> str | None: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def published(self) -> datetime | None: ...
    @property
    def modified(self) -> datetime | None: ...
    @property
    def authors(self) -> tuple[Author, ...]: ...


def briefs(articles: Sequence[Article]) -> Iterable[Listed]:
    """The articles in order, as briefs when they are a build's records (else as they are)."""
    return articles.briefs() if isinstance(articles, Records) else articles


def decode(blob: bytes) -> Article:
    """The record :func:`encode` was given."""
    (
        aid,
        source,
        headline,
        deck,
        image,
        paragraphs,
        dateline,
        published,
        modified,
        authors,
        section,
        tags,
        slug,
        article_type,
        corrections,
        markdown,
    ) = marshal.loads(blob)
    return Article(
        aid,
        source,
        headline,
        deck,
        None if image is None else Image(*image),
        paragraphs,
        dateline,
        _date(published),
        _date(modified),
        tuple(Author(*a) for a in authors),
        section,
        tags,
        slug,
        article_type,
        tuple(Correction(datetime.fromisoformat(d), t) for d, t in corrections),
        markdown,
    )


class _Column:
    """A file of encoded values (records, or their names) and where each starts, read back with
    ``pread``: one at a time, or in order a block at a time."""

    def __init__(self, path: Path, offsets: array[int]) -> None:
        self.path = path
        self.offsets = offsets  # each value's start, then the file's end
        self._fd = os.open(path, os.O_RDONLY)

    def get(self, index: int) -> bytes:
        start = self.offsets[index]
        return os.pread(self._fd, self.offsets[index + 1] - start, start)

    def walk(self, positions: Sequence[int] | None = None) -> Iterator[bytes]:
        """The values (of ``positions``, else all in order, read a block at a time)."""
        if positions is not None:
            yield from map(self.get, positions)
            return
        offsets, n, count = self.offsets, 0, len(self.offsets) - 1
        while n < count:
            last = n
            while last < count and offsets[last + 1] - offsets[n] <= _BLOCK:
                last += 1
            last = max(last, n + 1)  # a value larger than a block is read alone
            block = os.pread(self._fd, offsets[last] - offsets[n], offsets[n])
            position = offsets[n]
            for i in range(n, last):
                yield block[offsets[i] - position : offsets[i + 1] - position]
            n = last

    def close(self) -> None:
        """Close the file and remove it."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        self.path.unlink(missing_ok=True)


class Records(Sequence[Article]):
    """The records of a build, newest first, read from their file as they are asked for.

    Use one as a sequence of :class:`Article`. :func:`builder.render.pages.sort_newest_first`
    returns it as it is. Each record's :func:`names_of` is in a file of its own, in the same
    order: read back without the records, about 0.5 µs a record instead of 7."""

    newest_first = True

    def __init__(self, records: _Column, names: _Column, arrival: array[int]) -> None:
        self._records = records
        self._names = names
        self.path = records.path
        self.arrival = arrival  # each record's place in the order it was read

    def __len__(self) -> int:
        return len(self.arrival)

    @overload
    def __getitem__(self, index: int) -> Article: ...

    @overload
    def __getitem__(self, index: slice) -> list[Article]: ...

    def __getitem__(self, index: int | slice) -> Article | list[Article]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return decode(self._records.get(index))

    def __iter__(self) -> Iterator[Article]:
        return map(decode, self._records.walk())

    def names(self, positions: Sequence[int] | None = None) -> Iterator[tuple[str, str, str]]:
        """:func:`names_of` each record (of ``positions``, else all in order)."""
        return map(marshal.loads, self._names.walk(positions))

    def briefs(self) -> Iterator[Brief]:
        """Each record's :class:`Brief`, in order."""
        return map(_brief, self._names.walk())

    def close(self) -> None:
        """Close the files and remove them."""
        self._records.close()
        self._names.close()

    def __reduce__(self) -> Any:  # records are the build process's; never sent to a worker
        raise TypeError("Records live in the build's own process")


class Picked(Sequence[Article]):
    """Some records of a sequence, by position in it: a listing or partition holds positions
    (4 bytes each), not records."""

    def __init__(self, base: Sequence[Article], positions: Sequence[int]) -> None:
        self.base = base
        self.positions = positions

    def __len__(self) -> int:
        return len(self.positions)

    @overload
    def __getitem__(self, index: int) -> Article: ...

    @overload
    def __getitem__(self, index: slice) -> list[Article]: ...

    def __getitem__(self, index: int | slice) -> Article | list[Article]:
        if isinstance(index, slice):
            return [self.base[n] for n in self.positions[index]]
        return self.base[self.positions[index]]

    def __iter__(self) -> Iterator[Article]:
        return (self.base[n] for n in self.positions)

    def names(self) -> Iterator[tuple[str, str, str]]:
        """:func:`names_of` each article, read back without making the records when it can."""
        if isinstance(self.base, Records):
            return self.base.names(self.positions)
        return map(names_of, self)


class _ColumnWriter:
    """A :class:`_Column` being written: values appended, then written again in another order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offsets = array("Q", [0])
        self._out = open(path, "wb")  # noqa: SIM115 - closed by reorder()

    def append(self, value: bytes) -> None:
        self._out.write(value)
        self.offsets.append(self.offsets[-1] + len(value))

    def append_all(self, values: bytes, sizes: Iterable[int]) -> None:
        """Append values laid end to end (``sizes``: the length of each)."""
        self._out.write(values)
        self.offsets.extend(islice(accumulate(sizes, initial=self.offsets[-1]), 1, None))

    def discard(self) -> None:
        self._out.close()

    def get(self, index: int) -> bytes:
        self._out.flush()
        with open(self.path, "rb") as handle:
            handle.seek(self.offsets[index])
            return handle.read(self.offsets[index + 1] - self.offsets[index])

    def reorder(self, order: array[int], to: Path) -> _Column:
        """The values written again to ``to`` in ``order``; this file removed."""
        self._out.close()
        moved = array("Q", [0])
        fd = os.open(self.path, os.O_RDONLY)
        try:
            with open(to, "wb", buffering=_BLOCK) as out:
                for position in order:
                    start, end = self.offsets[position], self.offsets[position + 1]
                    out.write(os.pread(fd, end - start, start))
                    moved.append(moved[-1] + end - start)
        finally:
            os.close(fd)
        self.path.unlink()
        return _Column(to, moved)


class RecordWriter:
    """Records appended as they are read; :meth:`finish` writes them again newest first and
    gives the :class:`Records` of that file."""

    def __init__(self, build_dir: Path) -> None:
        self.folder = build_dir / RECORDS
        shutil.rmtree(
            self.folder, ignore_errors=True
        )  # a killed build's; the build lock keeps other builds out
        self.folder.mkdir(parents=True)
        self._records = _ColumnWriter(self.folder / f"arrived-{secrets.token_hex(4)}")
        self._names = _ColumnWriter(self.folder / f"names-arrived-{secrets.token_hex(4)}")
        self._dated: list[
            tuple[int, str, int]
        ] = []  # (published, in µs since 1970: exact, id, position)
        self._undated: list[tuple[str, int]] = []

    def __len__(self) -> int:
        return len(self._records.offsets) - 1

    def append(self, blob: bytes, published: int | None, aid: str, briefly: bytes) -> int:
        """Add a record (``blob``: :func:`encode` of it; ``published``: its date in µs since
        1970, :func:`builder.pipeline.records.microseconds`; ``aid``: its id; ``briefly``: its
        :func:`brief`); its position among those added."""
        position = len(self)
        self._records.append(blob)
        self._names.append(briefly)
        self._place(published, aid, position)
        return position

    def append_run(self, run: Run) -> int:
        """Add a run's records (:mod:`builder.pipeline.cached_runs`) as :meth:`append` would one
        by one; the position of its first."""
        start = len(self)
        self._records.append_all(run.blobs, run.blob_sizes)
        self._names.append_all(run.briefs, run.brief_sizes)
        for position, (published, aid) in enumerate(
            zip(run.published, run.ids, strict=True), start
        ):
            self._place(published, aid, position)
        return start

    def _place(self, published: int | None, aid: str, position: int) -> None:
        """Note a record for :meth:`finish`'s order."""
        if published is not None:
            self._dated.append((published, aid, position))
        else:
            self._undated.append((aid, position))

    def discard(self) -> None:
        """Close the files of records that will not be used (the next writer removes them)."""
        self._records.discard()
        self._names.discard()

    def source(self, position: int) -> str:
        """The source of a record added earlier (for a message naming it)."""
        source: str = marshal.loads(self._names.get(position))[0]
        return source

    def finish(self) -> Records:
        """The records newest first: dated by date and id, newest first, then undated by id."""
        self._dated.sort(reverse=True)
        self._undated.sort()
        order = array("I", [p for *_, p in self._dated] + [p for _, p in self._undated])
        self._dated, self._undated = [], []
        records = self._records.reorder(order, self.folder / f"newest-first-{secrets.token_hex(4)}")
        names = self._names.reorder(
            order, self.folder / f"names-newest-first-{secrets.token_hex(4)}"
        )
        return Records(records, names, order)
