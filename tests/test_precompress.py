"""The parts of hosting that need no server: precompressed copies, content-hashed asset names,
the host's headers and where the host files go. (With a real nginx: tests/test_hosting.py.)"""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from builder.publish import host, precompress
from builder.publish.swap import PublishError
from builder.render import hosting
from builder.render.assets import AssetError, hash_assets, logical_name


def test_copies_are_the_same_bytes_every_time_and_hold_the_file():
    data = ("<p>خبر عاجل</p>\n" * 400).encode()
    br, gz = precompress.compressed(data)
    assert precompress.compressed(data) == (br, gz)
    assert brotli.decompress(br) == gzip.decompress(gz) == data
    assert gz[:4] == b"\x1f\x8b\x08\x00"  # deflate, no flags: no file name, no comment
    assert gz[4:8] == b"\0\0\0\0"  # no time
    assert len(br) < len(gz) < len(data) / 10


def test_a_file_of_the_same_bytes_gets_the_published_copies_as_links(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    for folder in (old, new):
        (folder / "a").mkdir(parents=True)
    page = b"<html>" + b"x" * 1000 + b"</html>"
    (old / "a" / "index.html").write_bytes(page)
    assert precompress.compress_file(old, "a/index.html") is True
    (new / "a" / "index.html").write_bytes(page)  # made again, the same bytes
    assert precompress.compress_file(new, "a/index.html", previous=old) is False
    for suffix in (".br", ".gz"):
        assert (new / f"a/index.html{suffix}").samefile(old / f"a/index.html{suffix}")
    # other bytes: compressed anew, and the published copies (shared by a link) stay as they were
    published = (old / "a/index.html.br").read_bytes()
    (new / "a" / "index.html").write_bytes(page.replace(b"x", b"y"))
    assert precompress.compress_file(new, "a/index.html", previous=old) is True
    assert not (new / "a/index.html.br").samefile(old / "a/index.html.br")
    assert (old / "a/index.html.br").read_bytes() == published
    assert brotli.decompress((new / "a/index.html.br").read_bytes()) == page.replace(b"x", b"y")
    assert sorted(p.name for p in (new / "a").iterdir()) == [
        "index.html",
        "index.html.br",
        "index.html.gz",
    ]  # no temporary file left


def test_only_text_files_of_some_size_get_copies(tmp_path):
    (tmp_path / "small.html").write_bytes(b"<p>hi</p>")
    (tmp_path / "photo.jpg").write_bytes(b"\xff" * 5000)
    (tmp_path / "robots.txt").write_bytes(b"User-agent: *\n" * 50)
    assert precompress.compress_all(tmp_path, ["small.html", "photo.jpg", "robots.txt"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "photo.jpg",
        "robots.txt",
        "robots.txt.br",
        "robots.txt.gz",
        "small.html",
    ]


def test_a_recorded_recipe_is_trusted_only_for_that_site_and_that_recipe(tmp_path):
    precompress.remember(tmp_path, [1, 2], made=True)
    assert precompress.recorded(tmp_path, tmp_path, [1, 2])
    assert not precompress.recorded(tmp_path, tmp_path, [1, 3])  # another site (marker)
    precompress.remember(tmp_path, [1, 2], made=False)  # a site without copies
    assert not precompress.recorded(tmp_path, tmp_path, [1, 2])


# --- content-hashed assets ------------------------------------------------------------------


def test_a_hashed_name_follows_what_the_file_loads():
    files = {
        "assets/fonts/f.woff2": b"FONT",
        "assets/site.css": b'@font-face { src: url("fonts/f.woff2") format("woff2") }',
        "assets/fold.js": b"export function fold(t) { return t; }",
        "assets/search.js": b'import { fold } from "./fold.js";\nconst unfold = "./unfold.js";\n',
    }
    one = hash_assets(files)
    assert {logical_name(name) for name, _ in one.values()} == set(files)
    assert b"./unfold.js" in one["assets/search.js"][1]  # another name is left alone
    font = one["assets/fonts/f.woff2"][0].removeprefix("assets/")
    assert (
        one["assets/site.css"][1] == f'@font-face {{ src: url("{font}") format("woff2") }}'.encode()
    )
    other_font = hash_assets({**files, "assets/fonts/f.woff2": b"FONT 2"})
    assert other_font["assets/site.css"][0] != one["assets/site.css"][0]  # the CSS names it
    assert other_font["assets/search.js"] == one["assets/search.js"]


def test_assets_naming_each_other_in_a_circle_are_refused():
    with pytest.raises(AssetError, match="circle"):
        hash_assets({"a.js": b'import "./b.js";', "b.js": b'import "./a.js";'})


# --- the host's headers -----------------------------------------------------------------------


def _netlify_pattern(path: str) -> re.Pattern[str]:
    """How Netlify and Cloudflare read a rule's path: ``*`` matches anything, else exact."""
    return re.compile("^" + re.escape(path).replace(r"\*", ".*") + "$")


def test_no_two_header_rules_match_one_url():
    """Cloudflare Pages joins the values of every rule that matches a URL: two Cache-Control
    or CSP values would be wrong, so each URL must match exactly one rule."""
    top = [
        ("articles", True),
        ("assets", True),
        ("media", True),
        ("pagefind", True),
        ("search", True),
        ("sections", True),
        ("index.html", False),
        ("index.html.br", False),
        ("404.html", False),
        ("feed.xml", False),
        ("sitemap-1.xml", False),
        (".builder-site", False),
        ("_headers", False),
    ]
    assets = ["assets/site.0123456789.css", "assets/site.0123456789.css.br", "assets/logo.png"]
    text = hosting.headers_file(
        hosting.rules(top, assets), "https://h.example/news/", ["h.example"]
    )
    paths = [line for line in text.splitlines() if line.startswith("/")]
    assert len(paths) == len(set(paths)) == 12
    patterns = [_netlify_pattern(p) for p in paths]
    for url in (
        "/news/",
        "/news/index.html",
        "/news/articles/x/",
        "/news/assets/site.0123456789.css",
        "/news/assets/logo.png",
        "/news/media/id/photo.jpg",
        "/news/pagefind/2021-11/pagefind-worker.js",
        "/news/search/",
        "/news/sections/%D8%B5/feed.xml",
        "/news/404.html",
        "/news/feed.xml",
        "/news/sitemap-1.xml",
    ):
        matching = [p.pattern for p in patterns if p.match(url)]
        assert len(matching) == 1, (url, matching)
    assert "/news/_headers" not in paths and "/news/.builder-site" not in paths
    worker = text.split("/news/pagefind/*\n")[1].split("\n\n")[0]
    assert "script-src 'self' 'wasm-unsafe-eval';" in worker
    assert text.count("wasm-unsafe-eval") == 1


def test_the_host_folder_is_never_written_over_a_file_the_builder_did_not_write(tmp_path):
    site = tmp_path / "site"
    first = hosting.MADE.encode()
    host.check(site, first)  # no folder yet
    host.write(site, {"nginx.conf": first + b"\nindex index.html;\n"}, first)
    host.check(site, first)  # its own file
    (tmp_path / "site-host" / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    with pytest.raises(PublishError, match=r"robots\.txt was not written by this builder"):
        host.check(site, first)
    host.write(site, {}, first)  # ours are removed when no longer wanted, another's stays
    assert sorted(p.name for p in (tmp_path / "site-host").iterdir()) == ["robots.txt"]
