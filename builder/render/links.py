"""Links between articles: previous and next in the same section, and related articles
(sharing tags or the section), chosen among those nearest in time so the cost per article is
bounded. Pure: slim article records in, link records out.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from builder.core.article import Article
from builder.core.store import briefs
from builder.core.urls import article_path, slug_url
from builder.render.pages import sort_newest_first
from builder.render.photos import card_photo

RELATED = 4  # related articles under each article
NEAR = 12  # candidates looked at on each side, per tag and section, nearest in time first


def article_links(articles: Sequence[Article]) -> dict[str, dict[str, Any]]:
    """For each article (by source): its :class:`ArticleLinks` entry."""
    links = ArticleLinks(articles)
    return dict(links.at(n) for n in range(len(links.ordered)))


class ArticleLinks:
    """For one article (by source): the previous and next article of its section by date, and
    up to :data:`RELATED` related ones: most shared tags (and the section) first, then nearest
    in time. Only the :data:`NEAR` nearest articles on each side of each tag and the section are
    weighed, so the cost grows with N, not N squared. Each entry is made when asked for: a
    build writes them a partition at a time, and all of them at once (with an index of every
    article's place in each of its groups) were about 130 MB at 100,000 articles."""

    def __init__(self, articles: Sequence[Article]) -> None:
        self.ordered = sort_newest_first(articles)
        self.groups: dict[str, array[int]] = defaultdict(
            lambda: array("I")
        )  # by listing URL: positions in ``ordered``, newest first, ascending
        self.urls: dict[str, dict[str, str]] = {
            "sections": {},
            "tags": {},
        }  # each name's listing URL, made once
        groups, sections, tags = self.groups, self.urls["sections"], self.urls["tags"]
        for n, a in enumerate(
            briefs(self.ordered)
        ):  # what _keys gives, without its lists: this runs N times in the parent
            if a.section:
                groups[sections.get(a.section) or self._url("sections", a.section)].append(n)
            for tag in a.tags:
                members = groups[tags.get(tag) or self._url("tags", tag)]
                if not members or members[-1] != n:  # another spelling of a tag it is already in
                    members.append(n)
        self._place: dict[str, int] | None = None
        # records read back lately, by position: neighbours' neighbours overlap
        self._recent: dict[int, Article] = {}

    def _near(self, n: int) -> Article:
        """The article at ``n``; the build's records are on disk, and an article is among the
        candidates of the dozens of articles near it (without this, links took 2.6 times as
        long)."""
        article = self._recent.get(n)
        if article is None:
            if len(self._recent) >= 4096:
                self._recent.clear()
            article = self._recent[n] = self.ordered[n]
        return article

    def __getitem__(self, source: str) -> dict[str, Any]:
        if self._place is None:
            self._place = {a.source: n for n, a in enumerate(briefs(self.ordered))}
        return self.at(self._place[source])[1]

    def at(self, here: int) -> tuple[str, dict[str, Any]]:
        """The source and entry of the article at ``here`` in the newest-first order."""
        a, near = self._near(here), self._near
        entry: dict[str, Any] = {"previous": None, "next": None, "related": []}
        keys = self._keys(a)
        if a.section and a.published:
            members = self.groups[keys[0][0]]
            i = bisect_left(members, here)
            entry["next"] = (
                _link(near(members[i - 1])) if i > 0 else None
            )  # newer (dated come first)
            entry["previous"] = (
                _link(near(members[i + 1]))
                if i + 1 < len(members) and near(members[i + 1]).published
                else None
            )
        score: dict[int, int] = {}
        for key, weight in keys:
            members = self.groups[key]
            i = bisect_left(members, here)
            for n in members[max(0, i - NEAR) : i] + members[i + 1 : i + 1 + NEAR]:
                score[n] = score.get(n, 0) + weight
        best = sorted(score, key=lambda n: (-score[n], abs(n - here), n))[:RELATED]
        entry["related"] = [
            _link(near(n)) | {"photo": card_photo(near(n), None)} for n in best
        ]  # local photos' thumbnails: an allowed remote one too would need the settings here
        return a.source, entry

    def affected(self, added: Iterable[int], removed: Iterable[int] = ()) -> set[int]:
        """The positions whose entry may differ from the one made before the records changed:
        ``added``, places in this order of articles added or whose listed fields changed;
        ``removed``, for each article removed, the place after it. An entry is made from the
        articles between the ends of its windows and their distances: with no change between
        them, they are the same articles, all moved alike. An article added to a group also
        reaches windows cut short by that group's end; a removed one, whose groups are not
        known, is taken to have been in every group.

        >>> from datetime import datetime, timedelta, timezone
        >>> day = datetime(2024, 1, 1, tzinfo=timezone.utc)
        >>> links = ArticleLinks([
        ...     Article(
        ...         f"{n}", f"{n}.txt", "h", None, None, ("p",),
        ...         published=day - timedelta(n), section="S" if n % 2 else "T",
        ...     )
        ...     for n in range(60)
        ... ])
        >>> # T: 6 to 54 (30 among them); S: 7 to 53
        >>> sorted(links.affected([30])) == list(range(6, 55))
        True
        >>> sorted(links.affected([0])), sorted(links.affected([], [0])) == list(range(26))
        ([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24], True)
        """
        added, removed = sorted(set(added)), sorted(set(removed))
        dirty = set(added)
        for members in self.groups.values():
            for point in added:
                i = bisect_left(members, point)
                if i < len(members) and members[i] == point:  # in this group: the windows it joins
                    dirty.update(members[max(0, i - NEAR) : i + NEAR + 1])
                elif 0 < i < len(members):  # between two members: the windows across it
                    dirty.update(members[max(0, i - NEAR) : i + NEAR])
            for point in removed:
                i = bisect_left(members, point)
                dirty.update(members[max(0, i - NEAR) : i + NEAR + 1])
        return dirty

    def _keys(self, article: Article) -> list[tuple[str, int]]:
        """The groups an article is in, by listing URL (its section's first, weighing 1; then
        its tags', 2 each): articles whose section or tag is spelt differently but listed on one
        page are neighbours, and an article carrying two spellings of one tag counts it once.

        >>> from builder.core.article import Article
        >>> ArticleLinks([])._keys(
        ...     Article("a", "a.txt", "h", None, None, ("p",), section="S", tags=("AI", "ai", "x"))
        ... )
        [('sections/s/', 1), ('tags/ai/', 2), ('tags/x/', 2)]
        """
        keys = [(self._url("sections", article.section), 1)] if article.section else []
        return keys + [
            (url, 2) for url in dict.fromkeys(self._url("tags", t) for t in article.tags)
        ]

    def _url(self, prefix: str, name: str) -> str:
        known = self.urls[prefix]
        url = known.get(name)
        if url is None:
            url = known[name] = slug_url(prefix, name)
        return url


def _link(article: Article) -> dict[str, Any]:
    return {"headline": article.headline, "url": article_path(article), "section": article.section}
