"""Content-hashed names for the theme's stylesheets, scripts and font.

Why: a file whose name changes whenever its bytes do can be cached by browsers and CDNs for a
year without ever being asked again (``Cache-Control: immutable``), while a page that names
it picks up a new version at once. So the site holds ``assets/site.3f2a9c1e07.css``, never
``assets/site.css``; templates name the *logical* path (``{{ 'assets/site.css'|asset|url }}``)
and the publisher plugin maps it.

A name must cover everything its file loads: the stylesheet names the font (``url()``) and the
search script imports ``fold.js``, so those references are rewritten to the hashed names
first, and the file is hashed as rewritten. Pure: bytes in, names and bytes out.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Callable, Mapping

HASHED = (".css", ".js", ".woff2")  # what gets a content-hashed name
_TEXT = (".css", ".js")  # of those, what may name another asset
DIGITS = 10  # hex digits of sha256 in a name: 40 bits, so two versions of a file never share one
_NAME = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{DIGITS}}})(?P<ext>\.[A-Za-z0-9]+)$")


class AssetError(ValueError):
    pass


def hashed_name(path: str, data: bytes) -> str:
    """``path`` with the first digits of ``data``'s sha256 before its extension.

    >>> hashed_name("assets/site.css", b"body{}")
    'assets/site.7c98040a54.css'
    """
    stem, ext = posixpath.splitext(path)
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:DIGITS]}{ext}"


def logical_name(path: str) -> str:
    """The logical path of a hashed name (any other path is its own).

    >>> logical_name("assets/site.8b09b3ff5b.css"), logical_name("assets/logo.png")
    ('assets/site.css', 'assets/logo.png')
    """
    found = _NAME.match(path)
    return found["stem"] + found["ext"] if found else path


def is_hashed(path: str) -> bool:
    """Whether ``path`` is a content-hashed asset name.

    >>> is_hashed("assets/site.8b09b3ff5b.css"), is_hashed("assets/site.css")
    (True, False)
    """
    return path.endswith(HASHED) and _NAME.match(path) is not None


def _spelling(source: str, target: str) -> re.Pattern[str]:
    """How ``source`` names ``target``: its path relative to ``source``'s folder, optionally
    after ``./``, inside quotes or ``url(...)`` (followed by a quote, a bracket, ``?`` or ``#``)."""
    rel = posixpath.relpath(target, posixpath.dirname(source) or ".")
    return re.compile(r"(?<=[\"'(])(\./)?" + re.escape(rel) + r"(?=[\"')?#])")


def _replace_with(new: str) -> Callable[[re.Match[str]], str]:
    """A reference's replacement: ``new``, after the ``./`` the reference had, if any."""
    return lambda found: (found[1] or "") + new


def hash_assets(files: Mapping[str, bytes]) -> dict[str, tuple[str, bytes]]:
    """Logical path -> (hashed path, bytes to publish) for every file of ``files`` (logical
    path -> bytes). A stylesheet or script naming another of them is rewritten to name it by
    its hashed name, and is hashed as rewritten.

    >>> out = hash_assets({"a/f.woff2": b"F", "a/s.css": b'@font-face{src:url("f.woff2")}'})
    >>> out["a/s.css"][1].decode()
    '@font-face{src:url("f.f67ab10ad4.woff2")}'
    >>> out["a/s.css"][0] == hashed_name("a/s.css", out["a/s.css"][1])
    True
    """
    texts = {path: data.decode("utf-8") for path, data in files.items() if path.endswith(_TEXT)}
    needs = {
        path: sorted(
            other for other in files if other != path and _spelling(path, other).search(text)
        )
        for path, text in texts.items()
    }
    done: dict[str, tuple[str, bytes]] = {}
    pending = sorted(files)
    while pending:
        ready = [p for p in pending if all(d in done for d in needs.get(p, []))]
        if not ready:
            raise AssetError(f"theme assets name each other in a circle: {pending}")
        for path in ready:
            data = files[path]
            if path in texts:
                text = texts[path]
                for other in needs[path]:
                    new = posixpath.relpath(done[other][0], posixpath.dirname(path) or ".")
                    text = _spelling(path, other).sub(_replace_with(new), text)
                data = text.encode("utf-8")
            done[path] = (hashed_name(path, data), data)
        pending = [p for p in pending if p not in done]
    return done
