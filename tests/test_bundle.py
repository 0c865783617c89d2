"""The offline bundle: built for real from the sample corpus, unzipped, opened from file:// in
real Chromium with every non-file request blocked and counted; its links, manifest, zip
reproducibility and index shards checked."""

from __future__ import annotations

import io
import posixpath
import re
import shutil
import zipfile
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import lxml.html
import pytest

from builder.cli import main
from builder.offline.bundle import MANIFEST, make_bundle, verify_bundle
from builder.offline.index import Entry, terms, words
from tests.chromium import SHOTS, chromium, open_file
from tests.conftest import FIXTURES, SAMPLE, SAMPLE_ARTICLES, asset, make_project

NAME = "akhbar-example-org-offline"
DONE = "['done', 'failed'].includes(document.getElementById('search').dataset.state)"
HOSTILE_HEADLINE = (
    "</script><script>window.__pwned=1</script> زلزال "
    '<img src=x onerror="window.__pwned=2"> {{ 7*7 }}'
)


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    """(project root, printed summary, unzipped bundle folder)."""
    root = tmp_path_factory.mktemp("bundle")
    out = io.StringIO()
    make_bundle(make_project(root, SAMPLE), root / "dist", out=out)
    unzipped = tmp_path_factory.mktemp("unzipped")
    with zipfile.ZipFile(root / "dist" / f"{NAME}.zip") as archive:
        archive.extractall(unzipped)
    return root, out.getvalue(), unzipped / NAME


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def pages(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


# --- what the command writes ---------------------------------------------------------------------


def test_bundle_reports_its_size_and_holds_what_a_reader_needs(bundled):
    root, printed, folder = bundled
    files = [p for p in folder.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    line = printed.strip().splitlines()[-1]
    assert line.startswith(f"bundle: {root / 'dist' / NAME}.zip (")
    assert f"unpacked {root / 'dist' / NAME}: {len(files)} files, {size / 1e3:.1f} KB" in line
    assert f"{SAMPLE_ARTICLES} articles; search index " in line
    asset(folder, "assets/site.css")  # by its content-hashed name, as the hosted site has it
    asset(folder, "assets/fonts/noto-sans-arabic.woff2")
    for rel in (
        "index.html",
        "archive/index.html",
        "search/index.html",
        "assets/offline-search.js",
        "assets/offline-fold.js",
        "search-index/manifest.js",
        MANIFEST,
    ):
        assert (folder / rel).is_file(), rel
    # one mid-size fallback file a photo, and no share images (social cards, never shown)
    media = sorted(p.relative_to(folder).as_posix() for p in (folder / "media").rglob("*.*"))
    assert [m.rsplit("-", 1)[1] for m in media] == ["800.jpg"] * 3, media
    for name in ("index.html", "articles/book-fair-opens/index.html"):
        page = (folder / name).read_text(encoding="utf-8")
        assert "<source" not in page and "srcset" not in page and "-800.jpg" in page
    for hosted_only in (
        "pagefind",
        "assets/search.js",
        "404.html",
        "robots.txt",
        "sitemap.xml",
        "news-sitemap.xml",
        ".builder-site",
    ):
        assert not (folder / hosted_only).exists(), hosted_only
    assert not list((folder / "assets").glob("search.*.js"))  # the hosted search page's script
    assert (root / "dist" / NAME).is_dir() and not (
        root / "site"
    ).exists()  # the hosted site/ is not made or touched
    assert all(
        p.relative_to(folder).as_posix().isascii() for p in files
    )  # names any unzip and FAT32 take


def test_every_link_ends_in_a_file_inside_the_bundle(bundled):
    folder = bundled[2]
    checked = 0
    for page in pages(folder):
        rel = page.relative_to(folder).as_posix()
        tree = lxml.html.document_fromstring(page.read_bytes())
        assert not tree.xpath("//link[contains(@rel, 'preload')]"), rel
        for element in tree.iter():
            if not isinstance(element.tag, str):
                continue
            for name in ("href", "src", "action", "srcset"):
                url = element.get(name)
                if url is None or url.startswith("#"):
                    continue
                parts = urlsplit(url)
                if parts.scheme or parts.netloc:  # names the hosted site; fetches nothing
                    assert element.tag == "a" or (
                        element.tag == "link" and element.get("rel") == "canonical"
                    ), (rel, element.tag, url)
                    continue
                assert (
                    not parts.path.startswith("/") and not parts.path.endswith("/") and parts.path
                ), (rel, url)
                target = posixpath.normpath(
                    posixpath.join(posixpath.dirname(rel), unquote(parts.path))
                )
                assert not target.startswith(".."), (rel, url)
                assert (folder / target).is_file(), (rel, url)
                checked += 1
    assert checked > 500
    css = asset(folder, "assets/site.css").read_text(encoding="utf-8")
    for url in re.findall(r"url\(\"?([^\")]+)", css):
        assert (folder / "assets" / url).is_file(), url


def test_search_shards_are_inert_script(bundled):
    folder = bundled[2]
    shards = sorted((folder / "search-index").iterdir())
    assert len(shards) > 10
    for shard in shards:
        text = shard.read_text(encoding="utf-8")
        assert re.fullmatch(r'__offlineSearch\("[mtd]","[^"]*",.*\);\n', text, re.DOTALL), (
            shard.name
        )
        assert (
            "<" not in text and ">" not in text and "\u2028" not in text and "\u2029" not in text
        ), shard.name


def test_a_result_without_a_deck_shows_the_page_s_description(bundled):
    """As the hosted search shows an excerpt: the display rows carry the description, unsearched."""
    import json

    folder = bundled[2]
    rows = []
    for shard in sorted((folder / "search-index").glob("d-*.js")):
        text = shard.read_text(encoding="utf-8")
        rows += json.loads(text[text.index(",", text.index(",") + 1) + 1 : -3])
    assert rows
    for path, headline, shown, *_ in rows:
        page = lxml.html.parse(str(folder / path)).getroot()
        deck = page.xpath("string(//*[@data-pagefind-meta='deck'])").strip()
        description = " ".join(page.xpath("string(//meta[@name='description']/@content)").split())
        assert shown == (" ".join(deck.split()) or description) and shown, (path, headline)
    assert any(
        not page_deck
        for page_deck in (
            lxml.html.parse(str(folder / r[0])).getroot().xpath("//*[@data-pagefind-meta='deck']")
            for r in rows
        )
    )


# --- MANIFEST.sha256 and verify-bundle -----------------------------------------------------------


def test_verify_bundle_accepts_the_bundle(bundled, capsys):
    root, _, folder = bundled
    assert main(["verify-bundle", str(folder)]) == 0
    assert main(["verify-bundle", str(root / "dist" / f"{NAME}.zip")]) == 0
    assert "every file matches" in capsys.readouterr().out


def test_verify_bundle_catches_changed_missing_and_extra_files(bundled, tmp_path, capsys):
    folder = tmp_path / NAME
    shutil.copytree(bundled[2], folder)
    css = asset(folder, "assets/site.css").relative_to(folder).as_posix()
    (folder / css).write_text("body { color: red }\n", encoding="utf-8")
    (folder / "about" / "index.html").unlink()
    (folder / "stray.js").write_text("alert(1)\n", encoding="utf-8")
    assert main(["verify-bundle", str(folder)]) == 1
    out = capsys.readouterr().out
    assert (
        f"changed: {css}" in out and "missing: about/index.html" in out and "extra: stray.js" in out
    )
    assert "FAILED (1 missing, 1 changed, 1 extra, 0 error(s))" in out
    result = verify_bundle(folder)
    assert (result.missing, result.changed, result.extra) == (
        ["about/index.html"],
        [css],
        ["stray.js"],
    )
    # the same in a zip
    zipped = tmp_path / "tampered.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.writestr(f"{NAME}/{path.relative_to(folder).as_posix()}", path.read_bytes())
    result = verify_bundle(zipped)
    assert (result.missing, result.changed, result.extra) == (
        ["about/index.html"],
        [css],
        ["stray.js"],
    )
    (folder / MANIFEST).unlink()
    assert not verify_bundle(folder).ok and main(["verify-bundle", str(folder)]) == 1


# --- reproducible --------------------------------------------------------------------------------


def test_the_zip_is_reproducible(bundled, tmp_path):
    root = bundled[0]
    first = (root / "dist" / f"{NAME}.zip").read_bytes()
    make_bundle(
        make_project(tmp_path, SAMPLE), tmp_path / "dist", out=io.StringIO()
    )  # another folder, a fresh build
    assert (tmp_path / "dist" / f"{NAME}.zip").read_bytes() == first
    make_bundle(
        root / "mkdocs.yml", root / "dist", out=io.StringIO()
    )  # again, reusing the first build's caches
    assert (root / "dist" / f"{NAME}.zip").read_bytes() == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)} and {
        i.external_attr >> 16 for i in infos
    } == {0o100644}


