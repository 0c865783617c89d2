"""Metadata the raw text lacks, from an optional TOML sidecar beside each raw file.

``corpus/000_abc.txt`` takes its metadata from ``corpus/000_abc.toml``. Every key is optional;
a key that is absent stays absent (never guessed). A value that is present but wrong rejects
the article with the file, the key and the reason: publishing a wrong date is worse than
publishing late.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from builder.core.article import MIN_IMAGE_PIXELS, Article, Author, Correction, Image
from builder.core.article_types import article_types
from builder.core.crops import RATIOS, crop_size
from builder.core.urls import RESERVED_NAMES
from builder.read.decode import DecodeError, decode
from builder.read.normalize import normalize_line
from builder.read.photo_file import Judged, PhotoError, judge
from builder.read.profile import LICENSE_TERMS, Profile, ProfileError, licensing

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif"})
# The keys a sidecar and a scraper record take, each with the field it gives: one table, so an
# editor's sidecar and a scraper's record spell their metadata alike.
KEYS = {
    "date": "published",
    "published": "published",
    "modified": "modified",
    "updated": "modified",
    "author": "authors",
    "authors": "authors",
    "section": "section",
    "category": "section",
    "tag": "tags",
    "tags": "tags",
    "image": "image",
    "image_alt": "image_alt",
    "slug": "slug",
    "title": "headline",
    "headline": "headline",
    "subtitle": "deck",
    "deck": "deck",
    "type": "type",
    "corrections": "corrections",
    "format": "format",
    "image_focus": "image_focus",
    "image_license": "image_license",
    "image_acquire_license_page": "image_acquire_license_page",
    "image_credit_text": "image_credit_text",
    "image_copyright_notice": "image_copyright_notice",
}
FORMATS = ("text", "markdown")
# Unicode letters and digits (Arabic slugs are common) joined by single hyphens; nothing that
# could leave the output folder or need escaping in a path.
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SLUG = re.compile(r"^[^\W_]+(?:-[^\W_]+)*$")


class MetadataError(ValueError):
    pass


@dataclass(frozen=True)
class Metadata:
    published: datetime | None = None
    modified: datetime | None = None
    authors: tuple[Author, ...] = ()
    section: str | None = None
    tags: tuple[str, ...] = ()
    image: str | None = None  # an absolute http(s) URL, or a file path relative to the sidecar
    image_alt: str | None = None
    image_focus: tuple[float, float] | None = None
    image_licensing: tuple[tuple[str, str], ...] = ()  # overrides the profile's, term by term
    photo: Judged | None = None  # a local photo as judged: its pixels and digest, read once
    slug: str | None = None
    headline: str | None = None  # the editor's own: wins over what the text reader found
    deck: str | None = None
    article_type: str | None = None  # a key of builder/core/article_types.toml
    corrections: tuple[Correction, ...] = ()  # oldest first
    markdown: bool = False  # format = "markdown": the text is the editor's Markdown


def sidecar_for(raw_path: Path) -> Path:
    return raw_path.with_suffix(".toml")


def read_sidecar(
    raw_path: Path, profile: Profile | None = None
) -> tuple[Metadata, tuple[str, ...]]:
    """Metadata for ``raw_path`` (empty when there is no sidecar) and warnings about it."""
    path = sidecar_for(raw_path)
    if not path.exists():
        return Metadata(), ()
    try:
        text, repair = _sidecar_text(path.read_bytes())
        data = tomllib.loads(text)
    except (OSError, DecodeError, tomllib.TOMLDecodeError) as exc:
        raise MetadataError(f"{path.name}: not valid TOML: {exc}") from exc
    fields, given_as, warnings = canonical(data)
    try:
        metadata, more = parse_metadata(fields, base_dir=path.parent, profile=profile)
    except MetadataError as exc:
        raise MetadataError(f"{path.name}: {as_given(str(exc), given_as)}") from exc
    said = tuple(f"unknown metadata key {key!r} ignored{hint}" for key, hint in unknown(data))
    repaired = (f"{path.name}: {repair}",) * bool(repair)
    return metadata, repaired + said + warnings + tuple(as_given(w, given_as) for w in more)


def canonical(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], tuple[str, ...]]:
    """A sidecar's or record's keys as fields (``date`` -> ``published``), which key gave each
    field, and warnings about a field given twice. Keys not in :data:`KEYS` are left out
    (:func:`unknown` names them).

    >>> canonical({"date": "x", "category": "س", "sectoin": "y"})[:2]
    ({'published': 'x', 'section': 'س'}, {'published': 'date', 'section': 'category'})
    >>> canonical({"date": "x", "published": "y"})[2]
    ("'date' and 'published' both given: 'published' used",)
    """
    fields: dict[str, Any] = {}
    given_as: dict[str, str] = {}
    warnings: list[str] = []
    for key, value in data.items():
        field = KEYS.get(key)
        if field is None:
            continue
        if field in given_as:
            warnings.append(f"'{given_as[field]}' and '{key}' both given: '{key}' used")
        fields[field], given_as[field] = value, key
    return fields, given_as, tuple(warnings)


def unknown(keys: Iterable[str], also: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The keys no one reads, each with a hint naming the known key it most resembles: a
    misspelt key would otherwise leave its value out without a word. ``also`` are keys the
    caller reads itself (a record's ``body``).

    >>> unknown(["sectoin", "date", "xyz"])
    [('sectoin', " (did you mean 'section'?)"), ('xyz', '')]
    """
    known = [*KEYS, *also]
    found = []
    for key in keys:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            found.append((key, f" (did you mean {close[0]!r}?)" if close else ""))
    return found


