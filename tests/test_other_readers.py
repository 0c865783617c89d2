"""JSON / JSON Lines scraper records and saved HTML pages produce the same Article as raw text."""

import json
import shutil

import pytest

from builder.read.inputs import input_files, read_all, read_inputs
from builder.render.jsonld import description
from tests.conftest import FIXTURES, make_project

RECORDS = FIXTURES / "records"
HTML = FIXTURES / "html"


def test_jsonl_records(profile):
    results = list(read_all(input_files([RECORDS]), profile))
    assert [r.ok for r in results] == [True, True, False, False, False]
    first, second = results[0].article, results[1].article
    assert first.id == "rec-1" and first.headline == "البرلمان يقر قانون الاستثمار الجديد"
    assert first.alternative_headline == "القانون يمنح حوافز للمستثمرين الأجانب"
    assert first.paragraphs == (
        "أقر البرلمان، أمس، قانون الاستثمار الجديد بأغلبية الأعضاء.",
        "ويمنح القانون إعفاءات ضريبية لمدة خمس سنوات.",
    )
    assert (first.image.caption, first.image.credit, first.image.url) == (
        "جلسة البرلمان أمس",
        "رويترز",
        None,
    )
    assert first.published.isoformat() == "2024-06-02T18:30:00+03:00" and first.section == "اقتصاد"
    assert [a.name for a in first.authors] == ["سلمى يوسف"]
    # unknown keys: reported once for the file, not fatal
    unknown = [w for r in results if r.ok for w in r.warnings if "unknown keys" in w]
    assert unknown == ["unknown keys ignored in this file's records: lang, scraped_at"]
    assert second.dateline == "القاهرة - أ ف ب" and len(second.id) == 16
    assert second.published is None and second.authors == ()
    assert [r.source for r in results[2:]] == [
        f"{RECORDS / 'scraped.jsonl'}:{n}" for n in (3, 4, 5)
    ]  # file:line
    errors = [r.error for r in results[2:]]
    assert errors[0] == "no title"
    assert errors[1].startswith("'date'") and "UTC offset" in errors[1]
    assert errors[2].startswith("not valid JSON")


def test_unknown_keys_are_reported_on_an_article_not_on_a_rejected_record(tmp_path, profile):
    (tmp_path / "batch.jsonl").write_text(
        '{"body": "نص.", "lang": "ar"}\n{"title": "عنوان", "body": "نص."}\n', encoding="utf-8"
    )
    rejected, accepted = read_all(input_files([tmp_path]), profile)
    assert not rejected.ok and rejected.warnings == ()
    assert "unknown keys ignored in this file's records: lang" in accepted.warnings


