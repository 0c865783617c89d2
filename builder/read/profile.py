"""Source profiles: per-site page chrome and credit spellings, loaded from TOML data files."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

DEFAULT_PROFILE = Path(__file__).parent / "profiles" / "default.toml"

_KEY_NOISE = re.compile(r"[\s.«»\"'’‘“”]+")


class ProfileError(ValueError):
    pass


def credit_key(spelling: str) -> str:
    """The form credits are compared in: no spaces, dots or quotes, Latin lower-cased.

    >>> credit_key("أ.ف.ب") == credit_key("أ ف ب") == credit_key("أف ب")
    True
    >>> credit_key(" A.F.P ")
    'afp'
    """
    return _KEY_NOISE.sub("", spelling).lower()


_CHROME_RUN_CHARS = 120  # longer lines are text: the run's pattern is never tried on them
_SEPARATORS = r"[\s|·•:،,/\-–—]*"


def _chrome_run(lines: frozenset[str]) -> re.Pattern[str] | None:
    if not lines:
        return None
    words = "|".join(re.escape(w) for w in sorted(lines, key=len, reverse=True))
    return re.compile(f"{_SEPARATORS}(?:(?:{words}){_SEPARATORS})+")


_HARAKAT = re.compile("[\u064b-\u0652\u0670]")


def marker_key(text: str) -> str:
    """The form marker lines are compared in: no diacritics, no colon or spaces at the ends.

    >>> marker_key(" اقرأ أيضاً: ") == marker_key("اقرأ أيضا")
    True
    """
    return _HARAKAT.sub("", text).strip(" :：").strip()


@dataclass(frozen=True)
class Profile:
    name: str
    font_size_buttons: frozenset[str]
    chrome_lines: frozenset[str]
    trailing_widgets: frozenset[str]
    credits: dict[str, str]  # credit_key(spelling) -> canonical name
    read_also: frozenset[str] = frozenset()  # marker_key() forms
    dateline_sources: frozenset[str] = frozenset()  # credit_key() forms
    # canonical credit -> its photos' schema.org licensing, (property, value)
    photo_licenses: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # an old archive's photo URLs (this prefix) -> the folder holding those files
    archive_photos: tuple[str, Path] | None = None
    organisations: frozenset[str] = frozenset()  # credit_key() forms of byline desks
    deck_classes: frozenset[str] = frozenset()  # lower case: a part of a class or id
    # a line made of chrome_lines only, with separators between (built from chrome_lines)
    chrome_run: re.Pattern[str] | None = None

    def archive_file(self, url: str) -> Path | None:
        """The archive folder's file for a photo URL under ``archive_photos``; None for any
        other URL (or one leading out of the folder)."""
        if not self.archive_photos or not url.startswith(self.archive_photos[0]):
            return None
        prefix, folder = self.archive_photos
        rel = unquote(urlsplit(url[len(prefix) :]).path)
        path = (folder / rel).resolve()
        return path if rel and path.is_relative_to(folder.resolve()) else None

    def is_organisation(self, byline: str) -> bool:
        """An agency or desk byline («وكالات», «رويترز», «أ ف ب»): an ``Organization``, never
        a person's page. Every credit spelling counts, besides ``organisations``.

        >>> load_profile().is_organisation("أ.ف.ب"), load_profile().is_organisation("ليلى")
        (True, False)
        """
        key = credit_key(byline)
        return key in self.credits or key in self.organisations

    def is_chrome(self, line: str) -> bool:
        """A line of chrome only: one of ``chrome_lines``, or several run together with
        separators (``شارك على | فيسبوك``), as a page's share bar is extracted.

        >>> p = load_profile()
        >>> [p.is_chrome(s) for s in ("طباعة", "شارك على فيسبوك", "فيسبوك · تويتر", "شارك برأيك")]
        [True, True, True, False]
        """
        if line in self.chrome_lines:
            return True
        return (
            self.chrome_run is not None
            and len(line) <= _CHROME_RUN_CHARS
            and self.chrome_run.fullmatch(line) is not None
        )

    def canonical_credit(self, spelling: str) -> str | None:
        return self.credits.get(credit_key(spelling))

    def is_read_also(self, line: str) -> bool:
        return marker_key(line.split(":", 1)[0]) in self.read_also

    def is_dateline_source(self, text: str) -> bool:
        key = credit_key(text.strip("()"))
        return key in self.credits or key in self.dateline_sources


def load_profile(path: Path = DEFAULT_PROFILE) -> Profile:
    """Read and check a profile file; errors name the file and the field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read profile: {exc}") from exc
    unknown = sorted(set(data) - _KEYS)
    if unknown:  # a misspelt key would silently publish the chrome it was meant to remove
        raise ProfileError(
            f"{path}: unknown key(s) {', '.join(map(repr, unknown))}; "
            f"a profile has {', '.join(sorted(_KEYS))}"
        )
    if not isinstance(data.get("name", ""), str):
        raise ProfileError(f"{path}: 'name' must be a string")
    chrome = frozenset(_strings(path, "chrome_lines", data.get("chrome_lines", [])))
    credits: dict[str, str] = {}
    for canonical, spellings in _table(path, data, "credits").items():
        for spelling in _strings(path, f"credits.{canonical}", spellings):
            credits[credit_key(spelling)] = canonical
        credits[credit_key(canonical)] = canonical
    licenses = {
        str(credit): licensing(path, f"photo_licenses.{credit}", terms)
        for credit, terms in _table(path, data, "photo_licenses").items()
    }
    return Profile(
        name=str(data.get("name", path.stem)),
        font_size_buttons=frozenset(
            _strings(path, "font_size_buttons", data.get("font_size_buttons", []))
        ),
        chrome_lines=chrome,
        chrome_run=_chrome_run(chrome),
        trailing_widgets=frozenset(
            _strings(path, "trailing_widgets", data.get("trailing_widgets", []))
        ),
        credits=credits,
        read_also=frozenset(
            marker_key(m) for m in _strings(path, "read_also", data.get("read_also", []))
        ),
        dateline_sources=frozenset(
            credit_key(s)
            for s in _strings(path, "dateline_sources", data.get("dateline_sources", []))
        ),
        photo_licenses=licenses,
        archive_photos=_archive(path, data.get("archive_photos")),
        organisations=frozenset(
            credit_key(s) for s in _strings(path, "organisations", data.get("organisations", []))
        ),
        deck_classes=frozenset(
            c.lower() for c in _strings(path, "deck_classes", data.get("deck_classes", []))
        ),
    )


