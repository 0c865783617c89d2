"""The one record passed between stages: what an input says about one article.

Frozen so a stage can never quietly change what an earlier stage read; a later stage that
adds knowledge (metadata) makes a new record with ``dataclasses.replace``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    url: str | None = None
    kind: str = "Person"  # schema.org type: "Person" or "Organization" (a desk, an agency)


@dataclass(frozen=True, slots=True)
class Correction:
    """A correction the newsroom published to the article: when, and what it says."""

    date: datetime
    text: str


MIN_IMAGE_PIXELS = 50_000  # the least an article image may have for search engines (Google's rule)


@dataclass(frozen=True, slots=True)
class Image:
    """The article's photo. The raw text gives caption and credit; only metadata gives a URL."""

    caption: str | None
    credit: str | None
    url: str | None = None
    alt: str | None = None
    width: int | None = None
    height: int | None = None
    # True for the share image the builder draws when no photo is given: it stands for the
    # article in previews and JSON-LD but is not shown as a photo on the page.
    generated: bool = False
    # A local photo: sha256 of its file (its derivatives are named by it), and the point a crop
    # keeps in view (sidecar ``image_focus``, fractions of width and height; None: the centre).
    digest: str | None = None
    focus: tuple[float, float] | None = None
    # schema.org licensing of a photo, (property, value): license, acquireLicensePage,
    # creditText, copyrightNotice; from the profile for its agency credit, or the sidecar.
    licensing: tuple[tuple[str, str], ...] = ()


@dataclass(
    frozen=True, slots=True
)  # slots: the build's own process holds one per article (100,000: 20 MB less)
class Article:
    id: str
    source: str
    headline: str
    alternative_headline: str | None
    image: Image | None
    paragraphs: tuple[str, ...]
    # The place-and-source line opening the first paragraph ("الرباط - «الراي»"), kept in
    # the text too; None when the text has none.
    dateline: str | None = None
    # Everything below comes only from metadata; None / empty means "no input gave it".
    published: datetime | None = None
    modified: datetime | None = None
    authors: tuple[Author, ...] = ()
    section: str | None = None
    tags: tuple[str, ...] = ()
    slug: str | None = None
    # The editor's kind of piece ("opinion"; builder/core/article_types.toml), None for news.
    article_type: str | None = None
    corrections: tuple[Correction, ...] = ()  # oldest first
    # An article its editor declared Markdown: its source blocks, which the page renders (with
    # raw HTML escaped); ``paragraphs`` then holds their plain text, for everything else.
    markdown: tuple[str, ...] = ()

    @property
    def url_slug(self) -> str:
        """The path segment of the article's URL: the metadata slug, else the id."""
        return self.slug or self.id


@dataclass(frozen=True)
class ReadResult:
    """What reading one input gave: an article (possibly with warnings) or a rejection."""

    source: str
    article: Article | None
    error: str | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.article is not None
