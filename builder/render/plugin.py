"""The MkDocs side of the publisher: typed, validated site settings and a safe Jinja env.

Site-wide settings live in ``mkdocs.yml`` under ``plugins: - publisher:``; MkDocs checks their
types when it loads the file, so a typo fails before any page is written.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import get_global
from jinja2 import pass_context
from jinja2.bccache import Bucket, BytecodeCache
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import Abort, PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from builder.core.dates import DIGITS, Digits, display_number
from builder.core.settings import docs_page_url
from builder.core.urls import ARTICLES
from builder.render.assets import HASHED, hash_assets
from builder.render.fonts import SITE_PATH, cached_subset
from builder.render.pages import split_front_matter


class _TimeZone(c.Type[str]):
    def __init__(self, default: str) -> None:
        super().__init__(str, default=default)

    def run_validation(self, value: object) -> str:
        name: str = super().run_validation(value)
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise base.ValidationError(
                f"unknown time zone {name!r} (use an IANA name such as 'Asia/Kuwait')"
            ) from exc
        return name


class _Count(c.Type[int]):
    """A count or size: 0 or less would build something absurd (no article on a page), not fail."""

    def __init__(self, default: int, most: int | None = None, why: str = "") -> None:
        super().__init__(int, default=default)
        self.most, self.why = most, why

    def run_validation(self, value: object) -> int:
        number: int = super().run_validation(value)
        if isinstance(number, bool) or number < 1:
            raise base.ValidationError(f"must be a whole number of at least 1, not {value!r}")
        if self.most is not None and number > self.most:
            raise base.ValidationError(f"must be at most {self.most:,} ({self.why}), not {number}")
        return number


class _WebUrl(c.Type[str]):
    """An absolute http(s) URL (a profile of the publisher elsewhere: ``sameAs``)."""

    def __init__(self) -> None:
        super().__init__(str)

    def run_validation(self, value: object) -> str:
        url: str = super().run_validation(value)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
            raise base.ValidationError(f"{url!r} is not an absolute http(s) URL")
        return url


class PoliciesConfig(base.Config):  # type: ignore[no-untyped-call]
    """The publisher's policy pages, each a Markdown file in docs_dir (``policies/ethics.md``),
    published on the publisher's ``NewsMediaOrganization`` under the schema.org property of
    the same name (``ethics_policy`` -> ``ethicsPolicy``). Google News's transparency
    guidance asks a news site to publish them; a file that is not there stops the build."""

    publishing_principles = c.Optional(c.Type(str))
    corrections_policy = c.Optional(c.Type(str))
    ethics_policy = c.Optional(c.Type(str))
    ownership_funding_info = c.Optional(c.Type(str))
    masthead = c.Optional(c.Type(str))
    actionable_feedback_policy = c.Optional(c.Type(str))
    diversity_policy = c.Optional(c.Type(str))
    diversity_staffing_report = c.Optional(c.Type(str))
    mission_coverage_priorities_policy = c.Optional(c.Type(str))
    no_bylines_policy = c.Optional(c.Type(str))
    unnamed_sources_policy = c.Optional(c.Type(str))
    verification_fact_checking_policy = c.Optional(c.Type(str))


# What the footer calls each policy page (PoliciesConfig): readers look for them there.
POLICY_LABELS = {
    "publishing_principles": "مبادئ النشر",
    "corrections_policy": "سياسة التصحيح",
    "ethics_policy": "ميثاق الأخلاقيات",
    "ownership_funding_info": "الملكية والتمويل",
    "masthead": "فريق التحرير",
    "actionable_feedback_policy": "راسلنا",
    "diversity_policy": "سياسة التنوع",
    "diversity_staffing_report": "تقرير التنوع",
    "mission_coverage_priorities_policy": "أولويات التغطية",
    "no_bylines_policy": "المواد غير الموقعة",
    "unnamed_sources_policy": "المصادر غير المسماة",
    "verification_fact_checking_policy": "التحقق من المعلومات",
}

_BODY_IMG = re.compile(r"<img (?![^>]*\bloading=)")


class PublisherConfig(base.Config):  # type: ignore[no-untyped-call]
    publisher_name = c.Type(str)
    # A file inside docs_dir, published with the site; used as the publisher logo in JSON-LD.
    publisher_logo = c.Optional(c.Type(str))
    language = c.Type(str, default="ar")
    # Times in metadata carry their own offset; this zone is the one dates are shown in.
    timezone = _TimeZone(default="UTC")
    # Digits in dates, counts and page numbers: 'latin' (0-9) or 'arabic' (Arabic-Indic ٠-٩).
    # Latin by default: the articles' own text (scraped from the source) writes its numbers
    # 0-9, and a dateline in another digit set than the headline beside it reads as a mistake;
    # Western digits are also what most large Arabic news sites and readers' search queries use.
    digits = c.Choice(DIGITS, default="latin")
    # Default input folder (relative to mkdocs.yml) and source profile for `builder build`.
    input = c.Type(str, default="corpus/sample")
    profile = c.Optional(c.Type(str))
    # Hosts besides site_url's from which photo URLs may be loaded (the publisher's own CDN).
    image_hosts = c.ListOfItems(c.Type(str), default=[])
    per_page = _Count(default=20)
    # Latest news, sections and tags list at most this many pages (newest first); older
    # articles are reached through the date archives, which list every article.
    max_pages = _Count(default=10)
    # Articles per search index chunk (one Pagefind run each, merged by the search page):
    # Pagefind holds a whole index in memory, about 0.2 MB per article.
    search_chunk = _Count(default=1000)
    # Articles per partition (one MkDocs run, one task): a month with more is cut into equal
    # runs in date order, so a worker's memory and the work after one edit stay bounded. Each
    # partition has its own sitemap, and a sitemap holds at most 50,000 URLs.
    partition_size = _Count(default=250, most=50_000, why="a partition's sitemap holds no more")
    # Inputs past these are refused with a reason: bytes in one article file (or .jsonl
    # record), characters in one headline, caption or paragraph.
    max_file_bytes = _Count(default=5_000_000)
    max_line_chars = _Count(default=20_000)
    # The authors file (TOML, relative to mkdocs.yml; none is fine): builder.core.authors.
    authors = c.Type(str, default="authors.toml")
    # Sections in the masthead menu, in this order; the site's other sections follow them.
    menu = c.ListOfItems(c.Type(str), default=[])
    # The publisher's policy pages (PoliciesConfig) and its profiles elsewhere (its accounts,
    # its Wikipedia or Wikidata entry): the publisher's JSON-LD `sameAs`.
    policies = c.SubConfig(PoliciesConfig)
    same_as = c.ListOfItems(_WebUrl(), default=[])
    # Where `nashra deploy` publishes site/ when no --to is given: a folder, [user@]host:/path
    # or ssh://[user@]host[:port]/path (rsync), or git:BRANCH / git:REPO#BRANCH (GitHub Pages).
    deploy_to = c.Optional(c.Type(str))
    # The SSH command rsync runs for a host target (rsync's -e), e.g. "ssh -i ~/.ssh/deploy".
    deploy_ssh = c.Optional(c.Type(str))


class _MemoryBytecode(BytecodeCache):
    """Compiled templates kept for the life of the process and in the build folder: a worker
    runs MkDocs once per partition, each run makes a new Jinja environment, and compiling our
    templates again cost about 60 ms a run (the first run of every worker of every build, from
    the folder). Buckets are keyed by template name and source checksum, so an edited template
    is compiled afresh."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}
        self.folder: Path | None = None

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key not in self.code and self.folder is not None:
            try:
                self.code[bucket.key] = (self.folder / f"{bucket.key}.bc").read_bytes()
            except OSError:
                return
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()
        if self.folder is not None:  # whole or not at all: parallel workers may write the same key
            self.folder.mkdir(parents=True, exist_ok=True)
            temp = self.folder / f".{bucket.key}.{os.getpid()}"
            temp.write_bytes(self.code[bucket.key])
            temp.replace(self.folder / f"{bucket.key}.bc")


