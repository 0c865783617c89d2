"""``nashra serve``: a local preview that rebuilds on every edit and reloads the open pages.

It is MkDocs's own development server (:class:`mkdocs.livereload.LiveReloadServer`: the
static files, the long-poll reload script it injects, the debounce of a burst of changes),
with the rebuild being our whole build (:func:`builder.build.build`, incremental, so one
edited article renders one page). What changes here:

- What is watched: the input folder (articles, sidecars, photos), ``docs/``, the theme's
  folders, ``mkdocs.yml``, the source profile and MkDocs's own ``watch:`` list. Not the
  builder's own writes (its part of ``docs/``, ``.build/``, the site folder and the folders
  beside it a publish swaps through), which would rebuild for ever.
- How it is watched: with watchdog's native observer (inotify on Linux), where MkDocs polls
  every file every half second (at 20,000 articles, a stat of each, twice a second). Only
  writes, creations, deletions and moves count: reading a file (the build reads the inputs)
  and its access time changing do not.
- A failed build: MkDocs's server raises and then stays stuck until a build succeeds. Here
  the site stays the last good one (the atomic publish never replaced it), the pages reload
  anyway, and every page shows a banner with what failed (the same text as the terminal,
  escaped), until a build succeeds. Inputs rejected by a published build are shown the same
  way: their pages are not on the site.
"""

from __future__ import annotations

import html
import io
import os
import re
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TextIO
from urllib.parse import urlsplit

from mkdocs.livereload import LiveReloadServer
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from builder.build import BuildReport, build
from builder.core.settings import Settings, SettingsError, load_settings
from builder.pipeline.executors import SchedulerError
from builder.publish.recycle import spare_dir
from builder.publish.swap import PublishError
from builder.publish.writer import OWNED
from builder.read.profile import ProfileError

# The events that mean a file's content may have changed. Not opened / closed-unwritten (the
# build reads every input it has not cached) nor attribute changes (reading updates atime).
CHANGES = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileClosedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]
SHOWN = 12  # rejections and errors listed in the banner (the terminal has them all)
BANNER_ID = "nashra-serve-problems"


@dataclass(frozen=True)
class WatchPlan:
    """What the preview watches: folders with everything in them, single files, and the
    builder's own writes, which never count."""

    trees: tuple[Path, ...]
    files: tuple[Path, ...]
    docs: Path  # the builder's part of it (OWNED, its staging folders) is ignored
    ignored: tuple[Path, ...]  # folders and files the builder writes
    beside_site: str  # prefix of the folders a publish makes beside the site folder

    def folders(self) -> Iterator[tuple[Path, bool]]:
        """The folders to schedule, with whether recursively: each tree (none inside another),
        and the folder of each single file outside them (not the file itself: an editor
        that saves by renaming a new file over it would end a watch on the old one)."""
        trees = sorted(
            t for t in set(self.trees) if not any(o in t.parents for o in self.trees if o != t)
        )
        yield from ((t, True) for t in trees)
        for parent in sorted({f.parent for f in self.files}):
            if not any(t == parent or t in parent.parents for t in trees):
                yield parent, False


def watch_plan(settings: Settings, cfg: Any) -> WatchPlan:
    """The plan for a project, from its settings and MkDocs's loaded config (theme folders,
    ``watch:``); every path resolved, as the events name them."""
    config_dir = settings.config_file.parent
    site = settings.site_dir.resolve()
    trees = [settings.input_dir, settings.docs_dir, *map(Path, cfg.theme.dirs)]
    trees += [config_dir / w for w in cfg.watch or ()]
    files = [settings.config_file] + ([settings.profile] if settings.profile else [])
    return WatchPlan(
        trees=tuple(t.resolve() for t in trees),
        files=tuple(f.resolve() for f in files),
        docs=settings.docs_dir.resolve(),
        ignored=(
            site,
            spare_dir(site),
            settings.build_dir.resolve(),
            (config_dir / "build-report.json").resolve(),
        ),
        beside_site=str(site.parent / f".{site.name}."),
    )


