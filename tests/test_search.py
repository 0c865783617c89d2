"""Search on the hosted site: a real Pagefind index, built by a real build, queried in real
Chromium (Debian's /usr/bin/chromium through Playwright), with no request leaving 127.0.0.1."""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from builder.build import build
from builder.pipeline.search_index import pagefind_binary
from tests.conftest import FIXTURES, SAMPLE, SAMPLE_ARTICLES, make_project
from tests.test_browser import SHOTS, browser, open_page, server  # noqa: F401 - fixtures

SEARCH_CORPUS = FIXTURES / "search"
DONE = "['done', 'failed'].includes(document.getElementById('search').dataset.state)"


def bundle(site: Path) -> Path:
    """The one Pagefind bundle of a small site (sites past CHUNK_CAP articles have several)."""
    (chunk,) = json.loads((site / "pagefind" / "chunks.json").read_text(encoding="utf-8"))
    return site / "pagefind" / chunk


def fragments(site: Path) -> list[dict]:
    """Pagefind's stored records: gzip, a signature, then JSON."""
    found = []
    for path in sorted((bundle(site) / "fragment").iterdir()):
        data = gzip.decompress(path.read_bytes())
        found.append(json.loads(data[data.index(b"{") :]))
    return found


def results(page) -> list[str]:
    page.wait_for_function(DONE)
    assert page.evaluate("document.getElementById('search').dataset.state") == "done"
    return [
        href.rstrip("/").rsplit("/", 1)[-1]
        for href in page.locator(".search-result h2 a").evaluate_all("as => as.map(a => a.href)")
    ]


def submit(page, query: str) -> list[str]:
    """Type the query into the form and submit it (Enter), as a reader does."""
    page.fill("#search-q", query)
    page.evaluate("document.getElementById('search').dataset.state = 'typing'")
    page.press("#search-q", "Enter")
    return results(page)


# --- the index ---------------------------------------------------------------------------------


def test_sample_site_has_an_arabic_index_of_its_articles(sample_build):
    root, report = sample_build
    site = root / "site"
    entry = json.loads((bundle(site) / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert list(entry["languages"]) == ["ar"]  # from <html lang="ar">: Arabic stemming
    assert entry["languages"]["ar"]["page_count"] == len(report.built) == SAMPLE_ARTICLES
    assert (bundle(site) / "wasm.ar.pagefind").is_file()
    assert not (bundle(site) / "pagefind-ui.js").exists()  # Pagefind's own UI is not shipped
    assert "search" in report.stages


def test_index_holds_folded_text_and_original_metadata(sample_build):
    site = sample_build[0] / "site"
    records = {r["url"]: r for r in fragments(site)}
    assert sorted(records) == sorted(f"/articles/{p.name}/" for p in (site / "articles").iterdir())
    morocco = records["/articles/morocco-israel-security-agreement/"]
    assert (
        morocco["meta"]["title"]
        == "المغرب وإسرائيل يوقعان اتفاقاً أمنياً «غير مسبوق» لمواجهة التحديات"
    )
    assert morocco["meta"]["deck"] == "يتيح للرباط اقتناء معدات أمنية عالية التكنولوجيا بسهولة"
    assert morocco["meta"]["date"] == "24 نوفمبر 2021، 9:40 م"
    content = morocco["content"]
    assert content.startswith(
        "يتيح للرباط اقتناء معدات امنيه عاليه التكنولوجيا بسهوله. "
        "المغرب واسرائيل يوقعان اتفاقا امنيا «غير مسبوق» لمواجهه التحديات. "
    )
    assert content.endswith("كما التقي غانتس، مساء، وزير الخارجيه المغربي ناصر بوريطه.")
    assert "إ" not in content and "ة" not in content and "ً" not in content
    # chrome is not indexed: section kicker, byline, dates, caption, tags, masthead, footer
    for chrome in (
        "سياسة",
        "سياسه",
        "بقلم",
        "نشر في",
        "رويترز",
        "اتفاقيات امنيه",
        "عن الموقع",
        "أخبار المثال",
    ):
        assert chrome not in content, chrome


# --- the search page ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_search_page_finds_an_arabic_query(browser, server, width):  # noqa: F811
    page, seen = open_page(browser, server, "/search/?q=" + quote("الإنفلونزا"), width)
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert results(page) == ["flu-vaccination-campaign"]
    assert (
        page.locator(".search-result h2").inner_text()
        == "وزارة الصحة تطلق حملة التطعيم الموسمية ضد الإنفلونزا"
    )
    assert (
        page.locator(".search-result .deck").inner_text()
        == "الحملة تستهدف كبار السن وأصحاب الأمراض المزمنة"
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"search-{width}.png"), full_page=True)
    assert submit(page, "المغرب") == ["morocco-israel-security-agreement"]
    assert "q=" + quote("المغرب") in page.url
    page.locator(".search-result h2 a").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/articles/morocco-israel-security-agreement/")
    assert seen == {"foreign": [], "errors": [], "failed": []}
    page.close()


@pytest.mark.browser
def test_search_page_without_results_and_empty_query(browser, server):  # noqa: F811
    page, seen = open_page(browser, server, "/search/")
    assert page.locator("#search-status").inner_text() == ""
    assert submit(page, "qzxqzxqzx") == []
    assert "لا نتائج" in page.locator("#search-status").inner_text()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "search-empty-1280.png"), full_page=True)
    assert seen == {"foreign": [], "errors": [], "failed": []}
    page.close()


