"""The reading edge: input files -> ``ReadResult`` records (an article, or a rejection with reason).

Each input kind has a reader of its own producing the same ``Article``: raw scraped text
(``.txt`` with an optional ``.toml`` sidecar), scraper records (``.json``, ``.jsonl``) and saved
article pages (``.html``, ``.htm``). Every failure becomes a reason; none stops the batch.
A reason says only what the record's source (the file, or ``file:line``) does not: whoever
shows it shows the source beside it, so a reason naming the file again repeated it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from builder.core.article import Article, ReadResult
from builder.core.settings import Limits
from builder.read.coherence import problem
from builder.read.decode import DecodeError, decode
from builder.read.markdown_source import markdown_source, parse_block, plain_text
from builder.read.normalize import normalize_text
from builder.read.profile import Profile
from builder.read.raw_text import Parsed, ParseError, article_id, dateline, parse_text
from builder.read.sidecar import (
    Metadata,
    MetadataError,
    as_given,
    canonical,
    gaps,
    parse_metadata,
    read_sidecar,
    unknown,
    why,
    with_metadata,
)

REPLACEMENT = "\ufffd"
SUFFIXES = (".txt", ".md", ".json", ".jsonl", ".html", ".htm")
_DEFAULT_LIMITS = Limits()  # the settings' defaults, for a caller that gives none


@dataclass(frozen=True)
class Inputs:
    """What the folders given hold: the input files, and what a reader would want told."""

    names: list[str]  # the input files, sorted (strings: a build needs no Path of 100,000 files)
    orphans: list[Path]  # sidecars with no .txt beside them: nothing reads them
    empty: list[Path]  # folders given that hold no input file
    # inputs refused unread (a link out of the folder), with the reason, in path order
    refused: list[tuple[str, str]] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        return [Path(n) for n in self.names]


def path_order(name: str) -> str:
    """Sort key of a path, by its parts (``a/b`` before ``a-b``, as ``Path.parts`` would sort):
    a separator sorts before any character a name can hold.

    >>> sorted(["a-b/c", "a/b", "a.txt"], key=path_order)
    ['a/b', 'a-b/c', 'a.txt']
    """
    return name.replace(os.sep, "\0")


def scan_inputs(paths: Iterable[Path]) -> Inputs:
    """Input files named by ``paths`` (files as given, folders searched recursively, sorted),
    with the sidecars left without their ``.txt`` (renamed or deleted) found in the same
    listing: a second walk would cost as much again at 100,000 files.

    Inside a folder, names starting with "." are left out, files and folders alike: a copy
    being written (rsync's, many scrapers'), a macOS ``._NAME`` companion, ``.git``. A half
    written file must never be read as an article (``nashra watch`` ignores them too).

    Inputs stay inside the folder: a symbolic link to a file elsewhere (an input, or the
    sidecar of one) is refused with the reason, never read, for a drop folder a scraper writes
    to must never publish other files of the server. A link to a folder is not followed. The
    listing says which names are links, so only those are resolved.
    """
    found: list[str] = []
    orphans: list[Path] = []
    empty: list[Path] = []
    refused: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            names: list[str] = []
            root = os.path.realpath(path)
            for folder, files, links in _walk(str(path)):
                stems = {
                    n[:-4] for n in files if n.lower().endswith(".txt")
                }  # sidecar_for: X.TXT -> X.toml too
                if not links:  # the usual folder
                    names.extend(
                        os.path.join(folder, n) for n in files if n.lower().endswith(SUFFIXES)
                    )
                away = {n: _outside(os.path.join(folder, n), root) for n in links}
                for n in files if links else ():
                    if not n.lower().endswith(SUFFIXES):
                        continue
                    full = os.path.join(folder, n)
                    sidecar = n[:-4] + ".toml" if n.lower().endswith(".txt") else ""
                    why_not = away.get(n) or (
                        f"its sidecar {sidecar} is {away[sidecar]}" if away.get(sidecar) else None
                    )
                    if why_not:
                        refused.append((full, why_not))
                    else:
                        names.append(full)
                orphans.extend(
                    Path(folder, n)
                    for n in files
                    if n[-5:].lower() == ".toml"
                    and (
                        n[:-5] not in stems
                        or not (
                            n.endswith(".toml")
                            or os.path.exists(os.path.join(folder, n[:-5] + ".toml"))
                        )
                    )
                )  # X.TOML: read on a case-blind disk only
            found.extend(sorted(names, key=path_order))
            if not names:
                empty.append(path)
        else:
            found.append(str(path))
    return Inputs(
        found,
        sorted(orphans, key=lambda p: p.parts),
        empty,
        sorted(refused, key=lambda r: path_order(r[0])),
    )


def _walk(top: str) -> Iterator[tuple[str, list[str], set[str]]]:
    """``os.walk`` without dot names, giving each folder's files and which of them are
    symbolic links (the listing tells, with no stat per file). Links to folders are not
    followed, as ``os.walk`` does not."""
    stack = [top]
    while stack:
        folder = stack.pop()
        files: list[str] = []
        links: set[str] = set()
        folders: list[str] = []
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.path)
            elif entry.is_symlink():
                if not entry.is_dir():
                    files.append(entry.name)
                    links.add(entry.name)
            else:
                files.append(entry.name)
        yield folder, files, links
        stack.extend(sorted(folders, reverse=True))


def _outside(path: str, root: str) -> str | None:
    """Why the file a link at ``path`` leads to is not an input: it is outside ``root``
    (a resolved folder), or leads nowhere."""
    target = os.path.realpath(path)
    if os.path.commonpath([target, root]) == root:
        return None
    return f"a symbolic link to {target}, outside the input folder: refused"


def input_files(paths: Iterable[Path]) -> list[Path]:
    """Input files named by ``paths``: files as given, folders searched recursively, sorted."""
    return scan_inputs(paths).files


def orphan_warning(sidecar: Path) -> str:
    """The warning for a sidecar nothing reads (its metadata would otherwise vanish unseen).

    >>> orphan_warning(Path("in/003_old.toml"))
    'sidecar with no article file beside it (no 003_old.txt): ignored'
    >>> orphan_warning(Path("in/004_new.TOML"))  # doctest: +NORMALIZE_WHITESPACE
    'sidecar not read: a sidecar is named NAME.toml, in lower case, beside its NAME.txt
    (rename it 004_new.toml)'
    """
    if sidecar.suffix != ".toml":
        return (
            "sidecar not read: a sidecar is named NAME.toml, in lower case, beside its NAME.txt "
            f"(rename it {sidecar.stem}.toml)"
        )
    return f"sidecar with no article file beside it (no {sidecar.stem}.txt): ignored"


def no_inputs(folder: Path) -> str:
    """Why a folder gave nothing: it holds no file of a kind the readers take.

    >>> no_inputs(Path("dumps/empty"))  # doctest: +NORMALIZE_WHITESPACE
    'no input files in dumps/empty (the readers take .txt, .md, .json, .jsonl, .html and .htm
    files, in subfolders too)'
    """
    return (
        f"no input files in {folder} (the readers take {', '.join(SUFFIXES[:-1])} "
        f"and {SUFFIXES[-1]} files, in subfolders too)"
    )


def read_inputs(path: Path, profile: Profile, limits: Limits = _DEFAULT_LIMITS) -> list[ReadResult]:
    """Every article one input file holds (a JSON Lines file holds many)."""
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
    except OSError as exc:
        return [ReadResult(str(path), None, why(exc))]
    if size > limits.max_file_bytes and suffix != ".jsonl":
        return [
            ReadResult(
                str(path),
                None,
                f"file is {size:,} bytes, over the limit of {limits.max_file_bytes:,} "
                "(max_file_bytes)",
            )
        ]
    if suffix in (".json", ".jsonl"):
        from builder.read.json_records import read_records

        results = read_records(path, profile, limits.max_file_bytes)
    elif suffix in (".html", ".htm"):
        from builder.read.html_page import read_html

        results = [read_html(path, profile)]
    elif suffix == ".md":
        results = [read_markdown(path, profile)]
    else:
        results = [read_article(path, profile)]
    return [
        _trusted(_bylines(_within_line_limit(r, limits.max_line_chars), profile), limits.language)
        for r in results
    ]


def _bylines(result: ReadResult, profile: Profile) -> ReadResult:
    """Agency and desk bylines as ``Organization``s, whichever reader gave them."""
    a = result.article
    if a is None or not any(
        x.kind != "Organization" and profile.is_organisation(x.name) for x in a.authors
    ):
        return result
    authors = tuple(
        replace(x, kind="Organization") if profile.is_organisation(x.name) else x for x in a.authors
    )
    return replace(result, article=replace(a, authors=authors))


def _trusted(result: ReadResult, language: str) -> ReadResult:
    """``result``, or its rejection when its text is no trustworthy text
    (:mod:`builder.read.coherence`): whatever the reader, garbage is never published."""
    a = result.article
    if a is None:
        return result
    texts = [
        a.alternative_headline or "",
        (a.image.caption or "") if a.image else "",
        *a.paragraphs,
    ]
    reason = problem(a.headline, texts, language)
    return result if reason is None else ReadResult(result.source, None, reason)


def _within_line_limit(result: ReadResult, limit: int) -> ReadResult:
    a = result.article
    if a is None:
        return result
    texts = [
        a.headline,
        a.alternative_headline or "",
        (a.image.caption or "") if a.image else "",
        *a.paragraphs,
    ]
    longest = max(len(t) for t in texts)
    if longest <= limit:
        return result
    return ReadResult(
        result.source,
        None,
        f"a line of {longest:,} characters, over the limit of {limit:,} (max_line_chars)",
    )


def read_all(
    paths: Iterable[Path], profile: Profile, limits: Limits = _DEFAULT_LIMITS
) -> Iterator[ReadResult]:
    for path in paths:
        yield from read_inputs(path, profile, limits)


def read_article(path: Path, profile: Profile) -> ReadResult:
    """Read one raw text file and its sidecar."""
    source = str(path)
    try:
        decoded = decode(path.read_bytes())
        text = normalize_text(decoded.text)
        metadata, meta_warnings = read_sidecar(path, profile)
        if metadata.markdown:
            parsed = parse_markdown(text, metadata, article_id(path.name), source, profile)
        else:
            parsed = parse_text(
                text, article_id=article_id(path.name), source=source, profile=profile
            )
    except (OSError, DecodeError, ParseError, MetadataError) as exc:
        return ReadResult(source=source, article=None, error=why(exc))
    article = with_metadata(parsed.article, metadata, profile)
    damaged = (
        (f"{text.count(REPLACEMENT)} undecodable byte sequence(s) shown as {REPLACEMENT}",)
        if REPLACEMENT in text
        else ()
    ) + ((decoded.repair,) if decoded.repair else ())
    return ReadResult(
        source=source,
        article=article,
        warnings=damaged + parsed.warnings + meta_warnings + gaps(article),
    )


def read_markdown(path: Path, profile: Profile) -> ReadResult:
    """An editor's article written in Markdown: front matter (YAML between ``---`` lines, or
    TOML between ``+++`` lines) with the sidecar's keys, then the text."""
    source = str(path)
    try:
        # the front matter as written (its indentation is YAML's syntax), the text normalised
        decoded = decode(path.read_bytes())
        raw = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
        data, body = front_matter(raw.removeprefix("\ufeff"))
        body = normalize_text(body)
        fields, given_as, twice = canonical(data)
        try:
            metadata, more = parse_metadata(
                {**fields, "format": "markdown"}, base_dir=path.parent, profile=profile
            )
        except MetadataError as exc:
            raise MetadataError(as_given(str(exc), given_as)) from None
        parsed = parse_markdown(body, metadata, article_id(path.name), source, profile)
    except (OSError, DecodeError, ParseError, MetadataError) as exc:
        return ReadResult(source=source, article=None, error=why(exc))
    article = with_metadata(parsed.article, metadata, profile)
    said = tuple(f"unknown metadata key {key!r} ignored{hint}" for key, hint in unknown(data))
    warnings = said + twice + tuple(as_given(w, given_as) for w in more) + parsed.warnings
    repaired = (decoded.repair,) if decoded.repair else ()
    return ReadResult(source, article, warnings=repaired + warnings + gaps(article))