def as_given(message: str, given_as: dict[str, str]) -> str:
    """A message about a field, with its key as the input spells it ('date', not 'published'):
    the key that opens the message, never text from a value quoted after it.

    >>> as_given("'published' 'published' is not an ISO 8601 date-time", {"published": "date"})
    "'date' 'published' is not an ISO 8601 date-time"
    >>> as_given(
    ...     "'modified' is earlier than 'published'", {"published": "date", "modified": "updated"}
    ... )
    "'updated' is earlier than 'date'"
    """
    if message == "'modified' is earlier than 'published'":  # the one message naming two keys
        return (
            f"'{given_as.get('modified', 'modified')}' is earlier than "
            f"'{given_as.get('published', 'published')}'"
        )
    for field, given in given_as.items():
        if message.startswith(f"'{field}' "):
            return f"'{given}' {message[len(field) + 3 :]}"
    return message


_UTF8_ARABIC = re.compile(rb"[\xd8-\xdb][\x80-\xbf]")  # an Arabic letter's two bytes in UTF-8


def _sidecar_text(raw: bytes) -> tuple[str, str | None]:
    r"""A sidecar's text, in what a raw file may be in (a BOM, UTF-16, Windows-1256), but never
    damaged: a raw file's few bad bytes cost a letter of a paragraph, a sidecar's would be
    a section's or an author's name, published wrong on every page that shows it.

    >>> import codecs
    >>> _sidecar_text(codecs.BOM_UTF8 + 'section = "سياسة"'.encode())
    ('section = "سياسة"', None)
    >>> _sidecar_text('section = "سياسة"'.encode().decode("latin-1").encode())
    ('section = "سياسة"', 'double-encoded text repaired (UTF-8 read as Latin-1)')
    >>> damaged = 'section = "سياسة"\n'.encode()[:-3] + b'"\n'
    >>> _sidecar_text(damaged)  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    builder.read.decode.DecodeError: damaged UTF-8 (a letter cut or a stray byte):
    save the file again as UTF-8
    """
    if not raw.strip():
        return "", None
    decoded = decode(raw)  # UTF-8 once read as a Western code page is repaired there
    text = decoded.text
    if "\ufffd" in text or (
        _UTF8_ARABIC.search(raw) and decoded.encoding not in ("UTF-8", "UTF-16")
    ):  # bytes of UTF-8 Arabic, but not valid UTF-8: read as a legacy code page they are wrong
        raise DecodeError(
            "damaged UTF-8 (a letter cut or a stray byte): save the file again as UTF-8"
        )
    return text, decoded.repair