HOSTILE = [
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=1</script>",
    '"><svg onload=window.__pwned=1>',
    "إسرائيل <b>عريض</b> &amp; {{ 7*7 }}",
]


@pytest.mark.browser
@pytest.mark.parametrize("query", HOSTILE)
def test_a_query_with_markup_is_shown_literally(browser, server, query):  # noqa: F811
    for how in ("url", "form"):
        page, seen = open_page(
            browser, server, "/search/?q=" + quote(query) if how == "url" else "/search/"
        )
        if how == "form":
            submit(page, query)
        else:
            results(page)
        assert f"«{query}»" in page.locator("#search-status").inner_text()
        assert page.locator("#search-q").input_value() == query
        assert page.locator("#search img, #search svg, #search b, #search script").count() == 0
        assert page.evaluate("window.__pwned") is None
        assert seen == {"foreign": [], "errors": [], "failed": []}
        page.close()


# --- spelling variants, each one, on a corpus made for them --------------------------------------


@dataclass
class Served:
    url: str
    site: Path


@pytest.fixture(scope="module")
def variant_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("search")
    corpus = root / "corpus"
    shutil.copytree(SEARCH_CORPUS, corpus)
    report = build(make_project(root, corpus))
    assert report.published and len(report.built) == 6
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root / "site"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield Served(f"http://127.0.0.1:{httpd.server_address[1]}", (root / "site").resolve())
    httpd.shutdown()


