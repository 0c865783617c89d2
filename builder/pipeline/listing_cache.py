"""Listing pages are rendered only when what they are made from changed since the site was
published.

A listing page's Markdown depends only on its own fields, the listed fields of the articles
it shows and the code, theme and settings (``code_digest``), and its HTML only on those, so
the hash of them is its cache key: pages whose key is the one recorded when the current site
was published are hard-linked from that site, without their Markdown even being made; the
others are made, written into chunks of a docs folder and rendered by MkDocs runs side by
side in the pool.

The Markdown itself depends only on the articles' listed fields (:func:`listed_digest`): when
those are the ones recorded with the published site (an edit to a body, say), the pages are
not even made again; the recorded keys and home page stand.

A reused page is not checked again either: its bytes are those checked when it was published,
and what that check depends on (code, settings, vocabulary; not the time) is in its key, so the
findings recorded with its key (few pages have any) are reported in its stead.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from builder.check.validate import Finding
from builder.core.article import Article
from builder.publish import precompress
from builder.publish.recycle import marker_key
from builder.publish.writer import write_files
from builder.render.listings import ListingPage

LISTINGS = "listings"  # inside Settings.build_dir: docs folders of the pages to render
MANIFEST = "listings.json"  # {docs path: key} of the published site, and the findings of its pages
# the same for the site it replaced, kept as the spare (builder.publish.recycle)
SPARE_MANIFEST = "listings-spare.json"
# pages per MkDocs run: a worker holds them all (400 took a worker from about 110 to 160 MB)
CHUNK = 150
HOME = "index.md"  # the home page: rendered with the hand-written pages, not as a listing page


@dataclass(frozen=True)
class ListingPlan:
    keys: dict[str, str]  # docs path -> cache key, every listing page
    render: list[str]  # docs paths of the pages to render (written into ``chunks``)
    reuse: list[str]  # docs paths to link from the current site
    home: str = ""  # the home page's Markdown (docs/index.md, rendered with the hand-written pages)
    listed: str = ""  # listed_digest() of the articles the pages were made from
    findings: dict[str, list[tuple[str, str]]] = field(
        default_factory=dict
    )  # docs path -> recorded (level, message) pairs, reused pages that have any
    chunks: tuple[
        Path, ...
    ] = ()  # docs folders of at most CHUNK pages to render, one MkDocs run each

    def known(self) -> dict[str, list[tuple[str, str]]]:
        """The findings of every reused page, by site path: validation reports them instead of
        reading the page (byte-identical to the one checked when they were recorded)."""
        return {html_path(p): self.findings.get(p, []) for p in self.reuse}


def listed_key(article: Article) -> bytes:
    """The hash of what listings and article links show of one slim record: every field but
    its text, dateline, modified date and corrections, which no listing or link shows
    (a denylist, so a field a listing starts to show is covered without a change here). Kept
    with the record in the read cache: hashing 20,000 records every build cost 0.13 s.

    >>> from dataclasses import replace
    >>> from datetime import datetime, timezone
    >>> a = Article("a", "a.txt", "h", None, None, ("p",),
    ...     published=datetime(2024, 1, 1, tzinfo=timezone.utc))
    >>> (listed_key(a) == listed_key(replace(a, paragraphs=("q",)))
    ...  != listed_key(replace(a, headline="h2")))
    True
    """
    return hashlib.blake2b(
        repr(
            [getattr(article, f.name) for f in fields(article) if f.name not in _UNLISTED]
        ).encode(),
        digest_size=16,
    ).digest()


def listed_digest(keys: Iterable[bytes], code: str) -> str:
    """sha256 of what listings and article links are made from: the code and settings, and
    every article's :func:`listed_key`, in order. Not the target site: links do not depend on
    it, and the listing manifest is trusted only for the site it was recorded with."""
    digest = hashlib.sha256(f"{code}\0".encode())
    for key in keys:
        digest.update(key)
    return digest.hexdigest()


_UNLISTED = frozenset({"paragraphs", "dateline", "modified", "corrections", "markdown"})


def unchanged(listed: str, build_dir: Path, target: Path, site_ok: bool) -> ListingPlan | None:
    """Every listing page of the published site, reused as it is, when it was made from the
    same listed fields; else None (the pages are made and planned)."""
    record = _record(build_dir, target) if site_ok else {}
    pages = record.get("pages", {})
    if not (
        listed
        and record.get("listed") == listed
        and record.get("home")
        and all((target / html_path(p)).is_file() for p in pages)
    ):
        return None
    shutil.rmtree(build_dir / LISTINGS, ignore_errors=True)  # nothing to render
    return ListingPlan(pages, [], sorted(pages), record["home"], listed, _findings(record, pages))


def _record(build_dir: Path, site: Path, name: str = MANIFEST) -> dict[str, Any]:
    """The manifest of the published site (or of the spare); keys recorded for another site
    than that one (a build killed between its swap and this record) are not trusted."""
    try:
        record = json.loads((build_dir / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) and record.get("marker") == marker_key(site) else {}


def _findings(record: dict[str, Any], pages: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """The recorded findings of ``pages``: only pages reused under their recorded key are passed."""
    found = record.get("findings", {})
    return {p: [(level, message) for level, message in found[p]] for p in pages if p in found}


def html_path(docs_path: str) -> str:
    """Where MkDocs publishes a docs page (directory URLs).

    >>> html_path("page/2.md"), html_path("archive/index.md")
    ('page/2/index.html', 'archive/index.html')
    """
    stem = docs_path.removesuffix(".md")
    return stem + ".html" if stem == "index" or stem.endswith("/index") else stem + "/index.html"


def plan(
    pages: Iterable[ListingPage],
    listed: str,
    code: str,
    build_dir: Path,
    target: Path,
    site_ok: bool,
) -> ListingPlan:
    """Split the listing pages, as they are made, into those the current site already has and
    those to render, written at once into chunk folders: no more than a chunk of pages is held
    (at 100,000 articles, all of them would be about 100 MB). The home page is kept aside."""
    record = _record(build_dir, target) if site_ok else {}
    old = record.get("pages", {})
    root = build_dir / LISTINGS
    shutil.rmtree(root, ignore_errors=True)  # the build lock keeps other builds out
    keys: dict[str, str] = {}
    render: list[str] = []
    reuse: list[str] = []
    batch: dict[str, str] = {}
    folders: list[Path] = []
    home = ""

    def flush() -> None:
        folders.append(root / f"chunk-{len(folders)}")
        write_files(folders[-1], dict(batch))
        batch.clear()

    site = f"{code}\0{target.resolve()}\0".encode()
    for path, inputs, make in pages:
        if path == HOME:
            home = make()
            continue
        keys[path] = hashlib.sha256(site + f"{path}\0".encode() + inputs).hexdigest()
        if old.get(path) == keys[path] and (target / html_path(path)).is_file():
            reuse.append(path)
            continue
        render.append(path)
        batch[path] = make()
        if len(batch) == CHUNK:
            flush()
    if batch:
        flush()
    return ListingPlan(keys, render, reuse, home, listed, _findings(record, reuse), tuple(folders))


def in_spare(listing: ListingPlan, build_dir: Path, spare: Path) -> frozenset[str]:
    """The listing pages (site paths) the spare holds under the key the new site needs, with
    their precompressed copies: left in place when the spare is recycled
    (:func:`builder.publish.recycle.prune`)."""
    record = _record(build_dir, spare, SPARE_MANIFEST)
    held = record.get("pages", {})
    pages = [html_path(p) for p, key in listing.keys.items() if held.get(p) == key]
    return frozenset(pages + [c for page in pages for c in precompress.copies(page)])


def merge(
    listing: ListingPlan,
    rendered: list[Path],
    target: Path,
    fresh: Path,
    kept: frozenset[str] = frozenset(),
) -> None:
    """Put every listing page into the new site with its precompressed copies: reused ones
    linked (unless ``kept`` there from the spare), rendered ones moved."""
    for path in listing.reuse:
        rel = html_path(path)
        if rel in kept and (fresh / rel).is_file():
            continue
        (fresh / rel).parent.mkdir(parents=True, exist_ok=True)
        precompress.link(target / rel, fresh / rel)
    for path in sorted(listing.render):
        rel = html_path(path)
        source = next((site / rel for site in rendered if (site / rel).is_file()), None)
        if source is None:
            raise FileNotFoundError(f"listing page {path} was not rendered")
        (fresh / rel).parent.mkdir(parents=True, exist_ok=True)
        precompress.move(source, fresh / rel)


def remember(
    build_dir: Path, listing: ListingPlan, target: Path, findings: Iterable[Finding] = ()
) -> None:
    """Record the keys of the published listing pages, and which site they are in, for the next
    build; with the site's unfolded ``findings``, each listing page's own (only pages that have
    any get an entry), so the next build can report them without checking the page again."""
    pages = {html_path(p): p for p in listing.keys}
    found: dict[str, list[tuple[str, str]]] = {}
    for f in findings:
        if f.page in pages:
            found.setdefault(pages[f.page], []).append((f.level, f.message))
    if (build_dir / MANIFEST).exists():  # it describes the replaced site, now the spare
        (build_dir / MANIFEST).replace(build_dir / SPARE_MANIFEST)
    temp = build_dir / (MANIFEST + ".tmp")
    record = {
        "marker": marker_key(target),
        "pages": listing.keys,
        "home": listing.home,
        "listed": listing.listed,
        "findings": found,
    }
    temp.write_text(json.dumps(record, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    temp.replace(build_dir / MANIFEST)
