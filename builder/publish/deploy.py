"""``nashra deploy``: the published ``site/`` to static hosting, through well-kept tools.

- A folder, ``[user@]host:/path`` or ``ssh://[user@]host[:port]/path``: **rsync** (over
  OpenSSH for a host). Only what changed is sent, in passes that never show a reader a broken
  site: what pages load (assets, the search index's content), then media, then article pages,
  then what links to them (listings, the home page, the other pages, the search index's entry
  files), then what announces them (feeds, sitemaps, ``robots.txt``); deletions come last, once
  nothing links to what is deleted. Each pass sends its files with ``--delay-updates``, so they
  appear together at its end.
- ``git:BRANCH`` (the project's own repository, pushed to its ``origin``, as ``mkdocs
  gh-deploy`` does) or ``git:REPO#BRANCH`` (any repository, path or URL): **ghp-import** makes
  the branch a commit of the site with ``.nojekyll`` (GitHub Pages then serves files as they
  are), and the branch is pushed when its tree changed. A ``CNAME`` (``docs/CNAME``, copied into
  the site by MkDocs) goes with the site.

Builder-internal files (:data:`INTERNAL`) are never sent, and a deploy removes them from a
destination that has them. Pure planning (targets, passes, commands, reading rsync's output)
is kept apart from :func:`deploy`, the edge that runs the tools.

Files are compared by size and modification time where the build keeps the time of what did
not change (article pages and media are linked from the previous site), and by content
(``--checksum``) in the passes whose files the build writes afresh every time with mostly the
same bytes (assets, the search index, listings, feeds): those files are small and few, and
reading the articles and photos on both sides at every deploy is what ``--checksum`` would
otherwise cost.

Comparing the whole site at the destination costs a walk of both trees in every pass, seconds
at tens of thousands of articles, after a build that changed a handful of files. So each
deploy records, in ``.build/deployed/``, the size and time of every file it left at the
destination; the next deploy to that destination walks only the local site and hands rsync
just the files whose size or time moved since (``--files-from``) and those gone
(``--delete-missing-args``), through the same passes and comparisons. The record is trusted
only while the destination's top folder lists the files it names, with their sizes; otherwise,
after a failed deploy, or with ``--full``, every file is compared again.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO, overload
from urllib.parse import urlsplit

from builder.core.settings import Settings, load_settings
from builder.publish import precompress
from builder.publish.lock import project_lock
from builder.publish.swap import MARKER, PublishError

# The builder's own files inside a published site (rsync patterns, anchored at its root): the
# marker that lets a build replace the folder, and what each search-index chunk was made from
# (``builder.pipeline.search_index.DIGEST``). tests/test_deploy.py checks that these are all the
# dot-files and ``.sha256`` files a built site has.
INPUTS = "inputs.sha256"
INTERNAL = (f"/{MARKER}", f"/pagefind/*/{INPUTS}")

SSH_CONNECT_SECONDS = 20  # a host that does not answer fails the deploy, not hangs it
RSYNC_IDLE_SECONDS = 120  # rsync's --timeout: no data for this long fails the deploy
_SIBLINGS = ("", ".gz", ".br")  # a file and its precompressed copies travel in the same pass


class DeployError(PublishError):
    """A deploy that could not start or did not finish, with a one-line reason."""


# --- targets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FolderTarget:
    path: Path  # absolute


@dataclass(frozen=True)
class HostTarget:
    host: str  # [user@]host, as ssh and rsync take it
    port: int | None
    path: str  # on the host; relative paths are from the login's home folder


@dataclass(frozen=True)
class GitTarget:
    repo: str | None  # path (absolute) or URL; None: the project's own repository, its origin
    branch: str


Target = FolderTarget | HostTarget | GitTarget

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SCP_LIKE = re.compile(r"^(?P<host>[^/:]+):(?P<path>.*)$")  # rsync: a colon before any slash
_BAD_REF = re.compile(r"[\s~^:?*\[\\]|\.\.|@\{|//|^[-/.]|[/.]$|\.lock$")


def parse_target(text: str, base: Path) -> Target:
    """What a target names. ``base``: the folder a relative local path is read from (the
    current folder for ``--to``, the folder of mkdocs.yml for ``deploy_to``).

    >>> parse_target("git:gh-pages", Path("/p"))
    GitTarget(repo=None, branch='gh-pages')
    >>> parse_target("git:../pages.git#main", Path("/p/site"))
    GitTarget(repo='/p/pages.git', branch='main')
    >>> parse_target("ssh://deploy@example.org:2222/var/www/news", Path("/p"))
    HostTarget(host='deploy@example.org', port=2222, path='/var/www/news')
    >>> parse_target("example.org:www", Path("/p"))
    HostTarget(host='example.org', port=None, path='www')
    >>> parse_target("www/news", Path("/p"))
    FolderTarget(path=PosixPath('/p/www/news'))
    """
    text = text.strip()
    if not text:
        raise ValueError("the target is empty")
    if text.startswith("git:"):
        return _git_target(text[len("git:") :], base)
    if text.startswith("ssh://"):
        parts = urlsplit(text)
        try:
            port = parts.port
        except ValueError as exc:
            raise ValueError(f"{text!r}: the port is not a number from 1 to 65535") from exc
        if not parts.hostname or not parts.path or parts.path == "/":
            raise ValueError(f"{text!r}: give a host and a folder, ssh://[user@]host[:port]/path")
        if parts.query or parts.fragment:
            raise ValueError(f"{text!r}: a query or fragment is not part of an SSH target")
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        user = f"{parts.username}@" if parts.username else ""
        return _host(text, user + host, port, parts.path)
    if _URL.match(text):
        raise ValueError(
            f"{text!r}: give a folder, [user@]host:/path, ssh://[user@]host[:port]/path, "
            "git:BRANCH or git:REPO#BRANCH"
        )
    if text.startswith("["):
        raise ValueError(f"{text!r}: write an IPv6 host as ssh://[ADDRESS]:PORT/path")
    scp = _SCP_LIKE.match(text)
    if scp:
        if scp["path"].startswith(":"):
            raise ValueError(f"{text!r}: rsync daemon targets (host::module) are not supported")
        if not scp["path"]:
            raise ValueError(f"{text!r}: give the folder on the host, [user@]host:/path")
        return _host(text, scp["host"], None, scp["path"])
    return FolderTarget((base / Path(text).expanduser()).resolve())


def _host(text: str, host: str, port: int | None, path: str) -> HostTarget:
    """A host target, unless its host would reach ssh as an option (``-oProxyCommand=...``
    in a shared mkdocs.yml would run a command)."""
    if host.startswith("-") or "@-" in host:
        raise ValueError(f"{text!r}: a host name cannot start with '-'")
    return HostTarget(host, port, path)


def _git_target(rest: str, base: Path) -> GitTarget:
    repo, hash_, branch = rest.rpartition("#")
    if not hash_:
        repo, branch = "", rest
    if not branch or _BAD_REF.search(branch):
        raise ValueError(
            f"git:{rest!r}: {branch!r} is not a branch name (git:BRANCH or git:REPO#BRANCH)"
        )
    if hash_ and not repo:
        raise ValueError(f"git:{rest!r}: the repository before '#' is empty")
    if not repo:
        return GitTarget(None, branch)
    if repo.startswith("-"):  # git would read it as an option
        raise ValueError(f"git:{rest!r}: a repository cannot start with '-'")
    if "://" in repo or _SCP_LIKE.match(repo):  # a URL, or user@host:path
        return GitTarget(repo, branch)
    return GitTarget(str((base / Path(repo).expanduser()).resolve()), branch)


def describe(target: Target) -> str:
    """The target as a reader would write it."""
    if isinstance(target, FolderTarget):
        return str(target.path)
    if isinstance(target, HostTarget):
        port = f" (port {target.port})" if target.port else ""
        return f"{target.host}:{target.path}{port}"
    return f"branch {target.branch} of {target.repo or 'origin'}"


# --- rsync: the passes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Pass:
    """One rsync run: its filter rules (after the internal files' rules) and how files are
    compared. ``compare="none"``: the deletion pass, which sends nothing."""

    name: str
    rules: tuple[str, ...]
    compare: Literal["content", "size-time", "none"]


def _each(rule: str) -> tuple[str, ...]:
    """A rule for a file and for its precompressed copies (``.gz``, ``.br``)."""
    return tuple(rule + suffix for suffix in _SIBLINGS)


_SEARCH_ENTRIES = ("/pagefind/chunks.json", "/pagefind/*/pagefind-entry.json")
_ANNOUNCING = (  # unanchored names: a feed in any folder (the site's, each section's)
    *("feed.xml", "atom.xml"),
    *("/sitemap.xml", "/sitemap-*.xml", "/news-sitemap.xml", "/robots.txt"),
)
_BULK = ("- /assets/", "- /media/", "- /articles/")

PASSES = (
    # What pages load. The search index's entry files wait for the pages its results link to.
    Pass(
        "assets and search index",
        (
            *(r for p in _SEARCH_ENTRIES for r in _each(f"- {p}")),
            "+ /assets/***",
            "+ /pagefind/***",
            "- *",
        ),
        "content",
    ),
    Pass("media", ("+ /media/***", "- *"), "size-time"),
    Pass("articles", ("+ /articles/***", "- *"), "size-time"),
    # Everything else: listings, the home page, about/search/404, the search index's entries.
    Pass(
        "listings, home page and other pages",
        (
            *_BULK,
            "+ /pagefind/",
            "+ /pagefind/*/",
            *(r for p in _SEARCH_ENTRIES for r in _each(f"+ {p}")),
            "- /pagefind/**",
            *(r for p in _ANNOUNCING for r in _each(f"- {p}")),
        ),
        "content",
    ),
    Pass(
        "feeds, sitemaps and robots.txt",
        (
            *_BULK,
            "- /pagefind/",
            "+ */",
            *(r for p in _ANNOUNCING for r in _each(f"+ {p}")),
            "- *",
        ),
        "content",
    ),
    Pass("deletions", (), "none"),
)


def rsync_command(
    step: Pass, source: Path, destination: str, shell: str | None, listed: Path | None = None
) -> list[str]:
    """The rsync run of one pass, from the folder ``source`` into ``destination``; with
    ``listed``, only over the NUL-separated site-relative paths in that file (in the deletion
    pass, the paths gone from the site: a folder goes with what is in it).

    ``--recursive --links --times``, not ``-a``: owners, groups and permissions are the web
    server's, not the build machine's. ``--modify-window=-1`` compares times to the
    nanosecond: two builds in one second that leave a page the same size are still told apart.
    ``H`` (hide) rules keep the internal files out of what is sent without protecting them at
    the destination, so the deletion pass removes any copy there; the deletion pass creates
    and updates nothing (``--existing --ignore-existing``), as every file has been sent.
    """
    command = [
        "rsync",
        "--recursive",
        "--links",
        "--times",
        "--modify-window=-1",
        "--itemize-changes",
        "--stats",
        "--no-human-readable",
        "--8-bit-output",  # Arabic folder names as they are, not \#ooo escapes
        f"--timeout={RSYNC_IDLE_SECONDS}",
    ]
    if shell is not None:
        command += ["--rsh", shell, "--compress"]
    command += [f"--filter=H {pattern}" for pattern in INTERNAL]
    command += [f"--filter={rule}" for rule in step.rules]
    if listed is not None:
        command += ["--from0", f"--files-from={listed}"]
    if step.compare == "none":
        gone = ["--delete-missing-args", "--force"] if listed is not None else ["--delete"]
        command += [*gone, "--existing", "--ignore-existing"]
    else:
        command += ["--delay-updates", "--prune-empty-dirs"]
        if step.compare == "content":
            command.append("--checksum")
    return [*command, f"{source}/", destination]


def rsync_destination(target: FolderTarget | HostTarget) -> str:
    """The destination as rsync takes it (a folder, with its trailing slash)."""
    if isinstance(target, FolderTarget):
        return f"{target.path}/"
    return f"{target.host}:{target.path.rstrip('/') or '/'}/"


def ssh_shell(target: HostTarget, command: str | None, control: Path | None) -> str:
    """rsync's ``--rsh`` for a host: the configured SSH command, the URL's port, a connect
    timeout, and (for OpenSSH) one shared connection for all the passes (``ControlMaster``):
    one key exchange per deploy, not one per pass. Options given in ``command`` win, as ssh
    takes the first value it is given for each.

    >>> ssh_shell(HostTarget("h", 2222, "/w"), "ssh -i key", None)
    'ssh -i key -p 2222 -o ConnectTimeout=20'
    """
    shell = command or "ssh"
    if target.port is not None:
        shell += f" -p {target.port}"
    if _is_openssh(shell):
        shell += f" -o ConnectTimeout={SSH_CONNECT_SECONDS}"
        if control is not None:
            shell += f" -o ControlMaster=auto -o ControlPath={control}/%C -o ControlPersist=60"
    return shell


def _is_openssh(shell: str) -> bool:
    try:
        return Path(shlex.split(shell)[0]).name == "ssh"
    except (ValueError, IndexError):
        return False


# --- rsync: reading what it did --------------------------------------------------------------


@dataclass(frozen=True)
class PassResult:
    name: str
    sent: tuple[str, ...]  # site-relative paths of the files sent, in rsync's order
    deleted: tuple[str, ...]  # site-relative paths deleted (a folder ends with "/")
    bytes: int  # the size of the files sent (rsync's "Total transferred file size")
    seconds: float
    looked_at: int = 0  # files and folders rsync compared ("Number of files")


_ITEM = re.compile(r"^[<>ch.][fdLDS][^ ]{9} (.+)$")
_DELETED = re.compile(r"^\*deleting +(.+)$")
_TRANSFERRED = re.compile(r"^Total transferred file size: ([\d,]+)")
_LOOKED_AT = re.compile(r"^Number of files: ([\d,]+)")


def read_rsync_output(name: str, output: str, seconds: float) -> PassResult:
    """A pass's result from rsync's ``--itemize-changes`` lines and ``--stats``.

    >>> r = read_rsync_output("x", ">f+++++++++ a/b.html\\n.d..t...... a/\\n*deleting   old/x\\n"
    ...     "Number of files: 3 (reg: 2, dir: 1)\\n"
    ...     "Total transferred file size: 1,234 bytes\\n", 0.5)
    >>> r.sent, r.deleted, r.bytes, r.looked_at
    (('a/b.html',), ('old/x',), 1234, 3)
    """
    sent: list[str] = []
    deleted: list[str] = []
    size = looked_at = 0
    for line in output.splitlines():
        item = _ITEM.match(line)
        if item and line[1] == "f" and line[0] in "<>":
            sent.append(item[1])
            continue
        gone = _DELETED.match(line)
        if gone:
            deleted.append(gone[1])
            continue
        total = _TRANSFERRED.match(line)
        if total:
            size = int(total[1].replace(",", ""))
        counted = _LOOKED_AT.match(line)
        if counted:
            looked_at = int(counted[1].replace(",", ""))
    return PassResult(name, tuple(sent), tuple(deleted), size, seconds, looked_at)


def read_listing(output: str) -> list[str]:
    """Names in rsync's ``--list-only`` of one folder (not recursive), without ``.``."""
    names = []
    for line in output.splitlines():
        fields = line.split(None, 4)
        if len(fields) == 5 and fields[4] != ".":
            names.append(fields[4])
    return names


def listed_files(output: str) -> dict[str, int]:
    """The files (not folders) in rsync's ``--list-only`` of one folder, with their sizes.

    >>> listed_files("drwxr-xr-x 4,096 2026/12/07 14:23:13 .\\n"
    ...     "-rw-r--r-- 1,234 2026/12/07 14:23:13 index.html\\n")
    {'index.html': 1234}
    """
    files = {}
    for line in output.splitlines():
        fields = line.split(None, 4)
        if len(fields) == 5 and fields[0].startswith("-"):
            files[fields[4]] = int(fields[1].replace(",", ""))
    return files


Stats = dict[str, tuple[int, int]]  # site-relative path -> (size, modification time in ns)


# A folder of the site as a deploy saw it, by (site-relative path, inode, modification time):
# its files' names, their sizes and times, and its folders' names
Folders = dict[
    tuple[str, int, int], tuple[tuple[str, ...], tuple[tuple[int, int], ...], tuple[str, ...]]
]


def site_stats(site: Path, seen: Folders | None = None) -> tuple[Stats, Folders]:
    """Every file of ``site`` but the internal ones, with its size and time, and the folders as
    this walk saw them. (Plain strings and ``os.scandir``: this runs over the whole site at
    every deploy, before any file is sent.)

    A folder that has the inode and modification time it had in ``seen`` (the last deploys'
    walks) is not read again: a file of a built site is never written in place, but replaced
    (a new one renamed or linked over it, a change to its folder), since it may be a hard link
    shared with the other copy of the site (:mod:`builder.publish.precompress`), so such a
    folder has the files it had then, with their sizes and times. The site and its spare
    trade places at every build, so a folder the build left alone is one ``seen`` two deploys
    ago. At 20,000 articles (42,000 folders, 222,000 files) reading every folder took 1.4 s
    of each deploy. (A file changed in place by hand is beyond this: ``--full``.)"""
    walked: Folders = {}
    folders = [""]
    while folders:
        folder = folders.pop()
        path = os.path.join(site, folder)
        st = os.stat(path)
        key = (folder, st.st_ino, st.st_mtime_ns)
        found = seen.get(key) if seen else None
        walked[key] = found = found or _folder(path, folder)
        folders.extend(f"{folder}/{name}" if folder else name for name in found[2])
    return _unfold(walked), walked


def _unfold(walked: Folders) -> Stats:
    """The files of the folders a walk saw, by site-relative path, with their sizes and times."""
    files: Stats = {}
    for (folder, _, _), (names, sizes, _) in walked.items():
        prefix = f"{folder}/" if folder else ""
        files.update(zip([prefix + name for name in names], sizes, strict=True))
    return files


def _folder(
    path: str, folder: str
) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...], tuple[str, ...]]:
    """One folder's files (but the internal ones) with their sizes and times, and its folders.

    A precompressed copy (``x.br``, ``x.gz`` beside a text file ``x``) is given its file's
    size and time, not looked at: the build makes or links the copies with their file, never
    alone (:mod:`builder.publish.precompress`), so they change when it does, and are then handed
    to rsync with it, which compares them itself. Two of every three files of a hosted site are
    copies. (Those of the top folder are looked at: the record is trusted only while the
    destination's top folder has the sizes it names.)"""
    files: dict[str, tuple[int, int]] = {}
    inside, copies = [], []
    with os.scandir(path) as entries:
        for entry in entries:
            name = entry.name
            if entry.is_dir(follow_symlinks=False):
                inside.append(name)
            elif folder and _is_copy(name):
                copies.append(entry)
            elif name not in (MARKER, INPUTS) or not _internal(f"{folder}/{name}".lstrip("/")):
                st = entry.stat(follow_symlinks=False)
                files[name] = (st.st_size, st.st_mtime_ns)
    for entry in copies:  # after their files, which may come later in the folder
        of = files.get(entry.name[:-3])
        if of is None:  # a file of the site's own that only looks like a copy
            st = entry.stat(follow_symlinks=False)
            of = (st.st_size, st.st_mtime_ns)
        files[entry.name] = of
    return tuple(files), tuple(files.values()), tuple(inside)


