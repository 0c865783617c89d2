"""`validate` as a publisher's safety net: break each rule on purpose in a copy of the built
sample site and see it caught."""

import json
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote
from xml.etree import ElementTree as ET

import lxml.html
import pytest

from builder.check.discovery import check_discovery
from builder.check.validate import validate_site
from builder.pipeline.page_reuse import published_pages
from builder.read.inputs import input_files, read_article
from builder.render.discovery import (
    IMAGE_NS,
    NEWS_NS,
    SITEMAP_NS,
    article_sitemap,
    lasting_files,
    news_sitemap,
    sitemap_name,
)
from builder.render.pages import sort_newest_first
from builder.render.photos import place_photos
from tests.conftest import REPO, SAMPLE, asset

NOW = datetime(2026, 11, 29, tzinfo=UTC)
PAGE = "articles/oil-prices-jump/index.html"


@pytest.fixture
def site(sample_build, tmp_path):
    root, _ = sample_build
    copy = tmp_path / "site"
    shutil.copytree(root / "site", copy)
    return copy


def edit(site, rel, old, new):
    path = site / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_ld(site, change):
    path = site / PAGE
    html = path.read_text(encoding="utf-8")
    match = re.search(r'(<script type="application/ld\+json">)(.*?)(</script>)', html, re.S)
    data = json.loads(match.group(2))
    change(data["@graph"])
    path.write_text(
        html[: match.start(2)] + json.dumps(data, ensure_ascii=False) + html[match.end(2) :],
        encoding="utf-8",
    )


def findings(site, settings, now=NOW, docs=None):
    # no intent folder: JSON-LD edits are judged by the rules, not only as "differs from intent"
    return [
        (f.level, f.page, f.message)
        for f in validate_site(site, docs, settings.image_hosts, settings, now)
    ]


def node(graph, kind):
    return next(n for n in graph if n["@type"] == kind)


