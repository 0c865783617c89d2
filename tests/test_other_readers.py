"""JSON / JSON Lines scraper records and saved HTML pages produce the same Article as raw text."""

import json
import shutil

from builder.load import input_files, read_all
from tests.conftest import FIXTURES, make_project

RECORDS = FIXTURES / "records"
HTML = FIXTURES / "html"


def test_jsonl_records(profile):
    results = list(read_all(input_files([RECORDS]), profile))
    assert [r.ok for r in results] == [True, True, False, False, False]
    first, second = results[0].article, results[1].article
    assert first.id == "rec-1" and first.headline == "البرلمان يقر قانون الاستثمار الجديد"
    assert first.alternative_headline == "القانون يمنح حوافز للمستثمرين الأجانب"
    assert first.paragraphs == ("أقر البرلمان، أمس، قانون الاستثمار الجديد بأغلبية الأعضاء.", "ويمنح القانون إعفاءات ضريبية لمدة خمس سنوات.")
    assert (first.image.caption, first.image.credit, first.image.url) == ("جلسة البرلمان أمس", "رويترز", None)
    assert first.published.isoformat() == "2024-06-02T18:30:00+03:00" and first.section == "اقتصاد"
    assert [a.name for a in first.authors] == ["سلمى يوسف"]
    # unknown keys: reported once for the file, not fatal
    unknown = [w for r in results if r.ok for w in r.warnings if "unknown keys" in w]
    assert unknown == ["scraped.jsonl: unknown keys ignored: lang, scraped_at"]
    assert second.dateline == "القاهرة - أ ف ب" and len(second.id) == 16
    assert second.published is None and second.authors == ()
    errors = [r.error for r in results[2:]]
    assert errors[0] == "scraped.jsonl:3: no title"
    assert "scraped.jsonl:4: 'published'" in errors[1] and "UTC offset" in errors[1]
    assert errors[2].startswith("scraped.jsonl:5: not valid JSON")


def test_json_file_with_a_list_of_records(tmp_path, profile):
    (tmp_path / "batch.json").write_text(json.dumps([
        {"title": "عنوان أول", "body": "فقرة أولى.\nفقرة ثانية."},
        {"title": "عنوان ثان", "content": "نص."},
    ], ensure_ascii=False), encoding="utf-8")
    results = list(read_all(input_files([tmp_path]), profile))
    assert [r.article.headline for r in results] == ["عنوان أول", "عنوان ثان"]
    assert results[0].article.paragraphs == ("فقرة أولى.", "فقرة ثانية.")
    assert results[0].article.id != results[1].article.id


def test_saved_html_page(profile):
    [result] = list(read_all(input_files([HTML]), profile))
    a = result.article
    assert a.id == "saved-page"
    assert a.headline == "وزارة التربية تعلن موعد بدء العام الدراسي"
    assert a.alternative_headline == "الدوام يبدأ في الأسبوع الثاني من سبتمبر"
    assert a.published.isoformat() == "2024-08-20T09:15:00+03:00" and a.modified.isoformat() == "2024-08-20T11:00:00+03:00"
    assert [x.name for x in a.authors] == ["منى العلي"] and a.section == "تعليم" and a.tags == ("التعليم", "المدارس")
    assert (a.image.caption, a.image.credit, a.image.url) == ("طلاب في أحد الفصول", "كونا", "https://cdn.source.example/school.jpg")
    assert len(a.paragraphs) == 3 and a.dateline == "الكويت - «الراي»"
    text = "\n".join(a.paragraphs)
    for chrome in ("الرئيسية", "فيسبوك", "الأكثر قراءة", "خبر جانبي", "جميع الحقوق"):
        assert chrome not in text


def test_mixed_input_kinds_build_one_site(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(RECORDS / "scraped.jsonl", corpus)
    shutil.copy(HTML / "000_saved-page.html", corpus)
    from builder.build import build

    report = build(make_project(tmp_path, corpus, image_hosts=["cdn.source.example"]))
    assert len(report.built) == 3 and len(report.rejected) == 3 and report.errors == []
    for slug in ("saved-page", "rec-1", "35889e5e2b163f43"):  # every built article has its page
        assert (tmp_path / "site" / "articles" / slug / "index.html").is_file(), slug
