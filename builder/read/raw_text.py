"""Reader for the raw scraped text format (ARCHITECTURE.md, "The raw format").

Structure, not position, carries the meaning: blocks are runs of non-blank lines; the block
that holds the font-size buttons is the photo-caption block; the headline is the last header
block before it and a deck, when present, the one before that. Everything site-specific
(chrome strings, credit spellings) comes from a :class:`~builder.read.profile.Profile`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from builder.core.article import Article, Image
from builder.core.urls import RESERVED_NAMES
from builder.read.profile import Profile

# A credit in parentheses (or brackets) closing a caption: "... أمس (رويترز)".
_TRAILING_CREDIT = re.compile(r"\s*[(\[]\s*([^()\[\]]{1,40}?)\s*[)\]]\s*$")
# Header lines are short and do not end like a sentence; body paragraphs usually do.
_SENTENCE_END = re.compile(r"[.!?؟…:]$")
_MAX_HEADER_WORDS = 20
_MAX_CREDIT_WORDS = 4
_MAX_CAPTION_WORDS = 25
_PLACE = r"[\u0621-\u064a]+(?: [\u0621-\u064a]+){0,2}"
_SOURCE = r"«[^»]{1,30}»|\([^)]{1,30}\)|[\u0621-\u064aA-Za-z][\u0621-\u064aA-Za-z. ]{0,24}?"
# "الرباط - «الراي»:" / "القاهرة - أ ف ب:" and "دبي (وام) -"
_DATELINE_DASH_FIRST = re.compile(rf"^(?P<line>{_PLACE} ?[-–—] ?(?P<source>{_SOURCE})) ?:")
_DATELINE_SOURCE_FIRST = re.compile(rf"^(?P<line>{_PLACE} ?(?P<source>\([^)]{{1,30}}\))) ?[-–—:]")
_ID_MAX = 128
_ID = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9_-]{{0,{_ID_MAX - 1}}}$")
_ID_CHARS = re.compile(r"^[A-Za-z0-9_-]+$")


class ParseError(ValueError):
    """The text holds no publishable article; the message says why."""


@dataclass(frozen=True)
class Parsed:
    article: Article
    warnings: tuple[str, ...]


def article_id(file_name: str) -> str:
    """The article id from a raw file's name: the part after the first ``_`` of the stem.

    >>> article_id("000_55425f2f31b4ad18.txt")
    '55425f2f31b4ad18'
    >>> article_id("morocco-deal.txt")
    'morocco-deal'
    """
    name = file_name.rsplit("/", 1)[-1]
    stem, dot, suffix = name.rpartition(".") if "." in name else (name, "", "")
    prefix, sep, rest = stem.partition("_")
    candidate = rest if sep and rest else prefix
    problem = id_problem(candidate)
    if problem:
        # The id names the article's media folder and tells two inputs apart even when a
        # sidecar gives a slug, so the fix is a new name; the URL can still be Arabic.
        slug = (
            "; a 'slug' in its .toml sidecar can still give the page an Arabic URL"
            if suffix.lower() == "txt"
            else ""
        )
        raise ParseError(
            f"file name gives no usable article id: {problem}; "
            f"rename the file (e.g. 000_article-1{dot}{suffix}){slug}"
        )
    if candidate.casefold() in RESERVED_NAMES:
        raise ParseError(f"file name gives the reserved article id {candidate!r}")
    return candidate


def id_problem(candidate: str) -> str | None:
    """Why ``candidate`` cannot be an article id, or None. Ids are ASCII on purpose: they name
    the article's media folder and the page's URL when no slug is given, in every file system
    and in the offline bundle's zip.

    >>> id_problem("morocco-deal_2") is None
    True
    >>> id_problem("خبر")
    "'خبر' has characters other than ASCII letters (A-Z, a-z), digits, '-' and '_'"
    >>> id_problem("")
    'it is empty'
    >>> id_problem("-x")
    "'-x' must start with an ASCII letter or digit"
    """
    if _ID.match(candidate):
        return None
    if not candidate:
        return "it is empty"
    if not _ID_CHARS.match(candidate):
        return (
            f"{candidate!r} has characters other than ASCII letters (A-Z, a-z), digits, '-' and '_'"
        )
    if len(candidate) > _ID_MAX:
        return f"{candidate!r} is longer than {_ID_MAX} characters"
    return f"{candidate!r} must start with an ASCII letter or digit"


def parse_text(text: str, *, article_id: str, source: str, profile: Profile) -> Parsed:
    """Read an article out of normalised raw text, or raise :class:`ParseError`."""
    if not text.strip():
        raise ParseError("blank file: no text")
    warnings: list[str] = []
    blocks = _blocks(text)
    one_block = len(blocks) == 1 and len(blocks[0]) > 1
    blocks = _cut_trailing_widget(blocks, profile)
    anchor, blocks = _drop_chrome(blocks, profile, warnings)
    if not blocks:
        raise ParseError("only page chrome, no article text")

    if anchor is not None:
        header, caption_lines, body = blocks[:anchor], blocks[anchor], blocks[anchor + 1 :]
    else:
        header, caption_lines, body = _split_without_anchor(blocks, profile)
        if caption_lines:
            warnings.append("no font-size buttons: photo caption recognised by its shape")
        if len(header) > 1:
            warnings.append(
                "no font-size buttons: first block taken as the deck, second as the headline"
            )

    if not header:
        raise ParseError("no headline: the photo-caption block comes first")
    header_lines = [" ".join(block) for block in header]
    if len(header_lines) > 2:
        warnings.append(
            f"dropped {len(header_lines) - 2} unrecognised header block(s): {header_lines[:-2]!r}"
        )
    headline = header_lines[-1]
    deck = header_lines[-2] if len(header_lines) > 1 else None
    paragraphs = tuple(line for block in body for line in block)
    if not paragraphs:
        raise ParseError(
            "no body paragraphs after the headline"
            + (
                " (the file has no blank line, "
                "and blank lines are what part the headline from the body)"
                if one_block
                else ""
            )
        )
    image = _image(caption_lines, profile, warnings)
    article = Article(
        id=article_id,
        source=source,
        headline=headline,
        alternative_headline=deck,
        image=image,
        paragraphs=paragraphs,
        dateline=dateline(paragraphs[0], profile),
    )
    return Parsed(article, tuple(warnings))


def dateline(paragraph: str, profile: Profile) -> str | None:
    """The dateline opening a first paragraph: a place, then a source the profile knows.

    >>> from builder.read.profile import load_profile
    >>> p = load_profile()
    >>> dateline("الرباط - «الراي»: وقع المغرب ...", p)
    'الرباط - «الراي»'
    >>> dateline("دبي (وام) - أعلنت الهيئة ...", p)
    'دبي (وام)'
    >>> dateline("وقال الوزير - في تصريح: إن ...", p) is None
    True
    """
    match = _DATELINE_DASH_FIRST.match(paragraph) or _DATELINE_SOURCE_FIRST.match(paragraph)
    if not match or not profile.is_dateline_source(match.group("source").strip("«»")):
        return None
    return match.group("line").strip()


def clean_body(lines: list[str], profile: Profile) -> list[str]:
    """Body lines from another input kind, with the profile's chrome and read-also boxes removed."""
    _, blocks = _drop_chrome(_cut_trailing_widget([[ln] for ln in lines if ln], profile), profile)
    return [line for block in blocks for line in block]