CASES = {
    "no rtl": (
        lambda s: edit(s, PAGE, 'dir="rtl"', 'dir="ltr"'),
        "error",
        'lacks lang and dir="rtl"',
    ),
    "invalid json": (
        lambda s: edit(s, PAGE, '"@graph": [', '"@graph": [,'),
        "error",
        "not valid JSON",
    ),
    "two blocks": (
        lambda s: edit(s, PAGE, "</head>", '<script type="application/ld+json">{}</script></head>'),
        "error",
        "exactly one JSON-LD block",
    ),
    "two articles": (
        lambda s: edit_ld(
            s,
            lambda g: g.append(
                dict(node(g, "NewsArticle"), **{"@id": "https://akhbar.example.org/x"})
            ),
        ),
        "error",
        "exactly one NewsArticle",
    ),
    "headline vs h1": (
        lambda s: edit(s, PAGE, 'title">أسعار', 'title">أخبار'),
        "error",
        "differs from the visible <h1>",
    ),
    "date without offset": (
        lambda s: edit_ld(
            s, lambda g: node(g, "NewsArticle").update(datePublished="2022-03-08T10:05:00")
        ),
        "error",
        "not ISO 8601 with a UTC offset",
    ),
    "dangling @id": (
        lambda s: edit_ld(
            s,
            lambda g: node(g, "NewsArticle").update(
                publisher={"@id": "https://akhbar.example.org/#nobody"}
            ),
        ),
        "error",
        "points to no node",
    ),
    "canonical": (
        lambda s: edit(
            s,
            PAGE,
            'rel="canonical" href="https://akhbar.example.org/articles/oil-prices-jump/"',
            'rel="canonical" href="https://akhbar.example.org/"',
        ),
        "error",
        "canonical link",
    ),
    "property on wrong type": (
        lambda s: edit_ld(
            s,
            lambda g: node(g, "NewsArticle").update(
                breadcrumb={"@id": node(g, "BreadcrumbList")["@id"]}
            ),
        ),
        "error",
        "'breadcrumb' is not defined for this type",
    ),
    "unknown type": (
        lambda s: edit_ld(s, lambda g: node(g, "WebSite").update({"@type": "WebSight"})),
        "error",
        "unknown schema.org type",
    ),
    "recommended missing": (
        lambda s: edit_ld(s, lambda g: node(g, "NewsArticle").pop("author")),
        "warning",
        "no author (recommended",
    ),
    "long headline": (
        lambda s: edit_ld(s, lambda g: node(g, "NewsArticle").update(headline="خبر " * 40)),
        "warning",
        "longer than 110",
    ),
    "future date": (
        lambda s: edit_ld(
            s, lambda g: node(g, "NewsArticle").update(dateModified="2027-01-01T00:00:00+03:00")
        ),
        "error",
        "is in the future",
    ),
    "modified before published": (
        lambda s: edit_ld(
            s, lambda g: node(g, "NewsArticle").update(dateModified="2022-03-01T00:00:00+03:00")
        ),
        "error",
        "dateModified is earlier",
    ),
    "relative url": (
        lambda s: edit_ld(s, lambda g: node(g, "ImageObject").update(contentUrl="/media/x.jpg")),
        "error",
        "is not an absolute URL",
    ),
    "small image": (
        lambda s: edit_ld(s, lambda g: node(g, "ImageObject").update(width=200, height=200)),
        "error",
        "Google needs at least 50000",
    ),
    "image under 1200 px wide": (
        lambda s: edit_ld(
            s,
            lambda g: [
                n.update(width=800, height=450) for n in g if n.get("@type") == "ImageObject"
            ],
        ),
        "warning",
        "under the 1,200 Google needs for large previews",
    ),
    "size as text": (
        lambda s: edit_ld(s, lambda g: node(g, "ImageObject").update(width="1200")),
        "error",
        "width and height must both be whole numbers",
    ),
    "size unknown": (
        lambda s: edit_ld(
            s, lambda g: [node(g, "ImageObject").pop(k) for k in ("width", "height")]
        ),
        "info",
        "photo size unknown",
    ),
    "odd aspect ratio": (
        lambda s: edit_ld(s, lambda g: node(g, "ImageObject").update(width=1000, height=300)),
        "info",
        "aspect ratio",
    ),
    "dates shown differ": (
        lambda s: edit(
            s, PAGE, 'datetime="2022-03-08T13:30:00+03:00"', 'datetime="2022-03-09T13:30:00+03:00"'
        ),
        "error",
        "dates shown",
    ),
    "date text differs": (
        lambda s: edit(s, PAGE, ">8 مارس 2022، 10:05 ص</time>", ">9 مارس 2023، 10:05 ص</time>"),
        "error",
        "date shown as '9 مارس 2023، 10:05 ص', but its datetime",
    ),
    "broken internal link": (
        lambda s: edit(
            s, PAGE, 'href="../oil-falls-on-us-stocks/"', 'href="../oil-falls-on-us-stockz/"'
        ),
        "error",
        "link to '../oil-falls-on-us-stockz/': no such file in the site",
    ),
    "broken root link": (
        lambda s: edit(s, "404.html", "</main>", '<a href="/nowhere/">x</a></main>'),
        "error",
        "link to '/nowhere/': no such file in the site",
    ),
    "no canonical": (
        lambda s: edit(
            s,
            PAGE,
            '<link rel="canonical" href="https://akhbar.example.org/articles/oil-prices-jump/">',
            "",
        ),
        "error",
        "no canonical link (the article's page is",
    ),
    "byline differs": (
        lambda s: edit(
            s, PAGE, '<bdi class="author">ليلى العنزي</bdi>', '<bdi class="author">شخص آخر</bdi>'
        ),
        "error",
        "byline",
    ),
    "foreign script": (
        lambda s: edit(
            s, PAGE, "</head>", '<script src="https://cdn.example.com/x.js"></script></head>'
        ),
        "error",
        "loads from another host",
    ),
    "sitemap misses article": (
        lambda s: edit(
            s,
            "sitemap-2022-03.xml",
            "<loc>https://akhbar.example.org/articles/oil-prices-jump/</loc>",
            "<loc>https://akhbar.example.org/x/</loc>",
        ),
        "error",
        "missing from the sitemap",
    ),
    "sitemap bad lastmod": (
        lambda s: edit(
            s,
            "sitemap-2022-03.xml",
            "<lastmod>2022-03-08T13:30:00+03:00</lastmod>",
            "<lastmod>8 March 2022</lastmod>",
        ),
        "error",
        "not a W3C date-time",
    ),
    "sitemap relative loc": (
        lambda s: edit(
            s,
            "sitemap-pages.xml",
            "<loc>https://akhbar.example.org/about/</loc>",
            "<loc>/about/</loc>",
        ),
        "error",
        "not an absolute URL on the site",
    ),
    "sitemap raw arabic loc": (
        lambda s: edit(
            s,
            "sitemap-pages.xml",
            "<loc>https://akhbar.example.org/about/</loc>",
            "<loc>https://akhbar.example.org/عن/</loc>",
        ),
        "error",
        "is not URL-escaped",
    ),
    "sitemap broken xml": (
        lambda s: edit(s, "sitemap-pages.xml", "</urlset>", ""),
        "error",
        "not well-formed XML",
    ),
    "robots without sitemap": (
        lambda s: edit(s, "robots.txt", "Sitemap: https://akhbar.example.org/news-sitemap.xml", ""),
        "error",
        "does not name",
    ),
    "rss bad date": (
        lambda s: edit(
            s,
            "feed.xml",
            "<pubDate>Sun, 12 Oct 2025 09:00:00 +0300</pubDate>",
            "<pubDate>yesterday</pubDate>",
        ),
        "error",
        "not an RFC 822 date",
    ),
    "rss relative link": (
        lambda s: edit(
            s,
            "feed.xml",
            "<link>https://akhbar.example.org/articles/oil-prices-jump/</link>",
            "<link>/articles/oil-prices-jump/</link>",
        ),
        "error",
        "absolute link",
    ),
    "rss no title": (
        lambda s: edit(s, "feed.xml", "<title>أخبار المثال</title>", "<title></title>"),
        "error",
        "channel has no <title>",
    ),
    "atom no updated": (
        lambda s: edit(
            s,
            "atom.xml",
            "<updated>2022-03-08T13:30:00+03:00</updated>",
            "<updated>soon</updated>",
        ),
        "error",
        "updated with offset",
    ),
}