def test_a_folder_the_bundle_did_not_make_is_never_replaced(bundled, tmp_path, capsys):
    root = bundled[0]
    theirs = tmp_path / NAME
    theirs.mkdir()
    (theirs / "mine.txt").write_text("mine", encoding="utf-8")
    assert main(["bundle", "--config", str(root / "mkdocs.yml"), "--out", str(tmp_path)]) == 2
    assert (
        f"{theirs} is not empty and was not made by `builder bundle` (no {MANIFEST}): "
        "refusing to replace it"
    ) in capsys.readouterr().err
    assert (theirs / "mine.txt").read_text(encoding="utf-8") == "mine" and not (
        tmp_path / f"{NAME}.zip"
    ).exists()


# --- in Chromium, from file:// -------------------------------------------------------------------


def clean(seen: dict[str, list[str]]) -> bool:
    return seen == {"blocked": [], "foreign": [], "errors": [], "failed": []}


def search(page, query: str) -> list[str]:
    page.fill("#search-q", query)
    page.evaluate("document.getElementById('search').dataset.state = 'typing'")
    page.press("#search-q", "Enter")
    page.wait_for_function(DONE)
    assert page.evaluate("document.getElementById('search').dataset.state") == "done"
    return page.locator(".search-result h2 a").evaluate_all(
        "as => as.map(a => a.getAttribute('href'))"
    )