def parse_metadata(
    data: dict[str, Any], *, base_dir: Path, profile: Profile | None = None
) -> tuple[Metadata, tuple[str, ...]]:
    """Check and convert one sidecar's fields (:func:`canonical`); raise :class:`MetadataError`
    naming the key. A photo URL under the profile's ``archive_photos`` URL is the file of that
    name in its folder (an old archive's photos, published as media like any local photo)."""
    warnings: tuple[str, ...] = ()
    if data.get("image_alt") and not data.get("image"):
        warnings += ("'image_alt' without 'image' ignored",)
    published = _datetime(data, "published")
    modified = _datetime(data, "modified")
    if published and modified and modified < published:
        raise MetadataError("'modified' is earlier than 'published'")
    corrections = _corrections(data.get("corrections"), published)
    kind = _string(data, "type")
    if kind is not None and kind not in article_types():
        close = difflib.get_close_matches(kind, list(article_types()), n=1)
        raise MetadataError(
            f"'type' {kind!r} is not one of {', '.join(article_types())}"
            + (f" (did you mean {close[0]!r}?)" if close else "")
        )
    form = _string(data, "format")
    if form is not None and form not in FORMATS:
        raise MetadataError(f'\'format\' {form!r} must be "text" or "markdown"')
    image = _image(data, base_dir)
    archived = profile.archive_file(image) if profile and image and "://" in image else None
    if archived is not None:
        if archived.is_file():
            image = str(archived)
        else:
            warnings += (
                f"photo {image}: the archive's photo folder has no {archived.name}: "
                "left out, a drawn share image stands in",
            )
            image = None
    photo, unusable = (
        _judge_photo(base_dir / image) if image and "://" not in image else (None, None)
    )
    if unusable:  # judged here, so the listings (made from what reading gave) never show it either
        warnings += (f"photo {image} {unusable}: left out, a drawn share image stands in",)
        image = None
    warnings += tuple(f"photo {image} {note}" for note in (photo.notes if photo else ()))
    focus = _focus(data)
    try:
        terms = licensing(
            "sidecar",
            "image_*",
            {k: data[f"image_{k}"] for k in LICENSE_TERMS if f"image_{k}" in data},
        )
    except ProfileError as exc:
        raise MetadataError(
            str(exc).removeprefix("sidecar: ").replace("image_*.", "image_")
        ) from None
    slug = _string(data, "slug")
    if slug is not None and not _SLUG.match(slug):
        raise MetadataError(f"'slug' {slug!r} must be letters and digits joined by single hyphens")
    if slug is not None and slug.casefold() in RESERVED_NAMES:
        raise MetadataError(
            f"'slug' {slug!r} is reserved (MkDocs makes it the folder's index page)"
        )
    return (
        Metadata(
            published=published,
            modified=modified,
            authors=_authors(data.get("authors")),
            section=_string(data, "section"),
            tags=tuple(dict.fromkeys(_string_list(data, "tags"))),
            image=image,
            image_alt=_string(data, "image_alt") if image else None,
            image_focus=focus if image else None,
            image_licensing=terms if image else (),
            photo=photo if image else None,
            slug=slug,
            headline=_string(data, "headline"),
            deck=_string(data, "deck"),
            article_type=None if kind == "news" else kind,
            corrections=corrections,
            markdown=form == "markdown",
        ),
        warnings,
    )


