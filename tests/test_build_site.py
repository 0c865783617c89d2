"""Functional: build real sites with real MkDocs and read them back with extruct."""

import io
import json
import shutil
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import lxml.html
import pytest

from builder.build import SAID_EACH, build
from builder.check.validate import validate_site
from builder.pipeline.page_reuse import published_pages
from builder.render.links import RELATED
from tests.conftest import (
    FIXTURES,
    REPO,
    SAMPLE,
    SAMPLE_ARTICLES,
    make_project,
    sitemap_urls,
    sitemaps,
)


def test_sample_site_builds_and_validates(sample_build):
    root, report = sample_build
    site = root / "site"
    assert len(report.built) == SAMPLE_ARTICLES and report.rejected == [] and report.errors == []
    slugs = sorted(p.name for p in (site / "articles").iterdir())
    assert slugs == sorted(p.stem for p in (root / ".build" / "partitions").glob("*/articles/*.md"))
    assert len(slugs) == SAMPLE_ARTICLES
    media = {p.name for p in (site / "media" / "55425f2f31b4ad18").iterdir()}
    assert "rabat-mausoleum.jpg" not in media  # derivatives only, never the photo as it came
    assert {n.rpartition("-")[2] for n in media} >= {"1200.avif", "480.webp", "16x9.jpg"}
    assert [
        f
        for f in validate_site(site, published_pages(root / ".build" / "partitions"))
        if f.level == "error"
    ] == []


def test_home_lists_articles_newest_first(sample_build):
    root, _ = sample_build
    tree = lxml.html.parse(str(root / "site" / "index.html"))
    times = tree.xpath("//article[contains(@class,'card')]//time/@datetime")
    assert len(times) == SAMPLE_ARTICLES and times == sorted(times, reverse=True)
    links = tree.xpath("//article[contains(@class,'card')]//h2/a/@href")
    assert links[0] == "articles/flu-vaccination-campaign/"


def test_articles_stay_out_of_the_nav_and_the_sitemap_has_real_dates(sample_build):
    root, _ = sample_build
    page = (root / "site" / "articles" / "oil-prices-jump" / "index.html").read_text(
        encoding="utf-8"
    )
    others = [p.name for p in (root / "site" / "articles").iterdir() if p.name != "oil-prices-jump"]
    linked = [
        slug for slug in others if f"/{slug}/" in page
    ]  # related, previous and next only: no nav of every article
    assert others and len(linked) <= RELATED + 2 and len(linked) < len(others)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = sitemap_urls(root / "site")
    lastmod = {
        u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns) for u in urls
    }
    assert (
        lastmod["https://akhbar.example.org/articles/oil-prices-jump/"]
        == "2022-03-08T13:30:00+03:00"
    )
    assert (
        lastmod["https://akhbar.example.org/articles/kuwait-club-league-title/"]
        == "2023-05-15T00:05:00+03:00"
    )


def test_validate_catches_tampering(sample_build, tmp_path):
    root, _ = sample_build
    site = tmp_path / "site"
    shutil.copytree(root / "site", site)
    page = site / "articles" / "oil-prices-jump" / "index.html"
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace('title">أسعار النفط', 'title">أسعار الذهب'), encoding="utf-8")
    other = site / "articles" / "book-fair-opens" / "index.html"
    other.write_text(
        other.read_text(encoding="utf-8").replace('"@graph": [', '"@graph": [,'), encoding="utf-8"
    )
    third = site / "articles" / "kuwait-club-league-title" / "index.html"
    third.write_text(
        third.read_text(encoding="utf-8").replace(
            "2023-05-14T23:10:00+03:00", "2023-05-15T23:10:00+03:00"
        ),
        encoding="utf-8",
    )
    errors = {
        (f.page, f.message.split(" ")[0])
        for f in validate_site(site, published_pages(root / ".build" / "partitions"))
        if f.level == "error"
    }
    assert ("articles/oil-prices-jump/index.html", "headline") in errors
    assert ("articles/book-fair-opens/index.html", "JSON-LD") in errors
    assert ("articles/kuwait-club-league-title/index.html", "JSON-LD") in errors


