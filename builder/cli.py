"""Command line: ``nashra`` (or ``python -m builder``) with the commands ``new``, ``parse``,
``build``, ``validate``, ``eval``, ``bundle``, ``verify-bundle``, ``deploy``, ``serve`` and
``watch``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import Any

from builder.build import build, build_time
from builder.check.validate import Finding, summary_counts, validate_site
from builder.core.article import Article, ReadResult
from builder.core.settings import SettingsError, load_settings
from builder.offline.bundle import BundleError, make_bundle, verify_bundle
from builder.pipeline.executors import SchedulerError
from builder.pipeline.page_reuse import published_pages
from builder.pipeline.partitions import PARTITIONS
from builder.publish.deploy import deploy
from builder.publish.recycle import describes
from builder.publish.swap import PublishError
from builder.read.evaluate import (
    Gate,
    check_gate,
    corpus_hash,
    evaluate,
    format_table,
    read_gate,
    write_gate,
)
from builder.read.inputs import SUFFIXES, no_inputs, orphan_warning, read_all, scan_inputs
from builder.read.profile import DEFAULT_PROFILE, ProfileError, load_profile
from builder.scaffold import ScaffoldError, new_site
from builder.serve import serve
from builder.watch import watch


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `parse --json | head`: the reader has all it wants
        sys.stderr.close()
        return 0


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nashra", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    n = commands.add_parser(
        "new",
        help="make a new site folder that builds on its own "
        "(mkdocs.yml, docs/, input/ with an example)",
    )
    n.add_argument(
        "folder",
        type=Path,
        metavar="DIR",
        help="the site's folder (made if missing; must be empty)",
    )

    p = commands.add_parser("parse", help="read raw articles and print what was understood")
    p.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help=f"a raw article file ({', '.join(SUFFIXES)}) or a folder of them",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per input file per line")
    p.add_argument(
        "--profile",
        type=Path,
        help="source profile "
        f"(default: 'profile' in the config, else built-in {DEFAULT_PROFILE.name})",
    )
    p.add_argument(
        "--config",
        type=Path,
        help="mkdocs.yml whose 'profile' to read with, as build does "
        "(default: mkdocs.yml if there is one here)",
    )

    b = commands.add_parser(
        "build", help="raw articles -> Markdown pages -> MkDocs -> site/, then validate"
    )
    b.add_argument(
        "--config",
        type=Path,
        default=Path("mkdocs.yml"),
        help="the site's settings (default: mkdocs.yml)",
    )
    b.add_argument(
        "--input", type=Path, help="folder of raw articles (default: 'input' in mkdocs.yml)"
    )
    b.add_argument("--site-dir", type=Path, help="output folder (default: site_dir of mkdocs.yml)")
    b.add_argument(
        "--profile",
        type=Path,
        help="source profile (default: 'profile' in mkdocs.yml, else built-in)",
    )
    where = b.add_mutually_exclusive_group()
    where.add_argument(
        "--jobs",
        type=_positive,
        help="worker processes for the partitions "
        "(default: all cores; 1 runs them in this process)",
    )
    where.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="run the partitions on this Dask cluster "
        "(needs: pip install -e '.[dask]' in this repository)",
    )
    b.add_argument(
        "--report",
        type=Path,
        help="where to write the JSON report of every input "
        "(default: build-report.json beside the config)",
    )
    b.add_argument("--strict", action="store_true", help="exit non-zero if any input was rejected")
    b.add_argument(
        "--now",
        type=_moment,
        help="the build's 'now' (ISO 8601 with offset): articles dated after it are held "
        "back, and the news sitemap's two days end at it; default SOURCE_DATE_EPOCH or the clock",
    )

    v = commands.add_parser("validate", help="check the JSON-LD and pages of a built site")
    v.add_argument(
        "site_dir",
        nargs="?",
        type=Path,
        default=Path("site"),
        metavar="SITE_DIR",
        help="the built site (default: site)",
    )
    v.add_argument(
        "--config",
        type=Path,
        default=Path("mkdocs.yml"),
        help="to compare with the builder's pages",
    )
    v.add_argument("--json", action="store_true", help="the findings as JSON")
    v.add_argument("--strict", action="store_true", help="warnings count as errors")
    v.add_argument(
        "--now",
        type=_moment,
        help="'now' for future-date and news-sitemap checks (ISO 8601 with offset)",
    )

    e = commands.add_parser("eval", help="reader accuracy over a labelled corpus, with its gate")
    e.add_argument(
        "corpus",
        type=Path,
        metavar="DIR",
        help="labelled corpus: raw files, each beside its NAME.expected.toml",
    )
    e.add_argument(
        "--profile", type=Path, help=f"source profile (default: built-in {DEFAULT_PROFILE.name})"
    )
    e.add_argument(
        "--gate", action="store_true", help="fail when below the pinned floor or the corpus changed"
    )
    e.add_argument(
        "--raise-floor",
        action="store_true",
        help="pin the floor at today's accuracy (never lowers it)",
    )
    e.add_argument(
        "--lower-floor", type=float, metavar="X", help="explicitly lower the floor to X (0..1)"
    )

    z = commands.add_parser(
        "bundle", help="build the site for offline use: dist/<name>-offline/ and its zip"
    )
    z.add_argument(
        "--config",
        type=Path,
        default=Path("mkdocs.yml"),
        help="the site's settings (default: mkdocs.yml)",
    )
    z.add_argument(
        "--input", type=Path, help="folder of raw articles (default: 'input' in mkdocs.yml)"
    )
    z.add_argument(
        "--profile",
        type=Path,
        help="source profile (default: 'profile' in mkdocs.yml, else built-in)",
    )
    z.add_argument(
        "--out",
        type=Path,
        default=Path("dist"),
        help="where the bundle folder and zip go (default: dist)",
    )
    z.add_argument("--jobs", type=_positive, help="worker processes (default: all cores)")
    z.add_argument(
        "--now",
        type=_moment,
        help="the build's 'now' (ISO 8601 with offset): articles dated after it are held back",
    )

    d = commands.add_parser(
        "deploy",
        help="publish the built site with rsync (a folder, or a host over SSH) "
        "or to a git branch (GitHub Pages)",
    )
    d.add_argument(
        "--config",
        type=Path,
        default=Path("mkdocs.yml"),
        help="the site's settings (default: mkdocs.yml)",
    )
    d.add_argument(
        "--to",
        metavar="TARGET",
        help="a folder, [user@]host:/path, ssh://[user@]host[:port]/path, git:BRANCH "
        "or git:REPO#BRANCH (default: deploy_to in mkdocs.yml)",
    )
    d.add_argument("--site-dir", type=Path, help="the built site (default: site_dir of mkdocs.yml)")
    d.add_argument(
        "--ssh",
        metavar="COMMAND",
        help='the SSH command for a host, e.g. "ssh -i ~/.ssh/deploy" '
        "(default: deploy_ssh in mkdocs.yml, else ssh)",
    )
    d.add_argument(
        "--full",
        action="store_true",
        help="compare every file at the target, not only what changed since the last deploy "
        "(after the target was changed by other means)",
    )

    s = commands.add_parser(
        "serve",
        help="preview: build, serve on 127.0.0.1, rebuild on every edit and reload open pages",
    )
    s.add_argument(
        "--config",
        type=Path,
        default=Path("mkdocs.yml"),
        help="the site's settings (default: mkdocs.yml)",
    )
    s.add_argument("--port", type=_port, default=8000, help="port to serve on (default: 8000)")
    s.add_argument("--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1)")

    y = commands.add_parser(
        "verify-bundle", help="check a bundle (zip or folder) against its MANIFEST.sha256"
    )
    y.add_argument("bundle", type=Path, metavar="FILE")

    w = commands.add_parser(
        "watch",
        help="publish the input folder continuously: build when it settles after changes, "
        "and when an embargo ends or the news sitemap's window moves",
    )
    w.add_argument(
        "--config",
        type=Path,
        default=Path("mkdocs.yml"),
        help="the site's settings (default: mkdocs.yml)",
    )
    w.add_argument(
        "--quiet-seconds",
        type=_seconds,
        default=1.0,
        metavar="S",
        help="build once no file changed for this long (default 1); files renamed into place "
        "or closed after writing: a quarter of it",
    )
    w.add_argument(
        "--max-wait-seconds",
        type=_seconds,
        default=30.0,
        metavar="S",
        help="while changes go on without a pause, build at least this often (default 30)",
    )
    w.add_argument(
        "--then",
        metavar="COMMAND",
        help="shell command run after each published build, in the config's folder "
        '(e.g. "nashra deploy"); a failure is logged and watching goes on',
    )
    w.add_argument(
        "--deploy",
        action="store_true",
        help="deploy to deploy_to (mkdocs.yml) after each published build, before --then",
    )
    w.add_argument("--jobs", type=_positive, help="worker processes (default: all cores)")

    args = parser.parse_args(argv)
    try:
        if args.command == "new":
            return _new(args.folder)
        if args.command == "parse":
            return _parse(args.paths, args.json, args.profile or _configured_profile(args.config))
        if args.command == "eval":
            return _eval(args.corpus, args.profile, args.gate, args.raise_floor, args.lower_floor)
        if args.command == "build":
            report = build(
                args.config,
                args.input,
                args.site_dir,
                args.profile,
                now=args.now,
                jobs=args.jobs,
                scheduler=args.scheduler,
            )
            report_file = args.report or args.config.resolve().parent / "build-report.json"
            report_file.write_text(
                json.dumps(report.to_json(), ensure_ascii=False) + "\n", encoding="utf-8"
            )  # unindented: 4x faster to write (use jq to read)
            print(f"report: {report_file}")
            return 0 if report.published and not (args.strict and report.rejected) else 1
        if args.command == "bundle":
            make_bundle(
                args.config, args.out, args.input, args.profile, now=args.now, jobs=args.jobs
            )
            return 0
        if args.command == "deploy":
            deploy(args.config, args.to, args.site_dir, args.ssh, full=args.full)
            return 0
        if args.command == "watch":
            return watch(
                args.config,
                args.quiet_seconds,
                args.max_wait_seconds,
                args.then,
                args.jobs,
                deploy=args.deploy,
            )
        if args.command == "verify-bundle":
            return _verify_bundle(args.bundle)
        if args.command == "serve":
            return _serve(args.config, args.host, args.port)
        return _validate(args.site_dir, args.config, args.json, args.strict, args.now)
    except (
        SettingsError,
        ProfileError,
        PublishError,
        BundleError,
        SchedulerError,
        ScaffoldError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _new(folder: Path) -> int:
    written = new_site(folder)
    print(f"made a new site in {folder}: {len(written)} files")
    for path in written:
        print(f"  {path.relative_to(folder)}")
    config = "" if folder.resolve() == Path.cwd().resolve() else f"cd {folder} && "
    print(
        f"next: put your articles in {folder / 'input'}, "
        f"set site_url in {folder / 'mkdocs.yml'}, then: {config}nashra build"
    )
    return 0


def _configured_profile(config: Path | None) -> Path | None:
    """The profile ``build`` would read with: the config's ``profile``. With no --config, the
    mkdocs.yml here if it is this builder's; else None (the built-in profile): parse also
    works outside a project, and beside another MkDocs site's mkdocs.yml."""
    if config is not None:
        return load_settings(config)[0].profile
    if not Path("mkdocs.yml").is_file():
        return None
    try:
        return load_settings(Path("mkdocs.yml"))[0].profile
    except SettingsError as exc:
        print(
            f"note: not reading with mkdocs.yml's profile ({exc}); "
            f"using the built-in {DEFAULT_PROFILE.name}",
            file=sys.stderr,
        )
        return None


