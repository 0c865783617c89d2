"""`builder build`: read everything, then write everything (Pelican's order), then check it.

Reading never stops on a bad file: each input ends as an article or as a rejection with its
reason, and the summary lists both.
"""

from __future__ import annotations

import hashlib
import itertools
import marshal
import os
import shutil
import sys
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from builder.check.discovery import check_lasting, check_news, check_sitemap, robots_problems
from builder.check.validate import Finding, fold_notes, summary_counts, validate_site
from builder.core.article import Article
from builder.core.settings import Settings, SettingsError, load_settings
from builder.core.store import Picked, Records, RecordWriter
from builder.core.urls import ARTICLES, slug_path, slug_url, uri
from builder.pipeline import discovery_cache, listing_cache, site_parts
from builder.pipeline.admit import Admission, of_kept
from builder.pipeline.cluster import Shared
from builder.pipeline.discovery_cache import NEWS, discovery_key, told_digest
from builder.pipeline.executors import (
    give_back_memory,
    local_workers,
    make_executor,
    no_collection,
    release,
    spread,
    worker_count,
)
from builder.pipeline.incremental import Stored, remember, reusable, stored
from builder.pipeline.listing_cache import ListingPlan
from builder.pipeline.partitions import (
    PartitionTask,
    RenderTask,
    build_partition,
    code_digest,
    read_texts,
    render_docs,
)
from builder.pipeline.read_cache import CHUNK, ReadCache
from builder.pipeline.reading import Reading, read_files
from builder.pipeline.search_index import (
    BUNDLE,
    SearchFolders,
    SearchPlan,
    finish_bundle,
    index_chunks,
    link_unchanged,
    plan_search,
    prepare_first,
    search_chunks,
)
from builder.pipeline.search_index import in_spare as search_in_spare
from builder.pipeline.tasks import (
    GATHERED,
    LINKS,
    SHADOWS,
    link_files,
    partition_groups,
    partition_tasks,
    write_members,
)
from builder.publish import host, precompress, recycle
from builder.publish.lock import project_lock as _lock
from builder.publish.swap import MARKER, PublishError, check_site_dir, publish
from builder.publish.writer import write_generated
from builder.read.inputs import no_inputs, orphan_warning, scan_inputs
from builder.read.profile import load_profile
from builder.render import hosting
from builder.render.author_photo import author_photo, author_photo_path
from builder.render.discovery import (
    FeedItems,
    article_sitemap,
    at_host_root,
    feed_items,
    feeds,
    lasting_files,
    news_leaves,
    news_sitemap,
    robots_txt,
    sitemap_name,
)
from builder.render.listings import planned_listing_pages, section_menu

SPREAD_RENDERS = 3  # partitions and listing chunks to render that one worker makes alone