# (query, article it must find). The corpus spells each word one way; the query another.
VARIANTS = [
    ("إسطنبول", "alef-forms"),  # as written
    ("اسطنبول", "alef-forms"),  # hamza below -> bare alef
    ("أسطنبول", "alef-forms"),  # hamza below -> hamza above
    ("آسطنبول", "alef-forms"),  # hamza below -> madda
    ("ابار", "alef-forms"),  # stored آبار (madda)
    ("انقره", "alef-forms"),  # stored أنقرة (hamza above and taa marbuta)
    ("الإمارات", "plain-alef"),  # stored الامارات (no hamza): hamza below in the query
    ("الأمارات", "plain-alef"),  # ... hamza above in the query
    ("مكتبه", "taa-marbuta"),  # stored مكتبة
    ("حديقة", "taa-marbuta"),  # stored حديقه
    ("سنه", "taa-marbuta"),  # stored سنة: too short for the stemmer's own suffix rules
    ("لغه", "taa-marbuta"),  # stored لغة
    ("سنة", "taa-marbuta"),  # as written, the query folded to سنه like the index
    ("مستشفي", "alef-maqsura"),  # stored مستشفى
    ("مصطفى", "alef-maqsura"),  # stored مصطفي
    ("مستـــشفى", "alef-maqsura"),  # tatweel in the query
    ("إسـطـنـبـول", "alef-forms"),  # tatweel between every letter
    ("القدس", "harakat"),  # stored القُدْسُ (harakat in the text)
    ("مَكْتَبَةٌ", "taa-marbuta"),  # harakat (and tanween) in the query
    ("إِسْطَنْبُولُ", "alef-forms"),  # harakat with hamza below
    ("المُوسِيقَى", "harakat"),  # harakat and alef maqsura
]


@pytest.mark.browser
@pytest.mark.parametrize(
    ("query", "slug"), VARIANTS, ids=[f"{i:02d}" for i in range(len(VARIANTS))]
)
def test_each_spelling_variant_finds_its_article(
    browser,  # noqa: F811
    variant_server,
    query,
    slug,
):
    page, seen = open_page(browser, variant_server.url, "/search/?q=" + quote(query))
    assert results(page) == [slug], query
    assert submit(page, query) == [slug], query
    assert seen == {"foreign": [], "errors": [], "failed": []}
    page.close()


@pytest.mark.browser
def test_index_folding_matters(browser, variant_server):  # noqa: F811
    """The control. Pagefind's Arabic (Snowball) stemmer evens out most variants by itself, but
    not the taa marbuta of short words: an index of the pages as published (Pagefind run
    straight on the site, as a test-only bundle) misses "سنه" and "لغه", which the built index
    finds. (Queries as typed are stemmed well enough that fold.js mostly makes them exact
    rather than possible; tests/test_fold.py checks it matches builder/core/fold.py.)"""
    site = variant_server.site
    subprocess.run(
        [
            str(pagefind_binary()),
            "--site",
            str(site),
            "--output-subdir",
            "pagefind-raw",
            "--silent",
        ],
        check=True,
    )
    page, seen = open_page(browser, variant_server.url, "/search/")
    count = """async ([bundle, queries]) => {
        const pf = await import(new URL(bundle, location.href).href);
        const out = {};
        for (const q of queries) out[q] = (await pf.search(q)).results.length;
        return out;
    }"""
    queries = ["سنه", "لغه", "سنة"]
    assert page.evaluate(count, ["../pagefind-raw/pagefind.js", queries]) == {
        "سنه": 0,
        "لغه": 0,
        "سنة": 1,
    }
    ours = "../" + bundle(site).relative_to(site).as_posix() + "/pagefind.js"
    assert page.evaluate(count, [ours, queries]) == {"سنه": 1, "لغه": 1, "سنة": 1}
    assert submit(page, "سنه") == ["taa-marbuta"]
    assert seen == {"foreign": [], "errors": [], "failed": []}
    page.close()


# --- a failed index is never published ----------------------------------------------------------


def test_a_failing_pagefind_leaves_the_previous_site(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEARCH_CORPUS, corpus)
    config = make_project(tmp_path, corpus)
    assert build(config).published
    site = tmp_path / "site"
    before = {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }
    broken = tmp_path / "pagefind-broken"  # a real program: writes half a bundle, then fails
    broken.write_text(
        "#!/bin/sh\n"
        'for a; do [ "$prev" = --output-path ] && mkdir -p "$a" && echo half > "$a/pagefind.js"; '
        "prev=$a; done\n"
        'echo "disk full" >&2\nexit 3\n'
    )
    broken.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(broken))
    (corpus / "harakat.txt").write_text("عنوان جديد تماماً\n\nنص جديد.\n", encoding="utf-8")
    report = build(config)
    assert not report.published
    assert (
        report.failure is not None
        and "Pagefind failed (exit 3)" in report.failure
        and "disk full" in report.failure
    )
    after = {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }
    assert after == before
    assert not list(tmp_path.glob(".site.new-*"))
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-program"))
    report = build(config)
    assert not report.published and "Pagefind could not run" in (report.failure or "")
    monkeypatch.delenv("PAGEFIND_BINARY_PATH")
    assert build(config).published
    assert "عنوان جديد تماماً" in [r["meta"]["title"] for r in fragments(site)]


