"""The raw-text reader on the real seed, and on one fixture per case of the raw format
(ARCHITECTURE.md)."""

import shutil

import pytest

from builder.read.inputs import input_files, read_all, read_article, scan_inputs
from builder.read.raw_text import ParseError, article_id
from tests.conftest import FIXTURES, SEED

RAW = FIXTURES / "raw"
CHROME = ("تصغير", "تكبير", "الأكثر قراءة", "يومي", "اسبوعي")


def read(path, profile):
    result = read_article(path, profile)
    assert result.ok, result.error
    return result.article


def test_seed(profile):
    a = read(SEED, profile)
    assert a.id == "55425f2f31b4ad18"
    assert a.alternative_headline == "يتيح للرباط اقتناء معدات أمنية عالية التكنولوجيا بسهولة"
    assert a.headline == "المغرب وإسرائيل يوقعان اتفاقاً أمنياً «غير مسبوق» لمواجهة التحديات"
    assert a.image is not None
    assert a.image.caption == "غانتس أمام ضريح محمد الخامس في الرباط أمس"
    assert a.image.credit == "رويترز"
    assert len(a.paragraphs) == 15
    assert a.paragraphs[0].startswith("وقع المغرب وإسرائيل، أمس، اتفاق - إطار")
    assert a.paragraphs[-1] == "كما التقى غانتس، مساء، وزير الخارجية المغربي ناصر بوريطة."
    text = "\n".join(a.paragraphs)
    for chrome in CHROME:
        assert chrome not in a.paragraphs, chrome
    assert a.image.caption not in text


@pytest.mark.parametrize(
    "name, deck, headline, caption, credit, paragraphs",
    [
        (
            "no_deck",
            None,
            "الحكومة تقر موازنة العام الجديد بعجز أقل من المتوقع",
            "وزير المالية خلال المؤتمر الصحافي",
            "كونا",
            2,
        ),
        ("no_photo", None, "ارتفاع درجات الحرارة يدفع إلى تعديل ساعات العمل", None, None, 2),
        (
            "caption_without_credit",
            None,
            "افتتاح جسر جديد يربط ضفتي الخليج",
            "الجسر الجديد عند الافتتاح",
            None,
            1,
        ),
        (
            "caption_once",
            "موجز الأخبار",
            "الأمطار تغمر شوارع المدينة",
            "سيارات عالقة في أحد الشوارع",
            "فرانس برس",
            2,
        ),
        (
            "headline_only_no_chrome",
            None,
            "انطلاق بطولة الشطرنج العربية بمشاركة 120 لاعباً",
            None,
            None,
            2,
        ),
        (
            "deck_no_chrome",
            "الإقبال فاق التوقعات في اليوم الأول",
            "مهرجان التمور يستقطب آلاف الزوار",
            None,
            None,
            2,
        ),
        (
            "unknown_credit",
            None,
            "تكريم الفائزين بجائزة الإبداع",
            "الفائزون على المسرح",
            "مكتب الإعلام",
            1,
        ),
        ("stray_whitespace", None, "عنوان مع مسافات زائدة", None, None, 2),
    ],
)
def test_scenarios(profile, name, deck, headline, caption, credit, paragraphs):
    a = read(RAW / f"{name}.txt", profile)
    assert a.alternative_headline == deck
    assert a.headline == headline
    assert (a.image.caption if a.image else None) == caption
    assert (a.image.credit if a.image else None) == credit
    assert len(a.paragraphs) == paragraphs
    assert not any(p in CHROME for p in a.paragraphs)


def test_stray_whitespace_is_tidied(profile):
    a = read(RAW / "stray_whitespace.txt", profile)
    assert a.paragraphs == ("فقرة أولى فيها مسافات.", "فقرة ثانية.")


def test_unknown_credit_is_kept_and_reported(profile):
    result = read_article(RAW / "unknown_credit.txt", profile)
    assert any("مكتب الإعلام" in w for w in result.warnings)


@pytest.mark.parametrize(
    "name, reason",
    [
        ("empty", "empty file"),
        ("blank", "blank file"),
        ("chrome_only", "only page chrome"),
        ("no_body", "no body paragraphs"),
    ],
)
def test_rejections_name_the_file_and_the_reason(profile, name, reason):
    result = read_article(RAW / f"{name}.txt", profile)
    assert not result.ok
    assert result.source == str(RAW / f"{name}.txt") and result.error.startswith(
        reason
    )  # the file once: as the source


def test_a_file_with_no_blank_line_is_told_what_is_missing(tmp_path, profile):
    path = tmp_path / "001_x.txt"
    path.write_text("عنوان الخبر\nالفقرة الأولى من الخبر.\nالفقرة الثانية.\n", encoding="utf-8")
    result = read_article(path, profile)
    assert result.error == (
        "no body paragraphs after the headline (the file has no blank line, "
        "and blank lines are what part the headline from the body)"
    )
    assert (
        read_article(RAW / "no_body.txt", profile).error == "no body paragraphs after the headline"
    )  # blank lines there: no hint