def test_the_sample_site_passes_strict(site, settings, sample_build):
    assert [
        f
        for f in findings(
            site, settings, docs=published_pages(sample_build[0] / ".build" / "partitions")
        )
        if f[0] in ("error", "warning")
    ] == []


@pytest.mark.parametrize("case", CASES)
def test_each_rule_is_caught(site, settings, case):
    breaks, level, message = CASES[case]
    breaks(site)
    found = findings(site, settings)
    assert any(lvl == level and message in msg for lvl, _, msg in found), found


def test_foreign_css_is_caught_naming_the_file(site, settings):
    """The site's own stylesheets are read too: a url() or @import there loads on every page."""
    css = asset(site, "assets/site.css")  # by its content-hashed name
    name = css.relative_to(site).as_posix()
    css.write_text(
        '@import "https://evil.example/y.css";\n'
        + css.read_text(encoding="utf-8")
        + "\nbody { background: url(https://evil.example/x.png) }\n"
        "@font-face { font-family: X; src: url(//cdn.example/f.woff2) }\n",
        encoding="utf-8",
    )
    edit(
        site,
        PAGE,
        "</head>",
        "<style>h1 { background: URL( 'https://evil.example/s.png' ) }</style></head>",
    )
    edit(site, "index.html", "<body", '<body style="background:url(https://evil.example/b.png)"')
    errors = [(page, msg) for level, page, msg in findings(site, settings) if level == "error"]
    assert errors == [
        (PAGE, "<style> loads from another host: https://evil.example/s.png"),
        (
            "index.html",
            "style attribute of <body> loads from another host: https://evil.example/b.png",
        ),
        (name, "stylesheet loads from another host: https://evil.example/y.css"),
        (name, "stylesheet loads from another host: https://evil.example/x.png"),
        (name, "stylesheet loads from another host: //cdn.example/f.woff2"),
    ]