def _blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line.strip():
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _cut_trailing_widget(blocks: list[list[str]], profile: Profile) -> list[list[str]]:
    """Drop a most-read style widget and everything after it (never the first block)."""
    for i, block in enumerate(blocks[1:], start=1):
        for j, line in enumerate(block):
            if line in profile.trailing_widgets:
                kept = blocks[:i] + ([block[:j]] if j else [])
                return kept
    return blocks


def _drop_chrome(
    blocks: list[list[str]], profile: Profile, warnings: list[str] | None = None
) -> tuple[int | None, list[list[str]]]:
    """Remove chrome lines; return the index (in the result) of the font-size-button block.

    The buttons close the caption block: lines after them in the same block are body text
    whose blank line the scrape lost, so they start a block of their own after it.

    >>> from builder.read.profile import load_profile
    >>> said = []
    >>> _drop_chrome(
    ...     [["عنوان"], ["تعليق", "تصغير", "تكبير", "فقرة أولى"], ["فقرة ثانية"]],
    ...     load_profile(),
    ...     said,
    ... )
    (1, [['عنوان'], ['تعليق'], ['فقرة أولى'], ['فقرة ثانية']])
    >>> said == [
    ...     "1 line(s) after the font-size buttons, with no blank line between, "
    ...     "taken as the start of the body"
    ... ]
    True
    >>> _drop_chrome(
    ...     [["عنوان"], ["تصغير", "تكبير", "زوار في المعرض (رويترز)"], ["فقرة."]], load_profile()
    ... )
    (1, [['عنوان'], ['زوار في المعرض (رويترز)'], ['فقرة.']])
    >>> _drop_chrome(
    ...     [["عنوان"], ["زوار في المعرض (رويترز)"], ["تصغير", "تكبير"], ["فقرة."]], load_profile()
    ... )
    (1, [['عنوان'], ['زوار في المعرض (رويترز)'], ['فقرة.']])
    """
    anchor: int | None = None
    kept: list[list[str]] = []
    drop_title = False  # the line after a lone "read also" marker is the linked title
    for block in blocks:
        has_buttons = anchor is None and any(line in profile.font_size_buttons for line in block)
        lines: list[str] = []
        caption: list[str] = []
        for line in block:
            if line in profile.font_size_buttons:
                if has_buttons:
                    caption, lines = caption + lines, []
                drop_title = False  # a "read also" title does not reach past the buttons
                continue
            if profile.is_chrome(line):
                continue
            if profile.is_read_also(line):
                drop_title = ":" not in line or not line.split(":", 1)[1].strip()
                continue
            if drop_title:
                drop_title = False
                if _headline_like([line]):
                    continue
            lines.append(line)
        if has_buttons:
            if not caption and lines and _looks_like_caption(lines, profile):
                caption, lines = lines, []  # a source that prints the caption after the buttons
            elif not caption and kept and _looks_like_caption(kept[-1], profile):
                caption = kept.pop()  # the buttons in a block of their own, after the caption
            anchor = len(kept)
            kept.append(caption)  # may be empty: buttons without a photo
            if lines and warnings is not None:
                warnings.append(
                    f"{len(lines)} line(s) after the font-size buttons, "
                    "with no blank line between, taken as the start of the body"
                )
        if lines:
            kept.append(lines)
    if not any(kept):
        return None, []
    return anchor, kept