def test_shadow_pages_follow_the_site_between_builds(tmp_path):
    """Each month's partition writes the search shadows of its pages; a rebuilt month's shadows
    are replaced whole, so a removed article leaves no shadow behind and a changed one is
    indexed as changed; a month with no article left loses its shadow folder."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEARCH_CORPUS, corpus)
    config = make_project(tmp_path, corpus)
    assert build(config).published
    shadows = tmp_path / ".build" / "shadows" / "2024-03" / "articles"  # the fixtures' one month
    (corpus / "singapore.txt").unlink()
    (corpus / "singapore.toml").unlink()
    (corpus / "harakat.txt").write_text("مهرجان بلا تشكيل\n\nنص جديد.\n", encoding="utf-8")
    assert build(config).published
    assert sorted(p.name for p in shadows.iterdir()) == [
        "alef-forms",
        "alef-maqsura",
        "harakat",
        "plain-alef",
        "taa-marbuta",
    ]
    assert "مهرجان بلا تشكيل" in (shadows / "harakat" / "index.html").read_text(encoding="utf-8")
    titles = sorted(r["meta"]["title"] for r in fragments(tmp_path / "site"))
    assert (
        len(titles) == 5
        and "مهرجان بلا تشكيل" in titles
        and "وفد تجاري يزور سنغافورة" not in titles
    )
    stale = tmp_path / ".build" / "shadows" / "1999-01"
    stale.mkdir()
    assert build(config).published and not stale.exists()


def test_a_month_made_whole_keeps_the_shadows_that_came_out_the_same(tmp_path):
    """After a settings change every month is made whole, but a search shadow whose text is the
    same stays the same file, so the chunk's gathered links to it stay valid; a changed page's
    shadow and one left half written are written again."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEARCH_CORPUS, corpus)
    config = make_project(tmp_path, corpus)
    assert build(config).published
    shadows = tmp_path / ".build" / "shadows" / "2024-03" / "articles"
    pages = {p.name: (p / "index.html").stat().st_ino for p in shadows.iterdir()}
    whole = (shadows / "taa-marbuta" / "index.html").read_text(encoding="utf-8")
    (shadows / "taa-marbuta" / "index.html").write_text(
        whole[:40], encoding="utf-8"
    )  # a killed build's half
    (corpus / "harakat.txt").write_text("مهرجان بلا تشكيل\n\nنص جديد.\n", encoding="utf-8")
    config.write_text(
        config.read_text(encoding="utf-8").replace("per_page: 20", "per_page: 7"), encoding="utf-8"
    )
    report = build(config)
    assert (
        report.published
        and report.partitions["built"] == 1
        and report.partitions["pages_reused"] == 0
    )  # made whole
    after = {p.name: (p / "index.html").stat().st_ino for p in shadows.iterdir()}
    assert (
        after == pages
    )  # the same files (the two rewritten in place, as an edit in a kept month is)
    assert (shadows / "taa-marbuta" / "index.html").read_text(encoding="utf-8") == whole
    assert "مهرجان بلا تشكيل" in (shadows / "harakat" / "index.html").read_text(encoding="utf-8")
    assert "مهرجان بلا تشكيل" in [r["meta"]["title"] for r in fragments(tmp_path / "site")]
    gathered = {
        p.parent.name: p.stat().st_ino
        for p in (tmp_path / ".build" / "gathered").glob("*/articles/*/index.html")
    }
    assert gathered == after