def click(page, locator) -> None:
    with page.expect_navigation(wait_until="load"):
        locator.click()


@pytest.mark.browser
def test_the_unzipped_bundle_works_from_file_urls_with_no_network(browser, bundled):
    folder = bundled[2]
    page, seen = open_file(browser, folder / "index.html")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.locator("article.card").count() == SAMPLE_ARTICLES
    assert page.evaluate("document.fonts.check('16px \"Noto Sans Arabic\"')")
    assert page.evaluate(
        "[...document.fonts].some(f => f.family === 'Noto Sans Arabic' && f.status === 'loaded')"
    )
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "bundle-home.png"), full_page=True)
    # home -> an article
    click(page, page.locator("article.card h2 a").first)
    assert page.url == (folder / "articles" / "flu-vaccination-campaign" / "index.html").as_uri()
    assert page.locator("h1").inner_text() == "وزارة الصحة تطلق حملة التطعيم الموسمية ضد الإنفلونزا"
    # article -> its section (an Arabic folder name, ASCII in the bundle) -> archive -> a month
    click(page, page.locator(".kicker a"))
    assert page.url.startswith((folder / "sections").as_uri() + "/xn--") and page.url.endswith(
        "/index.html"
    )
    assert page.locator("h1").inner_text() == "صحة"
    click(page, page.locator(".masthead nav a", has_text="الأرشيف"))
    assert page.url == (folder / "archive" / "index.html").as_uri()
    click(page, page.locator(".archive ul.months a").first)
    assert re.fullmatch(
        re.escape((folder / "archive").as_uri()) + r"/\d{4}/\d{2}/index\.html", page.url
    ), page.url
    assert page.locator("article.card").count() >= 1
    click(page, page.locator("article.card h2 a").first)
    assert (
        page.url.startswith((folder / "articles").as_uri())
        and page.locator("article.article h1").count() == 1
    )
    # -> search: an Arabic word, then a spelling variant (no hamza), then a result clicked
    click(page, page.locator(".masthead nav a", has_text="البحث"))
    assert page.url == (folder / "search" / "index.html").as_uri()
    assert search(page, "المغرب") == ["../articles/morocco-israel-security-agreement/index.html"]
    assert (
        page.locator(".search-result h2").inner_text()
        == "المغرب وإسرائيل يوقعان اتفاقاً أمنياً «غير مسبوق» لمواجهة التحديات"
    )
    assert (
        page.locator(".search-result .deck").inner_text()
        == "يتيح للرباط اقتناء معدات أمنية عالية التكنولوجيا بسهولة"
    )
    assert (
        page.locator(".search-result time").get_attribute("datetime") == "2021-11-24T21:40:00+03:00"
    )
    assert "نتائج البحث عن «المغرب»: 1" in page.locator("#search-status").inner_text()
    assert search(page, "اسرائيل") == [
        "../articles/morocco-israel-security-agreement/index.html"
    ]  # typed without hamza
    assert search(page, "إسرائيلُ المغربَ") == [
        "../articles/morocco-israel-security-agreement/index.html"
    ]  # AND, harakat
    assert search(page, "مغرب") == [
        "../articles/morocco-israel-security-agreement/index.html"
    ]  # without the article
    assert search(page, "الانفلون") == [
        "../articles/flu-vaccination-campaign/index.html"
    ]  # a prefix, no hamza
    page.screenshot(path=str(SHOTS / "bundle-search.png"), full_page=True)
    assert (
        search(page, "qzxqzx") == [] and "لا نتائج" in page.locator("#search-status").inner_text()
    )
    search(page, "المغرب")
    click(page, page.locator(".search-result h2 a"))
    assert (
        page.url
        == (folder / "articles" / "morocco-israel-security-agreement" / "index.html").as_uri()
    )
    assert page.locator("figure img").evaluate("img => img.complete && img.naturalWidth > 0")
    # a search from the address, as the form leaves it
    page.goto((folder / "search" / "index.html").as_uri() + "?q=" + quote("النفط"))
    page.wait_for_function(DONE)
    assert len(page.locator(".search-result").all()) >= 2
    assert clean(seen), seen
    page.close()