def test_news_sitemap_takes_the_last_two_days(settings, profile):
    articles, _, _ = place_photos(
        [read_article(p, profile).article for p in input_files([SAMPLE])], settings
    )
    now = datetime(2025, 10, 13, 12, 0, tzinfo=timezone(timedelta(hours=3)))
    news = ET.fromstring(news_sitemap(articles, settings, now))
    s, n = f"{{{SITEMAP_NS}}}", f"{{{NEWS_NS}}}"
    assert [u.findtext(f"{s}loc") for u in news] == [
        "https://akhbar.example.org/articles/flu-vaccination-campaign/"
    ]
    assert (
        news.find(f"{s}url/{n}news/{n}title").text
        == "وزارة الصحة تطلق حملة التطعيم الموسمية ضد الإنفلونزا"
    )
    later = ET.fromstring(news_sitemap(articles, settings, now + timedelta(days=3)))
    assert len(later) == 0


def test_news_sitemap_entry_outside_the_window_is_caught(site, settings):
    (site / "news-sitemap.xml").write_text(
        f'<urlset xmlns="{SITEMAP_NS}"><url>'
        "<loc>https://akhbar.example.org/articles/oil-prices-jump/</loc>"
        f'<news:news xmlns:news="{NEWS_NS}"><news:publication><news:name>x</news:name>'
        "<news:language>ar</news:language></news:publication>"
        "<news:publication_date>2022-03-08T10:05:00+03:00</news:publication_date>"
        "<news:title>t</news:title></news:news></url></urlset>",
        encoding="utf-8",
    )
    assert any("outside the two days" in m for _, _, m in findings(site, settings))


def test_a_sitemap_for_each_partition_under_one_index(tmp_path, settings, profile):
    articles, _, _ = place_photos(
        [read_article(p, profile).article for p in input_files([SAMPLE])], settings
    )
    ordered = sort_newest_first(articles)
    files, parts = {}, []
    for k, start in enumerate(range(0, len(ordered), 3)):  # partitions of three articles
        document, newest = article_sitemap(ordered[start : start + 3], settings)
        files[sitemap_name(f"p{k}")] = document
        parts.append((sitemap_name(f"p{k}"), newest))
    files.update(lasting_files(ordered, ["", "about/"], settings, parts))
    files["news-sitemap.xml"] = news_sitemap(ordered, settings, NOW)
    index = ET.fromstring(files["sitemap.xml"])
    s = f"{{{SITEMAP_NS}}}"
    assert index.tag == f"{s}sitemapindex"
    assert [e.findtext(f"{s}loc") for e in index] == [
        f"https://akhbar.example.org/{name}"
        for name in ["sitemap-pages.xml", *(f"sitemap-p{k}.xml" for k in range(len(parts)))]
    ]
    assert [e.findtext(f"{s}lastmod") for e in index][1:] == [
        newest.isoformat() for _, newest in parts
    ]
    _write(tmp_path, files)
    names = [a.url_slug for a in articles]
    assert [
        p for p in check_discovery(tmp_path, settings.site_url, NOW, names) if p[0] == "error"
    ] == []
    _write(tmp_path, {"sitemap-p0.xml": article_sitemap(ordered[1:3], settings)[0]})
    assert (
        "error",
        "sitemap.xml",
        f"article https://akhbar.example.org/articles/"
        f"{ordered[0].url_slug}/ is missing from the sitemap",
    ) in check_discovery(tmp_path, settings.site_url, NOW, names)


def _write(folder, files):
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)


def _urls(n, per_file=1000):
    """A sitemap index over ``n`` article URLs, ``per_file`` a file, as the builder writes it."""
    from builder.render.discovery import _document

    base = "https://akhbar.example.org/"
    lines = [
        f"  <url>\n    <loc>{base}articles/a-{i}/</loc>\n"
        "    <lastmod>2024-01-01T00:00:00+03:00</lastmod>\n  </url>\n"
        for i in range(n)
    ]
    files = {
        f"sitemap-{k + 1}.xml": _document("urlset", lines[i : i + per_file])
        for k, i in enumerate(range(0, n, per_file))
    }
    files["sitemap.xml"] = _document(
        "sitemapindex",
        [f"  <sitemap>\n    <loc>{base}{name}</loc>\n  </sitemap>\n" for name in files],
    )
    return files, [f"a-{i}" for i in range(n)]


