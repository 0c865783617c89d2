"""Reader for scraper records: a ``.json`` file (one record or a list) or ``.jsonl`` (one per line).

Keys scrapers commonly emit map onto the ``Article``; values pass through the same
normalisation and the same metadata checks as raw files and sidecars. Keys we do not know
are reported once per file, never fatal.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from builder.core.article import Article, Image, ReadResult
from builder.read.decode import DecodeError, decode
from builder.read.normalize import normalize_line, normalize_text
from builder.read.profile import Profile
from builder.read.raw_text import (
    ParseError,
    article_id,
    clean_body,
    dateline,
    id_problem,
    split_credit,
)
from builder.read.sidecar import MetadataError, gaps, parse_metadata, why, with_metadata

TEXT_KEYS = {
    "title": "headline",
    "headline": "headline",
    "subtitle": "deck",
    "deck": "deck",
    "body": "body",
    "text": "body",
    "content": "body",
    "caption": "caption",
}
META_KEYS = {
    "date": "published",
    "published": "published",
    "modified": "modified",
    "updated": "modified",
    "author": "authors",
    "authors": "authors",
    "section": "section",
    "category": "section",
    "tags": "tags",
    "image": "image",
    "image_alt": "image_alt",
    "slug": "slug",
}
OTHER_KEYS = {"id", "url"}


def read_records(
    path: Path, profile: Profile, max_record_bytes: int = 5_000_000
) -> list[ReadResult]:
    source = str(path)
    try:
        decoded = decode(path.read_bytes())
    except (OSError, DecodeError) as exc:
        return [ReadResult(source, None, why(exc))]
    text = decoded.text
    # (position: line of a .jsonl, place in a .json list, record)
    records: list[tuple[int, Any]] = []
    if path.suffix.lower() == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if len(line) > max_record_bytes:
                records.append(
                    (
                        number,
                        ValueError(
                            f"record of {len(line):,} characters, over the limit of "
                            f"{max_record_bytes:,} (max_file_bytes)"
                        ),
                    )
                )
            elif line.strip():
                records.append((number, _loads(line)))
    else:
        data = _loads(text)
        items = data if isinstance(data, list) else [data]
        records = [(i + 1, item) for i, item in enumerate(items)]
    results = [_record(position, item, path, profile) for position, item in records]
    if not results:
        return [ReadResult(source, None, "no records")]
    unknown = sorted(
        {k for _, item in records if isinstance(item, dict) for k in item}
        - set(TEXT_KEYS)
        - set(META_KEYS)
        - OTHER_KEYS
    )
    accepted = [i for i, r in enumerate(results) if r.article is not None]
    said = [decoded.repair] if decoded.repair else []
    if unknown:
        said.append(f"unknown keys ignored in this file's records: {', '.join(unknown)}")
    if said and accepted:  # said once, on an article: a rejected record's warnings are not shown
        first = results[accepted[0]]
        results[accepted[0]] = ReadResult(
            first.source, first.article, first.error, (*first.warnings, *said)
        )
    return results


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return exc


def _record(position: int, item: Any, path: Path, profile: Profile) -> ReadResult:
    source = (
        f"{path}:{position}"  # the file to reopen, and which record: reasons need not say either
    )
    if isinstance(item, json.JSONDecodeError):
        return ReadResult(source, None, f"not valid JSON: {item.msg} (column {item.colno})")
    if isinstance(item, ValueError):
        return ReadResult(source, None, str(item))
    if not isinstance(item, dict):
        return ReadResult(source, None, "a record must be a JSON object")
    try:
        article, warnings = record_article(item, position, path, profile)
    except (ParseError, MetadataError) as exc:
        return ReadResult(source, None, str(exc))
    return ReadResult(source, article, warnings=warnings + gaps(article))


def record_article(
    item: dict[str, Any], position: int, path: Path, profile: Profile
) -> tuple[Article, tuple[str, ...]]:
    """One scraper record -> Article (pure apart from checking a local image file exists)."""
    values = {TEXT_KEYS[k]: v for k, v in item.items() if k in TEXT_KEYS}
    for given, value in item.items():
        if given in TEXT_KEYS and not (
            isinstance(value, str)
            or (
                TEXT_KEYS[given] == "body"
                and isinstance(value, list)
                and all(isinstance(v, str) for v in value)
            )
        ):
            raise ParseError(
                f"'{given}' must be text"
                + (" or a list of texts" if TEXT_KEYS[given] == "body" else "")
            )
    headline = normalize_line(values.get("headline", ""))
    if not headline:
        raise ParseError("no title")
    body = values.get("body", "")
    lines = body if isinstance(body, list) else normalize_text(body).split("\n")
    paragraphs = clean_body([normalize_line(line) for line in lines if line.strip()], profile)
    if not paragraphs:
        raise ParseError("no body text")
    image = None
    if values.get("caption"):
        caption, credit = split_credit(normalize_line(values["caption"]), profile)
        image = Image(caption=caption, credit=credit)
    meta_input: dict[str, Any] = {}
    given_as: dict[str, str] = {}  # field -> the record's key that gave it (the last, as its value)
    twice: list[str] = []
    for key, value in item.items():
        if key in META_KEYS:
            if META_KEYS[key] in given_as:
                twice.append(f"'{given_as[META_KEYS[key]]}' and '{key}' both given: '{key}' used")
            meta_input[META_KEYS[key]], given_as[META_KEYS[key]] = value, key
    try:
        metadata, warnings = parse_metadata(meta_input, base_dir=path.parent)
    except MetadataError as exc:
        raise MetadataError(_as_given(str(exc), given_as)) from None
    warnings = tuple(twice) + tuple(_as_given(w, given_as) for w in warnings)
    article = Article(
        id=_record_id(item, position, path),
        source=f"{path}:{position}",
        headline=headline,
        alternative_headline=normalize_line(values.get("deck", "")) or None,
        image=image,
        paragraphs=tuple(paragraphs),
        dateline=dateline(paragraphs[0], profile),
    )
    return with_metadata(article, metadata), warnings


def _as_given(message: str, given_as: dict[str, str]) -> str:
    """A sidecar's message with its key as the record spells it ('date', not 'published'):
    the key that opens the message, never text from a value quoted after it.

    >>> _as_given("'published' 'published' is not an ISO 8601 date-time", {"published": "date"})
    "'date' 'published' is not an ISO 8601 date-time"
    >>> _as_given(
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


def _record_id(item: dict[str, Any], position: int, path: Path) -> str:
    """The record's own id; else a stable hash of its source URL; else file name and position."""
    if isinstance(item.get("id"), (str, int)):
        given = str(item["id"])
        if "/" in given or "\\" in given:  # a path, not a name: never cut down to its last part
            raise ParseError(
                f"'id' gives no usable article id: {given!r} is a path; "
                "ids are ASCII letters, digits, '-' and '_'"
            )
        try:
            return article_id(f"_{given}")
        except ParseError:  # its message speaks of a file name
            problem = (
                id_problem(given)
                or f"{given!r} is reserved (MkDocs makes it a folder's index page)"
            )
            raise ParseError(
                f"'id' gives no usable article id: {problem}; change it, or leave it out "
                "to take one from 'url' (a 'slug' can give the page an Arabic URL)"
            ) from None
    if isinstance(item.get("url"), str) and item["url"].strip():
        return hashlib.sha256(item["url"].strip().encode()).hexdigest()[:16]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-_") or "record"
    return article_id(f"_{stem}-{position}")
