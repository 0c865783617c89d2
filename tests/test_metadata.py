import shutil
from datetime import UTC, datetime, timedelta, timezone

import pytest

from builder.core.article import Author
from builder.read.inputs import read_article
from builder.read.sidecar import MetadataError, parse_metadata, read_sidecar
from tests.conftest import SAMPLE, SEED


def sidecar(tmp_path, text):
    raw = tmp_path / "000_abc.txt"
    shutil.copy(SEED, raw)
    raw.with_suffix(".toml").write_text(text, encoding="utf-8")
    return raw


def test_full_sidecar_is_read_into_the_article(profile):
    a = read_article(SAMPLE / "003_b51e6a0d92c47f13.txt", profile).article
    assert a.published == datetime(2024, 11, 6, 18, 0, tzinfo=timezone(timedelta(hours=3)))
    assert a.modified == datetime(2024, 11, 7, 9, 45, tzinfo=timezone(timedelta(hours=3)))
    assert a.authors == (Author("نورة السالم"), Author("خالد الرشيد"))
    assert a.section == "ثقافة" and a.tags == ("معرض الكتاب", "النشر")
    assert a.slug == "book-fair-opens"
    assert (
        a.image.url.endswith("images/book-fair.jpg") and a.image.alt == "زوار بين أجنحة معرض الكتاب"
    )


def test_no_sidecar_means_nothing_is_invented(tmp_path, profile):
    raw = tmp_path / SEED.name
    shutil.copy(SEED, raw)
    result = read_article(raw, profile)
    a = result.article
    assert (a.published, a.modified, a.authors, a.section, a.tags, a.slug) == (
        None,
        None,
        (),
        None,
        (),
        None,
    )
    assert a.image.url is None
    assert any("no publication date" in w and "photo URL" in w for w in result.warnings)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("published = 2021-11-24T21:40:00", "'published' 2021-11-24T21:40:00 has no UTC offset"),
        ("published = 2021-11-24", "date without a time of day"),
        ('published = "yesterday"', "not an ISO 8601 date-time"),
        (
            "published = 2021-11-24T21:40:00+03:00\nmodified = 2021-11-23T10:00:00+03:00",
            "'modified' is earlier",
        ),
        ('slug = "../../etc/passwd"', "'slug'"),
        ('slug = "a/b"', "'slug'"),
        ('image = "../outside.jpg"', "outside the input folder"),
        ('image = "missing.jpg"', "does not exist"),
        ('image = "javascript://alert(1)"', "not an absolute http(s) URL"),
        ('tags = "one"', "'tags' must be a list"),
        ('authors = [{ url = "https://x.example/" }]', "'authors' must be names"),
        ('authors = [{ name = "س", url = "ftp://x" }]', "'url' must be an absolute http(s) URL"),
        ("published = [", "not valid TOML"),
    ],
)
def test_bad_metadata_rejects_the_article_naming_file_and_key(tmp_path, profile, text, reason):
    raw = sidecar(tmp_path, text)
    result = read_article(raw, profile)
    assert not result.ok
    assert result.source == str(raw) and result.error.startswith(
        "000_abc.toml: "
    )  # the sidecar once, the .txt as the source
    assert reason in result.error


def test_unknown_keys_are_reported_not_fatal(tmp_path):
    meta, warnings = read_sidecar(sidecar(tmp_path, 'section = "سياسة"\ncolour = "red"'))
    assert meta.section == "سياسة"
    assert warnings == ("unknown metadata key 'colour' ignored",)


def test_iso_strings_are_accepted_like_toml_datetimes(tmp_path):
    meta, _ = parse_metadata({"published": "2021-11-24T18:40:00Z"}, base_dir=tmp_path)
    assert meta.published == datetime(2021, 11, 24, 18, 40, tzinfo=UTC)


def test_arabic_slug_is_allowed(tmp_path):
    meta, _ = parse_metadata({"slug": "اتفاق-أمني"}, base_dir=tmp_path)
    assert meta.slug == "اتفاق-أمني"


def test_error_type(tmp_path):
    with pytest.raises(MetadataError):
        parse_metadata({"section": 3}, base_dir=tmp_path)


@pytest.mark.parametrize(
    "text, reason",
    [
        ('published = "2021-11-24"', "date without a time of day"),
        ('published = "2021-11-24T10:00:00+03:00:30"', "offset with seconds"),
        ('slug = "index"', "reserved"),
        ('slug = "README"', "reserved"),
    ],
)
def test_more_bad_metadata(tmp_path, profile, text, reason):
    result = read_article(sidecar(tmp_path, text), profile)
    assert not result.ok and reason in result.error


def test_image_must_be_a_photo_file(tmp_path, profile):
    raw = sidecar(tmp_path, 'image = "evil.html"')
    (tmp_path / "evil.html").write_text("<script>alert(1)</script>", encoding="utf-8")
    result = read_article(raw, profile)
    assert not result.ok and "'image' file 'evil.html' is not a photo" in result.error


def test_image_alt_without_image_is_reported(tmp_path):
    _, warnings = read_sidecar(sidecar(tmp_path, 'image_alt = "وصف"'))
    assert warnings == ("'image_alt' without 'image' ignored",)