def expected_order(folder: Path, query: str) -> list[str]:
    """The ranking the page must give, worked out here from the pages: every word in some
    field, then more words in the headline, then in the deck, then newest."""
    found = []
    for path in sorted((folder / "articles").glob("*/index.html")):
        tree = lxml.html.document_fromstring(path.read_bytes())
        fields = [
            terms(" ".join(" ".join(e.text_content().split()) for e in tree.xpath(xp)))
            for xp in ("//h1", "//*[@class='deck']", "//*[@class='article-body']")
        ]
        best = []
        for word in words(query):
            hits = [i for i, f in enumerate(fields) if any(t.startswith(word) for t in f)]
            best.append(min(hits) if hits else None)
        if None not in best:
            stamp = tree.xpath("//time[@data-pagefind-meta='date']/@datetime")[0]
            found.append((-best.count(0), -best.count(1), stamp, path))
    found.sort(key=lambda f: (f[0], f[1], _negated(f[2])))
    return ["../" + f[3].relative_to(folder).as_posix() for f in found]


def _negated(stamp: str) -> float:
    from datetime import datetime

    return -datetime.fromisoformat(stamp).timestamp()


@pytest.mark.browser
@pytest.mark.parametrize("query", ["النفط", "في", "الذكاء الاصطناعي", "الكويت"])
def test_ranking_headline_first_then_deck_then_newest(browser, bundled, query):
    folder = bundled[2]
    page, seen = open_file(browser, folder / "search" / "index.html", "?q=" + quote(query))
    page.wait_for_function(DONE)
    shown = page.locator(".search-result h2 a").evaluate_all(
        "as => as.map(a => a.getAttribute('href'))"
    )
    assert shown == expected_order(folder, query)[:20] and shown
    assert clean(seen), seen
    page.close()


@pytest.mark.browser
def test_a_query_with_nothing_searchable_says_no_results(browser, bundled):
    """`]]>` has no word to look up: the status says so, as the hosted search does (it was left
    empty)."""
    page, seen = open_file(browser, bundled[2] / "search" / "index.html", "?q=" + quote("]]>"))
    page.wait_for_function(DONE)
    assert (
        page.text_content("#search-status") == "لا نتائج للبحث عن «]]>»."
        and page.locator(".search-result").count() == 0
    )
    assert clean(seen), seen
    page.close()


@pytest.mark.browser
def test_js_words_match_python_words(browser, bundled):
    """The query is folded by fold.js and split by offline-search.js's pattern; the index by
    builder/core/fold.py and offline_index.words: they must cut the same words."""
    page, seen = open_file(browser, bundled[2] / "search" / "index.html")
    samples = [
        "أعلنت وزارةُ الصحة: ٢٠٢١ COVID-19",
        "الـــمغرب، والأردن؛ «غير مسبوق»",
        "مستشفى ﻻ ۱۲ iPhone_15 x-y",
        "é Ça ΑΒΓ 中文 ١٢٣",
    ]
    got = page.evaluate(
        "s => s.map(t => OfflineFold(t).toLowerCase().match(/[\\p{L}\\p{N}]+/gu) || [])", samples
    )
    assert got == [words(s) for s in samples]
    assert clean(seen), seen
    page.close()


# --- untrusted text ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_bundle(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-bundle")
    corpus = root / "corpus"
    shutil.copytree(FIXTURES / "search", corpus)
    (corpus / "hostile.txt").write_text(
        f"{HOSTILE_HEADLINE}\n\nوقع زلزال قوي </script> أمس.\n\n"
        "وقال شهود إن المباني اهتزت لثوان في عدة أحياء من المدينة قبل أن يهدأ كل شيء.\n",
        encoding="utf-8",
    )  # an Arabic article around the hostile text: text mostly in another script is refused
    (corpus / "hostile.toml").write_text(
        'published = 2024-03-07T10:00:00+03:00\nslug = "hostile"\n', encoding="utf-8"
    )
    make_bundle(make_project(root, corpus), root / "dist", out=io.StringIO())
    return root / "dist" / NAME