def test_sitemap_index_children_are_checked(tmp_path, settings):
    from builder.check.discovery import check_lasting

    files, names = _urls(2500)
    files["sitemap-2.xml"] = files["sitemap-2.xml"].replace(
        b"<loc>https://akhbar.example.org/articles/a-1500/</loc>",
        b"<loc>http://elsewhere.example/x/</loc>",
    )
    files["sitemap-3.xml"] = files["sitemap-3.xml"][:-40]  # cut short: not well-formed
    _write(tmp_path, files)
    problems = [
        p
        for p in check_lasting(tmp_path, settings.site_url, [*names, "not-listed"])
        if p[1].startswith("sitemap")
    ]
    assert (
        "error",
        "sitemap-2.xml",
        "<loc> 'http://elsewhere.example/x/' is not an absolute URL on the site",
    ) in problems
    assert any(p[1] == "sitemap-3.xml" and "not well-formed XML" in p[2] for p in problems)
    missing = {p[2] for p in problems if "missing from the sitemap" in p[2]}
    assert (
        "article https://akhbar.example.org/articles/a-1500/ is missing from the sitemap" in missing
    )
    assert (
        "article https://akhbar.example.org/articles/not-listed/ is missing from the sitemap"
        in missing
    )
    assert (
        "article https://akhbar.example.org/articles/a-1499/ is missing from the sitemap"
        not in missing
    )
    (tmp_path / "sitemap-1.xml").write_text(
        f'<sitemapindex xmlns="{SITEMAP_NS}"/>', encoding="utf-8"
    )
    assert (
        "error",
        "sitemap-1.xml",
        f"root element {{{SITEMAP_NS}}}sitemapindex is not urlset",
    ) in check_lasting(tmp_path, settings.site_url, names)


def test_sitemap_check_reads_one_url_at_a_time(tmp_path, settings):
    """The check's memory beside the search indexer: a stream, not a tree of every URL (the
    tree and a set of listed URLs took 124 MB at 100,000 articles). Allocation sizes are
    deterministic, so this is measured, not timed."""
    import tracemalloc

    from builder.check.discovery import check_lasting

    peaks = {}
    for n in (2_000, 20_000):
        files, names = _urls(n, per_file=50_000)  # one file, as the builder writes up to 50,000
        folder = tmp_path / str(n)
        _write(folder, files)
        names = set(names)
        tracemalloc.start()
        problems = check_lasting(folder, settings.site_url, names)
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert not [p for p in problems if p[1].startswith("sitemap")]
    # what grows with the URLs is a copy of the names' set: about 60 bytes a URL (a tree and a
    # set of URLs: 1,100)
    assert (peaks[20_000] - peaks[2_000]) / 18_000 < 100, peaks


def _tree_xml(root):
    """A sitemap as ElementTree writes it (what the text writer must match byte for byte)."""
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True)) + b"\n"


def _tree_urlset(entries):
    urlset = ET.Element(f"{{{SITEMAP_NS}}}urlset", {"xmlns:image": IMAGE_NS})
    for loc, lastmod, image in entries:
        url = ET.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = loc
        if lastmod:
            ET.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = lastmod
        if image:
            ET.SubElement(ET.SubElement(url, "image:image"), "image:loc").text = image
    return _tree_xml(urlset)


