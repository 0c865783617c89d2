"""Hostile text in every field stays literal text everywhere it appears.

Each payload goes into the headline, deck, caption, body, metadata values (section, tags,
author, alt text) and file names of its own article; the built pages, feeds and sitemaps must
hold no live markup from it, show it literally, and carry it exactly in the JSON-LD.
"""

import html
import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree as ET

import lxml.html
import pytest

from builder.build import build
from builder.read.normalize import normalize_line
from tests.conftest import SAMPLE, make_project, sitemaps

PAYLOADS = [
    "<script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">انقر</a>',
    "[انقر](javascript:alert(1))",
    "![صورة](javascript:alert(1))",
    "<javascript:alert(1)>",
    "{{ config.site_name }}",
    "{% for x in range(3) %}x{% endfor %}",
    "{{ ''.__class__.__mro__ }}",
    "{# تعليق #}",
    "---",
    "title: مكسور",
    "key: value: other",
    "- بند",
    '!!python/object/apply:os.system ["ls"]',
    "&lt;b&gt; &amp;amp; &#60;",
    "<!-- تعليق",
    "-->",
    "]]> <![CDATA[ x",
    "\u202eعكس الاتجاه\u202c",
    "\u2066معزول\u2069",
    "قبل\x00بعد",
    "' \" ` « »",
    "# عنوان",
    "**غامق** _مائل_ ~~شطب~~",
    "<style>body{display:none}</style>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '"onmouseover="alert(1)',
    "</title><script>alert(1)</script>",
    "${7*7} %(x)s {0}",
    "| a | b |",
    "``` alert(1) ```",
    "\\<b\\> \\\\ \\*",
]
# The Arabic an article around the payloads has: text mostly in another script is refused
# (builder.read.coherence), and these are Arabic articles with hostile text in every field.
ARABIC = (
    "وقال المتحدث باسم الوزارة إن اللجنة المختصة ستعقد اجتماعها المقبل في العاصمة لمناقشة "
    "التوصيات النهائية قبل رفعها إلى المجلس خلال الأسابيع المقبلة بحسب المصادر المطلعة."
)
# Every payload article is published within the two days before the build's "now" (30 minutes
# apart from FIRST, the first payloads newest: the site's feed shows those with markup), so the
# Google News sitemap lists every hostile headline.
FIRST = datetime(2025, 1, 1, 10, 0, tzinfo=timezone(timedelta(hours=3)))
NOW = FIRST + timedelta(days=1)
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM_NS = "{http://www.w3.org/2005/Atom}"
FORBIDDEN = (
    "//script[not(@type='application/ld+json')] | //iframe | //svg | //style | //base"
    " | //meta[@http-equiv] | //img[@onerror] | //a[starts-with(@href,'javascript')]"
    " | //b | //strong | //em | //del | //table | //pre | //code"
    " | //h2[ancestor::article[contains(@class,'article')]]"
    " | //ul[ancestor::div[@class='article-body']] | //*[@onload or @onmouseover]"
)


def published(i):
    return FIRST + timedelta(minutes=30 * (len(PAYLOADS) - 1 - i))


def toml_string(text):
    return json.dumps(text, ensure_ascii=False)  # JSON string escapes are valid TOML basic strings


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copytree(SAMPLE / "images", corpus / "images")
    for i, p in enumerate(PAYLOADS):
        raw = (
            f"مقدمة {i} {p}\n\nعنوان {i} {p}\n\n"
            f"صورة {i} {p} (رويترز)\nصورة {i} {p} (رويترز)\nتصغير\nتكبير\n\n"
            f"فقرة {i} {p}\n\n{p}\n\n{ARABIC}\n"
        )
        (corpus / f"{i:03d}_payload{i}.txt").write_text(raw, encoding="utf-8")
        (corpus / f"{i:03d}_payload{i}.toml").write_text(
            f"published = {published(i).isoformat()}\nsection = {toml_string(f'قسم {i} {p}')}\n"
            f"tags = [{toml_string(p)}, {toml_string(f'وسم {i} {p}')}]\n"
            f"authors = [{toml_string(f'كاتب {i} {p}')}]\n"
            f'image = "images/oil-field.jpg"\nimage_alt = {toml_string(f"وصف {i} {p}")}\n',
            encoding="utf-8",
        )
    for name in (
        "900_<script>.txt",
        '901_"onload=x.txt',
        "902_{{x}}.txt",
        "903_a b.txt",
        "904_..txt",
        "905_ملف.txt",
    ):
        (corpus / name).write_text("عنوان\n\nتصغير\nتكبير\n\nفقرة.\n", encoding="utf-8")
    assert published(0) < NOW
    report = build(make_project(root, corpus), now=NOW)
    return root, report