def test_binary_file_is_rejected(tmp_path, profile):
    path = tmp_path / "001_deadbeef.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    result = read_article(path, profile)
    assert not result.ok and result.source == str(path) and result.error.startswith("binary data")


def test_a_bad_file_does_not_stop_the_batch(tmp_path, profile):
    shutil.copy(SEED, tmp_path / SEED.name)
    (tmp_path / "002_empty.txt").write_bytes(b"")
    (tmp_path / "003_binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    shutil.copy(RAW / "no_deck.txt", tmp_path / "004_nodeck.txt")
    results = list(read_all(input_files([tmp_path]), profile))
    assert [r.ok for r in results] == [True, False, False, True]
    assert results[1].source.endswith("002_empty.txt") and results[1].error == "empty file"
    assert results[2].source.endswith("003_binary.txt") and results[2].error.startswith(
        "binary data"
    )


def test_names_starting_with_a_dot_are_not_inputs(tmp_path):
    """A copy being written under a hidden name (rsync's ``.NAME.txt.XXXXXX``, a scraper's
    ``.NAME.txt``) is never read half written; nor a macOS ``._NAME`` or a ``.git`` folder."""
    shutil.copy(SEED, tmp_path / SEED.name)
    shutil.copy(SEED, tmp_path / f".{SEED.name}")
    (tmp_path / "._001_x.txt").write_bytes(b"\x00\x05\x16\x07")
    (tmp_path / ".git").mkdir()
    shutil.copy(SEED, tmp_path / ".git" / "002_y.txt")
    (tmp_path / "sub").mkdir()
    shutil.copy(SEED, tmp_path / "sub" / "003_z.txt")
    (tmp_path / "sub" / ".003_z.toml").write_text("published = [", encoding="utf-8")
    inputs = scan_inputs([tmp_path])
    assert inputs.files == [tmp_path / SEED.name, tmp_path / "sub" / "003_z.txt"]
    assert inputs.orphans == []
    # a file named on the command line is read as given
    assert scan_inputs([tmp_path / f".{SEED.name}"]).files == [tmp_path / f".{SEED.name}"]


@pytest.mark.parametrize(
    "name, expected",
    [
        ("000_55425f2f31b4ad18.txt", "55425f2f31b4ad18"),
        ("story.txt", "story"),
        ("2021_11_24_abc.txt", "11_24_abc"),
    ],
)
def test_article_id_from_file_name(name, expected):
    assert article_id(name) == expected


@pytest.mark.parametrize("name", ["000_..txt", "000_ab c.txt", "000_خبر.txt", "_.txt"])
def test_unusable_ids_are_refused(name):
    with pytest.raises(ParseError, match="no usable article id"):
        article_id(name)


def test_an_arabic_file_name_says_what_an_id_takes_and_how_to_fix_it(tmp_path, profile):
    path = tmp_path / "000_خبر.txt"
    shutil.copy(RAW / "no_deck.txt", path)
    result = read_article(path, profile)
    assert not result.ok
    assert (
        "'خبر' has characters other than ASCII letters (A-Z, a-z), digits, '-' and '_'"
        in result.error
    )
    assert (
        "rename the file (e.g. 000_article-1.txt)" in result.error
        and "'slug' in its .toml sidecar" in result.error
    )
    with pytest.raises(
        ParseError, match=r"rename the file \(e.g. 000_article-1.html\)$"
    ):  # a page has no sidecar
        article_id("000_خبر.html")
    with pytest.raises(ParseError, match="must start with an ASCII letter or digit"):
        article_id("000_-x.txt")


@pytest.mark.parametrize("name", ["000_index.txt", "README.txt", "001_Index.txt"])
def test_reserved_ids_are_refused(name):
    with pytest.raises(ParseError, match="reserved"):
        article_id(name)


def test_a_first_paragraph_ending_in_a_credit_is_not_a_caption(tmp_path, profile):
    long_paragraph = (
        "قال مسؤولون إن المحادثات بين الجانبين كانت صريحة وبناءة وإن جولة جديدة ستعقد "
        "الشهر المقبل في العاصمة لبحث الملفات العالقة كافة وعلى رأسها ملف الحدود والتجارة "
        "(رويترز)"
    )
    path = tmp_path / "000_x.txt"
    path.write_text(
        f"محادثات صريحة بين الجانبين\n\n{long_paragraph}\n\nفقرة ثانية.\n", encoding="utf-8"
    )
    a = read_article(path, profile).article
    assert a.image is None and a.paragraphs[0] == long_paragraph


def test_body_text_right_after_the_buttons_is_kept_and_reported(tmp_path, profile):
    """A scrape that lost the blank line after the font-size buttons: the lines that follow
    them are the body's start, not more caption (they were dropped, with only a caption warning)."""
    path = tmp_path / "300_x.txt"
    caption = "زوار يتجولون بين أجنحة المعرض (رويترز)"
    first, second, third = (
        "افتُتحت، أمس، الدورة الجديدة لمعرض الكتاب.",
        "وقال رئيس اللجنة المنظمة إن الدورة أكبر.",
        "وأشار ناشرون إلى تزايد الطلب.",
    )
    path.write_text(
        f"عنوان فرعي للخبر\n\nافتتاح معرض الكتاب\n\n{caption}\n{caption}\nتصغير\nتكبير\n"
        f"{first}\n{second}\n\n{third}\n",
        encoding="utf-8",
    )
    result = read_article(path, profile)
    assert result.article is not None and result.article.paragraphs == (first, second, third)
    assert result.article.image is not None and result.article.image.credit == "رويترز"
    assert any("2 line(s) after the font-size buttons" in w for w in result.warnings), (
        result.warnings
    )


def test_dropped_caption_lines_are_named(tmp_path, profile):
    path = tmp_path / "301_x.txt"
    path.write_text(
        "افتتاح معرض الكتاب\n\nزوار في المعرض (رويترز)\nسطر آخر\nتصغير\nتكبير\n\nفقرة.\n",
        encoding="utf-8",
    )
    result = read_article(path, profile)
    assert result.article is not None and result.article.paragraphs == ("فقرة.",)
    assert any("dropped ['سطر آخر']" in w for w in result.warnings), result.warnings


def test_structure_guessed_without_buttons_is_reported(profile):
    result = read_article(RAW / "deck_no_chrome.txt", profile)
    assert any("first block taken as the deck" in w for w in result.warnings)


def test_lone_surrogates_are_dropped():
    """A JSON record can carry "\\ud83d" alone; YAML/JSON front matter and MkDocs cannot."""
    from builder.read.normalize import normalize_text

    assert normalize_text("أ\ud83dب") == "أب"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            'name = "x"\nchrome_line = ["شارك على فيسبوك"]\n',
            "unknown key(s) 'chrome_line'; a profile has archive_photos, chrome_lines, credits,",
        ),
        ("name = 5\n", "'name' must be a string"),
        ('chrome_lines = "طباعة"\n', "'chrome_lines' must be a list of non-empty strings"),
    ],
)
def test_a_profile_with_a_misspelt_key_or_a_wrong_type_is_refused(tmp_path, text, reason):
    """A misspelt key would silently publish the page chrome it was meant to remove."""
    from builder.cli import main
    from builder.read.profile import ProfileError, load_profile

    path = tmp_path / "my-site.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert str(caught.value).startswith(f"{path}: {reason}")
    assert main(["parse", str(SEED), "--profile", str(path)]) == 2


