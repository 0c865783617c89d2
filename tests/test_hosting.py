"""The built site on a real web server: Debian's nginx, started on 127.0.0.1 with the snippet the
build writes (``site-host/nginx.conf``), read by a plain HTTP client and by Debian's Chromium.

Shown here: pages, scripts and stylesheets are sent as the ``.br`` / ``.gz`` files the build
wrote (the very bytes), with the cache policy (immutable for content-hashed assets, five
minutes for the home page and listings) and the security headers; a missing page is the
site's own 404 page with status 404; the builder's internal files are refused; Chromium reads
home, an article, the search page (a query finds articles) and a missing page with no
Content-Security-Policy violation, in the page or in Pagefind's worker. Also: a one-article
rebuild compresses only what changed, the theme's assets are published under content-hashed
names only, and a site at a path has its robots.txt beside the site, for the host's root.
"""

from __future__ import annotations

import gzip
import http.client
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import brotli
import pytest
import yaml

import builder.publish.swap as swap
from builder.build import build
from builder.publish import precompress
from builder.publish.precompress import MIN_BYTES, TEXT, compressed
from builder.render.assets import hashed_name, is_hashed, logical_name
from tests.chromium import chromium
from tests.conftest import SAMPLE, make_project

NGINX = "/usr/sbin/nginx"
BROTLI_MODULE = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"
ARTICLE = "/articles/morocco-israel-security-agreement/"
NOT_FOUND = "الصفحة غير موجودة"  # the 404 page's heading
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"