def expected(i, field):
    return normalize_line(f"{field} {i} {PAYLOADS[i]}")


def test_all_payload_articles_built_and_file_names_refused(hostile_site):
    root, report = hostile_site
    assert len(PAYLOADS) >= 30
    assert len(report.built) == len(PAYLOADS) and report.errors == []
    rejected = {Path(s).name: r for s, r in report.rejected}
    for name in (
        "900_<script>.txt",
        '901_"onload=x.txt',
        "902_{{x}}.txt",
        "903_a b.txt",
        "904_..txt",
        "905_ملف.txt",
    ):
        assert rejected[name].startswith("file name gives no usable article id"), name
    assert not list(root.parent.glob("*script*"))


@pytest.mark.parametrize("i", range(len(PAYLOADS)))
def test_article_page_is_literal(hostile_site, i):
    root, _ = hostile_site
    html = (root / "site" / "articles" / f"payload{i}" / "index.html").read_text(encoding="utf-8")
    tree = lxml.html.fromstring(html)
    assert tree.xpath(FORBIDDEN) == []
    assert tree.xpath("string(//h1)") == expected(i, "عنوان")
    assert tree.xpath("string(//p[@class='deck'])") == expected(i, "مقدمة")
    assert tree.xpath("string(//span[@class='caption'])") == expected(i, "صورة")
    assert tree.xpath("string(//p[@class='kicker'])") == expected(i, "قسم")
    assert tree.xpath("string(//bdi[@class='author'])") == expected(i, "كاتب")
    body = [p.text_content() for p in tree.xpath("//div[@class='article-body']/p")]
    assert body == [expected(i, "فقرة"), normalize_line(PAYLOADS[i]), ARABIC]
    assert tree.xpath("string(//title)").startswith(expected(i, "عنوان"))
    assert tree.xpath("//meta[@property='og:title']/@content") == [expected(i, "عنوان")]
    assert tree.xpath("//figure//img/@alt") == [expected(i, "وصف")]
    [block] = tree.xpath("//script[@type='application/ld+json']")
    graph = {n["@type"]: n for n in json.loads(block.text)["@graph"]}
    article = graph["NewsArticle"]
    assert article["headline"] == expected(i, "عنوان") and article[
        "alternativeHeadline"
    ] == expected(i, "مقدمة")
    assert article["articleSection"] == expected(i, "قسم")
    assert article["keywords"] == [normalize_line(PAYLOADS[i]), expected(i, "وسم")]
    assert graph["Person"]["name"] == expected(i, "كاتب")
    assert graph["ImageObject"]["caption"] == expected(i, "صورة")
    assert article["articleBody"] == "\n\n".join(
        [expected(i, "فقرة"), normalize_line(PAYLOADS[i]), ARABIC]
    )


def test_home_feeds_and_sitemaps_are_literal(hostile_site):
    root, _ = hostile_site
    site = root / "site"
    headlines = {expected(i, "عنوان") for i in range(len(PAYLOADS))}
    home = lxml.html.parse(str(site / "index.html"))
    pages = [home] + [lxml.html.parse(str(p)) for p in sorted((site / "page").rglob("index.html"))]
    listed = {
        t for page in pages for t in page.xpath("//article[contains(@class,'card')]//h2/a/text()")
    }
    assert listed == headlines
    assert all(page.xpath(FORBIDDEN) == [] for page in pages)
    rss = ET.parse(site / "feed.xml").getroot()
    assert {t.text for t in rss.iter("title")} - {"أخبار المثال"} <= headlines
    summaries = [d.text or "" for d in rss.iter("description")][1:]  # after the channel's own
    assert summaries and all(
        "<" not in d for d in summaries
    )  # readers take RSS descriptions as HTML: no live tag
    assert any(
        "<javascript:" in html.unescape(d) for d in summaries
    )  # a payload with markup is there, as text
    atom_titles = {
        e.text
        for e in ET.parse(site / "atom.xml").getroot().iter("{http://www.w3.org/2005/Atom}title")
    }
    assert atom_titles - {"أخبار المثال"} <= headlines
    for feed in (site / "sections").rglob("*.xml"):
        ET.parse(feed)  # every per-section feed is well-formed
    for sitemap in sitemaps(site):
        ET.parse(sitemap)  # each sitemap of the index is well-formed
    assert len(list((site / "sections").iterdir())) == len(PAYLOADS)