def _is_copy(name: str) -> bool:
    """Whether a name is that of a precompressed copy of a text file.

    >>> _is_copy("index.html.br"), _is_copy("feed.xml.gz"), _is_copy("data.tar.gz")
    (True, True, False)
    """
    return name.endswith(precompress.SUFFIXES) and name[:-3].endswith(precompress.TEXT)


def _internal(rel: str) -> bool:
    """Whether a site-relative path is one of :data:`INTERNAL`.

    >>> _internal(".builder-site"), _internal("pagefind/2021-11/inputs.sha256")
    (True, True)
    >>> _internal("pagefind/2021-11/pagefind-entry.json")
    False
    """
    parts = rel.split("/")
    return rel == MARKER or (len(parts) == 3 and parts[0] == "pagefind" and parts[2] == INPUTS)


def changes(last: Stats, now: Stats) -> tuple[list[str], list[str]]:
    """What to hand rsync after a deploy that left ``last`` at the destination: the files new or
    moved in size or time, and what is gone (a folder left with nothing is named itself).

    >>> changes({"a/x": (1, 1), "b/y": (1, 1), "b/z": (1, 1), "i": (1, 1)},
    ...         {"a/x": (1, 1), "b/y": (2, 1), "i": (1, 2), "c/n": (1, 1)})
    (['b/y', 'c/n', 'i'], ['b/z'])
    >>> changes({"a/x": (1, 1), "a/b/y": (1, 1), "i": (1, 1)}, {"i": (1, 1)})
    ([], ['a'])
    """
    sent = sorted(rel for rel, stat in now.items() if last.get(rel) != stat)
    live = {rel.rsplit("/", 1)[0] for rel in now if "/" in rel}
    live |= {folder.rsplit("/", n)[0] for folder in live for n in range(1, folder.count("/") + 1)}
    gone = set()
    for rel in (rel for rel in last if rel not in now):
        parts = rel.split("/")
        tops = ("/".join(parts[:i]) for i in range(1, len(parts)))
        gone.add(next((top for top in tops if top not in live), rel))
    return sent, sorted(gone)


