import codecs

import pytest

from builder.read.decode import DecodeError, decode
from builder.read.normalize import normalize_text
from tests.conftest import SAMPLE, SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: t.encode("utf-8"), id="utf-8"),
        pytest.param(lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), id="utf-8-bom"),
        pytest.param(lambda t: t.encode("utf-16"), id="utf-16-bom"),
        pytest.param(lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), id="utf-16-be-bom"),
        pytest.param(lambda t: t.encode("utf-16-le"), id="utf-16-le-no-bom"),
        pytest.param(lambda t: t.encode("cp1256"), id="windows-1256"),
        pytest.param(lambda t: t.replace("\n", "\r\n").encode("cp1256"), id="windows-1256-crlf"),
    ],
)
def test_every_encoding_of_the_seed_decodes_to_the_same_text(encode):
    assert normalize_text(decode(encode(SEED_TEXT))) == normalize_text(SEED_TEXT)


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "binary data"),
        (bytes(range(1, 32)) * 20, "binary data"),
        ("Ceci est un texte français, accentué".encode("latin-1"), "unknown encoding"),
    ],
)
def test_non_text_is_refused_with_a_reason(data, reason):
    with pytest.raises(DecodeError, match=reason):
        decode(data)


def test_utf8_with_one_damaged_letter_stays_utf8(tmp_path, profile):
    from builder.read.inputs import read_article

    data = SEED.read_bytes()
    cut = data.index("الاتفاق".encode()) + 1  # inside a two-byte letter
    path = tmp_path / "000_damaged.txt"
    path.write_bytes(data[:cut] + data[cut + 1 :])
    result = read_article(path, profile)
    assert (
        result.article.headline
        == "المغرب وإسرائيل يوقعان اتفاقاً أمنياً «غير مسبوق» لمواجهة التحديات"
    )
    assert any("undecodable" in w for w in result.warnings)


@pytest.mark.parametrize("at", range(30, 40))
def test_a_short_utf8_article_with_one_bad_byte_stays_utf8(at):
    """A headline and one paragraph: too few letters for the 50-to-1 rule there was, so it was
    read as Windows-1256 mojibake ("ط§ط±طھظپط§ط¹...") with no word said."""
    text = (
        "ارتفاع الأسعار في الأسواق المحلية\n\n"
        "قال الوزير إن الأسعار سترتفع الشهر المقبل بنسبة كبيرة.\n"
    )
    data = text.encode()
    decoded = decode(data[:at] + b"\xff" + data[at:])
    assert decoded.startswith("ارتفاع") and decoded.count("\ufffd") in (1, 2, 3)


def test_windows_1256_is_never_taken_for_damaged_utf8():
    for path in [SEED, *sorted(SAMPLE.glob("*.txt"))]:
        text = decode(path.read_bytes())
        assert decode(text.encode("cp1256", errors="ignore")) == text.encode(
            "cp1256", errors="ignore"
        ).decode("cp1256")