def test_parse_reads_with_the_profile_the_config_names_as_build_does(tmp_path, capsys, monkeypatch):
    """`profile:` in mkdocs.yml: parse (the preview) and build (the site) read alike."""
    from builder.cli import main
    from tests.conftest import make_project

    chrome = "تابعونا على إنستغرام"  # not in the built-in profile
    raw = tmp_path / "in" / "000_x.txt"
    raw.parent.mkdir()
    raw.write_text(f"عنوان الخبر\n\nتصغير\nتكبير\n\nفقرة أولى.\n\n{chrome}\n", encoding="utf-8")
    mine = tmp_path / "my-site.toml"
    mine.write_text(
        f'name = "موقعي"\nfont_size_buttons = ["تصغير", "تكبير"]\nchrome_lines = ["{chrome}"]\n',
        encoding="utf-8",
    )
    config = make_project(tmp_path / "project", raw.parent, profile=str(mine))
    assert main(["parse", str(raw), "--config", str(config)]) == 0
    assert "(1 paragraphs)" in capsys.readouterr().out
    monkeypatch.chdir(config.parent)  # the default: mkdocs.yml where parse runs
    assert main(["parse", str(raw)]) == 0
    assert "(1 paragraphs)" in capsys.readouterr().out
    monkeypatch.chdir(tmp_path)  # no mkdocs.yml here: the built-in profile, which keeps the line
    assert main(["parse", str(raw)]) == 0
    assert "(2 paragraphs)" in capsys.readouterr().out
    other = (
        tmp_path / "other-site"
    )  # another MkDocs site's mkdocs.yml: noted, and the built-in profile
    other.mkdir()
    (other / "mkdocs.yml").write_text(
        "site_name: x\nsite_url: https://x.example/\n", encoding="utf-8"
    )
    monkeypatch.chdir(other)
    assert main(["parse", str(raw)]) == 0
    said = capsys.readouterr()
    assert (
        "(2 paragraphs)" in said.out and "note: not reading with mkdocs.yml's profile (" in said.err
    )
    assert (
        main(["parse", str(raw), "--config", "mkdocs.yml"]) == 2
    )  # asked for by name: its error stands