def foreign_files(present: Sequence[str], site_names: Sequence[str]) -> list[str]:
    """What makes a destination not a place to deploy to: it holds names that are not the
    site's and no ``index.html`` (not an earlier deploy, which the deletion pass would tidy).
    A mistyped target (a home folder, a project) would otherwise lose its files.

    >>> foreign_files([".bashrc", "notes"], ["index.html", "assets"])
    ['.bashrc', 'notes']
    >>> foreign_files(["index.html", "old-page"], ["index.html"])
    []
    """
    if "index.html" in present:
        return []
    ours = {*site_names, ".~tmp~"}  # rsync's --delay-updates folder, left by a killed deploy
    return sorted(name for name in present if name not in ours)


_NOISE = (
    "rsync error:",
    "rsync: connection unexpectedly closed",
    "rsync: [sender] write error",
    "rsync: [receiver] write error",
    "rsync: [Receiver] write error",
    "Warning: Permanently added",
    "** WARNING",
    "** This session",
    "** The server",
    "hint:",
)


def first_reason(stderr: str) -> str:
    """The line of a tool's error output that says what went wrong: ssh's or rsync's own
    reason, before rsync's generic "connection unexpectedly closed" and exit code lines.

    >>> first_reason("ssh: connect to host h port 22: Connection refused\\n"
    ...     "rsync: connection unexpectedly closed (0 bytes received so far) [sender]\\n"
    ...     "rsync error: unexplained error (code 255) at io.c(232) [sender=3.2.7]\\n")
    'ssh: connect to host h port 22: Connection refused'
    """
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(_NOISE)]
    return (useful or lines or ["(no message)"])[0]