def test_hostile_text_stays_literal_everywhere(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(FIXTURES / "raw" / "hostile.txt", corpus / "000_hostile.txt")
    (corpus / "000_hostile.toml").write_text(
        'published = 2024-01-01T10:00:00+03:00\nsection = "<i>قسم</i> {{ x }}"\n'
        'tags = ["</script>", "---"]\n'
        'authors = ["<b>كاتب</b>"]\n',
        encoding="utf-8",
    )
    report = build(make_project(tmp_path, corpus))
    assert report.built and report.errors == []
    html = (tmp_path / "site" / "articles" / "hostile" / "index.html").read_text(encoding="utf-8")
    tree = lxml.html.fromstring(html)
    assert [s.get("type") for s in tree.xpath("//script")] == ["application/ld+json"]
    assert (
        tree.xpath(
            "//img[@onerror] | //a[starts-with(@href,'javascript')] | //b | //i | //strong"
            " | //h2 | //ol | //ul/li[.='بند'] | //blockquote | //pre | //table"
        )
        == []
    )
    headline = '</script><script>alert("عنوان")</script> **عاجل** {% raw %}'
    assert tree.xpath("string(//h1)") == headline
    assert tree.xpath("string(//title)").startswith(headline)
    assert tree.xpath("//meta[@property='article:section']/@content") == ["<i>قسم</i> {{ x }}"]
    body = [p.text_content() for p in tree.xpath("//div[@class='article-body']/p")]
    assert body[0] == '<b>نص</b> [رابط](javascript:alert(1)) & &amp; {% include "base.html" %} ${x}'
    assert body[1:4] == ["---", "title: مكسور", "# عنوان فرعي"]
    ld = json.loads(tree.xpath("//script")[0].text)
    article = ld["@graph"][0]
    assert article["headline"] == headline and article["keywords"] == ["</script>", "---"]
    assert article["alternativeHeadline"] == "<!-- عنوان --> {{ config.site_name }} `code`"
    assert "<i>قسم</i> {{ x }}" in (
        tmp_path / ".build" / "partitions" / "2024-01" / "articles" / "hostile.md"
    ).read_text(encoding="utf-8")


def test_bad_inputs_are_rejected_and_the_batch_goes_on(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    (corpus / "010_empty.txt").write_bytes(b"")
    shutil.copy(FIXTURES / "raw" / "chrome_only.txt", corpus / "011_chrome.txt")
    (corpus / "012_badmeta.txt").write_text(
        (SAMPLE / "002_7c1d2e9f40ab8835.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (corpus / "012_badmeta.toml").write_text("published = 2023-05-14T23:10:00\n", encoding="utf-8")
    report = build(make_project(tmp_path, corpus))
    assert len(report.built) == SAMPLE_ARTICLES and report.errors == []
    reasons = dict((Path(s).name, r) for s, r in report.rejected)
    assert reasons["010_empty.txt"] == "empty file"  # the file is the source: named once
    assert "only page chrome" in reasons["011_chrome.txt"]
    assert (
        "012_badmeta.toml: 'published'" in reasons["012_badmeta.txt"]
        and "UTC offset" in reasons["012_badmeta.txt"]
    )


def test_removed_articles_disappear_and_a_failed_build_keeps_the_old_site(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    config = make_project(tmp_path, corpus)
    build(config)
    (corpus / "001_a3f09c2e7b14d6e1.txt").unlink()
    report = build(config)
    assert len(report.built) == SAMPLE_ARTICLES - 1
    assert not (tmp_path / "site" / "articles" / "oil-prices-jump").exists()
    assert not list((tmp_path / ".build" / "partitions").glob("*/articles/oil-prices-jump.md"))
    assert not (tmp_path / ".build" / "partitions" / "2022-03").exists()  # its month is now empty
    for raw in corpus.glob("*.txt"):
        raw.write_bytes(b"")
    report = build(config)
    assert report.built == [] and len(report.rejected) == SAMPLE_ARTICLES - 1
    assert (tmp_path / "site" / "articles" / "book-fair-opens" / "index.html").is_file()


def cli(*args, cwd=REPO):
    return subprocess.run(
        [sys.executable, "-m", "builder", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_parse_json_contract(tmp_path):
    (tmp_path / "000_x.txt").write_bytes(b"")
    shutil.copy(SAMPLE / "000_55425f2f31b4ad18.txt", tmp_path)
    done = cli("parse", str(tmp_path), "--json")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(Path(r["source"]).name, r["ok"], r["error"]) for r in lines] == [
        ("000_55425f2f31b4ad18.txt", True, None),
        ("000_x.txt", False, "empty file"),
    ]
    article = lines[0]["article"]
    assert {"id", "headline", "alternative_headline", "image", "paragraphs"} <= set(article)
    assert article["id"] == "55425f2f31b4ad18"
    assert article["image"]["caption"] == "غانتس أمام ضريح محمد الخامس في الرباط أمس"
    assert article["image"]["credit"] == "رويترز"
    assert len(article["paragraphs"]) == 15
    assert lines[1]["article"] is None


def test_parse_exits_non_zero_when_nothing_parsed(tmp_path):
    (tmp_path / "000_x.txt").write_bytes(b"")
    assert cli("parse", str(tmp_path / "000_x.txt"), "--json").returncode == 1


@pytest.mark.parametrize("as_json", [False, True])
def test_validate_cli(sample_build, as_json):
    root, _ = sample_build
    args = ["validate", str(root / "site"), "--config", str(root / "mkdocs.yml")] + (
        ["--json"] if as_json else []
    )
    done = cli(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    if as_json:
        assert json.loads(done.stdout)["errors"] == 0
    else:
        assert "0 error(s)" in done.stdout


def test_build_cli_prints_a_summary(tmp_path):
    done = cli("build", "--config", str(make_project(tmp_path, SAMPLE)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"built {SAMPLE_ARTICLES} article(s), rejected 0, in ")
    assert "validate: 0 error(s)" in done.stdout


@pytest.mark.parametrize("where", ["corpus", "notes", "project"])
def test_site_dir_never_replaces_inputs_or_unrelated_folders(tmp_path, where):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    config = make_project(tmp_path, corpus)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "keep.md").write_text("x", encoding="utf-8")
    target = {"corpus": corpus, "notes": notes, "project": tmp_path}[where]
    done = cli("build", "--config", str(config), "--site-dir", str(target))
    assert done.returncode == 2 and "error:" in done.stderr
    assert (notes / "keep.md").is_file() and len(list(corpus.glob("*.txt"))) == SAMPLE_ARTICLES


def test_a_site_failing_its_check_is_not_swapped_in(sample_build, tmp_path):
    from builder.check.validate import Finding
    from builder.publish.swap import publish, render

    root, _ = sample_build
    site = tmp_path / "site"
    shutil.copytree(root / "site", site)
    before = sorted(p.relative_to(site) for p in site.rglob("*"))
    make = lambda fresh: render(root / "mkdocs.yml", root / "docs", fresh)  # noqa: E731
    published, findings = publish(
        site, make, lambda fresh: [Finding("error", "x", "broken on purpose")]
    )
    assert not published and findings[0].message == "broken on purpose"
    assert sorted(p.relative_to(site) for p in site.rglob("*")) == before
    assert not list(tmp_path.glob(".site.*"))


def test_modified_only_is_shown(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SAMPLE / "004_e92f4b7a1c3d5068.txt", corpus / "004_x.txt")
    (corpus / "004_x.toml").write_text("modified = 2025-02-20T10:00:00+03:00\n", encoding="utf-8")
    assert build(make_project(tmp_path, corpus)).published
    tree = lxml.html.parse(str(tmp_path / "site" / "articles" / "x" / "index.html"))
    assert tree.xpath("//p[@class='dates']//time/@datetime") == ["2025-02-20T10:00:00+03:00"]


def test_validate_compares_with_the_build_folder_only_when_it_describes_the_site(
    tmp_path, monkeypatch
):
    """`validate site/` after a build into another folder, or after a build that failed, must
    not report the published pages as differing from pages the builder made for something
    else; right after site/ is published, a page whose JSON-LD was changed is still caught."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    config = make_project(tmp_path, corpus)
    site = tmp_path / "site"
    assert build(config).published

    def validate():
        return cli("validate", site, "--config", config, "--strict")

    assert validate().returncode == 0
    story = corpus / "002_7c1d2e9f40ab8835.txt"
    story.write_text(
        story.read_text(encoding="utf-8").replace("الكويت", "القادسية", 1), encoding="utf-8"
    )
    assert build(
        config, site_dir=tmp_path / "elsewhere"
    ).published  # the build folder now describes elsewhere/
    done = validate()
    assert (
        done.returncode == 0
        and f"info: {site}: JSON-LD not compared with the builder's intent" in done.stdout
    ), done.stdout  # the site's note, not "1 page(s)"
    assert build(config).published  # site/ again, with the edit
    broken = (
        tmp_path / "pagefind-broken"
    )  # a real program that fails: the next build renders, then is not published
    broken.write_text('#!/bin/sh\necho "disk full" >&2\nexit 3\n')
    broken.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(broken))
    story.write_text(
        story.read_text(encoding="utf-8").replace("القادسية", "العربي", 1), encoding="utf-8"
    )
    assert not build(config).published
    done = validate()
    assert done.returncode == 0, done.stdout
    page = (
        site / "articles" / "small-business-ai-study" / "index.html"
    )  # an unchanged partition is still compared
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "2025-02-19T16:00:00+03:00", "2025-02-19T16:01:00+03:00"
        ),
        encoding="utf-8",
    )
    done = validate()
    assert (
        done.returncode == 1 and "JSON-LD differs from what the builder emitted" in done.stdout
    ), done.stdout


def test_a_photo_nothing_describes_gets_an_empty_alt_and_is_reported(tmp_path):
    """Alt text is the input's image_alt, else its caption; none is made up from the headline,
    on its page or on a listing. A drawn share image shows the headline, so its alt is the
    headline."""
    from PIL import Image as PILImage

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    PILImage.new("RGB", (800, 600), (90, 120, 150)).save(corpus / "cabinet.jpg")
    (corpus / "001_photo.txt").write_text(
        "مجلس الوزراء يقر الموازنة\n\nأقر مجلس الوزراء، أمس، الموازنة العامة.\n", encoding="utf-8"
    )
    (corpus / "001_photo.toml").write_text(
        'image = "cabinet.jpg"\nsection = "محليات"\npublished = 2025-03-02T10:00:00+03:00\n',
        encoding="utf-8",
    )  # the newest: the home's lead card
    (corpus / "002_drawn.txt").write_text(
        "افتتاح معرض الكتاب\n\nافتتح، أمس، معرض الكتاب.\n", encoding="utf-8"
    )
    (corpus / "003_url.txt").write_text(
        "الأمطار تعود إلى البلاد\n\nتعود الأمطار اليوم.\n", encoding="utf-8"
    )
    (corpus / "003_url.toml").write_text(
        'image = "https://photos.example.net/x.jpg"\nimage_alt = "غيوم فوق المدينة"\n',
        encoding="utf-8",
    )
    report = build(make_project(tmp_path, corpus, image_hosts=["photos.example.net"]))
    assert report.published
    told = [(Path(s).name, w) for s, w in report.warnings if "photo description" in w]
    assert told == [
        (
            "001_photo.txt",
            "no photo description given (image_alt or a caption): "
            "the photo's alt text is left empty",
        )
    ], report.warnings
    photo = lxml.html.parse(str(tmp_path / "site" / "articles" / "photo" / "index.html"))
    assert photo.xpath("//figure//img/@alt") == [""]
    assert not photo.xpath("//meta[@property='og:image:alt' or @name='twitter:image:alt']")
    home = lxml.html.parse(str(tmp_path / "site" / "index.html"))
    assert home.xpath("//img[contains(@src, '/cabinet-')]/@alt") == [
        ""
    ]  # the listing's card as the page: not the headline
    drawn = lxml.html.parse(str(tmp_path / "site" / "articles" / "drawn" / "index.html"))
    assert drawn.xpath("//meta[@property='og:image:alt']/@content") == ["افتتاح معرض الكتاب"]
    url = lxml.html.parse(str(tmp_path / "site" / "articles" / "url" / "index.html"))
    assert url.xpath("//figure//img/@alt") == ["غيوم فوق المدينة"]
    notes = [str(f) for f in report.findings if "photo size unknown" in f.message]
    assert notes == [
        "info: 1 page(s): photo size unknown (given as a URL, not fetched): "
        "Google's 50,000-pixel minimum not checked"
    ]


def test_an_arabic_slug_publishes_with_url_escaped_sitemaps_and_feeds(tmp_path):
    """The README's way to an Arabic URL. MkDocs percent-encodes the canonical link while the
    JSON-LD keeps the IRI: one URL, so the page passes its check (it failed the whole site)."""
    from urllib.parse import quote

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "001_ar.txt").write_text(
        "خبر بعنوان عربي في الرابط\n\nقال المتحدث إن الاجتماع سيعقد الأسبوع المقبل.\n",
        encoding="utf-8",
    )
    (corpus / "001_ar.toml").write_text(
        'slug = "خبر-عاجل"\npublished = 2025-11-20T09:00:00+03:00\nsection = "سياسة"\n',
        encoding="utf-8",
    )
    report = build(make_project(tmp_path, corpus), now=datetime(2025, 11, 20, 12, tzinfo=UTC))
    assert report.published and not [f for f in report.findings if f.level == "error"], (
        report.findings
    )
    page = f"https://akhbar.example.org/{quote('articles/خبر-عاجل/')}"
    tree = lxml.html.parse(str(tmp_path / "site" / "articles" / "خبر-عاجل" / "index.html"))
    assert tree.xpath("//link[@rel='canonical']/@href") == [page]
    site = tmp_path / "site"
    locs = [
        e.text
        for path in [*sitemaps(site), site / "news-sitemap.xml"]
        for e in ElementTree.parse(path).iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    ]
    assert page in locs and all(loc.isascii() for loc in locs), locs
    feed = ElementTree.parse(site / "sections" / "سياسة" / "feed.xml").getroot()
    assert (
        feed.findtext("channel/link") == f"https://akhbar.example.org/{quote('sections/سياسة/')}"
    )  # the section's page, not the home page
    assert feed.findtext("channel/item/link") == page
    listing = lxml.html.parse(str(site / "sections" / "سياسة" / "index.html"))
    feeds = [h for h in listing.xpath("//link[@rel='alternate']/@href") if h.startswith("../")]
    assert sorted(
        (site / "sections" / "سياسة" / h).resolve().relative_to(site.resolve()).as_posix()
        for h in feeds
    ) == [
        "atom.xml",
        "feed.xml",
        "sections/سياسة/atom.xml",
        "sections/سياسة/feed.xml",
    ]  # the site's feeds and the section's own


@pytest.mark.parametrize("site_url", ["https://example.org/أخبار/", "https://أخبار.example/"])
def test_a_site_url_with_arabic_in_it_publishes(tmp_path, site_url):
    """Sitemaps and feeds write every URL escaped (the host in IDNA); the checker reads them so."""
    import yaml

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "001_x.txt").write_text(
        "خبر قصير\n\nقال المتحدث إن الاجتماع سيعقد.\n", encoding="utf-8"
    )
    (corpus / "001_x.toml").write_text(
        'published = 2025-11-20T09:00:00+03:00\nsection = "سياسة"\n', encoding="utf-8"
    )
    config = make_project(tmp_path, corpus)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["site_url"] = site_url
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = build(config, now=datetime(2025, 11, 20, 12, tzinfo=UTC))
    assert report.published and not [f for f in report.findings if f.level == "error"], (
        report.findings
    )
    locs = [
        e.text
        for path in sitemaps(tmp_path / "site")
        for e in ElementTree.parse(path).iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    ]
    assert locs and all(loc.isascii() for loc in locs), locs


def test_a_message_about_many_files_is_printed_once_with_their_count(tmp_path):
    """Raw files with no sidecar (no date, author or section) all get the same warning and
    the same page findings: the summary prints each such message once, where it was first
    said and how many other files or pages it concerns; the build report keeps every one."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for raw in sorted(SAMPLE.glob("*.txt")):
        shutil.copy(raw, corpus / raw.name)
    out = io.StringIO()
    report = build(make_project(tmp_path, corpus), out=out)
    assert report.published and len(report.built) == SAMPLE_ARTICLES
    lines = out.getvalue().splitlines()
    by_message = Counter(message for _, message in report.warnings)
    assert max(by_message.values()) > SAID_EACH  # the case this is about
    for message, count in by_message.items():
        said = [line for line in lines if line.startswith("  warning ") and message in line]
        if count > SAID_EACH:
            first = min(source for source, m in report.warnings if m == message)
            assert said == [f"  warning {first} and {count - 1} other files: {message}"]
        else:
            assert len(said) == count
    pages = [line for line in lines if "NewsArticle has no author" in line]
    assert len(pages) == 1 and f" and {SAMPLE_ARTICLES - 1} other pages: " in pages[0], pages
    assert len(lines) < 30, lines
