"""`builder build`: read everything, then write everything (Pelican's order), then check it.

Reading never stops on a bad file: each input ends as an article or as a rejection with its
reason, and the summary lists both.
"""

from __future__ import annotations

import fcntl
import gc
import os
import shutil
import sys
import threading
import time
from array import array
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from builder.render.discovery import discovery_files, feed_items, news_sitemap
from builder.pipeline.discovery_cache import NEWS, discovery_key, told_digest
from builder.check.discovery import check_lasting, check_news
from builder.read.inputs import no_inputs, orphan_warning, scan_inputs
from builder.pipeline import discovery_cache
from builder.pipeline import listing_cache
from builder.publish import recycle
from builder.pipeline import site_parts
from builder.pipeline.tasks import GATHERED, LINKS, SHADOWS, link_files, partition_groups, partition_tasks, write_members
from builder.render.listings import planned_listing_pages
from builder.read.profile import load_profile
from builder.pipeline.executors import give_back_memory, local_workers, make_executor, no_collection, release, spread, worker_count
from builder.pipeline.incremental import Stored, remember, reusable, stored
from builder.pipeline.read_cache import CHUNK, ReadCache
from builder.pipeline.partitions import RenderTask, build_partition, code_digest, render_docs
from builder.pipeline.admit import Admission, of_kept
from builder.core.store import RecordWriter
from builder.pipeline.reading import read_files
from builder.publish.swap import MARKER, PublishError, check_site_dir, publish
from builder.pipeline.search_index import BUNDLE, SearchFolders, SearchPlan, finish_bundle, index_chunks, link_unchanged, plan_search, prepare_first, search_chunks
from builder.pipeline.search_index import in_spare as search_in_spare
from builder.core.settings import SettingsError, load_settings
from builder.core.urls import ARTICLES, slug_path
from builder.check.validate import Finding, fold_notes, summary_counts, validate_site
from builder.publish.writer import write_generated


SPREAD_RENDERS = 3  # partitions and listing chunks to render that one worker makes alone


