"""The sample site in real Chromium (Debian's /usr/bin/chromium driven by Playwright)."""

from urllib.parse import quote

import pytest

from tests.chromium import SHOTS, chromium, open_page, serve
from tests.conftest import SAMPLE_ARTICLES

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(sample_build):
    with serve(sample_build[0] / "site") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.mark.parametrize("width", [375, 1280])
def test_article_page_in_chromium(browser, server, width):
    page, seen = open_page(browser, server, "/articles/morocco-israel-security-agreement/", width)
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    h1 = page.locator("h1")
    assert h1.count() == 1 and h1.is_visible()
    assert h1.inner_text() == "المغرب وإسرائيل يوقعان اتفاقاً أمنياً «غير مسبوق» لمواجهة التحديات"
    box = h1.bounding_box()
    assert box["width"] > 100 and box["height"] > 20
    assert page.locator("figure img").evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"article-{width}.png"), full_page=True)
    assert seen == {"foreign": [], "errors": [], "failed": []}
    page.close()


def test_home_page_in_chromium(browser, server):
    page, seen = open_page(browser, server, "/")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.locator("article.card").count() == SAMPLE_ARTICLES
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "home-1280.png"), full_page=True)
    page.locator("article.card h2 a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/articles/flu-vaccination-campaign/")
    assert seen == {"foreign": [], "errors": [], "failed": []}
    page.close()


PAGES = {
    "home": "/",
    "article": "/articles/oil-falls-on-us-stocks/",
    "404": "/404.html",
    "section": "/sections/" + quote("رياضة") + "/",
    "archive": "/archive/",
    "month": "/archive/2025/06/",
    "search": "/search/?q=" + quote("النفط"),
}
DEVICES = {"phone": 375, "desktop": 1280}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", PAGES)
def test_pages_fit_every_width_in_both_schemes(browser, server, name, device, scheme):
    """Right to left, nothing wider than the screen, no errors, nothing fetched from elsewhere;
    the screenshots in test-results/ are the ones a person looks at."""
    page, seen = open_page(browser, server, PAGES[name], DEVICES[device], scheme)
    if name == "search":
        page.wait_for_function("document.getElementById('search').dataset.state === 'done'")
        assert page.locator(".search-result").count() == 2  # both oil stories, found in the page
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= page.evaluate(
        "window.innerWidth"
    )
    dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert dark == (scheme == "dark") and (background == "rgb(255, 255, 255)") == (
        scheme == "light"
    )
    assert page.evaluate(
        "[...document.fonts].some("
        "f => f.family.includes('Noto Sans Arabic') && f.status === 'loaded')"
    )
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{device}-{scheme}.png"), full_page=True)
    assert seen == {"foreign": [], "errors": [], "failed": []}
    page.close()


def test_narrowest_phone_has_no_horizontal_scroll(browser, server):
    for path in PAGES.values():
        page, _ = open_page(browser, server, path, 320)
        assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), path
        page.close()


def test_print_hides_chrome_and_prints_black_on_white(browser, server):
    page, _ = open_page(browser, server, PAGES["article"], 1280, "dark")
    page.emulate_media(media="print")
    navs = page.locator(".masthead nav").all()  # the site's links and the section menu
    assert len(navs) == 2 and all(nav.is_hidden() for nav in navs)
    assert page.locator(".site-footer").is_hidden()
    assert page.locator(".source-url").is_visible()
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "article-print.png"), full_page=True)
    page.close()


_RECT = """([text, part]) => {
  const walker = document.createTreeWalker(\
document.querySelector('.article-body'), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const at = walker.currentNode.data.indexOf(text);
    if (at < 0) continue;
    const range = document.createRange(), start = at + text.indexOf(part);
    range.setStart(walker.currentNode, start); \
range.setEnd(walker.currentNode, start + part.length);
    const r = range.getBoundingClientRect();
    return [r.left, r.right, r.top];
  }
  return null;
}"""


def test_latin_runs_inside_arabic_text_keep_their_order(browser, tmp_path):
    """'iPhone 15' and 'COVID-19' in an Arabic sentence: each run reads left to right, and the
    Arabic words around them stay on their right-to-left sides."""
    from builder.build import build
    from tests.conftest import SAMPLE, make_project

    corpus = tmp_path / "in"
    corpus.mkdir()
    name = "004_e92f4b7a1c3d5068"
    text = (SAMPLE / f"{name}.txt").read_text(encoding="utf-8")
    sentence = "كشفت الشركة عن هاتف iPhone 15 بعد جائحة COVID-19 مباشرة."
    blocks = text.split("\n\n")  # headline, then body paragraphs: the sentence becomes one of them
    (corpus / f"{name}.txt").write_text(
        "\n\n".join([*blocks[:3], sentence, *blocks[3:]]), encoding="utf-8"
    )
    (corpus / f"{name}.toml").write_text(
        (SAMPLE / f"{name}.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    root = tmp_path / "project"
    root.mkdir()
    report = build(make_project(root, corpus))
    assert report.published, report.failure
    (slug,) = [p.name for p in (root / "site" / "articles").iterdir()]
    with serve(root / "site") as url:
        page, seen = open_page(browser, url, f"/articles/{slug}/", 1280)
        rect = {
            part: page.evaluate(_RECT, [sentence, part])
            for part in ("هاتف", "iPhone", "15", "جائحة", "COVID", "19", "بعد")
        }
        assert all(rect.values()), rect
        assert len({round(r[2]) for r in rect.values()}) == 1  # one line, so left/right compare
        assert rect["iPhone"][1] < rect["15"][0]  # the run reads left to right
        assert rect["COVID"][1] < rect["19"][0]
        assert rect["15"][1] < rect["هاتف"][0]  # the Arabic word before it stays to its right
        assert rect["19"][1] < rect["جائحة"][0]
        assert rect["بعد"][1] < rect["iPhone"][0]  # and the one after it to its left
        assert seen == {"foreign": [], "errors": [], "failed": []}
        page.close()