def build_time() -> datetime:
    """Now, or SOURCE_DATE_EPOCH when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)


@dataclass
class BuildReport:
    built: list[tuple[str, str]] = field(default_factory=list)  # (source, site-relative URL)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    held: list[tuple[str, str]] = field(
        default_factory=list
    )  # dated after the build time: published by a later build
    warnings: list[tuple[str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    published: bool = False
    failure: str | None = None
    stages: dict[str, float] = field(default_factory=dict)  # wall seconds per stage
    partitions: dict[str, int] = field(default_factory=dict)  # built / reused from the last site
    listings: dict[str, int] = field(
        default_factory=dict
    )  # made (0: reused whole) / rendered / reused pages
    spare_months: int | None = (
        None  # months kept as they were in the recycled spare (None: no spare)
    )
    discovery: str = (
        ""  # the sitemaps, robots.txt and feeds: "made", or "reused" from the current site
    )
    workers: int = (
        0  # local worker processes the build ended with (0: this process alone, or a Dask cluster)
    )
    # when the site would next change with time alone (an embargo ends, a modified date comes,
    # an article leaves the news sitemap): the moment `nashra watch` builds again unprompted
    next_change: datetime | None = None

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.stages[name] = self.stages.get(name, 0.0) + time.monotonic() - started

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    def to_json(self) -> dict[str, Any]:
        """``build-report.json``: every input, built (with its URL) or rejected (with why)."""
        warnings: dict[str, list[str]] = {}
        for source, message in self.warnings:
            warnings.setdefault(source, []).append(message)
        inputs = [
            {"source": s, "status": "built", "url": url, "warnings": warnings.get(s, [])}
            for s, url in self.built
        ]
        inputs += [
            {"source": s, "status": "rejected", "reason": reason} for s, reason in self.rejected
        ]
        inputs += [{"source": s, "status": "held", "reason": reason} for s, reason in self.held]
        return {
            "published": self.published,
            "failure": self.failure,
            "seconds": round(self.seconds, 3),
            "stages": {name: round(seconds, 3) for name, seconds in self.stages.items()},
            "partitions": self.partitions,
            "listings": self.listings,
            "spare_months": self.spare_months,
            "discovery": self.discovery,
            "workers": self.workers,
            "next_change": self.next_change.isoformat() if self.next_change else None,
            "built": len(self.built),
            "rejected": len(self.rejected),
            "held": len(self.held),
            "inputs": sorted(inputs, key=lambda i: str(i["source"])),
            "validation": [f.__dict__ for f in self.findings],
        }


def build(
    config_file: Path,
    input_dir: Path | None = None,
    site_dir: Path | None = None,
    profile_file: Path | None = None,
    out: TextIO = sys.stdout,
    now: datetime | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    search: bool = True,
) -> BuildReport:
    """Build the site; ``search=False`` leaves out the Pagefind index (the offline bundle has
    its own, and Pagefind cannot run from file://)."""
    started = time.monotonic()
    report = BuildReport()
    loaded = load_settings(config_file, site_dir)
    settings = loaded[0]
    source, target = _check_places(settings, input_dir, site_dir, profile_file)
    with _lock(settings.build_dir):
        project = _project(settings, loaded, source, target, profile_file, site_dir, now, search)
        with report.stage("read"), no_collection():
            cache = ReadCache.load(settings.build_dir, project.code)
        everything = (
            not cache.complete or not project.site_ok
        )  # all workers at once: they need no file list
        shared = Shared(_read_by_workers(settings, source, profile_file), settings.build_dir)
        with make_executor(jobs, scheduler, all_workers=everything, shared=shared) as pool:
            read = read_inputs(project, cache, pool, worker_count(jobs, scheduler), report)
            if read.articles:  # with nothing to publish, docs/ and site/ keep the last good build
                plan = plan_site(project, read, report)
                work = make_and_publish(project, read, plan, pool, report)
                if report.published:
                    remember_site(project, plan, work)
                    write_host_files(project, work, report)
                    leave_spare(project, plan, report)
            report.built = [(src, slug_path(slug)) for src, _, slug in read.articles.names()]
            report.workers = local_workers(pool)
            read.articles.close()
        _start(read.saving)
        for thread in read.saving:
            thread.join()
    report.seconds = time.monotonic() - started
    print_summary(report, out)
    return report


@dataclass(frozen=True)
class Project:
    """What every stage of one build reads."""

    settings: Settings
    source: Path  # the input folder
    target: Path  # the site folder
    config: str  # mkdocs.yml, as the workers load it
    profile: str | None  # the source profile given on the command line
    code: str  # sha256 of what every page depends on besides its inputs (code_digest)
    moment: datetime  # the build's "now"
    site_ok: bool  # the site folder is one this builder made: the build starts from it
    search: bool  # with the Pagefind index (the offline bundle has its own)
    # for a web host (not the offline bundle): precompressed copies, _headers, the nginx snippet
    hosted: bool
    # the published site, when its precompressed copies were made as this build makes them:
    # a file made again with the same bytes gets them as links (builder.publish.precompress)
    copies: Path | None


@dataclass(frozen=True)
class Read:
    """What the read stage leaves: the admitted articles on disk, newest first, and by their
    place in that order what later stages key on."""

    articles: Records
    listed: str  # digest of every listed field (the listings' and crawler files' key)
    months: list[str]  # each article's partition month
    lines: Callable[[int], bytes]  # each one's line of its partition's digest
    digest_of: Callable[[int], str]  # each one's inputs' digest
    key_of: Callable[[int], bytes]  # each one's listed key
    dated: str  # digest of every article's dates (the crawler files' key)
    told_of: Callable[[int], bytes]  # each one's feed fields' digest
    saving: list[threading.Thread]  # the read cache being written: started beside Pagefind


@dataclass(frozen=True)
class Plan:
    """The site to make: the listing pages, and the partitions to build or reuse."""

    listing: ListingPlan
    groups: dict[str, Picked]
    wanted: dict[str, str]  # each partition's content key
    todo: list[PartitionTask]  # to build now
    reused: list[PartitionTask]  # as the current site has them
    menu: tuple[tuple[str, str], ...] = ()  # the masthead's sections: every page shows it


FEED_NAMES = ("feed.xml", "atom.xml")  # a page's feeds, beside it
FEED_TEXTS = "feed-texts.marshal"  # inside Settings.build_dir: {id: (told, paragraphs)}


def full_texts(project: Project, items: list[tuple[Article, bytes]]) -> dict[str, tuple[str, ...]]:
    """The whole text of the feeds' items (each with its :func:`builder.pipeline.records.told`),
    by id: the build's records keep only the first paragraph. An item whose ``told`` is the one
    its text was kept under when feeds were last made takes it from there; the others are read
    again from their inputs, so a new article costs a read of what changed, not of every item
    of every feed."""
    path = project.settings.build_dir / FEED_TEXTS
    try:
        kept: dict[str, tuple[bytes, tuple[str, ...]]] = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        kept = {}
    found: dict[str, tuple[str, ...]] = {}
    wanted: dict[str, set[str]] = {}
    for item, told in items:
        hit = kept.get(item.id) if isinstance(kept, dict) else None
        if hit is not None and hit[0] == told:
            found[item.id] = hit[1]
        else:
            wanted.setdefault(item.source, set()).add(item.id)
    found.update(read_texts(project.config, project.profile, wanted))
    keep = {item.id: (told, found[item.id]) for item, told in items if item.id in found}
    temp = path.with_name(f".{FEED_TEXTS}.{os.getpid()}")
    temp.write_bytes(marshal.dumps(keep))
    temp.replace(path)
    return found


def author_photos(settings: Settings) -> dict[str, str | bytes]:
    """The authors file's photos, as the main pages' run publishes them."""
    return {
        author_photo_path(p): author_photo(p.photo) for p in settings.authors.values() if p.photo
    }


def _check_places(
    settings: Settings, input_dir: Path | None, site_dir: Path | None, profile_file: Path | None
) -> tuple[Path, Path]:
    """The input and site folders, refused before any work starts: a bad profile, a missing
    input, a site folder that is not ours to replace."""
    if profile_file is not None:
        load_profile(profile_file)
    source = input_dir or settings.input_dir
    if not source.exists():
        raise SettingsError(f"input {source} does not exist")
    target = site_dir or settings.site_dir
    check_site_dir(
        target,
        inputs=[source, settings.docs_dir, settings.build_dir],
        homes=[settings.config_file.parent, Path.home()],
    )
    return source, target


def _read_by_workers(
    settings: Settings, source: Path, profile_file: Path | None
) -> tuple[Path, ...]:
    """What a Dask cluster's workers read by the path the build gives them: the settings, the
    input folder, the source profile and the authors file."""
    profile = profile_file.resolve() if profile_file else None  # as the tasks name it
    wanted = (settings.config_file, source, profile, settings.authors_file)
    return tuple(p for p in wanted if p is not None)


def _project(
    settings: Settings,
    loaded: tuple[Settings, Any],
    source: Path,
    target: Path,
    profile_file: Path | None,
    site_dir: Path | None,
    now: datetime | None,
    search: bool,
) -> Project:
    """The build's project, under the lock (which keeps the site folder as it is)."""
    site_ok = (target / MARKER).exists()
    copies = site_ok and precompress.recorded(
        settings.build_dir, target, recycle.marker_key(target)
    )
    return Project(
        settings=settings,
        source=source,
        target=target,
        config=str(settings.config_file),
        profile=str(profile_file.resolve()) if profile_file else None,
        code=code_digest(settings.config_file, profile_file, loaded if site_dir is None else None),
        moment=now or build_time(),
        site_ok=site_ok,
        search=search,
        hosted=search,
        copies=target.resolve() if copies else None,
    )


def _admit(
    project: Project,
    names: list[str],
    cache: ReadCache,
    pool: Executor,
    workers: int,
    losers: dict[str, str],
) -> tuple[Admission, Reading]:
    """Every input read (from ``cache`` or the workers) and taken by a new admission gate."""
    settings = project.settings
    gate = Admission(RecordWriter(settings.build_dir), project.moment, project.code, losers)
    reading = read_files(
        pool,
        names,
        cache,
        settings.build_dir,
        project.config,
        project.profile,
        project.code,
        workers,
        gate.take_run,
    )
    for record, facts, key, digest in reading.records:  # each to the record file as it is read
        gate.take(record, facts, key, digest)
    return gate, reading


def read_inputs(
    project: Project, cache: ReadCache, pool: Executor, workers: int, report: BuildReport
) -> Read:
    """Every input to an admitted record on disk, a rejection or a held-back article, with its
    warnings. Records go to the record file as they are read; this process keeps none."""
    settings = project.settings
    with (
        report.stage("read"),
        no_collection(),
    ):  # the records hold no cycles: collecting as they pile up cost 0.4 s at 20,000
        inputs = scan_inputs([project.source])
        if not inputs.names:
            report.failure = no_inputs(project.source)
        gate, reading = _admit(project, inputs.names, cache, pool, workers, {})
        if gate.inverted:  # a duplicate older than the copy taken: all again, naming the rest
            losers = gate.losers()
            gate.store.discard()
            gate, reading = _admit(project, inputs.names, cache, pool, workers, losers)
        report.rejected = inputs.refused + reading.rejected + gate.rejected
        report.held = gate.held
        report.warnings = of_kept(reading.warnings + gate.warnings, report.rejected + report.held)
        report.warnings.extend(
            (str(sidecar), orphan_warning(sidecar)) for sidecar in inputs.orphans
        )
        report.warnings.extend(
            gate.spellings.merged()
        )  # spellings listed as one: said on every build
        saving = [threading.Thread(target=cache.save, args=(settings.build_dir,))]
        if reading.stale > CHUNK:  # written now, so its memory is free before the listings are made
            cache.save(settings.build_dir)
            saving = []
        articles = gate.store.finish()  # newest first, on disk
        report.next_change = min(
            filter(None, (gate.later, news_leaves(articles, project.moment))), default=None
        )
        arrival, digests = articles.arrival, gate.digests
        read = Read(
            articles=articles,
            listed=gate.listed_digest(),
            months=[gate.months[n] for n in arrival],
            lines=_by_position(gate.lines, 32, arrival),
            digest_of=lambda n: digests[arrival[n]],
            key_of=_by_position(gate.keys, 16, arrival),
            dated=gate.dated_digest(),
            told_of=_by_position(gate.told, 16, arrival),
            saving=saving,
        )
    give_back_memory(
        collect=False
    )  # what reading freed holds no cycles: a collection walked every record (0.09 s at 20,000)
    return read


def plan_site(project: Project, read: Read, report: BuildReport) -> Plan:
    """The listing pages (made now where what they show changed, else reused), the links each
    partition's pages show, and which partitions to build."""
    settings, articles = project.settings, read.articles
    menu = section_menu(articles, settings)
    shown = {url for _, url in menu}
    report.warnings.extend(
        (str(settings.config_file), f"menu: no article is in section {name!r}: left out")
        for name in settings.menu
        if slug_url("sections", name) not in shown
    )
    # every page shows the menu: its pages are made again when it changes
    code = hashlib.sha256(f"{project.code}\0{menu!r}".encode()).hexdigest()
    with report.stage("listings"):
        listing = listing_cache.unchanged(
            read.listed, settings.build_dir, project.target, project.site_ok
        )
        report.listings["made"] = int(listing is None)
        if listing is None:
            pages = planned_listing_pages(articles, settings, read.key_of)
            listing = listing_cache.plan(
                pages,
                read.listed,
                code,
                settings.build_dir,
                project.target,
                project.site_ok,
            )
        write_generated(
            settings.docs_dir, {"index.md": listing.home, **author_photos(settings)}
        )  # beside about.md, in the nav; the photos are published with it
        report.listings.update(rendered=len(listing.render), reused=len(listing.reuse))
        groups = partition_groups(articles, settings.partition_size, read.months)
        links = link_files(
            articles, groups, settings.build_dir / LINKS, read.listed, project.code, read.key_of
        )
    give_back_memory()  # what making the listings and links freed, before the workers grow
    partitions, wanted = partition_tasks(
        groups,
        settings,
        project.config,
        project.profile,
        project.target,
        project.moment,
        code,
        links,
        project.search,
        read.lines,
        project.hosted,
        project.copies,
        menu,
    )
    kept = {t.key for t in partitions if reusable(t, wanted[t.key], project.site_ok)}
    todo = [t for t in partitions if t.key not in kept]
    reused = [t for t in partitions if t.key in kept]
    report.partitions = {"built": len(todo), "reused": len(reused)}
    why = made_anew(project, menu) if len(todo) > 1 and not reused else ""
    print(
        f"  {len(articles)} articles: {len(todo)} partition(s) to build{why}, "
        f"{len(reused)} unchanged; "
        f"{len(listing.render)} listing page(s) to render, {len(listing.reuse)} unchanged ...",
        file=sys.stderr,
        flush=True,
    )
    return Plan(listing, groups, wanted, todo, reused, menu)


def made_now(project: Project, menu: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """What every page is made with besides its article: recorded with the site, so the next
    build can say why it makes every page again (:func:`made_anew`)."""
    return {"code": project.code, "menu": hashlib.sha256(repr(menu).encode()).hexdigest()}


def made_anew(project: Project, menu: tuple[tuple[str, str], ...]) -> str:
    """Why every month is made again, as the progress line says it (a newsroom waiting ten
    minutes for what is usually a five-second build should know why): nothing for a first
    build or when the published site has no record.

    A new section changes the masthead's menu, and with it every page."""
    last = recycle.made_with(project.settings.build_dir, project.target)
    now = made_now(project, menu)
    reasons = [
        why
        for key, why in (
            ("code", "the code, templates, settings or profile changed"),
            ("menu", "the section menu changed, and every page shows it"),
        )
        if key in last and last[key] != now[key]
    ]
    return f" ({'; '.join(reasons)})" if reasons else ""


def make_and_publish(
    project: Project, read: Read, plan: Plan, pool: Executor, report: BuildReport
) -> SiteWork:
    """Render the new site beside the current one, index it, check it, and swap it in only if
    it has no error (:func:`builder.publish.swap.publish`)."""
    if (
        len(plan.todo) + len(plan.listing.chunks) > SPREAD_RENDERS
    ):  # a few are made by one worker while this process goes on
        spread(pool)
    with ThreadPoolExecutor(1) as searcher:
        work = SiteWork(project, read, plan, pool, report, searcher if project.search else None)
        try:
            report.published, report.findings = publish(
                project.target, work.make, work.check, keep=recycle.spare_dir(project.target)
            )
        except PublishError as exc:
            report.failure = str(exc)
        finally:
            for _, _, job in work.indexing:
                job.cancel()
    shutil.rmtree(site_parts.search_dir(project.target), ignore_errors=True)
    return work


def remember_site(project: Project, plan: Plan, work: SiteWork) -> None:
    """What each partition, listing page and crawler file was made from, for the next build."""
    build_dir, target = project.settings.build_dir, project.target
    for task in plan.todo:  # a reused partition's record stands
        remember(
            task,
            plan.wanted[task.key],
            work.records.get(task.key, Stored([], [], None)),
            built=task.key in work.old_pages,
        )
    listing_cache.remember(build_dir, plan.listing, target, work.checked)
    discovery_cache.remember(build_dir, work.crawl, target)
    recycle.remember(build_dir, target, plan.wanted, made_now(project, plan.menu))
    precompress.remember(build_dir, recycle.marker_key(target), project.hosted)


def leave_spare(project: Project, plan: Plan, report: BuildReport) -> None:
    """A site made mostly anew is copied as the spare (:func:`recycle.worth_copying`), so the
    first one-article change after a full build starts from a spare like any other. Not for the
    offline bundle, which is built once into a folder of its own. The site is published
    whatever happens here: a failure is a warning, and the next build links the site instead."""
    if project.hosted and recycle.worth_copying(len(plan.todo), len(plan.reused)):
        with report.stage("spare"):
            try:
                recycle.copy_as_spare(
                    project.target,
                    project.settings.build_dir,
                    [(listing_cache.MANIFEST, listing_cache.SPARE_MANIFEST)],
                )
            except OSError as exc:
                where = str(recycle.spare_dir(project.target))
                report.warnings.append((where, f"no spare copy of the site was made: {exc}"))


def write_host_files(project: Project, work: SiteWork, report: BuildReport) -> None:
    """The host's files beside the published site (:mod:`builder.publish.host`). The site is
    published whatever happens here: a failure is a warning, and the next build tries again."""
    if not project.hosted:
        return
    try:
        host.write(project.target, work.beside, hosting.MADE.encode())
    except OSError as exc:
        where = str(host.host_dir(project.target))
        report.warnings.append((where, f"the host's files were not written: {exc}"))


class SiteWork:
    """The new site's making (:meth:`make`) and checking (:meth:`check`), as
    :func:`builder.publish.swap.publish` calls them, and what they leave for the next build."""

    def __init__(
        self,
        project: Project,
        read: Read,
        plan: Plan,
        pool: Executor,
        report: BuildReport,
        searcher: ThreadPoolExecutor | None,
    ) -> None:
        self.project, self.read, self.plan, self.pool, self.report, self.searcher = (
            project,
            read,
            plan,
            pool,
            report,
            searcher,
        )
        self.parts = site_parts.parts_dir(project.target)
        self.rendered = [
            self.parts / f"listings-{n}" for n in range(len(plan.listing.chunks))
        ]  # each chunk's pages
        self.records: dict[
            str, Stored
        ] = {}  # each partition's findings, warnings and search months
        self.old_pages: dict[
            str, set[str]
        ] = {}  # built partitions: sources whose pages were linked from the current site
        self.indexing: list[
            tuple[SearchPlan, SearchFolders, Future[None]]
        ] = []  # the search index being made, with its plan and folders
        self.crawl = discovery_cache.Crawl()
        self.beside: dict[str, bytes] = {}  # files for the host, beside the site (_host)
        self.checked: list[
            Finding
        ] = []  # findings of the pages but articles (notes unfolded), and of discovery

    def make(self, fresh: Path) -> None:
        """Every page of the new site into ``fresh``: the partitions and listing chunks in the
        workers, Pagefind beside them, then the parts merged and the crawler files written."""
        if self.project.hosted:  # before any work: the host files are written after the swap
            host.check(self.project.target, hosting.MADE.encode())
        self._render()
        with self.report.stage("merge"):
            self._merge(fresh)
        self._collect(fresh)
        with self.report.stage("discovery"):
            self._discovery(fresh)

    def check(self, fresh: Path) -> list[Finding]:
        """The new site's findings: the partitions' own, the other pages' (reused listing pages:
        their recorded findings, unread) and the crawler files'. The search index joins the new
        folder here, so a failed one is never published."""
        settings, moment = self.project.settings, self.project.moment
        with self.report.stage("validate"):
            self.checked.extend(
                validate_site(
                    fresh,
                    None,
                    settings.image_hosts,
                    None,
                    moment,
                    article_pages=False,
                    known=self.plan.listing.known(),
                    fold=False,
                )
            )
            problems = self._check_crawler_files(fresh)
            self.checked.extend(
                Finding(*p) for p in problems + check_news(fresh, settings.site_url, moment)
            )
        for plan, folders, job in self.indexing:
            job.result()
            finish_bundle(plan, fresh / BUNDLE, folders.out, folders)
        if self.project.hosted:
            self.checked.extend(self._host(fresh))
        return fold_notes(
            sorted(self.report.findings + self.checked, key=lambda f: (f.level, f.page, f.message))
        )

    def _check_crawler_files(self, fresh: Path) -> list[tuple[str, str, str]]:
        """The problems of the crawler files but the news sitemap: those made now are read
        back and checked; the others' were recorded when they were made."""
        crawl, site_url = self.crawl, self.project.settings.site_url
        made = {name for name, part in crawl.parts.items() if part[2] is None}
        feed_of = {  # each feed file -> the page it follows
            page + name: page for page in crawl.made_feeds for name in FEED_NAMES
        }
        kept = {rel for rel, page in feed_of.items() if crawl.made_feeds[page][1] is not None}
        if crawl.problems is None:  # the index, robots.txt...: all but what was reused
            trusted = {name: self._folders(name) for name in crawl.parts.keys() - made}
            found = check_lasting(fresh, site_url, os.listdir(fresh / ARTICLES), trusted, kept)
            crawl.problems = [p for p in found if p[1] not in made and p[1] not in feed_of]
        else:  # feeds are made only with the rest
            found = [
                p
                for name in made
                for p in check_sitemap(fresh, name, site_url, self._folders(name))
            ]
        for name in made:
            wanted, newest, _ = crawl.parts[name]
            crawl.parts[name] = (wanted, newest, [p for p in found if p[1] == name])
        for page, (key, problems) in crawl.made_feeds.items():
            if problems is None:  # made now
                crawl.made_feeds[page] = (key, [p for p in found if feed_of.get(p[1]) == page])
        return (
            crawl.problems
            + [p for part in crawl.parts.values() for p in part[2] or []]
            + [p for _, problems in crawl.made_feeds.values() for p in problems or []]
        )

    def _folders(self, name: str) -> list[str]:
        """The article folders a partition's sitemap lists (by its name)."""
        key = name.removeprefix("sitemap-").removesuffix(".xml")
        positions = sorted(self.plan.groups[key].positions)
        return [slug for _, _, slug in self.read.articles.names(positions)]

    def _host(self, fresh: Path) -> list[Finding]:
        """The host's configuration for the site as made: ``_headers`` at the site's root, and
        for beside it (:mod:`builder.publish.host`, written after the swap) the nginx snippet,
        and when ``site_url`` has a path the host root's robots.txt and ``_headers``. Returns
        what checking that robots.txt found."""
        settings = self.project.settings
        site_url, image_hosts = settings.site_url, settings.image_hosts
        top = [(entry.name, entry.is_dir()) for entry in os.scandir(fresh)]
        assets = [
            os.path.relpath(os.path.join(folder, name), fresh).replace(os.sep, "/")
            for folder, _, names in os.walk(fresh / hosting.ASSETS)
            for name in names
        ]
        found = hosting.rules(top, assets)
        headers = hosting.headers_file(found, site_url, image_hosts).encode()
        self.beside = {"nginx.conf": hosting.nginx_snippet(found, site_url, image_hosts).encode()}
        if at_host_root(site_url):
            (fresh / hosting.HEADERS_FILE).write_bytes(headers)
            return []
        robots = robots_txt(settings)
        self.beside.update(
            {hosting.HEADERS_FILE: headers, "robots.txt": hosting.MADE.encode() + b"\n" + robots}
        )
        where = f"{host.host_dir(self.project.target).name}/robots.txt"
        return [
            Finding(level, where, message)
            for level, _, message in robots_problems(robots.decode(), uri(site_url))
        ]

    def _render(self) -> None:
        """The partitions, the listing chunks and the main pages, in the workers."""
        plan, read, config = self.plan, self.read, self.project.config
        with self.report.stage("render"):
            for task in plan.todo:
                write_members(task, plan.groups[task.key], read.digest_of)
            futures = [self.pool.submit(build_partition, task) for task in plan.todo]
            hosted, copies = self.project.hosted, str(self.project.copies or "")
            others = [
                self.pool.submit(
                    render_docs,
                    RenderTask(
                        config,
                        str(c),
                        str(r),
                        compress="pages" if hosted else "",
                        copies=copies,
                        menu=plan.menu,
                    ),
                )
                for c, r in zip(plan.listing.chunks, self.rendered, strict=True)
            ]
            others.append(
                self.pool.submit(
                    render_docs,
                    RenderTask(
                        config,
                        str(self.project.settings.docs_dir),
                        str(self.parts / "main"),
                        nav=True,
                        compress="site" if hosted else "",
                        copies=copies,
                        menu=plan.menu,
                    ),
                )
            )  # home, about, 404, assets
            for outcome in (f.result() for f in futures):
                if outcome.failure:
                    raise PublishError(outcome.failure)
                self.records[outcome.key] = Stored(
                    [list(f) for f in outcome.findings],
                    [list(w) for w in outcome.warnings],
                    outcome.search,
                )
                self.old_pages[outcome.key] = set(outcome.reused)
            for task in plan.reused:
                self.records[task.key] = stored(task)
            if not plan.listing.chunks:  # only the main pages still render: Pagefind can start
                self._start_search()
            failures = [f.result() for f in others]
            release(self.pool)  # nothing more runs in the pool
        for failure in failures:
            if failure:
                raise PublishError(failure)
        self.report.partitions.update(
            pages_rendered=sum(len(plan.groups[k]) - len(v) for k, v in self.old_pages.items()),
            pages_reused=sum(map(len, self.old_pages.values())),
        )
        # after the listing pages' MkDocs runs, whose memory would sit beside Pagefind's
        self._start_search()

    def _start_search(self) -> None:
        """Pagefind (another process) runs while this one assembles, writes and checks the site."""
        if self.searcher is None or self.indexing:
            return
        give_back_memory()  # before Pagefind, the build's largest process
        target, build_dir = self.project.target, self.project.settings.build_dir
        chunk_of = search_chunks(
            {key: len(group) for key, group in self.plan.groups.items()},
            self.project.settings.search_chunk,
        )
        months = {key: record.search or ("", 0) for key, record in self.records.items()}
        plan = plan_search(months, chunk_of, target if self.project.site_ok else None)
        copies = self.project.copies
        folders = SearchFolders(
            site_parts.search_dir(target),
            build_dir / SHADOWS,
            build_dir / GATHERED,
            target / BUNDLE if self.project.site_ok else None,
            self.project.hosted,
            copies / BUNDLE if copies else None,
        )
        with self.report.stage("search"):
            seeded = prepare_first(plan, folders)
        self.indexing.append(
            (
                plan,
                folders,
                self.searcher.submit(
                    _timed, self.report, "search", index_chunks, plan, folders, seeded
                ),
            )
        )
        _start(self.read.saving)

    def _merge(self, fresh: Path) -> None:
        """The new site from its parts: the spare, the current site's unchanged months, what the
        partitions and listing chunks rendered, the main pages, the unchanged search chunks."""
        project, plan = self.project, self.plan
        target, build_dir = project.target, project.settings.build_dir
        spare = recycle.spare_dir(target)  # what it holds as this site needs it stays there
        keep = (
            listing_cache.in_spare(plan.listing, build_dir, spare)
            if project.site_ok
            else frozenset()
        )
        keep |= frozenset().union(
            *(search_in_spare(search, spare) for search, _, _ in self.indexing)
        )
        self.report.spare_months = site_parts.assemble(
            fresh,
            self.parts / "main",
            plan.todo,
            plan.reused,
            plan.groups,
            plan.wanted,
            target,
            build_dir,
            project.site_ok,
            keep,
            self.old_pages,
        )
        listing_cache.merge(plan.listing, self.rendered, target, fresh, keep)
        for search, _, _ in self.indexing:
            link_unchanged(search, fresh / BUNDLE, target if project.site_ok else None)
        shutil.rmtree(self.parts, ignore_errors=True)

    def _collect(self, fresh: Path) -> None:
        """The partitions' findings and warnings into the report; every built article has its
        page."""
        for _, record in sorted(self.records.items()):
            self.report.findings.extend(Finding(*f) for f in record.findings)
            self.report.warnings.extend((source, message) for source, message in record.warnings)
        missing = sorted(
            {slug for _, _, slug in self.read.articles.names()} - set(os.listdir(fresh / ARTICLES))
        )
        if missing:  # a page every listing and sitemap links to must exist
            raise PublishError(f"{len(missing)} built article(s) have no page, e.g. {missing[:3]}")

    def _discovery(self, fresh: Path) -> None:
        """Sitemaps, robots.txt and feeds: each partition's sitemap reused from the current site
        when it is the same, the others when nothing they show changed (only the news sitemap,
        whose window moves with "now", is made every time)."""
        project, read, crawl = self.project, self.read, self.crawl
        settings, target = project.settings, project.target
        articles = read.articles
        (fresh / "sitemap.xml.gz").unlink(missing_ok=True)  # MkDocs's, with build dates
        pages = site_parts.other_pages(fresh)
        lasting = discovery_cache.recorded(settings.build_dir, target) if project.site_ok else None
        written = self._sitemaps(fresh, lasting)
        newest = [(name, _moment(part[1])) for name, part in crawl.parts.items()]
        made: Iterator[tuple[str, bytes]]
        if lasting and lasting.key == discovery_key(
            read.listed, read.dated, told_digest(lasting.feeds, read.told_of, len(articles)), pages
        ):
            discovery_cache.link(lasting, target, fresh)
            made = iter([(NEWS, news_sitemap(articles, settings, project.moment))])
            crawl.key, crawl.files, crawl.problems, crawl.feeds, crawl.made_feeds = (
                lasting.key,
                lasting.files,
                lasting.problems,
                lasting.feeds,
                lasting.made_feeds,
            )
            self.report.discovery = "reused"
        else:
            items = feed_items(articles, settings)
            crawl.feeds = items.positions()
            crawl.key = discovery_key(
                read.listed,
                read.dated,
                told_digest(crawl.feeds, read.told_of, len(articles)),
                pages,
            )
            at = {n: articles[n] for n in crawl.feeds}  # each read once
            shown, linked = self._feeds(fresh, lasting, items, at)
            texts = full_texts(project, [(at[n], read.told_of(n)) for n in crawl.feeds])
            made = itertools.chain(
                lasting_files(
                    articles,
                    pages,
                    settings,
                    newest,
                    shown=shown,
                    bodies=lambda a: texts.get(a.id, a.paragraphs),
                ),
                [(NEWS, news_sitemap(articles, settings, project.moment))],
            )
            lasting = None
            self.report.discovery = "made"
        lasting_written = []
        for rel, data in made:  # each file written as it is made
            (fresh / rel).parent.mkdir(parents=True, exist_ok=True)
            (fresh / rel).write_bytes(data)
            lasting_written.append(rel)
        if project.hosted:  # the news sitemap is mostly the same bytes: its copies are linked
            precompress.compress_all(fresh, written + lasting_written, project.copies)
        if not lasting:
            crawl.files = sorted([rel for rel in lasting_written if rel != NEWS] + linked)

    def _feeds(
        self,
        fresh: Path,
        lasting: discovery_cache.Crawl | None,
        items: FeedItems,
        at: dict[int, Article],
    ) -> tuple[dict[str, list[Article]], list[str]]:
        """Each page's feeds (RSS and Atom) linked from the current site when what they are made
        from (:func:`discovery_cache.feed_key`) is what it was there: a new article changes the
        site's feeds and its section's, tags' and authors'. ``at``: the items' records, by
        position. Returns the feeds to make, with their items, and the files linked."""
        read, target, code = self.read, self.project.target, self.project.code
        before = lasting.made_feeds if lasting else {}
        shown: dict[str, list[Article]] = {}
        linked: list[str] = []
        for page, feed in feeds(at, items).items():
            positions = items.by_listing[page] if page else items.newest
            key = discovery_cache.feed_key(
                code, page, ((at[n], read.told_of(n)) for n in positions)
            )
            old = before.get(page)
            paths = [page + name for name in FEED_NAMES]
            if old is not None and old[0] == key and all((target / p).is_file() for p in paths):
                for rel in paths:
                    (fresh / rel).parent.mkdir(parents=True, exist_ok=True)
                    precompress.link(target / rel, fresh / rel)
                linked += paths
                self.crawl.made_feeds[page] = old
            else:
                shown[page] = feed
                self.crawl.made_feeds[page] = (key, None)
        return shown, linked

    def _sitemaps(self, fresh: Path, lasting: discovery_cache.Crawl | None) -> list[str]:
        """Each partition's sitemap into ``fresh``: linked from the current site when its
        partition is unchanged there, or comes out the same; else written. Returns those
        written (their problems are still to be found: :meth:`check`)."""
        plan, articles, settings = self.plan, self.read.articles, self.project.settings
        target, parts = self.project.target, self.crawl.parts
        before = lasting.parts if lasting else {}
        reused = {task.key for task in plan.reused}
        written = []
        for key, picked in plan.groups.items():
            name, wanted = sitemap_name(key), plan.wanted[key]
            old = before.get(name)
            usable = old is not None and old[2] is not None and (target / name).is_file()
            if old is not None and usable and key in reused and old[0] == wanted:
                precompress.link(target / name, fresh / name)
                parts[name] = old
                continue
            document, latest = article_sitemap(
                (articles[n] for n in sorted(picked.positions)), settings
            )
            if old is not None and usable and (target / name).read_bytes() == document:
                precompress.link(target / name, fresh / name)
                parts[name] = (wanted, old[1], old[2])
                continue
            (fresh / name).write_bytes(document)
            parts[name] = (wanted, latest.isoformat() if latest else None, None)
            written.append(name)
        return written


def _start(threads: list[threading.Thread]) -> None:
    """Start those not started yet."""
    for thread in threads:
        if thread.ident is None:
            thread.start()


def _moment(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def _timed(report: BuildReport, stage: str, work: Callable[..., object], *args: Any) -> None:
    """Run ``work`` (in a thread beside the build), its wall time recorded as ``stage``."""
    with report.stage(stage):
        work(*args)


def _by_position(data: bytearray, width: int, arrival: array[int]) -> Callable[[int], bytes]:
    """Each record's value of ``width`` bytes (``data``: in the order read) by its place in the
    newest-first order."""
    return lambda n: bytes(data[width * arrival[n] : width * (arrival[n] + 1)])


SAID_EACH = 5  # a message about more files or pages than this is printed once, with a count


def said_once(items: list[tuple[str, str]], unit: str) -> list[tuple[str, str]]:
    """The (file or page, message) lines to print: a message about more than
    :data:`SAID_EACH` of them is printed once, where the first was, with their count (the build
    report lists each). An archive of 100,000 undated articles printed 400,000 lines on every
    rebuild, most of them the same three messages.

    >>> said_once([("a", "x"), *[(f"{n}.txt", "y") for n in range(6)], ("b", "x")], "files")
    [('a', 'x'), ('0.txt and 5 other files', 'y'), ('b', 'x')]
    """
    counts = Counter(message for _, message in items)
    lines, told = [], set()
    for where, message in items:
        if counts[message] <= SAID_EACH:
            lines.append((where, message))
        elif message not in told:
            told.add(message)
            lines.append((f"{where} and {counts[message] - 1} other {unit}", message))
    return lines


def print_summary(report: BuildReport, out: TextIO) -> None:
    held = f", held back {len(report.held)}" if report.held else ""
    print(
        f"built {len(report.built)} article(s), rejected {len(report.rejected)}{held}, "
        f"in {report.seconds:.1f} s",
        file=out,
    )
    if (
        report.published and "pages_rendered" in report.partitions
    ):  # how much work that was: a rebuild after one edit renders one page
        rendered = report.partitions["pages_rendered"]
        print(
            f"article pages: {rendered} rendered, "
            f"{len(report.built) - rendered} unchanged from the last site",
            file=out,
        )
    why_not = "see errors below" if report.built else "no article could be built"
    if not report.published:
        print(
            "site NOT published (the previous site, if any, is unchanged): "
            + (report.failure or why_not),
            file=out,
        )
    for source, reason in said_once(report.rejected, "files"):
        print(f"  rejected {source}: {reason}", file=out)
    for source, reason in said_once(report.held, "files"):
        print(f"  held back {source}: {reason}", file=out)
    for source, warning in said_once(report.warnings, "files"):
        print(f"  warning {source}: {warning}", file=out)
    if report.findings or report.built:
        print(f"validate: {summary_counts(report.findings)}", file=out)
        for level in ("error", "warning", "info"):
            found = [(f.page, f.message) for f in report.findings if f.level == level]
            for page, message in said_once(found, "pages"):
                print(f"  {level}: {page}: {message}", file=out)
