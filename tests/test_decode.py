import codecs

import pytest

from builder.decode import DecodeError, decode
from builder.normalize import normalize_text
from tests.conftest import SEED

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
    from builder.load import read_article

    data = SEED.read_bytes()
    cut = data.index("الاتفاق".encode()) + 1  # inside a two-byte letter
    path = tmp_path / "000_damaged.txt"
    path.write_bytes(data[:cut] + data[cut + 1 :])
    result = read_article(path, profile)
    assert result.article.headline == "المغرب وإسرائيل يوقعان اتفاقاً أمنياً «غير مسبوق» لمواجهة التحديات"
    assert any("undecodable" in w for w in result.warnings)