# --- git: what a commit changed --------------------------------------------------------------


def read_diff_tree(output: bytes) -> tuple[list[str], list[str]]:
    """Paths added or changed, and paths deleted, from ``git diff-tree -r -z --no-renames``.

    >>> read_diff_tree(b":000000 100644 0 1 A\\0new.html\\0:100644 000000 1 0 D\\0old.html\\0")
    (['new.html'], ['old.html'])
    """
    fields = iter(output.split(b"\0"))
    changed: list[str] = []
    deleted: list[str] = []
    for status in fields:
        if status.startswith(b":"):  # ":MODE MODE SHA SHA STATUS", then the path
            path = os.fsdecode(next(fields, b""))
            (deleted if status.endswith(b" D") else changed).append(path)
    return changed, deleted


# --- the edge --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeployReport:
    target: str
    passes: tuple[PassResult, ...]
    seconds: float
    note: str = ""  # one more line for the summary (the commit made, GitHub Pages's address)

    @property
    def sent(self) -> int:
        return sum(len(p.sent) for p in self.passes)

    @property
    def deleted(self) -> int:
        """Files deleted (folders emptied by the deletion are not counted)."""
        return sum(_files(p.deleted) for p in self.passes)

    @property
    def bytes(self) -> int:
        return sum(p.bytes for p in self.passes)