def test_json_file_with_a_list_of_records(tmp_path, profile):
    (tmp_path / "batch.json").write_text(
        json.dumps(
            [
                {"title": "عنوان أول", "body": "فقرة أولى.\nفقرة ثانية."},
                {"title": "عنوان ثان", "content": "نص."},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    results = list(read_all(input_files([tmp_path]), profile))
    assert [r.article.headline for r in results] == ["عنوان أول", "عنوان ثان"]
    assert results[0].article.paragraphs == ("فقرة أولى.", "فقرة ثانية.")
    assert results[0].article.id != results[1].article.id


def test_a_record_id_that_is_no_usable_id_says_so_as_a_record(tmp_path, profile):
    (tmp_path / "batch.jsonl").write_text(
        "".join(
            json.dumps({"id": i, "title": "عنوان", "body": "نص."}, ensure_ascii=False) + "\n"
            for i in ("خبر", "index", "rec.1", "../evil", "a\\b")
        ),
        encoding="utf-8",
    )
    arabic, reserved, dotted, parent, back = read_all(input_files([tmp_path]), profile)
    assert (
        "'id' gives no usable article id: '../evil' is a path" in parent.error
    )  # was read as 'evil', unsaid
    assert "'id' gives no usable article id: 'a\\\\b' is a path" in back.error
    assert (
        "'id' gives no usable article id: 'خبر' has characters other than ASCII letters"
        in arabic.error
    )
    assert "'index' is reserved" in reserved.error
    assert "file name" not in arabic.error + reserved.error
    assert dotted.article.id == "rec"  # accepted as before: what ids are accepted did not change


def test_saved_html_page(profile):
    [result] = list(read_all(input_files([HTML]), profile))
    a = result.article
    assert a.id == "saved-page"
    assert a.headline == "وزارة التربية تعلن موعد بدء العام الدراسي"
    assert a.alternative_headline == "الدوام يبدأ في الأسبوع الثاني من سبتمبر"
    assert (
        a.published.isoformat() == "2024-08-20T09:15:00+03:00"
        and a.modified.isoformat() == "2024-08-20T11:00:00+03:00"
    )
    assert (
        [x.name for x in a.authors] == ["منى العلي"]
        and a.section == "تعليم"
        and a.tags == ("التعليم", "المدارس")
    )
    assert (a.image.caption, a.image.credit, a.image.url) == (
        "طلاب في أحد الفصول",
        "كونا",
        "https://cdn.source.example/school.jpg",
    )
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


BODY = (
    "أقر البرلمان، أمس، قانون الاستثمار الجديد بأغلبية كبيرة بعد نقاش استمر ساعات طويلة.",
    "ويمنح القانون إعفاءات ضريبية للمستثمرين في القطاعات الصناعية لمدة خمس سنوات.",
)


def saved_page(path, header, body=BODY, og_title="البرلمان يقر قانون الاستثمار"):
    """A saved article page: OpenGraph title, then ``header`` and ``body`` as the article's
    lines."""
    paragraphs = "".join(f"<p>{p}</p>" for p in body)
    path.write_text(
        f'<!doctype html><html lang="ar"><head><meta charset="utf-8"><title>{og_title}</title>'
        f'<meta property="og:title" content="{og_title}"></head>'
        f"<body><article>{header}{paragraphs}</article></body></html>",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "date",
    [
        "5 مايو 2025",
        "الاثنين ٥ أيار ٢٠٢٥ - 10:30 صباحاً",
        "Monday, May 5, 2025 10:30 AM",
        "الأحد 4 مايو 2025م الموافق 7 ذو القعدة 1446هـ",
        "05/05/2025 | 10:30",
    ],
)
def test_saved_page_date_line_and_h1_are_not_body_text(tmp_path, profile, date):
    h1 = "البرلمان يقر قانون الاستثمار الجديد بالأغلبية"  # not the OpenGraph headline
    [result] = read_inputs(
        saved_page(tmp_path / "000_page.html", f'<h1>{h1}</h1><p class="date">{date}</p>'), profile
    )
    a = result.article
    assert a.headline == "البرلمان يقر قانون الاستثمار"
    assert a.paragraphs == BODY and description(a) == BODY[0]
    assert a.published is None  # the date line is never read as the article's date


def test_saved_page_date_further_down_stays(tmp_path, profile):
    body = (*BODY, "5 مايو 2025")
    [result] = read_inputs(
        saved_page(tmp_path / "000_page.html", "<h1>البرلمان يقر قانون الاستثمار</h1>", body),
        profile,
    )
    assert result.article.paragraphs == body


def test_saved_page_date_above_the_article_element_is_not_body_text(tmp_path, profile):
    """trafilatura moves a date printed above <article> to the end of its text."""
    path = tmp_path / "000_page.html"
    path.write_text(
        '<!doctype html><html lang="ar"><head><meta charset="utf-8">'
        "<title>البرلمان يقر قانون الاستثمار</title></head>"
        "<body><h1>البرلمان يقر قانون الاستثمار</h1><p>الاثنين 17 نوفمبر 2025</p>"
        f"<article>{''.join(f'<p>{p}</p>' for p in BODY)}</article></body></html>",
        encoding="utf-8",
    )
    [result] = read_inputs(path, profile)
    assert result.article.paragraphs == BODY


@pytest.mark.parametrize(
    "header, first",
    [
        ("", "<b>القاهرة:</b> "),  # inline markup opening the first paragraph
        ("<header><span>5 مايو 2025</span></header>", ""),  # the site's header prints the same day
    ],
)
def test_saved_page_date_printed_after_the_body_stays(tmp_path, profile, header, first):
    body = (BODY[0], BODY[1], "5 مايو 2025")
    path = tmp_path / "000_page.html"
    paragraphs = "".join(f"<p>{first if i == 0 else ''}{p}</p>" for i, p in enumerate(body))
    path.write_text(
        '<!doctype html><html lang="ar"><head><meta charset="utf-8">'
        "<title>البرلمان يقر قانون الاستثمار</title></head>"
        f"<body>{header}<h1>البرلمان يقر قانون الاستثمار</h1>"
        f"<article>{paragraphs}</article></body></html>",
        encoding="utf-8",
    )
    [result] = read_inputs(path, profile)
    assert result.article.paragraphs[-1] == "5 مايو 2025", result.article.paragraphs


def test_saved_page_of_a_title_and_a_date_only_is_rejected(tmp_path, profile):
    [result] = read_inputs(
        saved_page(
            tmp_path / "000_page.html", "<h1>عنوان آخر للصفحة</h1>", ("السبت 12/04/2025 - 03:15 م",)
        ),
        profile,
    )
    assert not result.ok and "no article body" in result.error


def test_a_record_s_errors_name_its_own_keys(tmp_path, profile):
    """Reasons speak of the keys the scraper wrote, not the sidecar names they map to."""
    records = [
        {"title": 5, "body": "نص."},
        {"title": "عنوان", "body": "نص.", "date": "2025-11-19T08:00:00"},
        {
            "title": "عنوان",
            "body": "نص.",
            "date": "2025-11-19T08:00:00+03:00",
            "updated": "2025-11-18T08:00:00+03:00",
        },
        {
            "title": "عنوان",
            "body": "نص.",
            "date": "published",
        },  # a value that spells a field's name stays as written
        {
            "title": "عنوان",
            "body": "نص.",
            "date": "2025-11-19T08:00:00+03:00",
            "published": "2025-11-19T08:00:00",
        },
    ]
    (tmp_path / "batch.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    number, naive, backwards, named, both = read_all(input_files([tmp_path]), profile)
    assert number.error == "'title' must be text"
    assert naive.error.startswith("'date' ") and "'published'" not in naive.error, naive.error
    assert backwards.error == "'updated' is earlier than 'date'"
    assert named.error == "'date' 'published' is not an ISO 8601 date-time"
    assert both.error.startswith("'published' 2025-11-19T08:00:00 has no UTC offset"), (
        both.error
    )  # the key whose value is wrong


def test_a_record_giving_one_field_twice_is_told_which_key_counts(tmp_path, profile):
    record = {
        "title": "عنوان",
        "body": "نص.",
        "date": "2025-11-18T08:00:00+03:00",
        "published": "2025-11-19T08:00:00+03:00",
    }
    (tmp_path / "one.json").write_text(json.dumps(record), encoding="utf-8")
    [result] = read_all(input_files([tmp_path]), profile)
    assert result.article.published.isoformat() == "2025-11-19T08:00:00+03:00"
    assert "'date' and 'published' both given: 'published' used" in result.warnings


def test_saved_page_photo_keeps_the_page_s_own_alt_text(tmp_path, profile):
    """A saved page has no image_alt key: its og:image:alt, else its figure's <img alt>, is the
    alt."""
    for name, head, figure, alt in [
        (
            "001_og.html",
            '<meta property="og:image:alt" content="  قاعة   البرلمان ">',
            "",
            "قاعة البرلمان",
        ),
        (
            "002_img.html",
            "",
            '<figure><img src="p.jpg" alt="النواب في الجلسة"></figure>',
            "النواب في الجلسة",
        ),
        ("003_none.html", "", '<figure><img src="p.jpg" alt=""></figure>', None),
    ]:
        (tmp_path / name).write_text(
            '<!doctype html><html lang="ar"><head><meta charset="utf-8">'
            "<title>البرلمان يقر قانون الاستثمار</title>"
            f'<meta property="og:image" content="https://source.example/p.jpg">{head}</head>'
            f"<body><article><h1>البرلمان يقر قانون الاستثمار</h1>{figure}"
            f"{''.join(f'<p>{p}</p>' for p in BODY)}</article></body></html>",
            encoding="utf-8",
        )
        [result] = read_inputs(tmp_path / name, profile)
        assert (
            result.article.image.url == "https://source.example/p.jpg"
            and result.article.image.alt == alt
        ), name


DECK = "الحكومة تعد بخطة لخفض الأسعار قبل نهاية العام"


def deck_page(path, kicker, description=DECK, body=BODY):
    """A saved page whose description is ``description``, ``kicker`` printed in <article>."""
    paragraphs = "".join(f"<p>{p}</p>" for p in body)
    path.write_text(
        '<!doctype html><html lang="ar"><head><meta charset="utf-8">'
        "<title>البرلمان يقر قانون الاستثمار</title>"
        f'<meta name="description" content="{description}"></head><body><article>'
        f"<h1>البرلمان يقر قانون الاستثمار</h1>{kicker}{paragraphs}</article></body></html>",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "kicker",
    [
        f'<p class="article__kicker">{DECK}</p>',
        f'<div class="sub-title">{DECK}</div>',
        f"<h2>{DECK}</h2>",
        f'<p id="standfirst">{DECK}</p>',
    ],
)
def test_saved_page_kicker_equal_to_the_description_is_the_deck_not_body_text(
    tmp_path, profile, kicker
):
    [result] = read_inputs(deck_page(tmp_path / "000_page.html", kicker), profile)
    assert result.article.paragraphs == BODY
    assert result.article.alternative_headline == DECK


def test_saved_page_first_paragraph_equal_to_the_description_stays(tmp_path, profile):
    """Many sites make their description of the first paragraph: that paragraph is body text,
    and so is a kicker-classed element whose text is no deck the page gives."""
    page = deck_page(
        tmp_path / "000_page.html", f'<p class="kicker">{BODY[0]}</p>', description=BODY[1]
    )
    assert read_inputs(page, profile)[0].article.paragraphs == BODY
    page = deck_page(tmp_path / "000_page.html", "", description=BODY[0])
    [result] = read_inputs(page, profile)
    assert result.article.paragraphs == BODY and result.article.alternative_headline is None


@pytest.mark.parametrize("at", [0, 1, 2])
@pytest.mark.parametrize(
    "share", ["شارك على فيسبوك", "شارك على: فيسبوك | تويتر | واتساب", "Share on Facebook · X"]
)
def test_share_buttons_are_not_body_text_wherever_they_sit(tmp_path, profile, at, share):
    body = list(BODY)
    body.insert(at, share)
    [result] = read_inputs(saved_page(tmp_path / "000_page.html", "", tuple(body)), profile)
    assert result.article.paragraphs == BODY
    raw = tmp_path / "001_raw.txt"
    raw.write_text("\n\n".join(["عنوان الخبر", "تصغير\nتكبير", *body]) + "\n", encoding="utf-8")
    [result] = read_inputs(raw, profile)
    assert result.article.paragraphs == BODY
