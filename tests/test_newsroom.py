"""What a newsroom publishes besides the text (issue 32): article types with a visible label,
corrections, the publisher's transparency pages, and editors' own copy (their headline and
deck, their Markdown, the same keys in a sidecar and a record). Built with real MkDocs, read
back with extruct and checked against the schema.org vocabulary."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import extruct
import lxml.html
import pytest
import yaml

from builder.build import build
from builder.check.validate import check_page, date_shown
from builder.check.vocabulary import check_node, vocabulary
from builder.core.article_types import article_types
from builder.core.settings import SettingsError, load_settings
from builder.read.inputs import read_inputs
from builder.read.json_records import read_records
from tests.conftest import SAMPLE, make_project


def page(site: Path, rel: str) -> tuple[lxml.html.HtmlElement, dict]:
    html = (site / rel).read_text(encoding="utf-8")
    tree = lxml.html.fromstring(html)
    [data] = extruct.extract(tree, syntaxes=["json-ld"])["json-ld"]
    assert [p for p in check_node(data) if p[0] != "info"] == []
    return tree, data


def node(data: dict, *types: str) -> dict:
    [found] = [n for n in data["@graph"] if n["@type"] in types]
    return found


def words(text: str) -> str:
    return " ".join(text.split())


def test_every_type_is_a_news_article_subtype_of_the_vocabulary():
    vocab = vocabulary()
    for kind in article_types().values():
        assert "NewsArticle" in vocab.ancestors(kind.schema), kind
        assert bool(kind.label) == (kind.schema != "NewsArticle")


def test_sample_site_has_no_warnings(sample_build):
    _, report = sample_build
    assert report.errors == [] and [f for f in report.findings if f.level == "warning"] == []
    # every sample article is dated: none is told its modified date is missing any more
    assert report.warnings == []


def test_opinion_is_marked_up_and_labelled_on_its_page_and_cards(sample_build):
    root, _ = sample_build
    site = root / "site"
    tree, data = page(site, "articles/reading-moves-not-dies/index.html")
    article = node(data, "OpinionNewsArticle")
    assert tree.xpath('//header//p[@class="article-type"]/text()') == ["رأي"]
    # the editor's headline and deck, not the parser's swapped guess
    assert article["headline"] == words(tree.xpath("//h1")[0].text_content())
    assert article["headline"] == "القراءة لا تموت، بل تغيّر مكانها"
    assert article["alternativeHeadline"] == "لماذا يقرأ الشباب أكثر مما نظن، وأين يقرؤون"
    # no later date given: last modified when published, and only one date shown
    assert article["dateModified"] == article["datePublished"] == "2025-07-15T10:00:00+03:00"
    assert tree.xpath('//p[@class="dates"]//time/@datetime') == [article["datePublished"]]
    _, analysis = page(site, "articles/gulf-startups-ai-customer-service/index.html")
    node(analysis, "AnalysisNewsArticle")
    home = lxml.html.fromstring((site / "index.html").read_text(encoding="utf-8"))
    labelled = {
        words(card.xpath(".//h2")[0].text_content()): card.xpath('.//p[@class="article-type"]')
        for card in home.xpath('//article[contains(@class, "card")]')
    }
    assert [p.text for p in labelled[article["headline"]]] == ["رأي"]
    assert sum(1 for found in labelled.values() if found) == 2  # opinion and analysis only


def test_markdown_body_renders_and_article_body_is_its_plain_text(sample_build):
    root, _ = sample_build
    tree, data = page(root / "site", "articles/reading-moves-not-dies/index.html")
    body = tree.xpath('//div[@class="article-body"]')[0]
    assert [h.text_content() for h in body.xpath(".//h2")] == ["ما الذي تغيّر؟", "ما العمل؟"]
    assert len(body.xpath(".//blockquote")) == 1 and len(body.xpath(".//ul/li")) == 3
    assert body.xpath(".//strong/text()") == ["أكثر"] and body.xpath(".//em/text()")
    assert body.xpath(".//a/@href") == ["https://stats.example.org/reading-2025"]
    text = node(data, "OpinionNewsArticle")["articleBody"]
    assert not re.search(r"\*\*|\]\(|^#|^>|^- ", text, re.M)
    assert words(body.text_content()) == words(text)


def test_correction_is_shown_and_marked_up_and_dates_the_update(sample_build):
    root, _ = sample_build
    tree, data = page(root / "site", "articles/oil-falls-on-us-stocks/index.html")
    article = node(data, "NewsArticle")
    [correction] = article["correction"]
    assert correction["@type"] == "CorrectionComment"
    assert correction["datePublished"] == "2025-06-18T09:00:00+03:00"
    assert article["dateModified"] == correction["datePublished"]  # later than `modified`
    [note] = tree.xpath('//p[@class="correction"]')
    assert note.xpath("strong/text()") == ["تصحيح"]
    assert note.xpath(".//time/@datetime") == [correction["datePublished"]]
    assert (
        words(note.xpath('.//*[@class="correction-text"]')[0].text_content())
        == (correction["text"])
    )


def test_home_page_carries_the_site_and_its_publisher(sample_build):
    root, _ = sample_build
    site = root / "site"
    _, data = page(site, "index.html")
    website = node(data, "WebSite")
    publisher = node(data, "NewsMediaOrganization")
    assert website["publisher"] == {"@id": publisher["@id"]}
    assert publisher["sameAs"] == ["https://social.example.org/@akhbar"]
    policies = {k: v for k, v in publisher.items() if k.endswith(("Policy", "Principles", "Info"))}
    policies["masthead"] = publisher["masthead"]
    assert len(policies) == 6
    for url in policies.values():  # each a published page of the site
        rel = url.removeprefix("https://akhbar.example.org/")
        assert (site / rel / "index.html").is_file(), url
    for shown in ("index.html", "articles/oil-falls-on-us-stocks/index.html", "archive/index.html"):
        links = lxml.html.parse(site / shown).xpath('//footer//nav[@class="policies"]/a/@href')
        assert len(links) == 6, shown  # on every page, whichever MkDocs run rendered it
        for link in links:
            assert ((site / shown).parent / link / "index.html").resolve().is_file(), link
    _, article = page(site, "articles/oil-falls-on-us-stocks/index.html")
    assert node(article, "NewsMediaOrganization") == publisher  # one publisher, the same node


def test_breadcrumbs_go_home_section_article(sample_build):
    root, _ = sample_build
    site = root / "site"
    _, data = page(site, "articles/oil-falls-on-us-stocks/index.html")
    items = node(data, "BreadcrumbList")["itemListElement"]
    assert [i["name"] for i in items] == [
        "الرئيسية",
        "اقتصاد",
        node(data, "NewsArticle")["headline"],
    ]
    assert [i["position"] for i in items] == [1, 2, 3]
    section = items[1]["item"].removeprefix("https://akhbar.example.org/")
    assert (site / section / "index.html").is_file()


def _tamper(html: str, old: str, new: str) -> str:
    assert old in html
    return html.replace(old, new, 1)


def test_validate_finds_a_label_or_correction_that_disagrees_with_the_markup(sample_build):
    root, _ = sample_build
    site = root / "site"
    opinion = (site / "articles/reading-moves-not-dies/index.html").read_text(encoding="utf-8")
    corrected = (site / "articles/oil-falls-on-us-stocks/index.html").read_text(encoding="utf-8")
    assert [p for p in check_page(opinion, True) if p[0] == "error"] == []
    assert [p for p in check_page(corrected, True) if p[0] == "error"] == []
    cases = [
        (opinion, '<p class="article-type" data-pagefind-ignore>رأي</p>', "", "type label"),
        (
            opinion,
            '<p class="article-type" data-pagefind-ignore>رأي</p>',
            '<p class="article-type" data-pagefind-ignore>تحليل</p>',
            "type label",
        ),
        (corrected, "والصحيح 71 دولاراً للبرميل.</span>", "</span>", "corrections shown"),
        (corrected, '<p class="correction">', '<p class="other">', "corrections shown"),
    ]
    for html, old, new, said in cases:
        errors = [m for level, m in check_page(_tamper(html, old, new), True) if level == "error"]
        assert any(said in m for m in errors), (new, errors)
    # the note's date is checked as shown too
    settings = load_settings(root / "mkdocs.yml")[0]
    shown = _tamper(corrected, "18 يونيو 2025، 9:00 ص", "19 يونيو 2025، 9:00 ص")
    assert any("date shown as" in m for _, m in check_page(shown, True, shows=date_shown(settings)))


HAND_WRITTEN = (
    "العنوان كما كتبه المحرر\n\nالعنوان الفرعي تحته\n\n"
    "الفقرة الأولى من المقال.\n\nالفقرة الثانية من المقال.\n"
)


def test_a_hand_written_headline_then_subhead_is_put_right_by_the_sidecar(tmp_path, profile):
    raw = tmp_path / "001_piece.txt"
    raw.write_text(HAND_WRITTEN, encoding="utf-8")
    [guessed] = read_inputs(raw, profile)
    # the scraped format puts the deck first: without a word from the editor, swapped
    assert guessed.article.headline == "العنوان الفرعي تحته"
    raw.with_suffix(".toml").write_text('headline = "العنوان كما كتبه المحرر"\n', encoding="utf-8")
    [told] = read_inputs(raw, profile)
    assert told.article.headline == "العنوان كما كتبه المحرر"
    assert told.article.alternative_headline == "العنوان الفرعي تحته"
    raw.with_suffix(".toml").write_text(
        'title = "عنوان آخر"\nsubtitle = "موجز آخر"\n', encoding="utf-8"
    )
    [both] = read_inputs(raw, profile)
    assert (both.article.headline, both.article.alternative_headline) == ("عنوان آخر", "موجز آخر")


def test_sidecar_takes_the_record_keys_and_hints_at_a_misspelt_one(tmp_path, profile):
    raw = tmp_path / "001_piece.txt"
    raw.write_text(HAND_WRITTEN, encoding="utf-8")
    raw.with_suffix(".toml").write_text(
        'date = 2025-01-02T10:00:00+03:00\nauthor = "منى"\ncategory = "رأي"\ntag = ["أ"]\n'
        'sectoin = "x"\ntyep = "opinion"\n',
        encoding="utf-8",
    )
    [result] = read_inputs(raw, profile)
    a = result.article
    assert a.published.isoformat() == "2025-01-02T10:00:00+03:00"
    assert [x.name for x in a.authors] == ["منى"] and a.section == "رأي" and a.tags == ("أ",)
    assert "unknown metadata key 'sectoin' ignored (did you mean 'section'?)" in result.warnings
    assert "unknown metadata key 'tyep' ignored (did you mean 'type'?)" in result.warnings
    assert not [w for w in result.warnings if "publication date" in w]


@pytest.mark.parametrize(
    ("sidecar", "reason"),
    [
        ('type = "opinon"', "'type' 'opinon' is not one of news, opinion"),
        ('type = "opinon"', "(did you mean 'opinion'?)"),
        ('format = "html"', "'format' 'html' must be"),
        (
            "published = 2025-01-02T10:00:00+03:00\n[[corrections]]\n"
            'date = 2025-01-01T10:00:00+03:00\ntext = "x"',
            "'corrections' #1 is dated before 'published'",
        ),
        ('[[corrections]]\ndate = 2025-01-01T10:00:00\ntext = "x"', "has no UTC offset"),
        ('[[corrections]]\ntext = "x"', "needs both 'date' and 'text'"),
    ],
)
def test_a_wrong_type_format_or_correction_rejects_the_article(tmp_path, profile, sidecar, reason):
    raw = tmp_path / "001_piece.txt"
    raw.write_text(HAND_WRITTEN, encoding="utf-8")
    raw.with_suffix(".toml").write_text(sidecar + "\n", encoding="utf-8")
    [result] = read_inputs(raw, profile)
    assert not result.ok and reason in result.error and "001_piece.toml" in result.error


def test_a_record_takes_the_sidecar_keys(tmp_path, profile):
    record = {
        "title": "عنوان",
        "deck": "موجز",
        "body": "## فرعي\n\nنص [رابط](https://x.example/a) و<b>وسم</b>.",
        "format": "markdown",
        "type": "analysis",
        "date": "2025-01-02T10:00:00+03:00",
        "corrections": [{"date": "2025-01-03T10:00:00+03:00", "text": "صُحّح الرقم."}],
        "headlnie": "x",
    }
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    [result] = read_records(path, profile)
    a = result.article
    assert a.article_type == "analysis" and a.alternative_headline == "موجز"
    assert a.paragraphs == ("فرعي", "نص رابط و<b>وسم</b>.")
    assert a.markdown == ("## فرعي", "نص [رابط](https://x.example/a) و<b>وسم</b>.")
    assert a.modified.isoformat() == "2025-01-03T10:00:00+03:00"
    assert any("headlnie (did you mean 'headline'?)" in w for w in result.warnings)


HOSTILE_MD = """---
headline: مقال المحرر
published: 2025-01-02T10:00:00+03:00
section: رأي
authors: [منى]
type: opinion
corrections:
  - date: 2025-01-02T12:00:00+03:00
    text: "</script><b>تصحيح</b> {{ x }}"