def _files(paths: Sequence[str]) -> int:
    return sum(not path.endswith("/") for path in paths)


def summary(report: DeployReport) -> list[str]:
    """The lines ``nashra deploy`` prints: one per pass, then the totals."""
    lines = []
    for p in report.passes:
        done = [f"{len(p.sent)} sent ({p.bytes} bytes)"] if p.sent else []
        done += [f"{_files(p.deleted)} deleted"] if _files(p.deleted) else []
        lines.append(f"  {p.name}: {', '.join(done) or 'nothing to do'} ({p.seconds:.1f} s)")
    if report.note:
        lines.append(report.note)
    lines.append(
        f"deployed to {report.target}: {report.sent} file(s) sent ({report.bytes} bytes), "
        f"{report.deleted} deleted, in {report.seconds:.1f} s"
    )
    return lines


def deploy(
    config_file: Path,
    to: str | None = None,
    site_dir: Path | None = None,
    ssh: str | None = None,
    out: TextIO = sys.stdout,
    full: bool = False,
) -> DeployReport:
    """Deploy the published site of ``config_file`` (or ``site_dir``) to ``to`` (default: the
    ``deploy_to`` setting), holding the project's lock so no build swaps the site meanwhile."""
    started = time.monotonic()
    settings = load_settings(config_file, site_dir)[0]
    if to is not None:
        text, base, origin = to, Path.cwd(), "--to"
    elif settings.deploy_to is not None:
        text, base = settings.deploy_to, settings.config_file.parent
        origin = f"{settings.config_file}: deploy_to"
    else:
        raise DeployError("no deploy target: give --to or set deploy_to")
    try:
        target = parse_target(text, base)
    except ValueError as exc:
        raise DeployError(f"{origin}: {exc}") from exc
    site = settings.site_dir.resolve()
    tool = "git" if isinstance(target, GitTarget) else "rsync"
    for program in dict.fromkeys([tool, "rsync"]):  # git targets are staged with rsync too
        if shutil.which(program) is None:
            raise DeployError(f"{program} is not installed (Debian: apt-get install {program})")
    busy = "a build or deploy of this project is running"
    with project_lock(settings.build_dir, busy=busy):
        if not (site / MARKER).is_file():
            raise DeployError(
                f"{site} is not a complete published site (no {MARKER}): run `nashra build` first"
            )
        print(f"deploying {site} to {describe(target)}", file=out)
        if isinstance(target, GitTarget):
            passes, note = _git_deploy(site, target, settings)
        else:
            records = settings.build_dir / "deployed"
            passes, note = _rsync_deploy(site, target, ssh or settings.deploy_ssh, records, full)
    report = DeployReport(describe(target), passes, time.monotonic() - started, note)
    for line in summary(report):
        print(line, file=out)
    return report


