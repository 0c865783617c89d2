"""Authors (issue 32, point 1) and navigation and feeds (point 5), through real builds: author
pages read back with extruct and checked against the schema.org vocabulary, every feed parsed
by feedparser, and the section menu and an author page in Chromium at a phone's and a
desktop's width."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import extruct
import feedparser
import lxml.html
import pytest
from PIL import Image

from builder.build import build
from builder.check.vocabulary import check_node
from builder.core.settings import SettingsError
from tests.chromium import SHOTS, chromium, open_page, serve
from tests.conftest import REPO, SAMPLE, make_project

SITE = "https://akhbar.example.org/"
LAILA = "authors/laila-alanazi/"  # in authors.toml, with a photo
FAHD = "authors/فهد-المطيري/"  # no entry: a page from his articles alone
HOSTILE = "<script>alert(1)</script> & <b>عريض</b> {{ x }}"


def page(site: Path, rel: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((site / rel / "index.html").read_text(encoding="utf-8"))


def graph_of(tree: lxml.html.HtmlElement) -> dict[str, dict]:
    [data] = extruct.extract(tree, syntaxes=["json-ld"])["json-ld"]
    return {n["@type"]: n for n in data["@graph"]}


def test_author_page_is_a_profile_page_of_the_person_the_byline_names(sample_build):
    site = sample_build[0] / "site"
    tree = page(site, LAILA)
    nodes = graph_of(tree)
    profile, person = nodes["ProfilePage"], nodes["Person"]
    assert profile["mainEntity"] == {"@id": person["@id"]} and profile["url"] == SITE + LAILA
    assert person["url"] == SITE + LAILA and person["name"] == "ليلى العنزي"
    assert person["jobTitle"] == "محررة الاقتصاد" and person["description"].startswith("تغطي")
    assert person["image"] == SITE + "portraits/laila-alanazi.jpg"
    assert person["sameAs"] == [
        "https://x.com/laila_example",
        "https://www.linkedin.com/in/laila-example",
    ]
    [data] = extruct.extract(tree, syntaxes=["json-ld"])["json-ld"]
    assert [p for p in check_node(data) if p[0] == "error"] == []
    assert tree.xpath("string(//h1)") == "ليلى العنزي"
    assert tree.xpath("string(//p[@class='bio'])") == person["description"]
    # newest first, both of her articles
    cards = [a.get("href") for a in tree.xpath("//article[contains(@class, 'card')]//h2/a")]
    assert cards == ["../../articles/oil-falls-on-us-stocks/", "../../articles/oil-prices-jump/"]
    # her articles' bylines link to the page, and their Person is that page's
    article = page(site, "articles/oil-prices-jump")
    [link] = article.xpath("//p[@class='byline']/a")
    assert link.get("href") == "../../" + LAILA and link.text_content() == "ليلى العنزي"
    assert article.xpath("string(//p[@class='byline'])").startswith("بقلم: ")
    assert graph_of(article)["Person"]["@id"] == person["@id"]
    assert graph_of(article)["Person"]["url"] == SITE + LAILA


def test_author_without_an_entry_gets_a_page_with_nothing_invented(sample_build):
    site = sample_build[0] / "site"
    tree = page(site, FAHD)
    person = graph_of(tree)["Person"]
    assert person == {
        "@type": "Person",
        "@id": SITE + FAHD + "#person",
        "name": "فهد المطيري",
        "url": SITE + FAHD,
    }
    assert not tree.xpath("//p[@class='bio'] | //img[@class='profile-photo']")
    assert len(tree.xpath("//article[@class='card']")) == 2


def test_agency_byline_is_an_organization_without_bi_qalam_or_page(sample_build):
    site = sample_build[0] / "site"
    article = page(site, "articles/morocco-israel-security-agreement")
    byline = article.xpath("//p[@class='byline']")[0]
    assert byline.text_content() == "وكالات" and not byline.xpath(".//a")
    nodes = graph_of(article)
    assert nodes["Organization"]["name"] == "وكالات" and "Person" not in nodes
    assert not (site / "authors" / "وكالات").exists()
    assert sorted(p.name for p in (site / "authors").iterdir()) == sorted(
        ["laila-alanazi", "خالد-الرشيد", "ريم-الحسن", "سلمى-يوسف", "فهد-المطيري", "نورة-السالم"]
    )


def test_author_photo_is_published_without_its_metadata(sample_build):
    source = REPO / "corpus" / "authors" / "laila.jpg"
    with Image.open(source) as raw:
        assert raw.getexif()  # the sample's photo carries a camera and GPS tag
    with Image.open(sample_build[0] / "site" / "portraits" / "laila-alanazi.jpg") as shown:
        assert not shown.getexif() and max(shown.size) <= 400 and shown.format == "JPEG"
        assert "exif" not in shown.info


def test_every_feed_parses_with_full_text_and_lead_photo(sample_build):
    site = sample_build[0] / "site"
    own = (p for kind in ("sections", "tags", "authors") for p in site.glob(f"{kind}/*/*.xml"))
    feeds = [site / "feed.xml", site / "atom.xml", *sorted(own)]
    assert len(feeds) > 30 and (site / LAILA / "feed.xml").is_file()
    assert (site / "tags" / "النفط" / "atom.xml").is_file()
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version == ("atom10" if path.name == "atom.xml" else "rss20")
        assert parsed.entries, path
        for entry in parsed.entries:
            assert entry.content[0].value.count("<p>") >= 2, (path, entry.link)
    rss = feedparser.parse((site / LAILA / "feed.xml").read_bytes())
    [oil] = [e for e in rss.entries if e.link.endswith("/oil-prices-jump/")]
    text = lxml.html.fromstring(oil.content[0].value).text_content()
    assert "قفزت أسعار النفط" in text and "مليارات الدولارات" in text  # first and last paragraph
    photo = oil.media_content[0]["url"]  # the largest derivative its page shows
    assert re.fullmatch(SITE + r"media/a3f09c2e7b14d6e1/oil-field-[0-9a-f]+-1200\.jpg", photo)
    assert (site / photo.removeprefix(SITE)).is_file() and oil.enclosures[0]["href"] == photo
    atom = feedparser.parse((site / "atom.xml").read_bytes())
    [oil] = [e for e in atom.entries if e.link.endswith("/oil-prices-jump/")]
    assert [x.href for x in oil.links if x.rel == "enclosure"] == [photo]
    assert oil.authors[0]["href"] == SITE + LAILA
    raw = (site / "atom.xml").read_text(encoding="utf-8")
    assert '<feed xmlns="http://www.w3.org/2005/Atom"' in raw
    assert "<atom:" not in raw and "ns0:" not in raw


def test_section_menu_and_feed_links_on_every_page(sample_build):
    site = sample_build[0] / "site"
    for rel in ("", "articles/oil-prices-jump/", LAILA, "about/"):
        tree = lxml.html.fromstring((site / rel / "index.html").read_text(encoding="utf-8"))
        menu = [a.text_content() for a in tree.xpath("//nav[@class='sections-menu']//a")]
        # the 'menu' setting's order first, then the others
        assert menu == ["سياسة", "اقتصاد", "رياضة", "تكنولوجيا", "ثقافة", "صحة"], rel
        hrefs = tree.xpath("//footer//p[@class='feeds']/a/@href")
        assert [h.rsplit("/", 1)[-1] for h in hrefs] == ["feed.xml", "atom.xml"], rel
        assert tree.xpath("string(//meta[@property='og:locale']/@content)") == "ar_AR"
    tree = page(site, LAILA)
    assert tree.xpath("//main//p[@class='feeds']/a/@href") == ["feed.xml", "atom.xml"]


@pytest.fixture(scope="module")
def crafted(tmp_path_factory):
    """The sample, one more article by فهد (three: two pages at two a page) whose text is
    hostile, and a language with a territory."""
    root = tmp_path_factory.mktemp("crafted")
    corpus = root / "corpus"
    shutil.copytree(SAMPLE, corpus)
    (corpus / "900_feedfeedfeedfeed.txt").write_text(
        f"عنوان خبر ثالث للكاتب\n\nتصغير\nتكبير\n\n{HOSTILE}\n\nفقرة ثانية من الخبر.\n",
        encoding="utf-8",
    )
    (corpus / "900_feedfeedfeedfeed.toml").write_text(
        'published = 2025-11-01T10:00:00+03:00\nsection = "رياضة"\n'
        'authors = ["فهد المطيري"]\nslug = "third"\n',
        encoding="utf-8",
    )
    config = make_project(root, corpus, per_page=2, language="ar-KW")
    report = build(config)
    assert report.published and not report.errors, report.findings
    return root / "site"


def test_author_pages_are_paginated_like_sections(crafted):
    first, second = page(crafted, FAHD), page(crafted, FAHD + "page/2")
    assert [a.get("href") for a in first.xpath("//article[@class='card']//h2/a")] == [
        "../../articles/third/",
        "../../articles/national-team-asian-cup-camp/",
    ]
    assert len(second.xpath("//article[@class='card']")) == 1
    assert graph_of(second)["ProfilePage"]["url"] == SITE + FAHD + "page/2/"
    assert first.xpath("string(//meta[@property='og:locale']/@content)") == "ar_KW"


def test_feed_text_stays_literal(crafted):
    for name in ("feed.xml", "atom.xml"):
        parsed = feedparser.parse((crafted / FAHD / name).read_bytes())
        [entry] = [e for e in parsed.entries if e.link.endswith("/third/")]
        html = entry.content[0].value
        assert "<script>" not in html and "<b>" not in html
        assert lxml.html.fromstring(html).text_content().startswith(HOSTILE)


def test_a_wrong_authors_file_stops_the_build_naming_it(tmp_path):
    authors = tmp_path / "people.toml"
    authors.write_text('[[author]]\nslug = "x"\nname = "س"\nphoto = "none.jpg"\n', "utf-8")
    config = make_project(tmp_path, SAMPLE, authors=str(authors))
    with pytest.raises(SettingsError, match=r"people\.toml: author 1: 'photo' 'none\.jpg'"):
        build(config)
    authors.write_text('[[author]]\nslug = "x"\nname = "س"\nwebsite = "y"\n', "utf-8")
    with pytest.raises(SettingsError, match="unknown key 'website'"):
        build(config)
    assert not (tmp_path / "site").exists()


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_section_menu_and_author_page_in_chromium(sample_build, width):
    with serve(sample_build[0] / "site") as server, chromium() as browser:
        for path, name in (
            (LAILA, "author"),
            (FAHD, "author-plain"),
            ("articles/oil-prices-jump/", "menu"),
        ):
            shown, seen = open_page(browser, server, "/" + path, width)
            menu = shown.locator("nav.sections-menu")
            assert menu.is_visible()
            first = menu.locator("a").first.bounding_box()
            # RTL: the first section sits at the right end of the row
            assert first["x"] + first["width"] > width * 0.5
            assert shown.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            row = menu.locator("ul")
            style = row.evaluate(
                "ul => [ul.scrollWidth > ul.clientWidth, getComputedStyle(ul).backgroundAttachment]"
            )
            if width < 700:  # a phone: the row scrolls, with a shade at each edge that has more
                assert style == [True, "local, local, scroll, scroll"]
            else:  # wrapped: nothing to scroll, no shade
                assert (
                    style[0] is False
                    and row.evaluate("ul => getComputedStyle(ul).backgroundImage") == "none"
                )
            if name == "author":
                photo = shown.locator("img.profile-photo")
                assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
                h1 = shown.locator("h1").bounding_box()
                box = photo.bounding_box()
                if width >= 1000:  # photo at the start (right) of the name, side by side
                    assert box["x"] > h1["x"] and abs(box["y"] - h1["y"]) < 40
                else:  # a phone: the name under the photo
                    assert h1["y"] > box["y"] + box["height"] - 1
            SHOTS.mkdir(exist_ok=True)
            shown.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
            assert seen == {"foreign": [], "errors": [], "failed": []}
            shown.close()


def test_a_menu_section_no_article_is_in_is_left_out_with_a_warning(tmp_path):
    report = build(make_project(tmp_path, SAMPLE, menu=["فنون", "صحة"]))
    assert report.published
    assert [m for _, m in report.warnings if m.startswith("menu:")] == [
        "menu: no article is in section 'فنون': left out"
    ]
    tree = lxml.html.fromstring((tmp_path / "site" / "index.html").read_text(encoding="utf-8"))
    menu = [a.text_content() for a in tree.xpath("//nav[@class='sections-menu']//a")]
    assert menu == ["صحة", "اقتصاد", "تكنولوجيا", "ثقافة", "رياضة", "سياسة"]