---
<script>alert(1)</script> و<img src=x onerror=alert(1)> و{{ config }}

## عنوان <i>فرعي</i>

- [رابط خبيث](javascript:alert(1)) و[رابط](https://x.example/ok)
- ![صورة](https://evil.example/x.png) و`code` و<iframe src=x></iframe>

> اقتباس **بارز** و[بريد](mailto:desk@x.example) و[مرجع][ref] و[خبيث آخر][bad]
و[بعنوان](https://x.example/titled "عنوان الرابط")

[ref]: https://x.example/ref "عنوان"
[bad]: javascript:alert(2)
"""


def test_markdown_article_keeps_its_markup_and_nothing_more(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "001_editor.md").write_text(HOSTILE_MD, encoding="utf-8")
    (corpus / "002_toml.md").write_text(
        '+++\ntitle = "مقال بالتومل"\ndate = 2025-01-03T10:00:00+03:00\n'
        'author = "منى"\ncategory = "رأي"\n+++\nفقرة *مائلة*.\n',
        encoding="utf-8",
    )
    report = build(make_project(tmp_path, corpus))
    assert report.errors == [] and len(report.built) == 2, report.rejected
    assert any(
        source.endswith("001_editor.md") and "javascript:alert(1)" in said
        for source, said in report.warnings
    )
    site = tmp_path / "site"
    tree, data = page(site, "articles/editor/index.html")
    body = tree.xpath('//div[@class="article-body"]')[0]
    assert body.xpath(".//script | .//img | .//iframe | .//i | .//code | .//*[@onerror]") == []
    assert body.xpath(".//a/@href") == [
        "https://x.example/ok",
        "mailto:desk@x.example",
        "https://x.example/ref",  # a reference-style link, its definition line not shown
        "https://x.example/titled",  # a link with a title
    ]
    assert body.xpath(".//h2") and body.xpath(".//blockquote/p/strong")
    shown = words(body.text_content())
    for literal in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "{{ config }}"):
        assert literal in shown
    assert "رابط خبيث" in shown and "javascript" not in shown  # the words, not the link
    assert "خبيث آخر" in shown and "[ref]" not in shown and "x.example/ref" not in shown
    assert "عنوان الرابط" not in shown
    assert any(
        source.endswith("001_editor.md") and said.startswith("raw HTML kept as text")
        for source, said in report.warnings
    )
    article = node(data, "OpinionNewsArticle")
    assert words(article["articleBody"]) == shown
    # in the section «رأي», an opinion piece's label would repeat the section's name above it
    assert tree.xpath('//p[@class="article-type"]') == []
    assert words(tree.xpath('//header//p[@class="kicker"]')[0].text_content()) == "رأي"
    [note] = tree.xpath('//*[@class="correction-text"]')
    assert note.text_content() == "</script><b>تصحيح</b> {{ x }}" and not note.getchildren()
    assert article["correction"][0]["text"] == note.text_content()
    tree2, data2 = page(site, "articles/toml/index.html")
    assert node(data2, "NewsArticle")["headline"] == "مقال بالتومل"
    assert tree2.xpath('//div[@class="article-body"]//em/text()') == ["مائلة"]


def test_a_policy_page_that_is_not_there_stops_the_build_naming_the_setting(tmp_path):
    config = make_project(tmp_path, SAMPLE)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    changed = copy.deepcopy(data)
    changed["plugins"][0]["publisher"]["policies"]["ethics_policy"] = "policies/missing.md"
    config.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SettingsError, match=r"'policies: ethics_policy': no page policies/missing"):
        load_settings(config)
    changed["plugins"][0]["publisher"]["policies"] = {"ethics_polcy": "policies/ethics.md"}
    config.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SettingsError, match="ethics_polcy"):
        load_settings(config)
    changed["plugins"][0]["publisher"]["policies"] = {}
    changed["plugins"][0]["publisher"]["same_as"] = ["not a url"]
    config.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SettingsError, match="same_as"):
        load_settings(config)


def test_a_saved_page_keeps_its_own_article_type(tmp_path, profile):
    page = tmp_path / "001_saved.html"
    ld = {"@context": "https://schema.org", "@type": "AnalysisNewsArticle", "headline": "تحليل"}
    page.write_text(
        '<html><head><script type="application/ld+json">'
        + json.dumps(ld, ensure_ascii=False)
        + "</script></head><body><article><h1>تحليل</h1><p>"
        + "فقرة طويلة من التحليل تشرح ما جرى ولماذا جرى وما قد يجري بعده. " * 5
        + "</p></article></body></html>",
        encoding="utf-8",
    )
    [result] = read_inputs(page, profile)
    assert result.ok and result.article.article_type == "analysis", result