def _parse(paths: list[Path], as_json: bool, profile_file: Path | None) -> int:
    profile = load_profile(profile_file or DEFAULT_PROFILE)
    inputs = scan_inputs(paths)
    for folder in inputs.empty:  # else an empty folder printed nothing at all
        print(no_inputs(folder), file=sys.stderr)
    for sidecar in inputs.orphans:  # --json keeps stdout to one record a line
        print(
            f"warning {sidecar}: {orphan_warning(sidecar)}",
            file=sys.stderr if as_json else sys.stdout,
        )
    ok = 0
    refused = [ReadResult(source, None, reason) for source, reason in inputs.refused]
    for result in chain(refused, read_all(inputs.files, profile)):
        ok += result.ok
        if as_json:
            print(json.dumps(result_json(result), ensure_ascii=False), flush=True)
        elif result.article:
            a = result.article
            print(f"ok {result.source}: {a.headline} ({len(a.paragraphs)} paragraphs)")
            for warning in result.warnings:
                print(f"  warning: {warning}")
        else:
            print(f"rejected {result.source}: {result.error}")
    return 0 if ok else 1


def result_json(result: ReadResult) -> dict[str, Any]:
    """The stable ``parse --json`` record for one input file."""
    return {
        "source": result.source,
        "ok": result.ok,
        "error": result.error,
        "warnings": list(result.warnings),
        "article": article_json(result.article) if result.article else None,
    }