def test_news_sitemap_titles_are_the_hostile_headlines_escaped(hostile_site):
    """The news sitemap lists every payload article (all within its two days), and each
    <news:title> is well-formed XML whose text is the headline exactly: escaped, not dropped,
    not escaped twice."""
    root, report = hostile_site
    assert report.published, (
        f"the hostile site was not published: {report.failure or report.errors}"
    )
    raw = (root / "site" / "news-sitemap.xml").read_bytes()
    titles = {}
    for url in ET.fromstring(raw).iter(f"{SITEMAP_NS}url"):
        slug = urlsplit(url.findtext(f"{SITEMAP_NS}loc")).path.strip("/").split("/")[-1]
        [title] = url.iter(f"{NEWS_NS}title")
        titles[slug] = title.text
    assert titles == {f"payload{i}": expected(i, "عنوان") for i in range(len(PAYLOADS))}
    assert b"<script" not in raw and b"<!--" not in raw and b"<![CDATA[" not in raw


def section_feeds(site, i):
    """The RSS and Atom feeds of payload ``i``'s section, found as a reader finds them: the
    article's section link, then that page's own feed links (not the whole site's)."""
    page = f"articles/payload{i}/index.html"
    [section] = lxml.html.parse(str(site / page)).xpath("//p[@class='kicker']/a/@href")
    section_page = unquote(urlsplit(urljoin("/" + page, section)).path).lstrip("/") + "index.html"
    links = lxml.html.parse(str(site / section_page)).xpath("//link[@rel='alternate']")
    feeds = {}
    for link in links:
        target = unquote(urlsplit(urljoin("/" + section_page, link.get("href"))).path).lstrip("/")
        if target not in ("feed.xml", "atom.xml"):
            feeds[link.get("type")] = site / target
    assert sorted(feeds) == ["application/atom+xml", "application/rss+xml"], links
    return feeds["application/rss+xml"], feeds["application/atom+xml"]


@pytest.mark.parametrize("i", range(len(PAYLOADS)))
def test_section_feeds_carry_the_hostile_text_escaped(hostile_site, i):
    """Each payload's section has its own RSS and Atom feed: well-formed, with the headline,
    section and author exactly as written, and no live markup in the raw bytes."""
    root, report = hostile_site
    assert report.published, (
        f"the hostile site was not published: {report.failure or report.errors}"
    )
    site = root / "site"
    rss_path, atom_path = section_feeds(site, i)
    for path in (rss_path, atom_path):
        raw = path.read_bytes()
        assert b"<script" not in raw and b"<!--" not in raw and b"<![CDATA[" not in raw, path
    channel = ET.parse(rss_path).getroot().find("channel")
    assert channel.findtext("title") == f"أخبار المثال - {expected(i, 'قسم')}"
    [item] = channel.findall("item")
    assert item.findtext("title") == expected(i, "عنوان")
    assert item.findtext("category") == expected(i, "قسم")
    assert "<" not in item.findtext(
        "description"
    )  # readers take RSS descriptions as HTML: no live tag
    feed = ET.parse(atom_path).getroot()
    assert feed.findtext(f"{ATOM_NS}title") == f"أخبار المثال - {expected(i, 'قسم')}"
    [entry] = feed.findall(f"{ATOM_NS}entry")
    assert entry.findtext(f"{ATOM_NS}title") == expected(i, "عنوان")
    assert [c.get("term") for c in entry.findall(f"{ATOM_NS}category")] == [expected(i, "قسم")]
    assert [a.findtext(f"{ATOM_NS}name") for a in entry.findall(f"{ATOM_NS}author")] == [
        expected(i, "كاتب")
    ]