def counts(path: str, plan: WatchPlan) -> bool:
    """Whether a change to ``path`` calls for a rebuild.

    >>> plan = WatchPlan(
    ...     trees=(Path("/p/input"), Path("/p/docs")),
    ...     files=(Path("/p/mkdocs.yml"),),
    ...     docs=Path("/p/docs"),
    ...     ignored=(Path("/p/site"), Path("/p/.build")),
    ...     beside_site="/p/.site.",
    ... )
    >>> def each(*paths):
    ...     return [counts(p, plan) for p in paths]
    >>> each("/p/input/a.txt", "/p/input/images/a.jpg", "/p/docs/about.md", "/p/mkdocs.yml")
    [True, True, True, True]
    >>> each("/p/docs/index.md", "/p/docs/articles/x.md", "/p/docs/.staging-7/a")
    [False, False, False]
    >>> each("/p/site/index.html", "/p/.site.new-9/x", "/p/.build/lock", "/p/build-report.json")
    [False, False, False, False]
    >>> each("/p/input/.a.txt.swp", "/p/input/a.txt~", "/p/input/.#a.txt", "/p/input/4913")
    [False, False, False, False]
    """
    if not path:
        return False
    p = Path(path)
    name = p.name
    if name.endswith(("~", ".swp", ".swx", ".swo")) or name.startswith(".#") or name == "4913":
        return False  # an editor's backup, swap or lock file (vim writes "4913" to test a folder)
    if path.startswith(plan.beside_site) or any(i == p or i in p.parents for i in plan.ignored):
        return False
    if plan.docs in p.parents:
        first = p.relative_to(plan.docs).parts[0]
        if first in OWNED or first.startswith(".staging-"):
            return False
    return p in plan.files or any(t == p or t in p.parents for t in plan.trees)


@dataclass(frozen=True)
class Problems:
    """What the banner and the terminal show after a build: a failure (the site shown is the
    last good one), or inputs a published build rejected."""

    title: str
    lines: tuple[str, ...]


def problems_of(report: BuildReport | None, error: str | None) -> Problems | None:
    """The problems of a build that raised ``error``, or that gave ``report``; None if none."""
    if error is not None or report is None:
        return Problems(
            "nashra serve: the build failed; this is the last good site", (error or "",)
        )
    rejected = tuple(f"rejected {source}: {reason}" for source, reason in report.rejected)
    if not report.published:
        why = report.failure or (
            "validation found errors" if report.built else "no article could be built"
        )
        errors = tuple(str(f) for f in report.errors)
        return Problems(
            "nashra serve: the build failed; this is the last good site",
            (why, *errors[:SHOWN], *rejected[:SHOWN]),
        )
    if rejected:
        return Problems(
            f"nashra serve: {len(rejected)} input(s) rejected: not on the site", rejected[:SHOWN]
        )
    return None


def banner(problems: Problems) -> bytes:
    """The banner's HTML, every text escaped (reasons quote file names and values)."""
    lines = "\n".join(html.escape(line) for line in problems.lines)
    style = (
        "position:sticky;top:0;z-index:2147483647;margin:0;padding:0.75em 1em;"
        "background:#7f1d1d;color:#fff;font:14px/1.5 monospace;white-space:pre-wrap;"
        "text-align:start;unicode-bidi:plaintext"
    )
    return (
        f'<div id="{BANNER_ID}" role="alert" dir="ltr" style="{style}">'
        f"<strong>{html.escape(problems.title)}</strong>\n{lines}</div>"
    ).encode()


_BODY = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)


def with_banner(page: bytes, problems: Problems | None) -> bytes:
    """``page`` with the banner first in its body."""
    if problems is None:
        return page
    body = _BODY.search(page)
    at = body.end() if body else 0
    return page[:at] + banner(problems) + page[at:]


class _Changes(FileSystemEventHandler):
    """Asks the server for a rebuild when a change counts (MkDocs's own handler takes any)."""

    def __init__(self, server: PreviewServer) -> None:
        self.server = server

    def on_any_event(self, event: FileSystemEvent) -> None:
        plan = self.server.plan
        paths = [os.fsdecode(event.src_path), os.fsdecode(event.dest_path)]
        if any(counts(p, plan) for p in paths):
            self.server.changed(any(Path(p) in plan.files for p in paths if p))


