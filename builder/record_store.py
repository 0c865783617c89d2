"""The build process's records of the articles, on disk, read back as they are needed.

Why: the build's own process makes the listings, links, feeds and sitemaps from every
article's slim record (:mod:`builder.records`). Held in memory they were 1.4 KB an article
(136 MB at 100,000), the one part of its memory that grew with N. Here they are a file (about
530 bytes a record, in the page cache, not in the process) and 8 bytes an article of offsets;
a record comes back in about 7 µs. The file is written in the order the records are read
(path order), then once more newest first (:func:`builder.pages.sort_newest_first`'s order):
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
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, overload

from builder.article import Article, Author, Image

RECORDS = "records"  # inside Settings.build_dir: the current build's record files
_BLOCK = 1 << 20  # bytes read at a time when the records are walked in order


def encode(article: Article) -> bytes:
    """One record as bytes.

    >>> from datetime import timezone, timedelta
    >>> a = Article("a", "a.txt", "عنوان", "موجز", Image("c", None, "p.jpg", "alt", 10, 20), ("نص",),
    ...     published=datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=3))), authors=(Author("م", None, "Person"),), section="س", tags=("t",))
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
            None if image is None else (image.caption, image.credit, image.url, image.alt, image.width, image.height, image.generated),
            article.paragraphs,
            article.dateline,
            article.published.isoformat() if article.published else None,
            article.modified.isoformat() if article.modified else None,
            tuple((a.name, a.url, a.kind) for a in article.authors),
            article.section,
            article.tags,
            article.slug,
        )
    )


_FIELDS = ("id", "source", "headline", "alternative_headline", "image", "paragraphs", "dateline", "published", "modified", "authors", "section", "tags", "slug")


def names_of(article: Article) -> tuple[str, str, str]:
    """An article's source, id and URL slug (what :meth:`Records.names` reads back)."""
    return article.source, article.id, article.url_slug


def decode(blob: bytes) -> Article:
    """The record :func:`encode` was given."""
    aid, source, headline, deck, image, paragraphs, dateline, published, modified, authors, section, tags, slug = marshal.loads(blob)
    return Article(
        aid,
        source,
        headline,
        deck,
        None if image is None else Image(*image),
        paragraphs,
        dateline,
        datetime.fromisoformat(published) if published else None,
        datetime.fromisoformat(modified) if modified else None,
        tuple(Author(*a) for a in authors),
        section,
        tags,
        slug,
    )


class Records(Sequence[Article]):
    """The records of a build, newest first, read from their file as they are asked for.

    Use one as a sequence of :class:`Article`. :func:`builder.pages.sort_newest_first`
    returns it as it is."""

    newest_first = True

    def __init__(self, path: Path, offsets: array[int], arrival: array[int] | None = None) -> None:
        self.path = path
        self.offsets = offsets  # len(self) + 1: each record's start, then the file's end
        self.arrival = arrival if arrival is not None else array("I", range(len(offsets) - 1))  # each record's place in the order it was read
        self._fd = os.open(path, os.O_RDONLY)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @overload
    def __getitem__(self, index: int) -> Article: ...

    @overload
    def __getitem__(self, index: slice) -> list[Article]: ...

    def __getitem__(self, index: int | slice) -> Article | list[Article]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return decode(self._blob(index))

    def _blob(self, index: int) -> bytes:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        start = self.offsets[index]
        return os.pread(self._fd, self.offsets[index + 1] - start, start)

    def __iter__(self) -> Iterator[Article]:
        return map(decode, self._blobs())

    def names(self, positions: Sequence[int] | None = None) -> Iterator[tuple[str, str, str]]:
        """:func:`names_of` each record (of ``positions``, else all in order), without making
        the records: about a quarter of the time."""
        if positions is None:
            blobs: Iterator[bytes] = self._blobs()
        else:
            blobs = (self._blob(n) for n in positions)
        for blob in blobs:
            fields = marshal.loads(blob)
            yield fields[1], fields[0], fields[12] or fields[0]

    def _blobs(self) -> Iterator[bytes]:
        """Every record, encoded, in order, read a block at a time."""
        offsets, n, position = self.offsets, 0, 0
        while n < len(self):
            last = n
            while last < len(self) and offsets[last + 1] - offsets[n] <= _BLOCK:
                last += 1
            last = max(last, n + 1)  # a record larger than a block is read alone
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


class RecordWriter:
    """Records appended as they are read; :meth:`finish` writes them again newest first and
    gives the :class:`Records` of that file."""

    def __init__(self, build_dir: Path) -> None:
        self.folder = build_dir / RECORDS
        shutil.rmtree(self.folder, ignore_errors=True)  # a killed build's; the build lock keeps other builds out
        self.folder.mkdir(parents=True)
        self.path = self.folder / f"arrived-{secrets.token_hex(4)}"
        self._out = open(self.path, "wb")  # noqa: SIM115 - closed by finish()
        self.offsets = array("Q", [0])
        self._dated: list[tuple[int, str, int]] = []  # (published, in µs since 1970: exact, id, position)
        self._undated: list[tuple[str, int]] = []

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def append(self, blob: bytes, published: int | None, aid: str) -> int:
        """Add a record (``blob``: :func:`encode` of it; ``published``: its date in µs since
        1970, :func:`builder.records.microseconds`; ``aid``: its id); its position among those added."""
        self._out.write(blob)
        position = len(self)
        self.offsets.append(self.offsets[-1] + len(blob))
        if published is not None:
            self._dated.append((published, aid, position))
        else:
            self._undated.append((aid, position))
        return position

    def source(self, position: int) -> str:
        """The source of a record added earlier (for a message naming it)."""
        self._out.flush()
        with open(self.path, "rb") as handle:
            handle.seek(self.offsets[position])
            return decode(handle.read(self.offsets[position + 1] - self.offsets[position])).source

    def finish(self) -> Records:
        """The records newest first: dated by date and id, newest first, then undated by id."""
        self._out.close()
        self._dated.sort(reverse=True)
        self._undated.sort()
        order = array("I", [p for *_, p in self._dated] + [p for _, p in self._undated])
        self._dated, self._undated = [], []
        path = self.folder / f"newest-first-{secrets.token_hex(4)}"
        offsets = array("Q", [0])
        fd = os.open(self.path, os.O_RDONLY)
        try:
            with open(path, "wb", buffering=_BLOCK) as out:
                for position in order:
                    start, end = self.offsets[position], self.offsets[position + 1]
                    out.write(os.pread(fd, end - start, start))
                    offsets.append(offsets[-1] + end - start)
        finally:
            os.close(fd)
        self.path.unlink()
        return Records(path, offsets, order)