def article_json(a: Article) -> dict[str, Any]:
    return {
        "id": a.id,
        "headline": a.headline,
        "alternative_headline": a.alternative_headline,
        "image": {"caption": a.image.caption, "credit": a.image.credit, "url": a.image.url}
        if a.image
        else None,
        "paragraphs": list(a.paragraphs),
        "dateline": a.dateline,
        "published": a.published.isoformat() if a.published else None,
        "modified": a.modified.isoformat() if a.modified else None,
        "authors": [{"name": au.name, "url": au.url, "type": au.kind} for au in a.authors],
        "section": a.section,
        "tags": list(a.tags),
        "slug": a.slug,
        "type": a.article_type,
        "corrections": [{"date": c.date.isoformat(), "text": c.text} for c in a.corrections],
    }


def _eval(
    corpus: Path,
    profile_file: Path | None,
    gate: bool,
    raise_floor: bool,
    lower_floor: float | None,
) -> int:
    evaluation = evaluate(corpus, load_profile(profile_file or DEFAULT_PROFILE))
    print(format_table(evaluation))
    current = read_gate(corpus)
    if raise_floor or lower_floor is not None:
        old = current.floor if current else 0.0
        if lower_floor is not None:
            new = lower_floor
        elif evaluation.accuracy < old:
            print(
                f"accuracy {evaluation.accuracy:.2%} is below the floor {old:.2%}: "
                "not raised (use --lower-floor to lower it)"
            )
            return 1
        else:
            new = max(old, int(evaluation.accuracy * 10000) / 10000)
        write_gate(corpus, Gate(new, corpus_hash(corpus)))
        print(f"floor {old:.2%} -> {new:.2%}, corpus hash pinned")
        return 0
    if gate:
        problems = check_gate(corpus, evaluation)
        for problem in problems:
            print(f"gate: {problem}")
        print(
            "gate: "
            + (
                "FAILED"
                if problems
                else f"passed (floor {current.floor:.2%})"
                if current
                else "FAILED"
            )
        )
        return 1 if problems else 0
    return 0