def test_sitemaps_written_as_text_match_elementtree(settings, profile):
    from dataclasses import replace

    from builder.core.urls import article_path
    from builder.render.discovery import _image_loc, pages_sitemap, sitemap_index

    articles = [read_article(p, profile).article for p in input_files([SAMPLE])]
    articles[0] = replace(articles[0], slug="a&b<c>d'e\"f")  # markup in a URL stays text
    articles[1] = replace(articles[1], published=None, modified=None)  # no lastmod
    articles[2] = replace(
        articles[2], slug="خبر-عاجل"
    )  # URL-escaped, as the page's canonical link has it
    ordered = sort_newest_first(articles)
    for items in (ordered, []):
        entries = [
            (
                settings.absolute(quote(article_path(a))),
                (a.modified or a.published).isoformat() if (a.modified or a.published) else None,
                _image_loc(a, settings),
            )
            for a in items
        ]
        document, newest = article_sitemap(items, settings)
        assert document == _tree_urlset(entries)
        dates = [datetime.fromisoformat(lastmod) for _, lastmod, _ in entries if lastmod]
        assert newest == (max(dates) if dates else None)
        assert (
            not items or b"/articles/%D8%AE%D8%A8%D8%B1-%D8%B9%D8%A7%D8%AC%D9%84/</loc>" in document
        )
        # the sample's local photos: their largest derivative, as image:image
        assert not items or b"-1200.jpg</image:loc>" in document
    first = ordered[0].modified or ordered[0].published
    for pages in (["", "page/", "about/"], []):
        assert pages_sitemap(pages, first, settings) == _tree_urlset(
            [
                (settings.absolute(p), first.isoformat() if p in ("", "page/") else None, None)
                for p in pages
            ]
        )
    parts = [("sitemap-pages.xml", first), ("sitemap-2021-11.2.xml", None)]
    index = ET.Element(f"{{{SITEMAP_NS}}}sitemapindex")
    for name, newest in parts:
        sitemap = ET.SubElement(index, f"{{{SITEMAP_NS}}}sitemap")
        ET.SubElement(sitemap, f"{{{SITEMAP_NS}}}loc").text = settings.absolute(name)
        if newest:
            ET.SubElement(sitemap, f"{{{SITEMAP_NS}}}lastmod").text = newest.isoformat()
    assert sitemap_index(parts, settings) == _tree_xml(index)


def test_feed_text_is_escaped_and_urls_absolute(sample_build):
    root, _ = sample_build
    for feed in list((root / "site").rglob("feed.xml")) + list((root / "site").rglob("atom.xml")):
        tree = ET.parse(feed)  # well-formed
        links = [e.text for e in tree.iter() if e.tag == "link" and e.text] + [
            e.get("href") for e in tree.iter() if e.tag.endswith("}link")
        ]
        assert links and all(link.startswith("https://akhbar.example.org/") for link in links)


def test_strict_turns_warnings_into_errors(site, sample_build):
    root, _ = sample_build
    edit_ld(site, lambda g: node(g, "NewsArticle").pop("dateModified"))
    edit(site, PAGE, '<span>آخر تحديث <time datetime="2022-03-08T13:30:00+03:00">', "<span>")

    def run(*extra):
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "builder",
                "validate",
                str(site),
                "--config",
                str(root / "mkdocs.yml"),
                "--now",
                "2026-11-29T00:00:00+00:00",
                *extra,
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )

    lenient, strict = run(), run("--strict")
    assert "no dateModified" in lenient.stdout
    assert (
        strict.returncode == 1
        and "error: articles/oil-prices-jump/index.html: NewsArticle has no dateModified"
        in strict.stdout
    )


def test_head_tags(sample_build):
    root, _ = sample_build
    tree = lxml.html.parse(
        str(root / "site" / "articles" / "kuwait-club-league-title" / "index.html")
    )
    meta = {
        m.get("property") or m.get("name"): m.get("content") for m in tree.xpath("//meta[@content]")
    }
    assert (
        meta["og:type"] == "article"
        and meta["article:published_time"] == "2023-05-14T23:10:00+03:00"
    )
    assert re.fullmatch(
        r"https://akhbar\.example\.org/media/7c1d2e9f40ab8835/share-[0-9a-f]{16}\.png",
        meta["og:image"],
    )
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "675")
    assert meta["twitter:card"] == "summary_large_image" and meta["og:image:alt"]
    assert meta["article:section"] == "رياضة" and meta["description"]
    assert meta["robots"] == "max-image-preview:large"  # large previews in search and Discover
    assert not tree.xpath("//figure")  # the drawn share image is not shown as a photo
    assert (
        root / "site" / meta["og:image"].removeprefix("https://akhbar.example.org/")
    ).stat().st_size > 10_000