def _rsync_deploy(
    site: Path, target: FolderTarget | HostTarget, ssh: str | None, records: Path, full: bool
) -> tuple[tuple[PassResult, ...], str]:
    destination = rsync_destination(target)
    key = hashlib.sha256(destination.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    record = records / f"{key}.marshal"
    record.with_suffix(".json").unlink(missing_ok=True)  # the record's format before 14ea8d1
    if isinstance(target, HostTarget):
        control = Path(tempfile.mkdtemp(prefix="nashra-ssh-"))
        shell = ssh_shell(target, ssh, control)
        try:
            return _rsync_passes(site, destination, shell, describe(target), record, full)
        finally:
            _close_shared_connection(target, shell, control)
    there = target.path
    if there == site or site in there.parents or there in site.parents:
        raise DeployError(f"the target {there} overlaps the site {site}: deploy elsewhere")
    return _rsync_passes(site, destination, None, describe(target), record, full)


def _rsync_passes(
    site: Path, destination: str, shell: str | None, name: str, record: Path, full: bool
) -> tuple[tuple[PassResult, ...], str]:
    """The passes over the whole site, or over what changed since the recorded deploy (see the
    module's docstring); the record is written anew once every pass is done."""
    top = _check_destination(site, destination, shell, name)
    last, before, older = (None, {}, {}) if full else _read_record(record, destination)
    try:
        now, walked = site_stats(site, {**older, **before})
    except (ValueError, TypeError):  # a damaged record that still unmarshals
        last, before, older = None, {}, {}
        now, walked = site_stats(site)
    if last is not None and top != {r: size for r, (size, _) in last.items() if "/" not in r}:
        last = None  # the destination is not as the last deploy left it
    record.unlink(missing_ok=True)  # a deploy that stops half-way leaves no record to trust
    results = []
    note = "  every file compared (no record of the last deploy there that still holds)"
    with tempfile.TemporaryDirectory(prefix="nashra-deploy-") as work:
        lists: dict[str, Path | None] = {"sent": None, "gone": None}
        if last is not None:
            sent, gone = changes(last, now)
            note = f"  {len(sent)} changed and {len(gone)} gone since the last deploy there"
            for kind, paths in (("sent", sent), ("gone", gone)):
                lists[kind] = Path(work, kind)
                Path(work, kind).write_bytes(b"".join(p.encode() + b"\0" for p in paths))
        for step in PASSES:
            listed = lists["gone" if step.compare == "none" else "sent"]
            began = time.monotonic()
            command = rsync_command(step, site, destination, shell, listed)
            done = _rsync(command, f"{step.name} pass")
            results.append(read_rsync_output(step.name, done, time.monotonic() - began))
    record.parent.mkdir(parents=True, exist_ok=True)
    part = record.with_suffix(".part")
    # this walk's folders, and those of the last walk not seen again (the spare's: site_stats);
    # when that walk saw the site as it is (no build since), the spare's of the walk before
    older = {key: found for key, found in before.items() if key not in walked} or {
        key: found for key, found in older.items() if key not in walked
    }
    part.write_bytes(marshal.dumps((destination, walked, older)))
    part.replace(record)
    return tuple(results), note


def _read_record(record: Path, destination: str) -> tuple[Stats | None, Folders, Folders]:
    """The files the last deploy to ``destination`` left there, as it recorded them (None when
    there is no record, or it is unreadable: another Python's marshal, a damaged file), the
    folders its walk saw, and those the walk before saw and it did not (:func:`site_stats`).
    Marshal: JSON took 0.8 s to read at 222,000 files, before the first file could be sent."""
    try:
        there, walked, older = marshal.loads(record.read_bytes())
        files = _unfold(walked)
    except (OSError, ValueError, EOFError, TypeError, AttributeError):
        return None, {}, {}
    if there != destination or not isinstance(older, dict):
        return None, {}, {}
    return files, walked, older


def _check_destination(
    site: Path, destination: str, shell: str | None, name: str
) -> dict[str, int] | None:
    """Refuse a destination that holds someone else's files (see :func:`foreign_files`); an
    absent one is made by the first pass. This first contact also fails early, before
    anything is sent, when the host cannot be reached. Returns the files of the destination's
    top folder with their sizes (None: there is no such folder yet)."""
    command = ["rsync", "--list-only", "--8-bit-output", f"--timeout={RSYNC_IDLE_SECONDS}"]
    command += ["--rsh", shell] if shell else []
    try:
        listing = _rsync([*command, destination], "looking at the destination")
    except DeployError as exc:
        if "No such file or directory" in str(exc):
            return None
        raise
    foreign = foreign_files(read_listing(listing), [p.name for p in site.iterdir()])
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise DeployError(
            f"{name} holds files that are not this site's ({shown}) and no index.html: "
            "refusing to deploy there, as they would be deleted (deploy to an empty folder)"
        )
    return listed_files(listing)


def _rsync(command: list[str], doing: str) -> str:
    done = subprocess.run(command, capture_output=True, env=_plain_env(), check=False)
    if done.returncode != 0:
        reason = first_reason(done.stderr.decode("utf-8", "replace"))
        raise DeployError(f"rsync failed ({doing}, exit {done.returncode}): {reason}")
    return done.stdout.decode("utf-8", "surrogateescape")


def _close_shared_connection(target: HostTarget, shell: str, control: Path) -> None:
    """End the shared SSH connection now rather than when it has been idle a minute."""
    if _is_openssh(shell) and any(control.iterdir()):
        subprocess.run(
            [*shlex.split(shell), "-O", "exit", target.host],
            capture_output=True,
            timeout=SSH_CONNECT_SECONDS,
            check=False,
        )
    shutil.rmtree(control, ignore_errors=True)


def _plain_env() -> dict[str, str]:
    """The tools' messages in English and unlocalised, as their reasons are passed on."""
    return {**os.environ, "LC_ALL": "C"}


def _git_deploy(
    site: Path, target: GitTarget, settings: Settings
) -> tuple[tuple[PassResult, ...], str]:
    """ghp-import makes the commit in a repository of our own (``.build/deploy/git/``) whose
    remote is ``target.repo``, or, for ``git:BRANCH``, in the project's repository with its
    ``origin`` (as ``mkdocs gh-deploy``). The branch is fetched first, so the commit follows
    what the remote has, and pushed only if its tree changed: a deploy of the same site adds
    no empty commit."""
    began = time.monotonic()
    work, remote = _git_work(target, settings)
    branch = target.branch
    before = _fetch_branch(work, remote, branch)
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix="deploy-stage-", dir=settings.build_dir))
    try:
        # the site without its internal files, as hard links, by the rules rsync deploys with
        hide = [f"--filter=H {pattern}" for pattern in INTERNAL]
        _rsync(["rsync", "-a", *hide, f"--link-dest={site}", f"{site}/", f"{stage}/"], "staging")
        after = _ghp_import(work, remote, branch, stage, settings.site_url)
        if before is not None and _tree(work, before) == _tree(work, after):
            _git(["update-ref", f"refs/heads/{branch}", before], work, "dropping an empty commit")
            changed: list[str] = []
            deleted: list[str] = []
            note = f"  {branch} already holds this site: nothing pushed"
        else:
            listed = ["diff-tree", "-r", "-z", "--no-commit-id", "--no-renames"]
            listed += [before, after] if before else ["--root", after]
            changed, deleted = read_diff_tree(_git(listed, work, "listing the changes", raw=True))
            refspec = f"refs/heads/{branch}:refs/heads/{branch}"
            _git(["push", "--quiet", remote, refspec], work, "pushing")
            note = f"  commit {after[:12]} on {branch}"
        size = sum((stage / p).stat().st_size for p in changed if (stage / p).is_file())
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    cname = site / "CNAME"
    if cname.is_file():  # as mkdocs gh-deploy tells
        host = cname.read_text(encoding="utf-8").strip()
        note += f"; GitHub Pages serves it at https://{host}/ (CNAME)"
    seconds = time.monotonic() - began
    return (PassResult("git commit", tuple(changed), tuple(deleted), size, seconds),), note