def _moment(text: str) -> datetime:
    """A ``--now`` value. Every refusal is an ``ArgumentTypeError`` saying what is wanted: for a
    plain ``ValueError`` argparse prints the function's name ("invalid _moment value")."""
    try:
        value: datetime | None = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.utcoffset() is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 date-time with a UTC offset "
            "(e.g. 2025-06-01T12:00:00+03:00)"
        )
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return value


def _validate(
    site_dir: Path, config: Path, as_json: bool, strict: bool, now: datetime | None
) -> int:
    settings = load_settings(config)[0] if config.exists() else None
    findings = validate_site(
        site_dir,
        published_pages(settings.build_dir / PARTITIONS)
        if settings and describes(settings.build_dir, site_dir)
        else None,
        settings.image_hosts if settings else frozenset(),
        settings,
        now or build_time(),
    )
    if strict:
        findings = [
            Finding("error", f.page, f.message) if f.level == "warning" else f for f in findings
        ]
    errors = sum(f.level == "error" for f in findings)
    pages = sum(1 for _ in site_dir.rglob("*.html")) if site_dir.is_dir() else 0
    if as_json:
        counts = {
            level: sum(f.level == level for f in findings) for level in ("error", "warning", "info")
        }
        print(
            json.dumps(
                {
                    "site": str(site_dir),
                    "pages": pages,
                    "errors": counts["error"],
                    "warnings": counts["warning"],
                    "notes": counts["info"],
                    "findings": [f.__dict__ for f in findings],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for finding in findings:
            print(finding)
        print(f"validated {pages} page(s) in {site_dir}: {summary_counts(findings)}")
    return 1 if errors else 0


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535)")
    return value


def _serve(config: Path, host: str, port: int) -> int:
    try:
        return serve(config, host, port)
    except OSError as exc:  # the address: in use, or not this machine's
        print(f"error: cannot serve on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2


def _verify_bundle(path: Path) -> int:
    result = verify_bundle(path)
    for label, names in (
        ("missing", result.missing),
        ("changed", result.changed),
        ("extra", result.extra),
        ("error", result.problems),
    ):
        for name in names:
            print(f"{label}: {name}")
    if result.ok:
        print(f"{path}: every file matches its MANIFEST.sha256")
        return 0
    print(
        f"{path}: FAILED ({len(result.missing)} missing, {len(result.changed)} changed, "
        f"{len(result.extra)} extra, {len(result.problems)} error(s))"
    )
    return 1
