"""`BuildReport.next_change`: when a build's site would next change with time alone, the moment
`nashra watch` builds again with no file event."""

from __future__ import annotations

from datetime import datetime, timedelta

from builder.build import build
from tests.conftest import SAMPLE, make_project


def test_next_change_is_the_earliest_moment_the_site_changes_by_time(tmp_path):
    """build-report.json's next_change: a held article's publication, a modified date left out
    until it comes, or the moment the oldest article of the news sitemap leaves its two days."""
    config = make_project(tmp_path, SAMPLE)

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text)

    cases = [
        # 005 (published 2025-10-12T09:00+03:00) is still to come
        ("2025-10-12T08:00:00+03:00", at("2025-10-12T09:00:00+03:00")),
        # 005 is out, its modified date (09:40) still to come
        ("2025-10-12T09:20:00+03:00", at("2025-10-12T09:40:00+03:00")),
        # all out: 005 leaves the news sitemap two days after 09:00 (it is in it until then)
        ("2025-10-13T12:00:00+03:00", at("2025-10-14T09:00:00+03:00") + timedelta(microseconds=1)),
        # nothing left to change by itself
        ("2025-10-15T12:00:00+03:00", None),
    ]
    for now, expected in cases:
        report = build(config, now=at(now))
        assert report.published and report.next_change == expected, (now, report.next_change)
        written = report.to_json()["next_change"]
        assert (written and datetime.fromisoformat(written)) == expected
