"""Source profiles: per-site page chrome and credit spellings, loaded from TOML data files."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class Profile:
    name: str
    font_size_buttons: frozenset[str]
    chrome_lines: frozenset[str]
    trailing_widgets: frozenset[str]
    credits: dict[str, str]  # credit_key(spelling) -> canonical name

    def canonical_credit(self, spelling: str) -> str | None:
        return self.credits.get(credit_key(spelling))


def load_profile(path: Path = DEFAULT_PROFILE) -> Profile:
    """Read and check a profile file; errors name the file and the field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read profile: {exc}") from exc
    credits: dict[str, str] = {}
    for canonical, spellings in _table(path, data, "credits").items():
        for spelling in _strings(path, f"credits.{canonical}", spellings):
            credits[credit_key(spelling)] = canonical
        credits[credit_key(canonical)] = canonical
    return Profile(
        name=str(data.get("name", path.stem)),
        font_size_buttons=frozenset(_strings(path, "font_size_buttons", data.get("font_size_buttons", []))),
        chrome_lines=frozenset(_strings(path, "chrome_lines", data.get("chrome_lines", []))),
        trailing_widgets=frozenset(_strings(path, "trailing_widgets", data.get("trailing_widgets", []))),
        credits=credits,
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