_BYTECODE = _MemoryBytecode()

# Whether this process runs MkDocs as the builder's renderer: set by
# :func:`builder.publish.swap.render`, the one place the builder runs MkDocs. MkDocs run any
# other way (`mkdocs build`, `mkdocs serve`, `mkdocs gh-deploy`, its Python API) sees only
# docs/, so it would make the site without its articles, whose pages the builder writes into
# its own folders: it stops instead (:meth:`PublisherPlugin.on_config`).
_RENDERING = [False]

# What to run instead of each MkDocs command (as MkDocs's `on_startup` names it), and what
# that command would do with the site.
INSTEAD = {
    "build": ("nashra build", "make"),
    "serve": ("nashra serve", "preview"),
    "gh-deploy": ("nashra deploy", "publish"),
}


def og_locale(language: str) -> str:
    """Open Graph's ``og:locale`` (``language_TERRITORY``) for the ``language`` setting: its own
    territory when it names one, else the one CLDR deems likeliest; Arabic without one stays
    ``ar_AR``, the locale Open Graph consumers list for Arabic.

    >>> og_locale("ar"), og_locale("ar-KW"), og_locale("fr"), og_locale("en_GB")
    ('ar_AR', 'ar_KW', 'fr_FR', 'en_GB')
    """
    parts = language.replace("_", "-").split("-")
    regions = [p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()]
    if regions:
        return f"{parts[0].lower()}_{regions[0]}"
    if parts[0].lower() == "ar":
        return "ar_AR"
    likely = get_global("likely_subtags").get(parts[0].lower(), "")
    region = next((p for p in likely.split("_")[1:] if len(p) == 2 and p.isupper()), None)
    return f"{parts[0].lower()}_{region}" if region else parts[0].lower()