# --- a real nginx ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def nginx(root: Path, snippet: Path, work: Path) -> Iterator[str]:
    """Debian's nginx in the foreground, serving ``root`` on a free 127.0.0.1 port with the
    generated ``snippet`` included in its server block; stopped on exit. Yields its base URL."""
    if not (Path(NGINX).exists() and Path(BROTLI_MODULE).exists()):
        pytest.fail("nginx with its Brotli module is missing: `make hosting` installs them")
    work.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):  # a port taken between choosing and binding: choose again
        port = _free_port()
        conf = work / "nginx.conf"
        conf.write_text(
            f"""load_module {BROTLI_MODULE};
daemon off;
master_process off;  # one process, as the user running the tests
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        include {snippet};
    }}
}}
""",
            encoding="utf-8",
        )
        process = subprocess.Popen(
            [NGINX, "-p", str(work), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        if process.poll() is None:
            break
        if attempt == 2:
            log = (work / "error.log").read_text(errors="replace")
            pytest.fail(f"nginx did not start: {log[-2000:]}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def get(server: str, path: str, encoding: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """One GET with a plain HTTP client (which decodes nothing): status, headers, raw body."""
    parts = urlsplit(server)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": encoding or "identity"})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def hosted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The sample site built and served by nginx: (project root, base URL)."""
    root = tmp_path_factory.mktemp("hosted")
    assert build(make_project(root, SAMPLE)).published
    with nginx(root / "site", root / "site-host" / "nginx.conf", root / "nginx") as url:
        yield root, url


def _asset(site: Path, logical: str) -> str:
    (found,) = [
        p.relative_to(site).as_posix()
        for p in (site / logical).parent.iterdir()
        if logical_name(p.relative_to(site).as_posix()) == logical and is_hashed(p.name)
    ]
    return found


# --- served as built -------------------------------------------------------------------------


def test_responses_are_the_precompressed_files_the_build_wrote(hosted):
    root, server = hosted
    site = root / "site"
    chunk = next(p.name for p in (site / "pagefind").iterdir() if p.is_dir())
    paths = {
        "/": "index.html",
        ARTICLE: ARTICLE.strip("/") + "/index.html",
        "/feed.xml": "feed.xml",
        "/sitemap.xml": "sitemap.xml",
        f"/pagefind/{chunk}/pagefind.js": f"pagefind/{chunk}/pagefind.js",
    }
    for logical in ("assets/site.css", "assets/search.js", "assets/fold.js"):
        rel = _asset(site, logical)
        paths["/" + rel] = rel
    for path, rel in paths.items():
        plain = (site / rel).read_bytes()
        for accept, suffix, decode in (
            ("br", ".br", brotli.decompress),
            ("gzip", ".gz", gzip.decompress),
        ):
            status, headers, body = get(server, quote(path), accept)
            on_disk = (site / (rel + suffix)).read_bytes()
            assert status == 200, path
            assert headers["content-encoding"] == accept, (path, headers)
            assert body == on_disk and int(headers["content-length"]) == len(on_disk), path
            assert decode(body) == plain, path
            assert "Accept-Encoding" in headers.get("vary", ""), path
        status, headers, body = get(server, quote(path))
        assert status == 200 and "content-encoding" not in headers and body == plain, path


def _photo(site, pattern):
    (found, *_) = sorted((site / "media").rglob(pattern))
    return found.relative_to(site).as_posix()


def test_cache_policy_and_security_headers(hosted):
    root, server = hosted
    site = root / "site"
    expected = {
        "/": SHORT,
        "/page/1/" if (site / "page" / "1").is_dir() else "/archive/": SHORT,
        "/feed.xml": SHORT,
        "/news-sitemap.xml": SHORT,
        ARTICLE: "public, max-age=3600",
        # photos are published as derivatives named by their bytes: cached for good
        "/" + _photo(site, "rabat-mausoleum-*-800.avif"): IMMUTABLE,
        "/" + _photo(site, "share-*.png"): IMMUTABLE,
        "/" + _asset(site, "assets/site.css"): IMMUTABLE,
        "/" + _asset(site, "assets/search.js"): IMMUTABLE,
        "/" + _asset(site, "assets/fonts/noto-sans-arabic.woff2"): IMMUTABLE,
        "/assets/logo.png": "public, max-age=3600",  # the publisher's own file, not hashed
    }
    for path, cache in expected.items():
        status, headers, _ = get(server, path, "br, gzip")
        assert status == 200, path
        assert headers["cache-control"] == cache, (path, headers["cache-control"])
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", path
        assert headers["x-frame-options"] == "DENY", path
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self';" in policy, path
        assert "'unsafe-inline'" not in policy and "wasm" not in policy, path
    # WebAssembly only where Pagefind's worker compiles it: the worker's own script's policy
    chunk = next(p.name for p in (site / "pagefind").iterdir() if p.is_dir())
    _, headers, _ = get(server, f"/pagefind/{chunk}/pagefind-worker.js", "br")
    assert "script-src 'self' 'wasm-unsafe-eval';" in headers["content-security-policy"]
    _, headers, _ = get(server, "/search/", "br")
    assert "wasm" not in headers["content-security-policy"]


def test_a_missing_page_is_the_site_s_404_page_and_internal_files_are_refused(hosted):
    root, server = hosted
    chunk = next(p.name for p in (root / "site" / "pagefind").iterdir() if p.is_dir())
    assert (root / "site" / ".builder-site").is_file()
    assert (root / "site" / "pagefind" / chunk / "inputs.sha256").is_file()
    for path in (
        "/no-such-page/",
        "/articles/no-such-article/",
        "/.builder-site",
        "/_headers",
        f"/pagefind/{chunk}/inputs.sha256",
    ):
        status, headers, body = get(server, path, "br")
        assert status == 404, path
        assert headers["content-encoding"] == "br"  # the 404 page, precompressed too
        assert NOT_FOUND in brotli.decompress(body).decode("utf-8"), path
        assert headers["cache-control"] == SHORT and headers["x-frame-options"] == "DENY", path


# --- in Chromium -------------------------------------------------------------------------------

_WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


@pytest.mark.browser
def test_chromium_reads_the_site_through_nginx_with_no_policy_violation(hosted):
    root, server = hosted
    site = root / "site"
    local = urlsplit(server).netloc
    said: list[str] = []  # console messages of the pages and of their workers
    foreign: list[str] = []
    documents: dict[str, tuple[int, dict[str, str]]] = {}
    with chromium() as browser:
        page = browser.new_page()
        page.add_init_script(_WATCH_CSP)

        def route(r):
            if urlsplit(r.request.url).netloc == local:
                r.continue_()
            else:
                foreign.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m: said.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: said.append(f"pageerror: {e}"))
        page.on(
            "worker",
            lambda w: w.on("console", lambda m: said.append(f"worker {m.type}: {m.text}")),
        )
        page.on(
            "response",
            lambda r: (
                r.request.resource_type == "document"
                and documents.__setitem__(urlsplit(r.url).path, (r.status, r.all_headers()))
            ),
        )
        violations: list[str] = []
        for path, status in (("/", 200), (ARTICLE, 200), ("/search/", 200), ("/nope/", 404)):
            response = page.goto(server + path, wait_until="networkidle")
            assert response is not None and response.status == status, path
            if path == "/search/":
                page.fill("#search-q", "النفط")
                page.press("#search-q", "Enter")
                page.wait_for_selector(
                    "#search[data-state=done], #search[data-state=failed]", timeout=30_000
                )
                assert page.locator("#search").get_attribute("data-state") == "done", said
                assert page.locator(".search-result").count() >= 2
                assert "النفط" in page.locator(".search-result").first.inner_text()
            if path == "/nope/":
                assert page.locator("h1").inner_text() == NOT_FOUND
            else:
                assert page.evaluate("document.documentElement.dir") == "rtl"
            assert page.evaluate(  # the stylesheet and font loaded (by their hashed names)
                "getComputedStyle(document.body).fontFamily"
            ).startswith('"Noto Sans Arabic"')
            violations += page.evaluate("window.__csp")
        page.close()
    assert violations == [] and foreign == []
    expected = "error: Failed to load resource: the server responded with a status of 404"
    assert [m for m in said if not m.startswith(expected)] == []  # the missing page's, alone
    assert len(said) == 1
    for path, (status, headers) in documents.items():
        assert headers["content-encoding"] == "br", path  # Chromium asks for br on 127.0.0.1
        rel = "404.html" if status == 404 else path.strip("/") + "/index.html"
        if path == "/":
            rel = "index.html"
        assert int(headers["content-length"]) == (site / (rel + ".br")).stat().st_size, path
        assert "content-security-policy" in headers and headers["x-frame-options"] == "DENY"


# --- what the build writes -------------------------------------------------------------------


def test_every_text_file_has_both_copies_made_the_one_way(hosted):
    """Every text file of the site (at least MIN_BYTES long) has a .br and a .gz holding its
    bytes, made by the one deterministic recipe (gzip: no time, no file name)."""
    site = hosted[0] / "site"
    checked = 0
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        rel = path.relative_to(site).as_posix()
        if not rel.endswith(TEXT):
            assert not rel.endswith((".br", ".gz")) or (site / rel[:-3]).is_file(), rel
            continue
        data = path.read_bytes()
        br, gz = path.with_name(path.name + ".br"), path.with_name(path.name + ".gz")
        if len(data) < MIN_BYTES:
            assert not br.exists() and not gz.exists(), rel
            continue
        assert (br.read_bytes(), gz.read_bytes()) == compressed(data), rel
        assert gz.read_bytes()[3] == 0 and gz.read_bytes()[4:8] == b"\0\0\0\0", rel  # flags, mtime
        checked += 1
    assert checked > 60


def test_theme_assets_are_published_under_content_hashed_names_only(hosted):
    site = hosted[0] / "site"
    names = sorted(
        p.relative_to(site).as_posix()
        for p in (site / "assets").rglob("*")
        if p.is_file() and p.suffix in (".css", ".js", ".woff2")
    )
    assert len(names) == 5 and all(is_hashed(n) for n in names), names
    for name in names:  # the name covers the bytes as published (references rewritten)
        assert hashed_name(logical_name(name), (site / name).read_bytes()) == name
    css = (site / _asset(site, "assets/site.css")).read_text(encoding="utf-8")
    assert f'url("fonts/{Path(_asset(site, "assets/fonts/noto-sans-arabic.woff2")).name}")' in css
    script = (site / _asset(site, "assets/search.js")).read_text(encoding="utf-8")
    assert f'from "./{Path(_asset(site, "assets/fold.js")).name}"' in script
    home = (site / "index.html").read_text(encoding="utf-8")
    assert f'href="{_asset(site, "assets/site.css")}"' in home and "assets/site.css" not in home


def test_a_one_article_rebuild_compresses_again_only_what_changed(tmp_path, monkeypatch):
    """After one article's body is edited, every copy whose file has the same bytes as before
    is the very file the last build made (a hard link: the same inode), whether the file came
    from a reused month, the main pages rendered again or the crawler files; only the edited
    page's (and the files showing it) are new."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1760256000")
    monkeypatch.setattr(swap, "remove_later", lambda folder: None)  # no inode freed for reuse
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    config = make_project(tmp_path, corpus)
    assert build(config).published
    site = tmp_path / "site"

    def copies() -> dict[str, tuple[int, bytes]]:
        return {
            p.relative_to(site).as_posix(): (p.stat().st_ino, p.with_suffix("").read_bytes())
            for p in site.rglob("*")
            if p.suffix in (".br", ".gz")
        }

    before = copies()
    edited = corpus / "001_a3f09c2e7b14d6e1.txt"
    edited.write_text(
        edited.read_text(encoding="utf-8").replace("قفزت أسعار النفط", "ارتفعت أسعار النفط"),
        encoding="utf-8",
    )
    report = build(config)
    assert report.published and report.partitions["pages_rendered"] == 1
    after = copies()
    assert set(after) == set(before)
    same = [rel for rel in after if after[rel][1] == before[rel][1]]
    changed = sorted({rel[:-3] for rel in after if after[rel][1] != before[rel][1]})
    assert [rel for rel in same if after[rel][0] != before[rel][0]] == []  # none made again
    assert len(same) > 100 and "about/index.html.br" in same and "index.html.br" in same
    assert "articles/oil-prices-jump/index.html" in changed, changed
    assert all(after[rel + ".br"][0] != before[rel + ".br"][0] for rel in changed)
    page = site / "articles" / "oil-prices-jump" / "index.html"
    assert brotli.decompress((site / (str(page.relative_to(site)) + ".br")).read_bytes()) == (
        page.read_bytes()
    )


def test_pages_rendered_again_with_the_same_bytes_keep_their_copies(tmp_path, monkeypatch):
    """A settings change renders every page again (search_chunk does not change the article
    pages' bytes): their copies are linked from the published site, not compressed again;
    unless the published copies were made another way (another recipe), when they are."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1760256000")
    monkeypatch.setattr(swap, "remove_later", lambda folder: None)  # no inode freed for reuse
    config = make_project(tmp_path, SAMPLE)
    assert build(config).published
    site = tmp_path / "site"

    def article_copies() -> dict[str, int]:
        return {p.parent.name: p.stat().st_ino for p in site.glob("articles/*/index.html.br")}

    before = article_copies()
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["plugins"][0]["publisher"]["search_chunk"] = 1
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = build(config)
    assert report.published and report.partitions["reused"] == 0
    assert report.partitions["pages_rendered"] == len(before)  # every page rendered again
    assert article_copies() == before  # ... and none compressed again
    monkeypatch.setattr(precompress, "RECIPE", precompress.RECIPE + " (another)")
    report = build(config)
    assert report.published and report.partitions["reused"] == 0
    again = article_copies()
    assert set(again) == set(before) and not set(again.values()) & set(before.values())


def test_a_site_at_a_path_has_its_robots_txt_beside_the_site_for_the_host_root(tmp_path):
    """site_url https://akhbar.example.org/news/: crawlers read /robots.txt, never
    /news/robots.txt, so the build writes the host root's robots.txt (and _headers, which
    Netlify and Cloudflare read only at the root) into site-host/, and nginx, serving the site
    as the root's news/ folder, gets locations under /news/."""
    config = make_project(tmp_path, SAMPLE)
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "site_url: https://akhbar.example.org/", "site_url: https://akhbar.example.org/news/"
        ),
        encoding="utf-8",
    )
    assert "/news/" in config.read_text(encoding="utf-8")
    report = build(config)
    assert report.published, report.failure
    site, beside = tmp_path / "site", tmp_path / "site-host"
    assert not (site / "robots.txt").exists() and not (site / "_headers").exists()
    robots = (beside / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: https://akhbar.example.org/news/sitemap.xml\n" in robots
    assert "Sitemap: https://akhbar.example.org/news/news-sitemap.xml\n" in robots
    headers = (beside / "_headers").read_text(encoding="utf-8")
    assert "\n/news/\n" in headers and "\n/news/articles/*\n" in headers
    assert "\n/articles/" not in headers
    docroot = tmp_path / "docroot"  # the host's root: the site is its news/ folder
    docroot.mkdir()
    os.symlink(site, docroot / "news")
    shutil.copy(beside / "robots.txt", docroot / "robots.txt")
    with nginx(docroot, beside / "nginx.conf", tmp_path / "nginx") as server:
        status, headers_of, body = get(server, "/news/", "br")
        assert status == 200 and headers_of["cache-control"] == SHORT
        assert brotli.decompress(body) == (site / "index.html").read_bytes()
        status, _, body = get(server, "/news/no-such-page/", "gzip")
        assert status == 404 and NOT_FOUND in gzip.decompress(body).decode("utf-8")
        assert get(server, "/news/.builder-site")[0] == 404
        status, _, body = get(server, "/robots.txt")
        assert status == 200 and b"/news/sitemap.xml" in body