class PreviewServer(LiveReloadServer):
    """MkDocs's live-reload server around our build: see the module's docstring."""

    def __init__(self, config_file: Path, host: str, port: int, out: TextIO) -> None:
        self.config_file, self.out = config_file, out
        settings, cfg = load_settings(config_file)
        self.plan = watch_plan(settings, cfg)
        self.problems: Problems | None = None
        self.builds = 0
        self._replan = False
        super().__init__(
            builder=self.rebuild,
            host=host,
            port=port,
            root=str(settings.site_dir),
            mount_path=urlsplit(settings.site_url).path,
        )
        # native (inotify), in place of MkDocs's polling one (typed as that: any observer works)
        self.observer = Observer()  # type: ignore[assignment]
        self.error_handler = self._error_page
        self.server_bind()  # now: a port in use fails before a first build
        self.server_activate()

    def run(self) -> None:
        """Watch, serve and rebuild on change until interrupted (MkDocs's ``serve`` after
        the bind, which was done already)."""
        self._schedule()
        self.observer.start()
        self.serve_thread.start()
        print(f"serving on {self.url} (Ctrl-C to stop)", file=self.out, flush=True)
        self._build_loop()  # type: ignore[no-untyped-call]

    def changed(self, settings_file: bool) -> None:
        """A change that counts: rebuild once the burst it belongs to is over."""
        with self._rebuild_cond:
            self._replan |= settings_file
            self._want_rebuild = True
            self._rebuild_cond.notify_all()

    def rebuild(self) -> None:
        """One build; never raises (MkDocs's server would stop reloading pages until the next
        good build), so open pages reload to the new site, or to the banner."""
        started, report, error = time.monotonic(), None, None
        summary = io.StringIO()
        try:
            report = build(self.config_file, out=summary)
        except Exception as exc:  # shown, not raised: the preview goes on
            error = f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, (SettingsError, ProfileError, PublishError, SchedulerError)):
                traceback.print_exc(file=self.out)
        self.builds += 1
        self.problems = problems_of(report, error)
        self.out.write(build_line(report, error, time.monotonic() - started, self.problems))
        self.out.flush()
        if self._replan:
            self._replan = False
            self._rewatch()

    def _rewatch(self) -> None:
        """mkdocs.yml changed: its folders may have too."""
        try:
            plan = watch_plan(*load_settings(self.config_file))
        except SettingsError:  # the build showed why
            return
        if plan != self.plan:
            self.observer.unschedule_all()
            self.plan = plan
            self._schedule()

    def _schedule(self) -> None:
        handler = _Changes(self)
        for folder, recursive in self.plan.folders():
            if folder.is_dir():
                self.observer.schedule(
                    handler, str(folder), recursive=recursive, event_filter=CHANGES
                )
            else:
                print(f"  not watching {folder}: no such folder", file=self.out)
        self._watched_paths = {str(folder): 1 for folder, _ in self.plan.folders()}

    def shutdown(self, wait: bool = False) -> None:
        """MkDocs's, also before :meth:`run` started the threads (stopped during the first
        build), when joining them would raise."""
        observing, serving = self.observer.is_alive(), self.serve_thread.ident is not None
        super().shutdown(wait=False)
        if wait and serving:
            self.serve_thread.join()
        if wait and observing:
            self.observer.join()

    def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
        page: bytes = super()._inject_js_into_html(content, epoch)  # type: ignore[no-untyped-call]
        return with_banner(page, self.problems)

    def _error_page(self, code: int) -> bytes | None:
        """The site's own 404 page, reloading and with the banner; with no site yet (the first
        build failed), a blank page that shows the banner and reloads when a build succeeds."""
        if code != 404:
            return None
        try:
            page = (Path(self.root) / "404.html").read_bytes()
        except OSError:
            page = b'<!doctype html><html><head><meta charset="utf-8"><title>nashra serve'
            page += b"</title></head><body><p>No site has been built yet.</p></body></html>"
        return self._inject_js_into_html(page, self._visible_epoch)


def build_line(
    report: BuildReport | None, error: str | None, seconds: float, problems: Problems | None
) -> str:
    """The terminal's lines for one build: a summary, then what went wrong, if anything."""
    moment = time.strftime("%H:%M:%S")
    if report is not None and report.published:
        rendered = report.partitions.get("pages_rendered", 0)
        head = (
            f"[{moment}] built {len(report.built)} article(s) in {seconds:.1f} s "
            f"({rendered} page(s) rendered), rejected {len(report.rejected)}: "
            "open pages reload"
        )
        lines = problems.lines if problems else ()
    else:
        head = f"[{moment}] build FAILED in {seconds:.1f} s: still serving the last good site"
        lines = problems.lines if problems else (error or "",)
    return "".join(f"{line}\n" for line in (head, *(f"  {x}" for x in lines)))


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM stops the preview as Ctrl-C does (in this process: a build's forked workers
    inherit the handler, and must die of the signal as they would have)."""
    if os.getpid() != _MAIN_PID[0]:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise KeyboardInterrupt


_MAIN_PID = [0]


def _warm() -> None:
    """Import once what every build's forked workers import when they start (MkDocs's build,
    extruct; :func:`builder.pipeline.executors._start_worker`): forked from this process, they
    have it already. A rebuild after one edit of the sample site took 1.3 s instead of 1.8."""
    import extruct  # noqa: F401
    import mkdocs.commands.build  # noqa: F401


def serve(config_file: Path, host: str, port: int, out: TextIO = sys.stdout) -> int:
    """Build, serve on ``host``:``port``, rebuild on change; returns the exit status once
    stopped by Ctrl-C or SIGTERM."""
    _MAIN_PID[0] = os.getpid()
    _warm()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    server = PreviewServer(config_file, host, port, out)
    try:
        server.rebuild()  # the first build; its failure is shown like any other
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown(wait=True)
        signal.signal(signal.SIGTERM, previous)
    print("stopped", file=out, flush=True)
    return 0