def rendering_for_builder(menu: Menu = ()) -> None:
    """Declare that MkDocs runs in this process as the builder's renderer, not on its own;
    ``menu``: the masthead's sections as (name, site-relative URL), which only the builder,
    having read every article, knows (:func:`builder.render.listings.section_menu`)."""
    _RENDERING[0] = True
    _MENU[:] = menu


Menu = tuple[tuple[str, str], ...]
_MENU: list[tuple[str, str]] = []


def refusal(command: str | None) -> str:
    """The one line a plain MkDocs command stops with, naming what to run instead.

    >>> refusal("gh-deploy").split(": ", 1)[1]
    '`mkdocs gh-deploy` would publish it without its articles; run `nashra deploy`'
    >>> refusal(None)
    'this is a nashra site: MkDocs alone would make it without its articles; run `nashra build`'
    """
    if command in INSTEAD:
        (instead, verb), ran = INSTEAD[command], f"`mkdocs {command}`"
    else:
        (instead, verb), ran = INSTEAD["build"], "MkDocs alone"
    return f"this is a nashra site: {ran} would {verb} it without its articles; run `{instead}`"


class PublisherPlugin(BasePlugin[PublisherConfig]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        self._front: dict[str, Any] = {}  # article page -> its front matter, read as JSON
        self._assets: dict[str, str] = {}  # logical asset path -> its content-hashed path
        self._command: str | None = None  # the `mkdocs` command running, if MkDocs's CLI runs

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Only MkDocs's own commands send this event (the builder calls MkDocs's build
        # function, which does not): it names the command, for the message below.
        self._command = command

    def on_config(self, config: Any) -> Any:
        # MkDocs's first event of a build, before it cleans or writes site_dir: a run that is
        # not the builder's stops here, so nothing is written and nothing can be deployed.
        if not _RENDERING[0]:
            raise Abort(refusal(self._command))
        return config

    def on_page_read_source(self, /, *, page: Any, config: Any) -> str | None:
        # An article page's front matter is the one line of JSON
        # ``builder.render.pages.front_matter`` writes. YAML's (pure-Python) constructor took
        # about 0.4 ms a page to read it, 3-4% of building one; JSON reads the same mapping (a
        # property test checks that) at a fraction of that. MkDocs is handed an empty front
        # matter, so the body is never taken for metadata, and the data joins the page in
        # on_page_markdown.
        if not page.file.src_uri.startswith(f"{ARTICLES}/"):
            return None
        split = split_front_matter(page.file.content_string)
        if split is None:
            return None
        self._front[page.file.src_uri] = split[0]
        return "---\n{}\n---\n" + split[1]

    def on_page_markdown(self, markdown: str, /, *, page: Any, config: Any, files: Any) -> str:
        if page.file.src_uri in self._front:
            page.meta = self._front.pop(page.file.src_uri)
        return markdown

    def on_env(self, env: Any, /, *, config: Any, files: Any) -> Any:
        # MkDocs creates its Jinja environment without autoescaping; article text is
        # untrusted, so every {{ }} in our theme escapes unless a template says |safe.
        env.autoescape = True
        env.bytecode_cache = _BYTECODE  # every environment here is configured alike (above)
        # (not "jinja": templates compiled there hold folded asset names, see "asset" below)
        build_dir = Path(config.config_file_path).resolve().parent / ".build"
        _BYTECODE.folder = build_dir / "templates"
        # {{ n|number }}: page numbers and counts in the site's locale and digit set.
        language = self.config.language
        digits: Digits = "arabic" if self.config.digits == "arabic" else "latin"
        env.filters["number"] = lambda n: display_number(n, language, digits)
        # {{ 'assets/site.css'|asset|url }}: a theme asset by its content-hashed name.
        # Context-passing, so Jinja never folds it at compile time: a folded name was kept in
        # the bytecode cache (keyed by the template's source alone) after site.css changed.
        env.filters["asset"] = pass_context(lambda _, logical: self._asset(logical))
        env.filters["og_locale"] = og_locale
        env.globals["menu"] = [{"name": name, "url": url} for name, url in _MENU]
        # The footer's links to the policy pages the settings name (checked to exist when the
        # settings were loaded), at the URLs MkDocs gives those pages: computed, since the
        # runs that render articles and listings do not have those pages among their files.
        env.globals["policy_pages"] = [
            (POLICY_LABELS[key], docs_page_url(path, config.use_directory_urls))
            for key, path in self.config.policies.items()
            if path
        ]
        return env

    def _asset(self, logical: str) -> str:
        try:
            return self._assets[logical]
        except KeyError:
            raise PluginError(
                f"the theme names asset {logical!r}, which is not among its hashed assets "
                f"({', '.join(sorted(self._assets))})"
            ) from None

    def on_page_content(self, html: str, /, *, page: Any, config: Any, files: Any) -> str:
        # Images inside a body are below the lead photo: fetched only when scrolled near, and
        # decoded off the main thread (the lead photo, in the template, loads at once).
        return _BODY_IMG.sub('<img loading="lazy" decoding="async" ', html)

    def on_files(self, files: Files, /, *, config: Any) -> Files:
        # The subset body font, made once per font and recipe (cached in the build folder beside
        # mkdocs.yml, like the builder's other work files) and published as a static file.
        build_dir = Path(config.config_file_path).resolve().parent / ".build"
        files.append(File.generated(config, SITE_PATH, abs_src_path=str(cached_subset(build_dir))))
        # The theme's stylesheets, scripts and the font are published under content-hashed
        # names only (builder.render.assets), so hosts can cache them as immutable. A file of
        # docs_dir at the same path (MkDocs lets it override the theme's) is hashed in its place.
        theme = [Path(d).resolve() for d in config.theme.dirs]
        logical = {SITE_PATH} | {
            f.src_uri
            for f in files
            if f.src_uri.endswith(HASHED)
            and f.src_dir is not None
            and Path(f.src_dir).resolve() in theme
        }
        found = {uri: files.get_file_from_path(uri) for uri in sorted(logical)}
        hashed = hash_assets({uri: f.content_bytes for uri, f in found.items() if f is not None})
        for uri, (name, data) in hashed.items():
            files.remove(found[uri])  # type: ignore[arg-type]
            files.append(File.generated(config, name, content=data))
        self._assets = {uri: name for uri, (name, _) in hashed.items()}
        return files
