"""The offline bundle's search index: small JavaScript shards, loaded on demand with <script>.

Why this shape: Pagefind does not run from ``file://`` (it fetches its index), and one JSON
index of every article does not scale (MkDocs's own: 27 MB at 1,000 articles). A page
opened from ``file://`` can still run classic ``<script src>`` files next to it, so the index
is cut into many small scripts, each of which calls one global registration function
(``__offlineSearch(kind, key, data)``); ``builder/assets/offline-search.js`` adds the few a
query needs. Pure: article records in, file names and bytes out.

- **Terms**: every word of the headline, deck and body, folded with :func:`builder.core.fold.fold`
  (the JS side folds the query with the same ``fold.js``), lower-cased, split into runs of
  letters and digits (``\\p{L}\\p{N}`` in JS). A word starting with the definite article
  (``ال``, ``وال``, ``بال``, ``فال``, ``كال``, ``لل``) is also indexed without it, so
  ``مغرب`` finds ``المغرب`` and ``بالمغرب``.
- **Postings**: per term, the articles it occurs in and the best field it occurs in there
  (0 headline, 1 deck, 2 body), delta-coded in base 36. Articles are numbered newest first,
  so "newest" is "lowest number" when ranking.
- **Term shards**: terms are grouped by their first letters (at least one, more while a group
  is over :data:`SHARD_BYTES`), so a prefix query loads only the shards whose key is a prefix
  of the query word or starts with it. A group that is split keeps the terms equal to its key
  in a shard of its own under that key.
- **Display shards**: headline, deck (else the page's description), date and link of
  :data:`CHUNK` articles by number, so a query loads only the display data of the results it
  shows.
- **Manifest**: the shard keys and counts (``manifest.js``), loaded first.

Article text is untrusted: every shard is JSON inside a JS call, with ``<``, ``>``, ``&``,
U+2028 and U+2029 written as ``\\uXXXX`` escapes, so no text can end a script or break the
JavaScript; the page shows it with ``textContent`` only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from builder.core.fold import fold

CHUNK = 50  # articles per display shard
SHARD_BYTES = 48_000  # a term group larger than this is split by its next letter
REGISTER = "__offlineSearch"
MANIFEST = "manifest.js"
FIELDS = ("headline", "deck", "body")
_WORD = re.compile(r"[^\W_]+")  # letters and digits: JS /[\p{L}\p{N}]+/gu
_ARTICLE = ("وال", "بال", "فال", "كال", "لل", "ال")  # longest first
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Entry:
    """One article as the offline search knows it: where its page is and what it shows."""

    path: str  # bundle-relative file of the page: "articles/x/index.html"
    headline: str
    deck: str
    date: str  # as shown on the page
    published: str  # ISO 8601 with offset, or "" when undated
    body: str
    summary: str = ""  # the page's description, shown (not searched) where there is no deck


@dataclass(frozen=True)
class Index:
    files: dict[str, bytes]  # file name (inside the index folder) -> bytes
    terms: int
    shards: int


def words(text: str) -> list[str]:
    """Folded, lower-cased words of ``text``, as the index stores them (and fold.js + the same
    split make of a query).

    >>> words("أعلنت وزارةُ الصحة: ٢٠٢١ COVID-19")
    ['اعلنت', 'وزاره', 'الصحه', '2021', 'covid', '19']
    """
    return _WORD.findall(fold(text).lower())


def terms(text: str) -> set[str]:
    """The index terms of ``text``: its words, and words with a definite article without it.

    >>> sorted(terms("بالمغرب والأردن"))
    ['اردن', 'بالمغرب', 'مغرب', 'والاردن']
    """
    found = set()
    for word in words(text):
        found.add(word)
        for prefix in _ARTICLE:
            if word.startswith(prefix) and len(word) - len(prefix) >= 2:
                found.add(word[len(prefix) :])
                break
    return found


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """Dated articles newest first (by instant, whatever their offsets), then undated ones;
    ties by path, so the numbering never depends on input order."""

    def key(e: Entry) -> tuple[int, float, str]:
        if not e.published:
            return (1, 0.0, e.path)
        moment = datetime.fromisoformat(e.published)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return (0, -moment.timestamp(), e.path)

    return sorted(entries, key=key)


def base36(n: int) -> str:
    """
    >>> base36(0), base36(35), base36(36), base36(1295)
    ('0', 'z', '10', 'zz')
    """
    out = ""
    while True:
        n, digit = divmod(n, 36)
        out = _DIGITS[digit] + out
        if n == 0:
            return out


def encode_postings(postings: dict[int, int]) -> str:
    """Article numbers ascending, each as ``(number - previous) * 3 + field`` in base 36.

    >>> encode_postings({0: 2, 5: 0, 7: 1})
    '2,f,7'
    """
    out, previous = [], 0
    for number in sorted(postings):
        out.append(base36((number - previous) * 3 + postings[number]))
        previous = number
    return ",".join(out)


def script_json(value: object) -> str:
    """JSON that is safe inside any script: nothing can close a <script> element or end a JS
    string (U+2028/U+2029), and Arabic stays readable (and three times smaller than \\uXXXX).

    >>> print(script_json({"h": "</script><b>&\\u2028"}))
    {"h":"\\u003c/script\\u003e\\u003cb\\u003e\\u0026\\u2028"}
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def shard_file(key: str) -> str:
    """The file of a term shard: ASCII (code points in hex), safe on any file system.

    >>> shard_file("ال")
    't-627-644.js'
    """
    return "t-" + "-".join(f"{ord(c):x}" for c in key) + ".js"