def _fetch_branch(work: Path, remote: str, branch: str) -> str | None:
    """The remote's branch into ``refs/remotes/REMOTE/BRANCH``, where ghp-import starts its
    commit from; its commit, or None when the remote has no such branch yet."""
    tracking = f"refs/remotes/{remote}/{branch}"
    if _git(["ls-remote", "--heads", remote, f"refs/heads/{branch}"], work, "reading the remote"):
        fetch = ["fetch", "--quiet", "--no-tags", remote, f"+refs/heads/{branch}:{tracking}"]
        _git(fetch, work, "fetching the branch")
        return _rev(work, tracking)
    # a first deploy, or the branch was deleted there: start it afresh
    subprocess.run(["git", "update-ref", "-d", tracking], cwd=work, capture_output=True)
    return None


def _ghp_import(work: Path, remote: str, branch: str, stage: Path, site_url: str) -> str:
    """Run ghp-import (as ``mkdocs gh-deploy`` calls it, ``.nojekyll`` included, but without
    its push) in ``work``, in a process of its own: it runs git in its working folder."""
    command = [sys.executable, "-m", "ghp_import", "--no-jekyll", "--remote", remote]
    command += ["--branch", branch, "--message", f"Deployed {site_url} with nashra deploy"]
    made = subprocess.run(
        [*command, str(stage)],
        cwd=work,
        capture_output=True,
        env={**_plain_env(), **_committer(work)},
        check=False,
    )
    if made.returncode != 0:
        reason = first_reason(made.stderr.decode("utf-8", "replace"))
        raise DeployError(f"ghp-import failed (exit {made.returncode}): {reason}")
    after = _rev(work, f"refs/heads/{branch}")
    if after is None:
        raise DeployError(f"ghp-import made no commit on {branch}")
    return after


