"""The sample site in real Chromium (Debian's /usr/bin/chromium driven by Playwright)."""

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest


from tests.conftest import SAMPLE_ARTICLES

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parent.parent / "test-results"


@pytest.fixture(scope="module")
def server(sample_build):
    root, _ = sample_build
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root / "site"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it with apt-get")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def open_page(browser, server, path, width=1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    seen = {"foreign": [], "errors": [], "failed": []}
    local = urlsplit(server).netloc

    def route(r):
        if urlsplit(r.request.url).netloc == local:
            r.continue_()
        else:
            seen["foreign"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("requestfailed", lambda r: seen["failed"].append(r.url))
    response = page.goto(server + path, wait_until="networkidle")
    assert response.status == 200
    return page, seen


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