def _corrections(value: Any, published: datetime | None) -> tuple[Correction, ...]:
    """``[[corrections]]``: each a table with ``date`` (a date-time with its offset) and
    ``text``; oldest first. One dated before the article was published is a mistake."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise MetadataError("'corrections' must be tables ([[corrections]]) with date and text")
    found = []
    for n, item in enumerate(value, start=1):
        unknown = sorted(set(item) - {"date", "text"})
        if unknown:
            raise MetadataError(f"'corrections' #{n}: unknown key(s) {', '.join(unknown)}")
        try:
            when = _datetime(item, "date")
            text = _string(item, "text")
        except MetadataError as exc:
            raise MetadataError(f"'corrections' #{n}: {exc}") from None
        if when is None or not text:
            raise MetadataError(f"'corrections' #{n} needs both 'date' and 'text'")
        if published and when < published:
            raise MetadataError(f"'corrections' #{n} is dated before 'published'")
        found.append(Correction(when, text))
    return tuple(sorted(found, key=lambda c: c.date))


def _datetime(data: dict[str, Any], key: str) -> datetime | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        if _DATE_ONLY.match(value.strip()):
            raise MetadataError(f"'{key}' {value!r} is a date without a time of day and offset")
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise MetadataError(f"'{key}' {value!r} is not an ISO 8601 date-time") from exc
    if isinstance(value, datetime):
        offset = value.utcoffset()
        if offset is None:
            raise MetadataError(
                f"'{key}' {value.isoformat()} has no UTC offset (write e.g. +03:00)"
            )
        if offset.total_seconds() % 60:
            raise MetadataError(
                f"'{key}' {value.isoformat()} has an offset with seconds; use hours and minutes"
            )
        return value
    if isinstance(value, date):
        raise MetadataError(
            f"'{key}' {value.isoformat()} is a date without a time of day and offset"
        )
    raise MetadataError(f"'{key}' must be a date-time with a UTC offset")


def _string(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MetadataError(f"'{key}' must be a string")
    return normalize_line(value) or None


def _string_list(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MetadataError(f"'{key}' must be a list of strings")
    return [s for s in (normalize_line(v) for v in value) if s]


def _authors(value: Any) -> tuple[Author, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    authors: list[Author] = []
    for item in items:
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise MetadataError(
                "'authors' must be names or tables with 'name' (and optional 'url', 'type')"
            )
        name = normalize_line(item["name"])
        if not name:
            raise MetadataError("'authors' has an empty name")
        url = item.get("url")
        if url is not None and not (isinstance(url, str) and _is_web_url(url)):
            raise MetadataError(f"author {name!r}: 'url' must be an absolute http(s) URL")
        kind = item.get("type", "Person")
        if kind not in ("Person", "Organization"):
            raise MetadataError(f'author {name!r}: \'type\' must be "Person" or "Organization"')
        authors.append(Author(name=name, url=url, kind=kind))
    return tuple(dict.fromkeys(authors))


def _image(data: dict[str, Any], base_dir: Path) -> str | None:
    value = _string(data, "image")
    if value is None:
        return None
    if "://" in value:
        if not _is_web_url(value):
            raise MetadataError(f"'image' {value!r} is not an absolute http(s) URL")
        return value
    path = (base_dir / value).resolve()
    if not path.is_relative_to(base_dir.resolve()):
        raise MetadataError(f"'image' {value!r} points outside the input folder")
    if not path.is_file():
        raise MetadataError(f"'image' file {value!r} does not exist")
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise MetadataError(
            f"'image' file {value!r} is not a photo ({', '.join(sorted(IMAGE_SUFFIXES))})"
        )
    return value  # as written: relative to the raw file's folder


def _judge_photo(path: Path) -> tuple[Judged | None, str | None]:
    """A local photo as judged, and why it cannot stand for its article: one that cannot be
    decoded would be a broken picture (or a raw file shipped), and one under Google's minimum
    size, or whose crops would be, fails its page's check (and so would stop the whole site
    being published). The page takes the size from here rather than reading it again."""
    try:
        photo = judge(path)
    except PhotoError as exc:
        return None, str(exc)
    except OSError as exc:
        return None, f"cannot be read ({why(exc)})"
    if photo.width * photo.height < MIN_IMAGE_PIXELS:
        return (
            photo,
            f"is {photo.width}×{photo.height} ({photo.width * photo.height:,} pixels), under "
            f"the {MIN_IMAGE_PIXELS:,} search engines need",
        )
    for ratio in RATIOS:  # a long, thin photo: big enough, but not its crops
        w, h = crop_size(photo.width, photo.height, ratio)
        if w * h < MIN_IMAGE_PIXELS:
            return (
                photo,
                f"is {photo.width}×{photo.height}: its {ratio[0]}:{ratio[1]} crop would be "
                f"{w}×{h} ({w * h:,} pixels), under the {MIN_IMAGE_PIXELS:,} search engines need",
            )
    return photo, None


def _focus(data: dict[str, Any]) -> tuple[float, float] | None:
    """``image_focus = [x, y]``: the point crops keep in view, as fractions of the width and
    height from the top-left corner."""
    value = data.get("image_focus")
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        or not all(0 <= v <= 1 for v in value)
    ):
        raise MetadataError("'image_focus' must be [x, y], two numbers from 0 to 1")
    return float(value[0]), float(value[1])


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and not any(c.isspace() for c in url)
    )


def why(exc: Exception) -> str:
    """The reason an input failed, without its path: an ``OSError`` names the file it failed on,
    which the rejection's source names already; a sidecar's error names the sidecar.

    >>> why(FileNotFoundError(2, "No such file or directory", "/in/000_a.txt"))
    'No such file or directory'
    """
    return (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)


def with_metadata(article: Article, metadata: Metadata, profile: Profile | None = None) -> Article:
    """The article with what metadata adds; the photo URL joins the caption read from the text,
    and its licensing comes from the profile for its agency credit, then the sidecar."""
    image = article.image
    if metadata.image:
        photo = metadata.photo
        image = dataclasses.replace(
            image or Image(caption=None, credit=None),
            url=metadata.image,
            alt=metadata.image_alt,
            width=photo.width if photo else None,
            height=photo.height if photo else None,
            digest=photo.digest if photo else None,
            focus=metadata.image_focus,
        )
    if image and image.url:
        terms = dict(profile.photo_licenses.get(image.credit or "", ()) if profile else ())
        terms |= dict(metadata.image_licensing)
        image = dataclasses.replace(image, licensing=tuple(sorted(terms.items())))
    headline, deck = article.headline, article.alternative_headline
    if metadata.headline:  # the editor's own words win over what the reader guessed
        if metadata.headline == deck and not metadata.deck:
            deck = headline  # the two header blocks were read the wrong way round
        headline = metadata.headline
    modified = metadata.modified
    if metadata.corrections:  # the newest correction is the latest change, when later
        newest = metadata.corrections[-1].date
        modified = newest if modified is None or newest > modified else modified
    return dataclasses.replace(
        article,
        headline=headline,
        alternative_headline=metadata.deck or deck,
        image=image,
        published=metadata.published,
        modified=modified,
        authors=metadata.authors,
        section=metadata.section,
        tags=metadata.tags,
        slug=metadata.slug,
        article_type=metadata.article_type,
        corrections=metadata.corrections,
    )


def gaps(article: Article) -> tuple[str, ...]:
    """What no input gave and so stays out of the page and JSON-LD (reported, never guessed)."""
    missing = []
    if article.published is None:
        missing.append("publication date")
    if not article.authors:
        missing.append("author")
    if article.section is None:
        missing.append("section")
    if article.image and not article.image.url:
        missing.append("photo URL (caption kept, no image)")
    return (f"no {', no '.join(missing)} given: left out",) if missing else ()