def _archive(path: Path, value: Any) -> tuple[str, Path] | None:
    """``archive_photos = { url = "https://old.example/media/", folder = "photos" }``, the
    folder relative to the profile's."""
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or set(value) != {"url", "folder"}
        or not all(isinstance(v, str) and v.strip() for v in value.values())
        or not re.match(r"^https?://[^\s/]+/\S*$", value["url"])
    ):
        raise ProfileError(
            f'{path}: \'archive_photos\' must be {{ url = "https://host/path/", folder = "..." }}'
        )
    return value["url"], path.parent / value["folder"]


LICENSE_TERMS = {  # profile and sidecar key -> schema.org ImageObject property
    "license": "license",
    "acquire_license_page": "acquireLicensePage",
    "credit_text": "creditText",
    "copyright_notice": "copyrightNotice",
}
_URL_TERMS = frozenset({"license", "acquire_license_page"})


def licensing(where: Path | str, key: str, terms: Any) -> tuple[tuple[str, str], ...]:
    """A table of license terms (``license``, ``acquire_license_page``: absolute http(s)
    URLs; ``credit_text``, ``copyright_notice``: text) as (schema.org property, value)."""
    if not isinstance(terms, dict):
        raise ProfileError(f"{where}: '{key}' must be a table")
    unknown = sorted(set(terms) - set(LICENSE_TERMS))
    if unknown:
        raise ProfileError(
            f"{where}: '{key}' has unknown key(s) {', '.join(map(repr, unknown))}; "
            f"it may have {', '.join(LICENSE_TERMS)}"
        )
    found = []
    for name, value in terms.items():
        if not isinstance(value, str) or not value.strip():
            raise ProfileError(f"{where}: '{key}.{name}' must be a non-empty string")
        if name in _URL_TERMS and not re.match(r"^https?://[^\s/]+\S*$", value.strip()):
            raise ProfileError(f"{where}: '{key}.{name}' must be an absolute http(s) URL")
        found.append((LICENSE_TERMS[name], value.strip()))
    return tuple(sorted(found))


_KEYS = frozenset(
    {
        "name",
        "font_size_buttons",
        "chrome_lines",
        "trailing_widgets",
        "credits",
        "read_also",
        "dateline_sources",
        "photo_licenses",
        "archive_photos",
        "organisations",
        "deck_classes",
    }
)


def _table(path: Path, data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ProfileError(f"{path}: '{key}' must be a table")
    return value


def _strings(path: Path, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ProfileError(f"{path}: '{key}' must be a list of non-empty strings")
    return [v.strip() for v in value]