@pytest.mark.browser
def test_a_hostile_headline_stays_text_in_the_index_and_the_results(browser, hostile_bundle):
    for shard in (hostile_bundle / "search-index").iterdir():
        text = shard.read_text(encoding="utf-8")
        assert "</script" not in text.lower() and "<" not in text, shard.name
    page, seen = open_file(browser, hostile_bundle / "search" / "index.html")
    assert search(page, "زلزال") == ["../articles/hostile/index.html"]
    assert page.locator(".search-result h2").inner_text() == HOSTILE_HEADLINE
    assert page.locator("#search-results img, #search-results script").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert clean(seen), seen
    page.close()


def test_the_index_builder_escapes_what_the_reader_cannot_bring(tmp_path):
    """U+2028/2029 never survive the reader (they are spaces there), but the index must not
    rely on it: JSON allows them raw in strings; old JavaScript did not."""
    from builder.offline.index import build_index

    entry = Entry("articles/x/index.html", "a\u2028b</SCRIPT>", "c\u2029d", "", "", "</script><!--")
    files = build_index([entry]).files
    assert all(
        "\u2028" not in f.decode() and "\u2029" not in f.decode() and "<" not in f.decode()
        for f in files.values()
    )


@pytest.mark.browser
def test_the_request_net_sees_file_requests_and_blocks_others(browser, bundled):
    """The control for the tests above: the listener does see the bundle's own file://
    requests, and a request to a host is blocked and counted."""
    page, seen = open_file(browser, bundled[2] / "index.html")
    files: list[str] = []
    page.on("request", lambda r: files.append(r.url))
    page.reload(wait_until="load")
    css = asset(bundled[2], "assets/site.css").relative_to(bundled[2]).as_posix()
    assert any(u.endswith(f"/{css}") and u.startswith("file://") for u in files)
    with page.expect_event("requestfailed"):
        page.evaluate(
            "() => { const i = new Image(); i.src = 'https://cdn.example.org/x.png'; "
            "document.body.append(i); }"
        )
    assert seen["blocked"] == seen["foreign"] == ["https://cdn.example.org/x.png"]
    page.close()


def test_an_input_url_on_the_site_s_own_host_with_no_bundle_file_is_not_an_error():
    """A photo or author page the input names by the site's own address is not a file of the
    bundle: the photo is dropped like one on another host, the link stays a link to the hosted
    site. A link the site itself made to a missing file is still an error."""
    from builder.offline.pages import Site, rewrite_page

    site = Site(
        files=frozenset({"index.html", "articles/x/index.html", "about/index.html"}),
        site_url="https://akhbar.example.org/",
    )
    page = (
        b'<html><body><figure class="photo">'
        b'<img src="https://akhbar.example.org/p.jpg" alt=""><figcaption>c</figcaption></figure>\n'
        b'<a href="https://akhbar.example.org/authors/reem/">reem</a> '
        b'<a href="https://akhbar.example.org/about/">about</a> <a href="../../">home</a>'
        b"</body></html>"
    )
    out = rewrite_page(page, "articles/x/index.html", site)
    tree = lxml.html.document_fromstring(out.html)
    assert (
        out.unresolved == []
        and tree.xpath("//img") == []
        and tree.xpath("//figcaption/text()") == ["c"]
    )
    assert tree.xpath("//a/@href") == [
        "https://akhbar.example.org/authors/reem/",
        "../../about/index.html",
        "../../index.html",
    ]
    broken = rewrite_page(
        b'<html><body><img src="../../media/gone.png"><a href="/nowhere/">x</a></body></html>',
        "articles/x/index.html",
        site,
    )
    assert broken.unresolved == ["../../media/gone.png", "/nowhere/"]


def test_every_element_the_page_check_counts_as_a_fetch_is_dropped_offline_when_foreign():
    """The bundle and the page check share one table of what a browser fetches by itself: a
    video poster on another host would be a request from the USB stick."""
    from builder.offline.pages import Site, rewrite_page

    site = Site(
        files=frozenset({"index.html", "media/v.mp4"}), site_url="https://akhbar.example.org/"
    )
    page = (
        b'<html><body><video src="media/v.mp4" poster="https://evil.example/p.jpg"></video>'
        b'<object data="https://evil.example/o.swf"></object></body></html>'
    )
    out = rewrite_page(page, "index.html", site)
    assert out.unresolved == [] and b"evil.example" not in out.html