def _split_without_anchor(
    blocks: list[list[str]], profile: Profile
) -> tuple[list[list[str]], list[str], list[list[str]]]:
    """No font-size buttons: find the caption block by its shape, else take header blocks."""
    for i, block in enumerate(blocks[1:4], start=1):
        if _looks_like_caption(block, profile):
            return blocks[:i], block, blocks[i + 1 :]
    header_count = 1
    if len(blocks) >= 3 and all(_headline_like(b) for b in blocks[:2]):
        header_count = 2
    return blocks[:header_count], [], blocks[header_count:]


def _looks_like_caption(block: list[str], profile: Profile) -> bool:
    if len(block[0].split()) > _MAX_CAPTION_WORDS:
        return False  # a first paragraph that happens to end in a credit
    if len(block) >= 2 and len(set(block)) == 1:
        return True
    if len(block) == 1:
        match = _TRAILING_CREDIT.search(block[0])
        return bool(match and profile.canonical_credit(match.group(1)))
    return False


def _headline_like(block: list[str]) -> bool:
    return (
        len(block) == 1
        and len(block[0].split()) <= _MAX_HEADER_WORDS
        and not _SENTENCE_END.search(block[0])
    )


def _image(lines: list[str], profile: Profile, warnings: list[str]) -> Image | None:
    """Caption and credit from the caption block; repeated lines (alt text + caption) collapse."""
    unique = list(dict.fromkeys(lines))
    if not unique:
        return None
    with_credit = [ln for ln in unique if _TRAILING_CREDIT.search(ln)]
    line = (with_credit or unique)[0]
    if len(unique) > 1:
        dropped = [ln for ln in unique if ln != line]
        warnings.append(
            f"caption block has {len(unique)} different lines; kept {line!r} "
            f"({'the one with a credit' if with_credit else 'the first'}), dropped {dropped!r}"
        )
    caption, credit = split_credit(line, profile, warnings)
    return Image(caption=caption, credit=credit)


def split_credit(
    line: str, profile: Profile, warnings: list[str] | None = None
) -> tuple[str | None, str | None]:
    """Split "caption (credit)" into its caption and the agency's canonical name.

    A short parenthetical that no profile spelling matches is kept as written.
    """
    match = _TRAILING_CREDIT.search(line)
    if not match:
        return line, None
    raw = match.group(1)
    credit = profile.canonical_credit(raw)
    if credit is None:
        if len(raw.split()) > _MAX_CREDIT_WORDS:
            return line, None
        credit = raw.strip("«»\"' ")
        if warnings is not None:
            warnings.append(f"credit {raw!r} is not in the profile; kept as written")
    caption = line[: match.start()].strip() or None
    return caption, credit
