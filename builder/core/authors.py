"""The authors file: who writes for the site, as the editors describe them.

A TOML file (setting ``authors``, default ``authors.toml`` beside mkdocs.yml; none is fine) of
``[[author]]`` tables. Each gives a ``slug`` (the page ``authors/<slug>/``) and the ``name``
bylines use, and optionally ``bio``, ``job_title``, ``photo`` (a file beside the authors file),
``same_as`` (the author's profiles elsewhere) and ``email``. A byline without an entry still
gets a page, made from its articles alone: nothing is invented for it. A wrong entry stops the
build before anything is written, naming the file, the entry and the key, as a wrong
mkdocs.yml does: it is a setting, not an article.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

_SLUG = re.compile(r"^[^\W_](?:[\w-]*[^\W_])?$")
_KEYS = frozenset({"slug", "name", "bio", "job_title", "photo", "same_as", "email"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AuthorsError(ValueError):
    pass


@dataclass(frozen=True)
class Profile:
    slug: str
    name: str
    bio: str | None = None
    job_title: str | None = None
    photo: Path | None = None  # the file, resolved; published as a derivative
    same_as: tuple[str, ...] = ()
    email: str | None = None


def load_authors(path: Path) -> dict[str, Profile]:
    """``{byline name: profile}`` from the authors file; ``{}`` when there is none."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise AuthorsError(f"{path}: {exc}") from exc
    return parse_authors(data, path)


def parse_authors(data: dict[str, Any], path: Path) -> dict[str, Profile]:
    """The profiles of a parsed authors file; names and slugs must each be unique.

    >>> parse_authors({"author": [{"slug": "laila", "name": "ليلى", "bio": "محررة"}]},
    ...     Path("/x/authors.toml"))["ليلى"].bio
    'محررة'
    >>> bad = {"author": [{"slug": "a b", "name": "ن"}]}
    >>> parse_authors(bad, Path("a.toml"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    builder.core.authors.AuthorsError: a.toml: author 1: 'slug' 'a b' must be letters, digits ...
    """
    unknown = set(data) - {"author"}
    if unknown:
        raise AuthorsError(f"{path}: unknown table {sorted(unknown)[0]!r} (expected [[author]])")
    entries = data.get("author", [])
    if not isinstance(entries, list):
        raise AuthorsError(f"{path}: 'author' must be an array of tables ([[author]])")
    found: dict[str, Profile] = {}
    slugs: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        profile = _profile(entry, path, f"{path}: author {n}")
        if profile.name in found or profile.slug in slugs:
            raise AuthorsError(f"{path}: author {n}: name or slug {profile.slug!r} given twice")
        found[profile.name] = profile
        slugs.add(profile.slug)
    return found


def _profile(entry: Any, path: Path, where: str) -> Profile:
    if not isinstance(entry, dict):
        raise AuthorsError(f"{where}: must be a table")
    unknown = set(entry) - _KEYS
    if unknown:
        raise AuthorsError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    text = {}
    for key in ("slug", "name", "bio", "job_title", "photo", "email"):
        value = entry.get(key)
        if value is not None and not (isinstance(value, str) and value.strip()):
            raise AuthorsError(f"{where}: {key!r} must be a non-empty string")
        text[key] = " ".join(value.split()) if isinstance(value, str) else None
    slug, name = text["slug"], text["name"]
    if slug is None or name is None:
        raise AuthorsError(f"{where}: 'slug' and 'name' are required")
    if not _SLUG.match(slug):
        raise AuthorsError(f"{where}: 'slug' {slug!r} must be letters, digits and '-'")
    same_as = entry.get("same_as", [])
    if not isinstance(same_as, list) or not all(
        isinstance(u, str) and urlsplit(u).scheme in ("http", "https") and urlsplit(u).netloc
        for u in same_as
    ):
        raise AuthorsError(f"{where}: 'same_as' must be a list of absolute http(s) URLs")
    if text["email"] is not None and not _EMAIL.match(text["email"]):
        raise AuthorsError(f"{where}: 'email' {text['email']!r} is not an address")
    photo = None
    if text["photo"] is not None:
        photo = (path.parent / text["photo"]).resolve()
        try:
            with Image.open(photo) as image:
                image.verify()
        except (OSError, SyntaxError, ValueError) as exc:  # PIL's errors for damaged files
            raise AuthorsError(f"{where}: 'photo' {text['photo']!r}: {exc}") from exc
    return Profile(slug, name, text["bio"], text["job_title"], photo, tuple(same_as), text["email"])