def display_file(chunk: int) -> str:
    return f"d-{chunk}.js"


def _call(kind: str, key: str, data: object) -> bytes:
    return f"{REGISTER}({script_json(kind)},{script_json(key)},{script_json(data)});\n".encode()


def _groups(
    encoded: dict[str, str], keys: Sequence[str], depth: int
) -> list[tuple[str, list[str]]]:
    """Cut the sorted ``keys`` (all sharing their first ``depth`` letters) into shards."""
    size = sum(len(t.encode()) + len(encoded[t]) + 6 for t in keys)
    prefix = keys[0][:depth]
    if depth >= 1 and (size <= SHARD_BYTES or all(len(t) <= depth for t in keys)):
        return [(prefix, list(keys))]
    shards: list[tuple[str, list[str]]] = []
    own = [t for t in keys if len(t) == depth]
    if own:
        shards.append((prefix, own))
    children: dict[str, list[str]] = {}
    for t in keys:
        if len(t) > depth:
            children.setdefault(t[depth], []).append(t)
    for letter in sorted(children):
        shards.extend(_groups(encoded, children[letter], depth + 1))
    return shards


def build_index(entries: Iterable[Entry]) -> Index:
    """Every shard of the index for ``entries`` (numbered newest first)."""
    ordered = newest_first(entries)
    postings: dict[str, dict[int, int]] = {}
    for number, entry in enumerate(ordered):
        for field, text in enumerate((entry.headline, entry.deck, entry.body)):
            for term in terms(text):
                seen = postings.setdefault(term, {})
                if seen.get(number, 3) > field:
                    seen[number] = field
    encoded = {term: encode_postings(p) for term, p in postings.items()}
    files: dict[str, bytes] = {}
    keys: list[str] = []
    for key, members in _groups(encoded, sorted(encoded), 0) if encoded else []:
        keys.append(key)
        files[shard_file(key)] = _call("t", key, {t: encoded[t] for t in members})
    for start in range(0, len(ordered), CHUNK):
        rows = [
            [e.path, e.headline, e.deck or e.summary, e.date, e.published]
            for e in ordered[start : start + CHUNK]
        ]
        files[display_file(start // CHUNK)] = _call("d", str(start // CHUNK), rows)
    manifest = {
        "version": 1,
        "count": len(ordered),
        "chunk": CHUNK,
        "fields": list(FIELDS),
        "terms": keys,
    }
    files[MANIFEST] = _call("m", "", manifest)
    return Index(files=files, terms=len(encoded), shards=len(keys))
