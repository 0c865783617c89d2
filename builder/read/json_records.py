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
from builder.read import sidecar
from builder.read.decode import DecodeError, decode
from builder.read.markdown_source import markdown_source
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

# What a record gives besides the metadata keys it shares with a sidecar (sidecar.KEYS).
TEXT_KEYS = {"body": "body", "text": "body", "content": "body", "caption": "caption"}
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
    unknown = sidecar.unknown(
        sorted({k for _, item in records if isinstance(item, dict) for k in item}),
        [*TEXT_KEYS, *OTHER_KEYS],
    )
    accepted = [i for i, r in enumerate(results) if r.article is not None]
    said = [decoded.repair] if decoded.repair else []
    if unknown:
        named = ", ".join(key + hint for key, hint in unknown)
        said.append(f"unknown keys ignored in this file's records: {named}")
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
    fields, given_as, twice = sidecar.canonical(item)
    values = {TEXT_KEYS[k]: v for k, v in item.items() if k in TEXT_KEYS}
    for given, value in item.items():
        if sidecar.KEYS.get(given) in ("headline", "deck") and not isinstance(value, str):
            raise ParseError(f"'{given}' must be text")
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
    try:
        metadata, warnings = parse_metadata(fields, base_dir=path.parent, profile=profile)
    except MetadataError as exc:
        raise MetadataError(sidecar.as_given(str(exc), given_as)) from None
    warnings = twice + tuple(sidecar.as_given(w, given_as) for w in warnings)
    headline = metadata.headline
    if not headline:
        raise ParseError("no title")
    body = values.get("body", "")
    if metadata.markdown:
        text = "\n".join(body) if isinstance(body, list) else body
        blocks, paragraphs, said = markdown_source(normalize_text(text))
        warnings += said
    else:
        lines = body if isinstance(body, list) else normalize_text(body).split("\n")
        paragraphs = clean_body([normalize_line(line) for line in lines if line.strip()], profile)
        blocks = []
    if not paragraphs:
        raise ParseError("no body text")
    image = None
    if values.get("caption"):
        caption, credit = split_credit(normalize_line(values["caption"]), profile)
        image = Image(caption=caption, credit=credit)
    article = Article(
        id=_record_id(item, position, path),
        source=f"{path}:{position}",
        headline=headline,
        alternative_headline=None,
        image=image,
        paragraphs=tuple(paragraphs),
        dateline=dateline(paragraphs[0], profile),
        markdown=tuple(blocks),
    )
    return with_metadata(article, metadata, profile), warnings


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
