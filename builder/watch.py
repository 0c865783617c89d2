"""`nashra watch`: publish a drop folder continuously, unattended.

A scraper or an editor writes into the input folder; once the folder has settled, one
incremental build (:func:`builder.build.build`) publishes what changed, and an optional command
(``--then``, a deploy) follows each published build. The site also changes with time alone (an
embargo ends, an article leaves the news sitemap's two days): the build says when
(:attr:`builder.build.BuildReport.next_change`), and the loop builds again then, with no file
event. It goes by the clock: ``SOURCE_DATE_EPOCH`` is for reproducible one-off builds, and a
watch held at one moment would never publish an embargoed article.

Why these rules:

- **Settling.** A build reads every input file; one read while a writer is still at it would be
  published half, or rejected. A file whose writer said it is done with it (its last event a
  rename into place, a close after writing, or a removal) is whole: the build waits only
  ``quiet / 4`` more seconds with no event, for the rest of a burst (an article's sidecar, the
  next files of a batch). Any other change (a file still open for writing, a writer whose
  writes make no event, over NFS say) waits until no event came for ``quiet`` seconds AND the
  changed files' sizes and modification times are the same in two looks ``quiet / 2`` apart.
  A burst of 500 files is one build, not 500. A writer that never pauses would starve the
  site: after ``most`` seconds of changes the folder is built anyway, once two looks agree.
- **Names never read.** A name starting with "." (also a folder), or ending in ``.part``,
  ``.tmp`` or ``~``, is a copy being written (rsync, curl, wget, editors): its events are
  ignored, and the build does not read it (:func:`builder.read.inputs.scan_inputs` skips dot
  names; the others are no input kind). A writer that writes such a name and then renames it
  never shows anyone half a file.
- **Stopping.** SIGTERM or SIGINT lets the build and its ``--then`` command in progress finish,
  then the loop ends with status 0; a second one abandons them at once, which is as safe as
  ``kill -9``: the site is swapped in whole or not at all (:mod:`builder.publish.swap`), and
  the next build clears what a killed one left.
- **Failures.** A bad file is a rejection in the build's report and a line in the log; the loop
  goes on. A build that raises (the lock held by another build, a broken ``mkdocs.yml``) is
  logged and tried again later, each time waiting twice as long, up to :data:`RETRY_MOST`.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TextIO

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
from builder.core.settings import load_settings
from builder.publish.deploy import deploy
from builder.publish.swap import PublishError

IGNORED_ENDINGS = (".part", ".tmp", "~")  # names being written (curl, wget, editors); also ".*"
# What a writer does to a file or folder. Not opening or reading (the build reads every input:
# each read would start another build), nor a folder's own "modified" (a temporary file made
# or removed inside it is such an event).
EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileClosedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]
# A writer's last word on a path that leaves it whole (see the module's "Settling"); a folder
# made is one too (what is written into it has events of its own).
FINISHED = frozenset({"moved", "closed", "deleted"})
RETRY_FIRST = 5.0  # seconds before a build that raised is tried again; doubled each time
RETRY_MOST = 300.0
CLOCK_CHECK = 60.0  # a timer longer than this is set again (the clock may jump, or sleep)


def ignored(path: str, root: str, outside: Iterable[str] = ()) -> bool:
    """Whether a change at ``path`` is none of the site's business: outside ``root`` (the input
    folder), inside one of ``outside`` (the build's own folders, should they lie in it), or a
    name being written (see the module's "Names never read").

    >>> ignored("/in/a/000_x.txt", "/in"), ignored("/in/a/000_x.txt.part", "/in")
    (False, True)
    >>> [ignored(p, "/in") for p in ("/in/.000_x.txt", "/in/.tmp/000_x.txt", "/in/x.txt~")]
    [True, True, True]
    >>> ignored("/elsewhere/000_x.txt", "/in"), ignored("/in/.build/x", "/in", ["/in/.build"])
    (True, True)
    """
    relative = os.path.relpath(path, root)
    if relative == os.curdir:
        return False
    parts = relative.split(os.sep)
    if parts[0] == os.pardir or any(p.startswith(".") for p in parts):
        return True
    if parts[-1].lower().endswith(IGNORED_ENDINGS):
        return True
    return any(os.path.commonpath([path, other]) == other for other in outside)


Look = dict[str, tuple[int, int] | None]  # path -> (size, mtime in ns), None if gone


def look_at(paths: Iterable[str]) -> Look:
    """Each path's size and modification time, as a writer leaves them (None: not there)."""
    seen: Look = {}
    for path in paths:
        try:
            status = os.stat(path)
        except OSError:
            seen[path] = None
        else:
            seen[path] = (status.st_size, status.st_mtime_ns)
    return seen


@dataclass
class Settling:
    """When changed files have settled (the module's "Settling"), told the moments of events and
    looks (``time.monotonic()``) and whether every change so far was finished by its writer:
    pure, so its rules are tested without waiting.

    >>> s = Settling(quiet=2.0, most=30.0)
    >>> s.changed(10.0, finished=True); s.next_look()  # renamed into place: a burst's gap
    10.5
    >>> s.changed(10.2, finished=False); s.next_look()  # and a file still being written
    12.2
    >>> s.changed(10.4, finished=True); s.next_look()  # ... closed since: all are finished
    10.9
    >>> s.looked(10.9, {"a": (5, 1)}), s.next_look()  # no second look needed
    (True, None)

    A change its writer did not say it finished waits for the quiet time and two looks:

    >>> s.changed(10.0, finished=False); s.next_look()
    12.0
    >>> s.looked(12.0, {"a": (5, 1)}), s.next_look()  # a first look: the second one decides
    (False, 13.0)
    >>> s.looked(13.0, {"a": (9, 2)}), s.next_look()  # it grew: written still, look again
    (False, 14.0)
    >>> s.looked(14.0, {"a": (9, 2)}), s.next_look()  # the same twice: build
    (True, None)

    Changes that go on past ``most`` seconds are built once the files of one look are the same
    in the next, whatever else came meanwhile:

    >>> s = Settling(quiet=2.0, most=30.0)
    >>> for t in range(0, 31): s.changed(float(t), finished=False)
    >>> s.next_look(), s.looked(30.0, {"a": (5, 1)})
    (30.0, False)
    >>> s.changed(30.5, finished=False); s.looked(31.0, {"a": (5, 1), "b": (1, 1)})
    True
    """

    quiet: float
    most: float
    since: float | None = None  # the first change not built yet
    last: float = 0.0  # the latest change
    look: Look | None = None
    looked_at: float = 0.0
    finished: bool = True  # every change not built yet was finished by its writer

    @property
    def gap(self) -> float:
        """Between two looks."""
        return max(self.quiet / 2, 0.05)

    @property
    def overdue(self) -> bool:
        return self.since is not None and self.last - self.since >= self.most

    def changed(self, now: float, finished: bool) -> None:
        """An event; ``finished``: whether every changed path's last event (this one included)
        says its writer is done with it. Whatever was looked at before counts no more (unless
        overdue)."""
        if self.since is None:
            self.since = now
        self.last, self.finished = now, finished
        if not self.overdue:
            self.look = None

    def next_look(self) -> float | None:
        """When to look next (None: nothing changed): once the folder has been quiet for
        ``quiet`` s (``quiet / 4`` when every change was finished; overdue: at once), then
        ``gap`` s after each look."""
        if self.since is None:
            return None
        if self.finished:
            return self.last if self.overdue else self.last + self.quiet / 4
        if self.look is not None:
            return self.looked_at + self.gap
        return self.last if self.overdue else self.last + self.quiet

    def looked(self, now: float, look: Look) -> bool:
        """A look at the changed files: True (build now) when every change was finished, or
        when those of the look before are as they were."""
        before = self.look
        if self.finished or (
            before is not None and all(look.get(path) == seen for path, seen in before.items())
        ):
            self.since, self.look, self.finished = None, None, True
            return True
        self.look, self.looked_at = look, now
        return False


class Changes(FileSystemEventHandler):
    """Collects the paths watchdog reports (in its thread), each with whether its writer is done
    with it (its last event is one of :data:`FINISHED`), for the loop, which it wakes by a byte
    written to a pipe: the one wake-up a signal handler can also give without a lock."""

    def __init__(self, root: Path, outside: list[Path], wake: int) -> None:
        self.root = str(root)
        self.outside = [str(p) for p in outside]
        self.wake = wake
        self.lock = threading.Lock()
        self.paths: dict[str, bool] = {}

    def on_any_event(self, event: FileSystemEvent) -> None:
        paths = [os.fsdecode(p) for p in (event.src_path, event.dest_path) if p]
        wanted = [p for p in paths if not ignored(p, self.root, self.outside)]
        finished = event.event_type in FINISHED or (
            event.is_directory and event.event_type == "created"
        )
        if wanted:
            with self.lock:
                self.paths.update(dict.fromkeys(wanted, finished))
            poke(self.wake)

    def take(self) -> dict[str, bool]:
        with self.lock:
            paths, self.paths = self.paths, {}
        return paths


def poke(fd: int) -> None:
    """Wake the loop (a full pipe already will)."""
    with contextlib.suppress(BlockingIOError):
        os.write(fd, b"\0")


@dataclass
class Watch:
    """The loop's state: what changed and when, the next moment the site changes by time, the
    rejections already told, and whether a stop was asked."""

    config: Path
    quiet: float
    most: float
    then: str | None
    jobs: int | None
    out: TextIO
    deploy: bool = False  # to the deploy_to setting, in this process, after each published build
    stopping: int = 0  # signals received
    pending: dict[str, bool] = field(default_factory=dict)  # path -> finished by its writer
    next_change: datetime | None = None
    retry_at: float | None = None
    retry_wait: float = RETRY_FIRST
    told: set[tuple[str, str]] = field(default_factory=set)
    child: subprocess.Popen[str] | None = None
    wake: int = -1  # the pipe's end that wakes the loop

    def run(self) -> int:
        settings = load_settings(self.config)[0]
        source = settings.input_dir.resolve()
        if not source.is_dir():
            print(f"error: input {source} is not a folder", file=sys.stderr)
            return 2
        if self.deploy and settings.deploy_to is None:
            print(f"error: --deploy needs deploy_to in {self.config}", file=sys.stderr)
            return 2
        wake_read, wake = os.pipe()
        for fd in (wake_read, wake):
            os.set_blocking(fd, False)
        self.wake = wake
        changes = Changes(source, [settings.build_dir, settings.docs_dir, settings.site_dir], wake)
        self._catch_signals()
        observer = Observer()
        observer.schedule(changes, str(source), recursive=True, event_filter=EVENTS)
        try:
            observer.start()  # before the first build: a file written during it is seen
        except OSError as exc:  # inotify's limits (fs.inotify.max_user_watches), permissions
            print(f"error: cannot watch {source}: {exc}", file=sys.stderr)
            return 2
        ignored_names = ", ".join(f"*{e}" for e in IGNORED_ENDINGS)
        self._log(f"watching {source} (quiet {self.quiet:g} s; ignoring .*, {ignored_names})")
        settling = Settling(self.quiet, self.most)
        try:
            self._build("start")
            while not self.stopping:
                self._wait(wake_read, self._deadline(settling))
                now = time.monotonic()
                fresh = changes.take()
                if fresh:
                    self.pending |= fresh
                    settling.changed(now, all(self.pending.values()))
                if self.stopping:
                    break
                due = settling.next_look()
                if due is not None and now >= due and settling.looked(now, look_at(self.pending)):
                    self._build(f"{len(self.pending)} changed")
                elif due is None and self._time_has_come(now):
                    self._build("time" if self.retry_at is None else "retry")
        finally:
            observer.stop()
            observer.join(timeout=10)
        self._log("stopped")
        return 0

    def _deadline(self, settling: Settling) -> float:
        """The monotonic moment to wake without an event: a look, a retry, the next change by
        time, or at most :data:`CLOCK_CHECK` s from now."""
        moments = [settling.next_look(), self.retry_at]
        if self.next_change is not None:
            ahead = (self.next_change - datetime.now(UTC)).total_seconds()
            moments.append(time.monotonic() + max(ahead, 0.0))
        soonest = min((m for m in moments if m is not None), default=None)
        limit = time.monotonic() + CLOCK_CHECK
        return limit if soonest is None else min(soonest, limit)

    def _time_has_come(self, now: float) -> bool:
        if self.retry_at is not None:
            return now >= self.retry_at
        return self.next_change is not None and datetime.now(UTC) >= self.next_change

    def _wait(self, fd: int, deadline: float) -> None:
        """Until an event or a signal writes to the pipe, or ``deadline``."""
        ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0.0))
        if ready:
            with contextlib.suppress(BlockingIOError):
                while os.read(fd, 4096):
                    pass

    def _build(self, trigger: str) -> None:
        """One build, its log line (and the rejections not told before), then ``--then``."""
        stamp = _stamp(datetime.now(UTC))
        changed, self.pending = self.pending, {}  # the build reads them all
        summary = io.StringIO()
        try:
            with contextlib.redirect_stderr(summary):  # the build's progress: the report has it
                report = build(self.config, now=datetime.now(UTC), out=summary, jobs=self.jobs)
        except Exception as exc:  # the loop outlives any one build (a lock, a broken config)
            self.pending = changed | self.pending
            self.retry_at = time.monotonic() + self.retry_wait
            self._log(
                f"{stamp} build ({trigger}): failed: {exc}; trying again in {self.retry_wait:g} s"
            )
            self.retry_wait = min(self.retry_wait * 2, RETRY_MOST)
            return
        self.retry_at, self.retry_wait = None, RETRY_FIRST
        self.next_change = report.next_change
        self._log(f"{stamp} build ({trigger}): {_outcome(report)}")
        rejected = set(report.rejected)
        for source, reason in sorted(rejected - self.told):
            self._log(f"  rejected {source}: {reason}")
        self.told = rejected
        if report.published and self.deploy and not self.stopping:
            self._deploy()
        self._write_report(report)  # after the deploy: it has every input's line (MBs)
        if report.published and self.then and not self.stopping:
            self._then(self.then)

    def _deploy(self) -> None:
        """``nashra deploy`` in this process (no interpreter to start: the deploy is most of
        the time from a drop to the site's readers). Its failure is told; the loop goes on."""
        started = time.monotonic()
        try:
            report = deploy(self.config, out=io.StringIO())
        except (PublishError, OSError) as exc:
            self._log(f"  deploy FAILED in {time.monotonic() - started:.1f} s: {exc}")
            return
        self._log(
            f"  deployed to {report.target}: {report.sent} file(s) sent, "
            f"{report.deleted} deleted, in {report.seconds:.1f} s"
        )

    def _then(self, command: str) -> None:
        """The command after a published build (a deploy). Its failure is told; the loop goes on."""
        started = time.monotonic()
        try:
            self.child = subprocess.Popen(
                command,
                shell=True,
                cwd=self.config.resolve().parent,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            output, _ = self.child.communicate()
            status = self.child.returncode
        except OSError as exc:
            output, status = str(exc), -1
        finally:
            self.child = None
        seconds = time.monotonic() - started
        if status == 0:
            self._log(f"  then: {command!r} done in {seconds:.1f} s")
        else:
            last = (output.strip().splitlines() or [""])[-1]
            self._log(f"  then: {command!r} FAILED (exit {status}) in {seconds:.1f} s: {last}")

    def _write_report(self, report: BuildReport) -> None:
        """``build-report.json`` beside the config, as ``nashra build`` leaves it."""
        path = self.config.resolve().parent / "build-report.json"
        path.write_text(json.dumps(report.to_json(), ensure_ascii=False) + "\n", encoding="utf-8")

    def _catch_signals(self) -> None:
        pid = os.getpid()

        def stop(signum: int, frame: FrameType | None) -> None:
            if os.getpid() != pid:  # a forked build worker: the watch process decides
                return
            self.stopping += 1
            if self.stopping > 1:  # abandon: as safe as kill -9 (see the module's "Stopping")
                if self.child is not None:
                    self.child.terminate()
                self._say("stopped: the build in progress abandoned")
                os._exit(0)
            self._say("stopping once the build in progress, if any, is done (again: at once)")
            poke(self.wake)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    def _say(self, line: str) -> None:
        """A line from a signal handler: written straight to the file, for ``print`` may be
        in the middle of a line (flushed after each, so the log's lines stay whole)."""
        with contextlib.suppress(OSError, ValueError):  # ValueError: no file behind ``out``
            os.write(self.out.fileno(), f"{line}\n".encode())

    def _log(self, line: str) -> None:
        print(line, file=self.out, flush=True)


def _outcome(report: BuildReport) -> str:
    """The rest of a build's log line: counts, seconds, published or why not, next time."""
    counts = (
        f"built {len(report.built)}, rejected {len(report.rejected)}, held {len(report.held)}, "
        f"in {report.seconds:.1f} s"
    )
    if report.published:
        said = "published"
    else:
        errors = report.errors
        why = report.failure or (
            f"{len(errors)} validation error(s), first: {errors[0]}" if errors else "see report"
        )
        said = f"NOT published ({why}); the site is unchanged"
    later = f"; next by itself at {_stamp(report.next_change)}" if report.next_change else ""
    return f"{counts}: {said}{later}"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def watch(
    config: Path,
    quiet: float = 1.0,
    most: float = 30.0,
    then: str | None = None,
    jobs: int | None = None,
    out: TextIO = sys.stdout,
    deploy: bool = False,
) -> int:
    """Watch the input folder of ``config`` and publish until SIGTERM or SIGINT (status 0)."""
    return Watch(config, quiet, most, then, jobs, out, deploy).run()