def front_matter(text: str) -> tuple[dict[str, Any], str]:
    r"""The front matter of a Markdown article and the text after it.

    >>> front_matter("---\nsection: سياسة\n---\n# عنوان")
    ({'section': 'سياسة'}, '# عنوان')
    >>> front_matter('+++\nsection = "سياسة"\n+++\nنص')
    ({'section': 'سياسة'}, 'نص')
    """
    fence = text[:4]
    if fence not in ("---\n", "+++\n"):
        raise ParseError(
            "a Markdown article starts with its front matter (a '---' line, YAML, then '---')"
        )
    head, end, body = text[4:].partition(f"\n{fence[:3]}\n")
    if not end:
        raise ParseError(f"front matter opened with {fence[:3]!r} is never closed")
    try:
        data = tomllib.loads(head) if fence == "+++\n" else yaml.safe_load(head)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise MetadataError(
            f"front matter is not valid {'TOML' if fence[0] == '+' else 'YAML'}: {exc}"
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise MetadataError("front matter must be a mapping of keys to values")
    return data, body


def parse_markdown(
    text: str, metadata: Metadata, aid: str, source: str, profile: Profile
) -> Parsed:
    """An article in its editor's Markdown: the headline is the metadata's, else the opening
    ``# `` line (or first line); subheads, quotes, lists, links and emphasis are kept. Opening
    lines that say the headline or deck the metadata gives are those, not body text."""
    blocks, paragraphs, warnings = markdown_source(text)
    headline = metadata.headline
    given = {metadata.headline, metadata.deck} - {None}
    while blocks and paragraphs[0] in given and len(parse_block(blocks[0])) == 1:
        blocks, paragraphs = blocks[1:], paragraphs[1:]  # the text opens with what is given
    if not headline and blocks:
        first = parse_block(blocks[0])
        if first[0][0] in ("h1", "p") and len(first) == 1:
            headline, blocks, paragraphs = plain_text(first[0][1]), blocks[1:], paragraphs[1:]
    if not headline:
        raise ParseError("no headline: give 'headline', or open the text with a '# ' line")
    if not paragraphs:
        raise ParseError("no body text after the headline")
    article = Article(
        id=aid,
        source=source,
        headline=headline,
        alternative_headline=None,
        image=None,
        paragraphs=tuple(paragraphs),
        dateline=dateline(paragraphs[0], profile),
        markdown=tuple(blocks),
    )
    return Parsed(article, warnings)