@pytest.mark.browser
def test_a_chunked_index_is_merged_and_only_changed_chunks_are_redone(
    browser,  # noqa: F811 - the fixture imported from tests.test_browser
    tmp_path,
    monkeypatch,
):
    """Past ``search_chunk`` articles the index is made in chunks of consecutive months (one
    Pagefind run each, bounded memory); the search page merges them; a rebuild after one edit
    runs Pagefind for that article's chunk only and links the others from the current site."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1760256000")
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    config = make_project(tmp_path, corpus, search_chunk=3)
    assert build(config).published
    site = tmp_path / "site"
    chunks = json.loads((site / "pagefind" / "chunks.json").read_text(encoding="utf-8"))
    assert len(chunks) == -(-SAMPLE_ARTICLES // 3) and chunks == sorted(
        chunks, reverse=True
    )  # one article a month, three a chunk, newest first
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        for query, slug in [
            ("الإنفلونزا", "flu-vaccination-campaign"),
            ("المغرب", "morocco-israel-security-agreement"),
            ("معرض الكتاب", "book-fair-opens"),
        ]:
            page, seen = open_page(browser, url, "/search/?q=" + quote(query))
            assert results(page)[0] == slug, (
                query
            )  # found in whichever chunk holds it, ranked first
            assert seen == {"foreign": [], "errors": [], "failed": []}
            page.close()
    finally:
        httpd.shutdown()
    before = {c: (site / "pagefind" / c / "pagefind.js").stat().st_ino for c in chunks}
    fragments_before = {
        p.name: p.stat().st_ino for p in (site / "pagefind" / chunks[-1] / "fragment").iterdir()
    }
    body = corpus / "000_55425f2f31b4ad18.txt"  # the oldest article: the oldest chunk
    body.write_text(
        body.read_text(encoding="utf-8").replace(
            "وقع المغرب وإسرائيل", "وقّع المغرب وإسرائيل رسمياً"
        ),
        encoding="utf-8",
    )
    assert build(config).published
    after = {c: (site / "pagefind" / c / "pagefind.js").stat().st_ino for c in chunks}
    assert [c for c in chunks if before[c] != after[c]] == [chunks[-1]]
    fragments_after = {
        p.name: p.stat().st_ino for p in (site / "pagefind" / chunks[-1] / "fragment").iterdir()
    }
    assert len(fragments_after) == len(fragments_before) == 3
    assert (
        len(fragments_after.items() & fragments_before.items()) == 2
    )  # the other two pages' fragments: the published files, not written again


def test_gather_changes_only_what_changed(tmp_path):
    """A search chunk's shadow pages are gathered once and kept: a later build relinks only the
    pages whose file is new, adds and removes pages, and leaves the rest as they were."""
    from builder.pipeline.search_index import gather

    months = [tmp_path / "shadows" / m / "articles" for m in ("2024-01", "2024-02")]
    for n, month in enumerate(months):
        for slug in (f"a{n}", f"b{n}", f"c{n}"):
            (month / slug).mkdir(parents=True)
            (month / slug / "index.html").write_text(f"<p>{slug}</p>", encoding="utf-8")
    chunk = tmp_path / "gathered" / "2024-01" / "articles"
    gather(chunk, months)
    assert sorted(p.parent.name for p in chunk.glob("*/index.html")) == [
        "a0",
        "a1",
        "b0",
        "b1",
        "c0",
        "c1",
    ]
    folders = {p.name: p.stat().st_ino for p in chunk.iterdir()}
    fresh = months[0] / "a0" / "index.html.new"  # rewritten as a new file (a new inode)
    fresh.write_text("<p>a0 again</p>", encoding="utf-8")
    fresh.replace(months[0] / "a0" / "index.html")
    shutil.rmtree(months[1] / "c1")
    (months[1] / "d1").mkdir()
    (months[1] / "d1" / "index.html").write_text("<p>d1</p>", encoding="utf-8")
    gather(chunk, months)
    assert sorted(p.name for p in chunk.iterdir()) == ["a0", "a1", "b0", "b1", "c0", "d1"]
    assert (chunk / "a0" / "index.html").read_text(encoding="utf-8") == "<p>a0 again</p>"
    assert (chunk / "d1" / "index.html").read_text(encoding="utf-8") == "<p>d1</p>"
    kept = {name: ino for name, ino in folders.items() if name not in ("a0", "c1")}
    assert kept == {
        p.name: p.stat().st_ino for p in chunk.iterdir() if p.name in kept
    }  # not made again


def test_a_chunk_indexed_again_is_seeded_from_its_last_index_and_equals_a_fresh_one(tmp_path):
    """Pagefind skips writing (and compressing) content-named files that exist, so a chunk
    indexed again starts from hard links of its published files: the unchanged pages' fragments
    are the published files themselves, the changed page's old fragment and the old meta file
    are gone, and the chunk is byte for byte what a run into an empty folder makes."""
    from builder.pipeline.search_index import SearchFolders, SearchPlan, index_chunks, prepare_first

    def page(slug: str, words: str) -> None:
        folder = tmp_path / "shadows" / "2024-01" / "articles" / slug
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.html.new").write_text(
            '<html lang="ar"><body><article data-pagefind-body>'
            f'<h1 data-pagefind-meta="title">{slug}</h1><p>{words}</p></article></body></html>',
            encoding="utf-8",
        )
        (folder / "index.html.new").replace(
            folder / "index.html"
        )  # a new file, as partitions write them

    for n in range(12):
        page(f"p{n}", " ".join(f"كلمة{n}{k} مشتركة" for k in range(40)))
    plan = SearchPlan({"2024-01": "one"}, {"2024-01": ["2024-01"]}, [])

    def index(out: Path, last: Path | None, work: str) -> Path:
        folders = SearchFolders(out, tmp_path / "shadows", tmp_path / work, last)
        index_chunks(plan, folders, prepare_first(plan, folders))
        return out / "2024-01"

    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    published = index(tmp_path / "first", None, "gathered")
    before = files(published)
    inodes = {rel: (published / rel).stat().st_ino for rel in before}
    page("p3", "نص جديد تماما عن الانتخابات")
    again = index(tmp_path / "again", tmp_path / "first", "gathered")
    fresh = index(tmp_path / "fresh", None, "gathered-fresh")
    assert files(again) == files(fresh)  # no seeded file left over, none missing
    assert files(published) == before  # the published index is untouched
    kept = [rel for rel in files(again) if inodes.get(rel) == (again / rel).stat().st_ino]
    assert (
        len([rel for rel in kept if rel.startswith("fragment/")]) == 11
    )  # the unchanged pages' fragments, not written again
    gone = set(before) - set(files(again))
    assert len([rel for rel in gone if rel.startswith("fragment/")]) == 1 and any(
        rel.endswith(".pf_meta") for rel in gone
    )
    entry = again / "pagefind-entry.json"  # an index another Pagefind version made seeds nothing
    entry.write_text(
        entry.read_text(encoding="utf-8").replace('"version":"', '"version":"0.0.'),
        encoding="utf-8",
    )
    page("p4", "نص آخر")
    other = index(tmp_path / "other", tmp_path / "again", "gathered")
    assert not any(
        inode == (other / rel).stat().st_ino
        for rel, inode in {rel: (again / rel).stat().st_ino for rel in files(again)}.items()
        if (other / rel).exists()
    )
    assert files(other) == files(index(tmp_path / "fresh2", None, "gathered-fresh2"))


def test_a_chunk_that_cannot_be_gathered_stops_the_pagefind_run_beside_it(tmp_path, monkeypatch):
    """The next chunk is gathered while Pagefind indexes the one before: when that gathering
    fails (a shadow page missing), the Pagefind run is stopped, not left writing into a folder
    the failed build removes."""
    import psutil

    from builder.pipeline.search_index import SearchFolders, SearchPlan, index_chunks, prepare_first
    from builder.publish.swap import PublishError

    for month in ("2024-01", "2024-02"):
        (tmp_path / "shadows" / month / "articles" / f"p-{month}").mkdir(parents=True)
    (tmp_path / "shadows" / "2024-01" / "articles" / "p-2024-01" / "index.html").write_text(
        "<p>one</p>", encoding="utf-8"
    )
    slow = tmp_path / "pagefind-slow"  # a real program that outlives the gathering
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(slow))
    plan = SearchPlan(
        {"2024-01": "a", "2024-02": "b"}, {"2024-01": ["2024-01"], "2024-02": ["2024-02"]}, []
    )
    folders = SearchFolders(tmp_path / "out", tmp_path / "shadows", tmp_path / "gathered", None)
    before = {p.pid for p in psutil.Process().children()}  # other tests' browsers and servers
    with pytest.raises(PublishError, match=r"p-2024-02/index.html is missing"):
        index_chunks(plan, folders, prepare_first(plan, folders))
    assert [
        p.cmdline()
        for p in psutil.Process().children()
        if p.pid not in before and p.status() != psutil.STATUS_ZOMBIE
    ] == []


def test_gather_names_a_missing_shadow_page(tmp_path):
    from builder.pipeline.search_index import gather
    from builder.publish.swap import PublishError

    month = tmp_path / "shadows" / "2024-01" / "articles"
    (month / "half-written").mkdir(parents=True)  # a build killed between the folder and its page
    with pytest.raises(PublishError, match=r"half-written/index.html is missing"):
        gather(tmp_path / "gathered" / "2024-01" / "articles", [month])


def test_a_page_parsed_once_is_checked_and_shadowed_as_when_parsed_apart(sample_build):
    """The build parses each article page once: the checks and extruct read the tree, then the
    shadow takes it apart. Same findings and the same shadow as each parsing the page itself."""
    from builder.check.validate import check_page, parse_page
    from builder.render.search_shadow import shadow_of, shadow_page

    root, _ = sample_build
    pages = sorted((root / "site" / "articles").glob("*/index.html"))
    assert len(pages) == SAMPLE_ARTICLES
    for page in pages:
        data = page.read_bytes()
        tree = parse_page(data.decode("utf-8"))
        assert check_page(tree, True) == check_page(data.decode("utf-8"), True)
        assert (
            check_page(tree, True, {"@context": "changed"})
            == check_page(data.decode("utf-8"), True, {"@context": "changed"})
            != []
        )
        assert shadow_of(tree, "ar") == shadow_page(data, "ar") is not None


def test_undated_articles_are_indexed_in_chunks_like_dated_ones(tmp_path):
    """An archive with no dates (raw files without sidecars) is chunked by ``search_chunk``
    too: as one chunk, Pagefind held all of it in memory at once (3.5 GB at 20,000 articles)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for raw in SAMPLE.glob("*.txt"):  # the text only: no sidecar, so no date
        shutil.copy(raw, corpus / raw.name)
    config = make_project(tmp_path, corpus, partition_size=2, search_chunk=4)
    report = build(config)
    assert report.published and len(report.built) == SAMPLE_ARTICLES
    bundle = tmp_path / "site" / "pagefind"
    chunks = json.loads((bundle / "chunks.json").read_text(encoding="utf-8"))
    assert chunks == ["undated.5", "undated.3", "undated.1"]  # runs of two, at most four a chunk
    pages = [
        json.loads((bundle / c / "pagefind-entry.json").read_text(encoding="utf-8"))["languages"]
        for c in chunks
    ]
    assert [sum(lang["page_count"] for lang in p.values()) for p in pages] == [2, 4, 4]
