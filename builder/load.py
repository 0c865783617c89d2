"""The reading edge: input files -> ``ReadResult`` records (an article, or a rejection with reason).

Each input kind has a reader of its own producing the same ``Article``: raw scraped text
(``.txt`` with an optional ``.toml`` sidecar), scraper records (``.json``, ``.jsonl``) and saved
article pages (``.html``, ``.htm``). Every failure becomes a reason naming the file; none
stops the batch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from pathlib import Path

from builder.article import Article, Image, ReadResult
from builder.decode import DecodeError, decode
from builder.metadata import Metadata, MetadataError, read_sidecar
from builder.normalize import normalize_text
from builder.profile import Profile
from builder.reader import ParseError, article_id, parse_text

RAW_SUFFIX = ".txt"
REPLACEMENT = "\ufffd"
SUFFIXES = (".txt", ".json", ".jsonl", ".html", ".htm")


def input_files(paths: Iterable[Path]) -> list[Path]:
    """Input files named by ``paths``: files as given, folders searched recursively, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()))
        else:
            found.append(path)
    return found


def read_inputs(path: Path, profile: Profile) -> list[ReadResult]:
    """Every article one input file holds (a JSON Lines file holds many)."""
    suffix = path.suffix.lower()
    if suffix in (".json", ".jsonl"):
        from builder.json_reader import read_records

        return read_records(path, profile)
    if suffix in (".html", ".htm"):
        from builder.html_reader import read_html

        return [read_html(path, profile)]
    return [read_article(path, profile)]


def read_all(paths: Iterable[Path], profile: Profile) -> Iterator[ReadResult]:
    for path in paths:
        yield from read_inputs(path, profile)


def read_article(path: Path, profile: Profile) -> ReadResult:
    """Read one raw text file and its sidecar."""
    source = str(path)
    try:
        text = normalize_text(decode(path.read_bytes()))
        parsed = parse_text(text, article_id=article_id(path.name), source=source, profile=profile)
        metadata, meta_warnings = read_sidecar(path)
    except (OSError, DecodeError, ParseError, MetadataError) as exc:
        return ReadResult(source=source, article=None, error=f"{path.name}: {exc}")
    article = with_metadata(parsed.article, metadata)
    damaged = (f"{text.count(REPLACEMENT)} undecodable byte sequence(s) shown as {REPLACEMENT}",) if REPLACEMENT in text else ()
    return ReadResult(source=source, article=article, warnings=damaged + parsed.warnings + meta_warnings + gaps(article))


def with_metadata(article: Article, metadata: Metadata) -> Article:
    """The article with what metadata adds; the photo URL joins the caption read from the text."""
    image = article.image
    if metadata.image:
        image = dataclasses.replace(image or Image(caption=None, credit=None), url=metadata.image, alt=metadata.image_alt)
    return dataclasses.replace(
        article,
        image=image,
        published=metadata.published,
        modified=metadata.modified,
        authors=metadata.authors,
        section=metadata.section,
        tags=metadata.tags,
        slug=metadata.slug,
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