def _git_work(target: GitTarget, settings: Settings) -> tuple[Path, str]:
    """The repository ghp-import commits in, and the remote it pushes to."""
    if target.repo is None:
        project = settings.config_file.parent
        inside = subprocess.run(
            ["git", "rev-parse", "--git-dir"], cwd=project, capture_output=True, check=False
        )
        if inside.returncode != 0:
            raise DeployError(
                f"git:{target.branch} pushes to the origin of the project's repository, and "
                f"{project} is in none: give git:REPO#{target.branch}"
            )
        return project, "origin"
    key = hashlib.sha256(target.repo.encode()).hexdigest()[:16]
    work = settings.build_dir / "deploy" / "git" / key
    if not (work / "HEAD").is_file():
        work.mkdir(parents=True, exist_ok=True)
        _git(["init", "--bare", "--quiet"], work, "making the deploy repository")
    if subprocess.run(
        ["git", "remote", "get-url", "target"], cwd=work, capture_output=True
    ).returncode:
        _git(["remote", "add", "target", target.repo], work, "adding the remote")
    else:
        _git(["remote", "set-url", "target", target.repo], work, "setting the remote")
    return work, "target"


@overload
def _git(arguments: list[str], cwd: Path, doing: str) -> str: ...
@overload
def _git(arguments: list[str], cwd: Path, doing: str, raw: Literal[True]) -> bytes: ...
def _git(arguments: list[str], cwd: Path, doing: str, raw: bool = False) -> str | bytes:
    done = subprocess.run(
        ["git", *arguments], cwd=cwd, capture_output=True, env=_plain_env(), check=False
    )
    if done.returncode != 0:
        reason = first_reason(done.stderr.decode("utf-8", "replace"))
        raise DeployError(f"git failed ({doing}, exit {done.returncode}): {reason}")
    return done.stdout if raw else done.stdout.decode("utf-8", "replace")


def _rev(work: Path, ref: str) -> str | None:
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=work,
        capture_output=True,
        check=False,
    )
    return done.stdout.decode().strip() or None if done.returncode == 0 else None


def _tree(work: Path, commit: str) -> str:
    return _git(["rev-parse", f"{commit}^{{tree}}"], work, "reading a tree").strip()


def _committer(work: Path) -> dict[str, str]:
    """ghp-import writes the commit with git's identity; a machine with none (a fresh server,
    a CI runner) gets a stated one rather than an empty name."""
    known = subprocess.run(
        ["git", "config", "user.email"], cwd=work, capture_output=True, check=False
    )
    if known.stdout.strip() or "GIT_COMMITTER_EMAIL" in os.environ:
        return {}
    return {"GIT_COMMITTER_NAME": "nashra deploy", "GIT_COMMITTER_EMAIL": "nashra@localhost"}
