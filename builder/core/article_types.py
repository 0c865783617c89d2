"""Article types (news, opinion, analysis...) as data: ``article_types.toml``, read once.

Why data: which kinds a newsroom publishes, and what its readers see them called, is the
publisher's knowledge, not code; the reader checks a ``type`` against the keys, the JSON-LD
takes the schema.org type, and ``validate`` checks the page's label against that type.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT = "news"


@dataclass(frozen=True)
class ArticleType:
    key: str  # what an editor writes: "opinion"
    schema: str  # the schema.org type: "OpinionNewsArticle"
    label: str  # what readers see, "" for none (plain news)


@functools.cache
def article_types() -> dict[str, ArticleType]:
    """Every type, by key.

    >>> article_types()["opinion"]
    ArticleType(key='opinion', schema='OpinionNewsArticle', label='رأي')
    """
    data = tomllib.loads((Path(__file__).parent / "article_types.toml").read_text("utf-8"))
    return {key: ArticleType(key, v["schema"], v["label"]) for key, v in data.items()}


def article_type(key: str | None) -> ArticleType:
    """The type of an article (plain news when none is given)."""
    return article_types()[key or DEFAULT]


@functools.cache
def schema_types() -> frozenset[str]:
    """The schema.org types an article page's main node may have.

    >>> "ReviewNewsArticle" in schema_types(), "Article" in schema_types()
    (True, False)
    """
    return frozenset(t.schema for t in article_types().values())


@functools.cache
def by_schema() -> dict[str, ArticleType]:
    return {t.schema: t for t in article_types().values()}
