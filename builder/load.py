"""The reading edge: files on disk -> ``ReadResult`` records (article or rejection with reason)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from pathlib import Path

from builder.article import Article, Image, ReadResult
from builder.decode import DecodeError, decode
from builder.metadata import MetadataError, read_sidecar
from builder.normalize import normalize_text
from builder.profile import Profile
from builder.reader import ParseError, article_id, parse_text

RAW_SUFFIX = ".txt"


def input_files(paths: Iterable[Path]) -> list[Path]:
    """Raw files named by ``paths``: files as given, folders searched recursively, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob(f"*{RAW_SUFFIX}") if p.is_file()))
        else:
            found.append(path)
    return found


def read_article(path: Path, profile: Profile) -> ReadResult:
    """Read one raw file and its sidecar; every failure becomes a reason, never an exception."""
    source = str(path)
    try:
        text = normalize_text(decode(path.read_bytes()))
        parsed = parse_text(text, article_id=article_id(path.name), source=source, profile=profile)
        metadata, meta_warnings = read_sidecar(path)
    except (OSError, DecodeError, ParseError, MetadataError) as exc:
        return ReadResult(source=source, article=None, error=f"{path.name}: {exc}")
    article = parsed.article
    image = article.image
    if metadata.image:
        image = dataclasses.replace(image or Image(caption=None, credit=None), url=metadata.image, alt=metadata.image_alt)
    article = dataclasses.replace(
        article,
        image=image,
        published=metadata.published,
        modified=metadata.modified,
        authors=metadata.authors,
        section=metadata.section,
        tags=metadata.tags,
        slug=metadata.slug,
    )
    return ReadResult(source=source, article=article, warnings=parsed.warnings + meta_warnings + gaps(article))


def read_all(paths: Iterable[Path], profile: Profile) -> Iterator[ReadResult]:
    for path in paths:
        yield read_article(path, profile)


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

