"""`builder build`: read everything, then write everything (Pelican's order), then check it.

Reading never stops on a bad file: each input ends as an article or as a rejection with its
reason, and the summary lists both.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from PIL import Image as PILImage

from builder import share_image
from builder.article import Article, Image, ReadResult
from builder.discovery import discovery_files
from builder.load import input_files, read_inputs
from builder.pages import article_page, listing_pages
from builder.profile import DEFAULT_PROFILE, load_profile
from builder.publish import PublishError, check_site_dir, publish
from builder.settings import Settings, SettingsError, load_settings
from builder.urls import ARTICLES, article_path, media_path
from builder.validate import Finding, summary_counts, validate_site
from builder.writer import write_generated

PROGRESS_EVERY = 1000


def build_time() -> datetime:
    """Now, or SOURCE_DATE_EPOCH when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)


@dataclass
class BuildReport:
    built: list[tuple[str, str]] = field(default_factory=list)  # (source, site-relative URL)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    published: bool = False
    failure: str | None = None
    stages: dict[str, float] = field(default_factory=dict)  # wall seconds per stage

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
        return {
            "published": self.published,
            "failure": self.failure,
            "seconds": round(self.seconds, 3),
            "stages": {name: round(seconds, 3) for name, seconds in self.stages.items()},
            "built": len(self.built),
            "rejected": len(self.rejected),
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
) -> BuildReport:
    started = time.monotonic()
    settings, cfg = load_settings(config_file, site_dir)
    profile = load_profile(profile_file or settings.profile or DEFAULT_PROFILE)
    source = input_dir or settings.input_dir
    if not source.exists():
        raise SettingsError(f"input {source} does not exist")
    target = site_dir or settings.site_dir
    check_site_dir(target, inputs=[source, settings.docs_dir], homes=[settings.config_file.parent, Path.home()])
    files = input_files([source])
    report = BuildReport()

    articles: list[Article] = []
    with report.stage("read"):
        for n, path in enumerate(files, start=1):
            for result in read_inputs(path, profile, settings.limits):
                _record(result, report, articles)
            if n % PROGRESS_EVERY == 0:
                print(f"  read {n}/{len(files)} files", file=sys.stderr, flush=True)
        articles = _without_collisions(articles, report)
    with report.stage("photos"):
        articles, media = place_photos(articles, settings, report)

    report.built = [(a.source, article_path(a)) for a in articles]
    if articles:  # with nothing to publish, docs/ and site/ keep the last good build
        with report.stage("pages"):
            pages = {f"{ARTICLES}/{a.url_slug}.md": article_page(a, settings) for a in articles}
            pages.update(listing_pages(articles, settings))
            write_generated(settings.docs_dir, pages, media)
        print(f"  rendering {len(pages)} pages with MkDocs ...", file=sys.stderr, flush=True)
        moment = now or build_time()

        def finish(fresh: Path) -> None:
            with report.stage("discovery"):
                (fresh / "sitemap.xml.gz").unlink(missing_ok=True)  # MkDocs's, with build dates
                others = sorted(p.parent.relative_to(fresh).as_posix() + "/" for p in fresh.rglob("index.html") if not p.is_relative_to(fresh / ARTICLES))
                files = discovery_files(articles, [p.removeprefix("./") for p in others], settings, moment)
                for rel, data in files.items():
                    (fresh / rel).parent.mkdir(parents=True, exist_ok=True)
                    (fresh / rel).write_bytes(data)

        def check(fresh: Path) -> list[Finding]:
            with report.stage("validate"):
                return validate_site(fresh, settings.docs_dir, settings.image_hosts, settings, moment)

        try:
            with report.stage("publish"):
                report.published, report.findings = publish(cfg, target, finish, check)
            report.stages["mkdocs"] = report.stages.pop("publish") - report.stages["discovery"] - report.stages["validate"]
        except PublishError as exc:
            report.failure = str(exc)
    report.seconds = time.monotonic() - started
    print_summary(report, out)
    return report


def _record(result: ReadResult, report: BuildReport, articles: list[Article]) -> None:
    if result.article is None:
        report.rejected.append((result.source, result.error or "unknown reason"))
        return
    articles.append(result.article)
    report.warnings.extend((result.source, w) for w in result.warnings)


def _without_collisions(articles: list[Article], report: BuildReport) -> list[Article]:
    """Two inputs with one id or one URL slug: the first (in path order) wins, the rest are rejected."""
    kept: list[Article] = []
    seen_ids: dict[str, str] = {}
    seen_slugs: dict[str, str] = {}
    for article in articles:
        slug = article.url_slug.casefold()
        if article.id in seen_ids:
            report.rejected.append((article.source, f"duplicate article id {article.id!r} (also {seen_ids[article.id]})"))
        elif slug in seen_slugs:
            report.rejected.append((article.source, f"URL slug {article.url_slug!r} already used by {seen_slugs[slug]}"))
        else:
            seen_ids[article.id] = article.source
            seen_slugs[slug] = article.source
            kept.append(article)
    return kept


def place_photos(articles: list[Article], settings: Settings, report: BuildReport) -> tuple[list[Article], dict[str, Path | bytes]]:
    """Local photos are published under media/ with their size; remote ones only from allowed
    hosts; an article left without a photo gets a drawn share image."""
    media: dict[str, Path | bytes] = {}
    placed: list[Article] = []
    for article in articles:
        image = article.image
        if image and image.url:
            if "://" not in image.url:
                source = Path(article.source).parent / image.url
                rel = media_path(article, source.name)
                media[rel] = source
                width, height = photo_size(source)
                image = dataclasses.replace(image, url=rel, width=width, height=height)
            elif urlsplit(image.url).netloc not in settings.image_hosts:
                report.warnings.append((article.source, f"photo URL on another host left out (pages load nothing from other hosts; allow it with image_hosts): {image.url}"))
                image = dataclasses.replace(image, url=None)
        if not (image and image.url):
            rel = media_path(article, "share.png")
            media[rel] = share_image.render(article.headline, settings.site_name, article.section)
            base = image or Image(caption=None, credit=None)
            image = dataclasses.replace(base, url=rel, width=share_image.WIDTH, height=share_image.HEIGHT, generated=True, alt=article.headline)
        placed.append(dataclasses.replace(article, image=image))
    return placed, media


def photo_size(path: Path) -> tuple[int | None, int | None]:
    """Pixel size from the file header (Pillow reads no more than it needs)."""
    try:
        with PILImage.open(path) as img:
            return img.size
    except (OSError, ValueError):
        return None, None


def print_summary(report: BuildReport, out: TextIO) -> None:
    print(f"built {len(report.built)} article(s), rejected {len(report.rejected)}, in {report.seconds:.1f} s", file=out)
    if not report.published:
        print(f"site NOT published (the previous site, if any, is unchanged): {report.failure or 'see errors below' if report.built else 'no article could be built'}", file=out)
    for source, reason in report.rejected:
        print(f"  rejected {source}: {reason}", file=out)
    for source, warning in report.warnings:
        print(f"  warning {source}: {warning}", file=out)
    if report.findings or report.built:
        print(f"validate: {summary_counts(report.findings)}", file=out)
        for finding in report.findings:
            print(f"  {finding}", file=out)
