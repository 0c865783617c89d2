"""The build's records on disk come back as they went in, newest first as sort_newest_first
orders them, and in read order when asked."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from builder.core import store as record_store
from builder.core.article import Article, Author, Correction, Image
from builder.core.store import Brief, Picked, RecordWriter, brief, briefs, decode, encode, names_of
from builder.pipeline.records import microseconds
from builder.render.pages import sort_newest_first


def full_article() -> Article:
    """An article with every field away from its default."""
    return Article(
        "id-1",
        "in/a.txt",
        "عنوان <b>{{x}}</b>",
        "موجز",
        Image("تعليق", "وكالة", "p.jpg", "بديل", 800, 600, True),
        ("فقرة", "ثانية"),
        dateline="الرباط",
        published=datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=3))),
        modified=datetime(2024, 3, 1, tzinfo=UTC),
        authors=(Author("م", "https://x.example/م", "Organization"),),
        section="سياسة",
        tags=("أ", "ب"),
        slug="slug-1",
        article_type="opinion",
        corrections=(
            Correction(datetime(2024, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=3))), "ت"),
        ),
        markdown=("## فرعي", "فقرة **ثانية**"),
    )


def test_every_field_survives_the_round_trip():
    article = full_article()
    defaults = Article("", "", "", None, None, ())
    untouched = [
        f.name
        for f in dataclasses.fields(Article)
        if getattr(article, f.name) == getattr(defaults, f.name)
    ]
    assert untouched == [], f"give {untouched} a value here, so the codec is shown to carry them"
    back = decode(encode(article))
    assert back == article
    assert back.published.utcoffset() == timedelta(hours=3) and back.published.microsecond == 999999


def articles(n: int, seed: int = 1) -> list[Article]:
    """Dated and undated articles with ties in time, offsets that differ, bodies of any size."""
    rng = random.Random(seed)
    base = datetime(2020, 1, 1, tzinfo=UTC)
    made = []
    for i in range(n):
        published = None
        if rng.random() < 0.9:
            moment = base + timedelta(minutes=rng.randrange(50))  # many share a minute
            published = moment.astimezone(timezone(timedelta(hours=rng.choice([-5, 0, 3]))))
        body = ("نص " * rng.choice([1, 10, 400_000]),)  # one record larger than a read block
        made.append(
            Article(
                f"{rng.randrange(10**6):06d}-{i}",
                f"in/{i:05d}.txt",
                f"h{i}",
                None,
                None,
                body,
                published=published,
                slug=f"s{i}" if i % 3 else None,
            )
        )
    return made


def test_records_come_back_newest_first_and_in_read_order(tmp_path):
    read = articles(300)
    writer = RecordWriter(tmp_path)
    for n, a in enumerate(read):
        assert (
            writer.append(
                encode(a), microseconds(a.published) if a.published else None, a.id, brief(a)
            )
            == n
        )
    assert writer.source(7) == read[7].source
    records = writer.finish()
    try:
        expected = sort_newest_first(read)
        assert len(records) == 300 and list(records) == list(expected)
        assert [records[i] for i in (0, 150, -1)] == [expected[0], expected[150], expected[-1]]
        assert records[10:13] == list(expected[10:13])
        assert [read[n] for n in records.arrival] == list(expected)
        assert sort_newest_first(records) is records  # stored in that order: not sorted again
        picked = Picked(records, [5, 2, 9])
        assert list(picked) == [expected[5], expected[2], expected[9]] and picked[1:] == [
            expected[2],
            expected[9],
        ]
        assert list(records.names()) == [names_of(a) for a in expected] and list(
            picked.names()
        ) == [names_of(a) for a in picked]
        assert list(Picked(read, [3, 1]).names()) == [names_of(read[3]), names_of(read[1])]
        assert list(records.briefs()) == [
            Brief(*names_of(a), a.section, a.tags, a.published, a.modified) for a in expected
        ]
        assert [b.published and b.published.isoformat() for b in records.briefs()] == [
            a.published and a.published.isoformat() for a in expected
        ]  # each date with its own offset (sitemaps show it)
        assert list(briefs(read)) == read  # articles as they are
        with pytest.raises(IndexError):
            records[300]
    finally:
        records.close()
    assert (
        not records.path.exists() and list((tmp_path / "records").iterdir()) == []
    )  # the names' file too


def test_a_block_boundary_splits_no_record(tmp_path, monkeypatch):
    monkeypatch.setattr(record_store, "_BLOCK", 64)  # smaller than most records
    read = articles(40, seed=2)
    writer = RecordWriter(tmp_path)
    for a in read:
        writer.append(encode(a), microseconds(a.published) if a.published else None, a.id, brief(a))
    records = writer.finish()
    try:
        assert list(records) == list(sort_newest_first(read))
    finally:
        records.close()