def build_time() -> datetime:
    """Now, or SOURCE_DATE_EPOCH when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)


@dataclass
class BuildReport:
    built: list[tuple[str, str]] = field(default_factory=list)  # (source, site-relative URL)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    held: list[tuple[str, str]] = field(default_factory=list)  # dated after the build time: published by a later build
    warnings: list[tuple[str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    published: bool = False
    failure: str | None = None
    stages: dict[str, float] = field(default_factory=dict)  # wall seconds per stage
    partitions: dict[str, int] = field(default_factory=dict)  # built / reused from the last site
    listings: dict[str, int] = field(default_factory=dict)  # made (0: reused whole) / rendered / reused pages
    spare_months: int | None = None  # months kept as they were in the recycled spare (None: no spare)
    discovery: str = ""  # the sitemaps, robots.txt and feeds: "made", or "reused" from the current site
    workers: int = 0  # local worker processes the build ended with (0: this process alone, or a Dask cluster)

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
        inputs = [{"source": s, "status": "built", "url": url, "warnings": warnings.get(s, [])} for s, url in self.built]
        inputs += [{"source": s, "status": "rejected", "reason": reason} for s, reason in self.rejected]
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
    loaded = load_settings(config_file, site_dir)
    settings = loaded[0]
    if profile_file is not None:
        load_profile(profile_file)  # a bad profile fails here, before any work is sent out
    source = input_dir or settings.input_dir
    if not source.exists():
        raise SettingsError(f"input {source} does not exist")
    target = site_dir or settings.site_dir
    check_site_dir(target, inputs=[source, settings.docs_dir, settings.build_dir], homes=[settings.config_file.parent, Path.home()])
    lock = _lock(settings.build_dir)  # held until the build ends (released on close or exit)
    report = BuildReport()
    config, profile = str(settings.config_file), str(profile_file.resolve()) if profile_file else None
    code = code_digest(settings.config_file, profile_file, loaded if site_dir is None else None)
    saving: list[threading.Thread] = []  # the read cache being written
    with report.stage("read"), no_collection():
        cache = ReadCache.load(settings.build_dir, code)
    site_ok = (target / MARKER).exists()  # a site this builder made, to start from (the lock keeps it as it is)
    everything = not cache.complete or not site_ok  # to read, or to render: all workers now, before the file list (they need none of it)
    with make_executor(jobs, scheduler, all_workers=everything) as pool:
        with report.stage("read"), no_collection():  # the records hold no cycles: collecting as they pile up cost 0.4 s at 20,000
            inputs = scan_inputs([source])
            files = inputs.names
            if not files:
                report.failure = no_inputs(source)
            moment = now or build_time()
            gate = Admission(RecordWriter(settings.build_dir), moment, code)
            reading = read_files(pool, files, cache, settings.build_dir, config, profile, code, worker_count(jobs, scheduler), gate.take_run)
            for record, facts, key, digest in reading.records:  # each record to the record file as it is read
                gate.take(record, facts, key, digest)
            report.rejected = reading.rejected + gate.rejected
            report.held = gate.held
            report.warnings = of_kept(reading.warnings + gate.warnings, report.rejected + report.held)
            report.warnings.extend((str(sidecar), orphan_warning(sidecar)) for sidecar in inputs.orphans)
            if reading.stale > CHUNK:  # written now, so its memory is free before the listings are made
                cache.save(settings.build_dir)
            else:  # written beside Pagefind, when this process has least to do
                saving.append(threading.Thread(target=cache.save, args=(settings.build_dir,)))
            articles = gate.store.finish()  # newest first, on disk
            listed = gate.listed_digest()
            report.warnings.extend(gate.spellings.merged())  # spellings listed as one: said on every build, reused listings or not
            months, lines, digests, arrival = [gate.months[n] for n in articles.arrival], gate.lines, gate.digests, articles.arrival
            key_of = _by_position(gate.keys, 16, arrival)  # each one's listed key
            dated, told_of = gate.dated_digest(), _by_position(gate.told, 16, arrival)  # for the crawler files' key
            del cache, files, inputs, reading, gate
            give_back_memory(collect=False)  # no cycles among them: a collection here walked every record (0.09 s at 20,000)
            gc.freeze()  # what lives to the end holds no cycles: later collections skip it
        if articles:  # with nothing to publish, docs/ and site/ keep the last good build
            with report.stage("listings"):
                listing = listing_cache.unchanged(listed, settings.build_dir, target, site_ok)
                report.listings["made"] = int(listing is None)
                if listing is None:
                    pages = planned_listing_pages(articles, settings, key_of)
                    listing = listing_cache.plan(pages, listed, code, settings.build_dir, target, site_ok)
                write_generated(settings.docs_dir, {"index.md": listing.home})  # beside about.md, in the nav
                chunks = listing.chunks
                report.listings.update(rendered=len(listing.render), reused=len(listing.reuse))
                groups = partition_groups(articles, settings.partition_size, months)
                del months
                links = link_files(articles, groups, settings.build_dir / LINKS, listed, code, key_of)
                del key_of
            give_back_memory()  # what making the listings and links freed, before the workers grow
            partitions, wanted = partition_tasks(groups, settings, config, profile, target, moment, code, links, search, _by_position(lines, 32, arrival))
            del lines
            kept = {t.key for t in partitions if reusable(t, wanted[t.key], site_ok)}
            todo = [t for t in partitions if t.key not in kept]
            reused = [t for t in partitions if t.key in kept]
            if len(todo) + len(chunks) > SPREAD_RENDERS:  # a few are made by one worker while this process goes on
                spread(pool)
            report.partitions = {"built": len(todo), "reused": len(reused)}
            print(
                f"  {len(articles)} articles: {len(todo)} partition(s) to build, {len(reused)} unchanged; "
                f"{len(listing.render)} listing page(s) to render, {len(listing.reuse)} unchanged ...",
                file=sys.stderr,
                flush=True,
            )
            parts = site_parts.parts_dir(target)
            records: dict[str, Stored] = {}
            old_pages: dict[str, set[str]] = {}  # built partitions: sources whose pages were linked from the current site

            indexing: list[tuple[SearchPlan, Future[None]]] = []  # the search index being made, with its plan
            crawl = discovery_cache.Crawl()

            def start_search() -> None:
                """Pagefind (another process) runs while this one assembles, writes and checks the site."""
                give_back_memory()  # before Pagefind, the build's largest process
                chunk_of = search_chunks({key: len(group) for key, group in groups.items()}, settings.search_chunk)
                months = {key: record.search or ("", 0) for key, record in records.items()}
                plan = plan_search(months, chunk_of, target if site_ok else None)
                folders = SearchFolders(site_parts.search_dir(target), settings.build_dir / SHADOWS, settings.build_dir / GATHERED, target / BUNDLE if site_ok else None)
                with report.stage("search"):
                    seeded = prepare_first(plan, folders)
                indexing.append((plan, searcher.submit(_timed, report, "search", index_chunks, plan, folders, seeded)))
                _start(saving)

            def make(fresh: Path) -> None:
                with report.stage("render"):
                    for task in todo:
                        write_members(task, groups[task.key], lambda n: digests[arrival[n]])
                    futures = [pool.submit(build_partition, task) for task in todo]
                    rendered = [parts / f"listings-{n}" for n in range(len(chunks))]
                    others = [pool.submit(render_docs, RenderTask(config, str(c), str(r))) for c, r in zip(chunks, rendered)]
                    others.append(pool.submit(render_docs, RenderTask(config, str(settings.docs_dir), str(parts / "main"), nav=True)))  # home, about, 404, assets
                    for outcome in (f.result() for f in futures):
                        if outcome.failure:
                            raise PublishError(outcome.failure)
                        records[outcome.key] = Stored([list(f) for f in outcome.findings], [list(w) for w in outcome.warnings], outcome.search)
                        old_pages[outcome.key] = set(outcome.reused)
                    for task in reused:
                        records[task.key] = stored(task)
                    if search and not chunks:  # only the main pages still render: Pagefind can start
                        start_search()
                    failures = [f.result() for f in others]
                    release(pool)  # nothing more runs in the pool
                for failure in failures:
                    if failure:
                        raise PublishError(failure)
                report.partitions.update(pages_rendered=sum(len(groups[k]) - len(v) for k, v in old_pages.items()), pages_reused=sum(map(len, old_pages.values())))
                if search and not indexing:  # after the listing pages' MkDocs runs, whose memory would sit beside Pagefind's
                    start_search()
                with report.stage("merge"):
                    spare = recycle.spare_dir(target)  # what it holds as this site needs it stays there
                    keep = listing_cache.in_spare(listing, settings.build_dir, spare) if site_ok else frozenset()
                    keep |= frozenset().union(*(search_in_spare(plan, spare) for plan, _ in indexing))
                    report.spare_months = site_parts.assemble(fresh, parts / "main", todo, reused, groups, wanted, target, settings.build_dir, site_ok, keep, old_pages)
                    listing_cache.merge(listing, rendered, target, fresh, keep)
                    for plan, _ in indexing:
                        link_unchanged(plan, fresh / BUNDLE, target if site_ok else None)
                    shutil.rmtree(parts, ignore_errors=True)
                for key, record in sorted(records.items()):
                    report.findings.extend(Finding(*f) for f in record.findings)
                    report.warnings.extend((source, message) for source, message in record.warnings)
                missing = sorted({slug for _, _, slug in articles.names()} - set(os.listdir(fresh / ARTICLES)))
                if missing:  # a page every listing and sitemap links to must exist
                    raise PublishError(f"{len(missing)} built article(s) have no page, e.g. {missing[:3]}")
                with report.stage("discovery"):
                    (fresh / "sitemap.xml.gz").unlink(missing_ok=True)  # MkDocs's, with build dates
                    pages = site_parts.other_pages(fresh)
                    lasting = discovery_cache.recorded(settings.build_dir, target) if site_ok else None
                    if lasting and lasting.key == discovery_key(listed, dated, told_digest(lasting.feeds, told_of, len(articles)), pages):
                        discovery_cache.link(lasting, target, fresh)  # only the news sitemap, whose window moves with "now", is made again
                        made: Iterator[tuple[str, bytes]] = iter([(NEWS, news_sitemap(articles, settings, moment))])
                        crawl.key, crawl.files, crawl.problems, crawl.feeds = lasting.key, lasting.files, lasting.problems, lasting.feeds
                        report.discovery = "reused"
                    else:
                        lasting, items = None, feed_items(articles)
                        crawl.feeds = items.positions()
                        crawl.key = discovery_key(listed, dated, told_digest(crawl.feeds, told_of, len(articles)), pages)
                        made = discovery_files(articles, pages, settings, moment, items=items)
                        report.discovery = "made"
                    written = []
                    for rel, data in made:  # each file written as it is made
                        (fresh / rel).parent.mkdir(parents=True, exist_ok=True)
                        (fresh / rel).write_bytes(data)
                        written.append(rel)
                    if not lasting:
                        crawl.files = sorted(rel for rel in written if rel != NEWS)

            checked: list[Finding] = []  # findings of the pages but articles (notes unfolded), and of discovery: each listing page's own are recorded

            def check(fresh: Path) -> list[Finding]:
                with report.stage("validate"):  # reused listing pages: their recorded findings, unread
                    checked.extend(validate_site(fresh, None, settings.image_hosts, None, moment, article_pages=False, known=listing.known(), fold=False))
                    if crawl.problems is None:  # the sitemaps, robots.txt and feeds were made now: check them
                        crawl.problems = check_lasting(fresh, settings.site_url, os.listdir(fresh / ARTICLES))
                    checked.extend(Finding(*p) for p in crawl.problems + check_news(fresh, settings.site_url, moment))
                for plan, job in indexing:  # the index joins the new folder, so a failed one is never published
                    job.result()
                    finish_bundle(plan, fresh / BUNDLE, site_parts.search_dir(target))
                return fold_notes(sorted(report.findings + checked, key=lambda f: (f.level, f.page, f.message)))

            with ThreadPoolExecutor(1) as searcher:
                try:
                    report.published, report.findings = publish(target, make, check, keep=recycle.spare_dir(target))
                except PublishError as exc:
                    report.failure = str(exc)
                finally:
                    for _, job in indexing:
                        job.cancel()
            shutil.rmtree(site_parts.search_dir(target), ignore_errors=True)
            if report.published:  # remember what each partition was made from, for the next build
                for task in partitions:
                    if task.key not in kept:  # a reused partition's record stands
                        remember(task, wanted[task.key], records.get(task.key, Stored([], [], None)), built=task.key in old_pages)
                listing_cache.remember(settings.build_dir, listing, target, checked)
                discovery_cache.remember(settings.build_dir, crawl, target)
                recycle.remember(settings.build_dir, target, wanted)
        report.built = [(source, slug_path(slug)) for source, _, slug in articles.names()]  # made last: 14 MB at 100,000 not held while rendering
        report.workers = local_workers(pool)
        articles.close()
    _start(saving)
    for thread in saving:
        thread.join()
    gc.unfreeze()
    lock.close()
    report.seconds = time.monotonic() - started
    print_summary(report, out)
    return report


def _start(threads: list[threading.Thread]) -> None:
    for thread in threads:
        if thread.ident is None:
            thread.start()


def _timed(report: BuildReport, stage: str, work: Callable[..., object], *args: Any) -> None:
    """Run ``work`` (in a thread beside the build), its wall time recorded as ``stage``."""
    with report.stage(stage):
        work(*args)


def _by_position(data: bytearray, width: int, arrival: array[int]) -> Callable[[int], bytes]:
    """Each record's value of ``width`` bytes (``data``: in the order read) by its place in the
    newest-first order."""
    return lambda n: bytes(data[width * arrival[n] : width * (arrival[n] + 1)])


def _lock(build_dir: Path) -> TextIO:
    """One build at a time per project: a second one would remove the first one's work folders."""
    build_dir.mkdir(parents=True, exist_ok=True)
    handle = open(build_dir / "lock", "w")  # noqa: SIM115 - closed (and unlocked) when the build ends
    try:
        fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # POSIX lock: not inherited by forked workers
    except BlockingIOError as exc:
        handle.close()
        raise SettingsError(f"another build of this project is running (lock: {build_dir / 'lock'})") from exc
    return handle


def print_summary(report: BuildReport, out: TextIO) -> None:
    held = f", held back {len(report.held)}" if report.held else ""
    print(f"built {len(report.built)} article(s), rejected {len(report.rejected)}{held}, in {report.seconds:.1f} s", file=out)
    if report.published and "pages_rendered" in report.partitions:  # how much work that was: a rebuild after one edit renders one page
        rendered = report.partitions["pages_rendered"]
        print(f"article pages: {rendered} rendered, {len(report.built) - rendered} unchanged from the last site", file=out)
    if not report.published:
        print(f"site NOT published (the previous site, if any, is unchanged): {report.failure or ('see errors below' if report.built else 'no article could be built')}", file=out)
    for source, reason in report.rejected:
        print(f"  rejected {source}: {reason}", file=out)
    for source, reason in report.held:
        print(f"  held back {source}: {reason}", file=out)
    for source, warning in report.warnings:
        print(f"  warning {source}: {warning}", file=out)
    if report.findings or report.built:
        print(f"validate: {summary_counts(report.findings)}", file=out)
        for finding in report.findings:
            print(f"  {finding}", file=out)
