"""Property-based fuzzing of the readers: every input ends as an article or a clear rejection.

`make test` runs a few hundred cases per property; `make fuzz` runs 100,000 in all
(HYPOTHESIS_PROFILE=fuzz: 25,000 for each of the four properties).
"""

import atexit
import codecs
import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.read.inputs import read_inputs
from builder.read.profile import load_profile
from tests.conftest import SAMPLE

settings.register_profile(
    "default",
    max_examples=150,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz",
    max_examples=25_000,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

PROFILE = load_profile()
WORK = Path(tempfile.mkdtemp(prefix="fuzz-"))
atexit.register(shutil.rmtree, WORK, True)
SAMPLES = [p.read_text(encoding="utf-8") for p in sorted(SAMPLE.glob("*.txt"))]
CHROME = [
    *sorted(PROFILE.font_size_buttons | PROFILE.chrome_lines | PROFILE.trailing_widgets),
    "اقرأ أيضاً",
    "(رويترز)",
    "(أ ف ب)",
]


def check(data: bytes, suffix: str = ".txt") -> None:
    path = WORK / f"000_fuzz{suffix}"
    path.write_bytes(data)
    results = read_inputs(path, PROFILE)
    assert results
    for result in results:
        if result.article is None:
            assert result.error and result.source.startswith(str(path)), (
                result.source,
                result.error,
            )
        else:
            a = result.article
            assert a.headline.strip() and a.paragraphs and all(p.strip() for p in a.paragraphs)
            assert not any(p in PROFILE.font_size_buttons for p in a.paragraphs)


@given(st.binary(max_size=4096))
def test_random_bytes(data):
    check(data)


@given(
    st.text(max_size=2000), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1256"])
)
def test_random_unicode(text, encoding):
    check(text.encode(encoding, errors="ignore"))


def mutate(lines: list[str], ops: list[tuple[int, int, int, str]]) -> list[str]:
    for op, i, j, extra in ops:
        if not lines:
            break
        i, j = i % len(lines), j % len(lines)
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[j])
        elif op == 2:
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3:
            lines.insert(i, CHROME[j % len(CHROME)])
        elif op == 4:
            lines.insert(i, extra)
        elif op == 5:
            lines[i] = lines[i] + " " + extra
        elif op == 6:
            lines = [ln for ln in lines if ln.strip()]
        elif op == 7:
            lines[i] = lines[i][: j % (len(lines[i]) + 1)]
    return lines


@given(
    st.sampled_from(SAMPLES),
    st.lists(
        st.tuples(
            st.integers(0, 7), st.integers(0, 10_000), st.integers(0, 10_000), st.text(max_size=40)
        ),
        max_size=12,
    ),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1256"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_structurally_mutated_articles(text, ops, encoding, newline):
    lines = mutate(text.split("\n"), ops)
    check(newline.join(lines).encode(encoding, errors="ignore"))


@given(
    st.binary(max_size=2048) | st.text(max_size=1000).map(str.encode),
    st.sampled_from([".json", ".jsonl", ".html"]),
)
def test_other_readers_with_random_input(data, suffix):
    check(data, suffix)


def test_bom_only_files():
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        check(bom)


# Arabic words as articles use them (the sample's), and every way Arabic text reaches us: each
# supported encoding, and UTF-8 that a scraper read in another code page and saved again.
WORDS = sorted(
    {w for t in SAMPLES for w in t.split() if len(w) > 1 and all("ء" <= c <= "ي" for c in w)}
    - {"اقرأ", "تصغير", "تكبير"}
)


def _browser_1252(data: bytes) -> str:
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in data)


WRITTEN = {
    "utf-8": lambda t: t.encode(),
    "utf-8-bom": lambda t: codecs.BOM_UTF8 + t.encode(),
    "utf-16": lambda t: t.encode("utf-16"),
    "utf-16-le": lambda t: t.encode("utf-16-le"),
    "utf-16-be": lambda t: t.encode("utf-16-be"),
    "windows-1256": lambda t: t.encode("cp1256"),
    "iso-8859-6": lambda t: t.encode("iso8859_6"),
    "mac-arabic": lambda t: t.encode("mac_arabic"),
    "utf-8 read as latin-1": lambda t: t.encode().decode("latin-1").encode(),
    "utf-8 read as windows-1252": lambda t: _browser_1252(t.encode()).encode(),
    "utf-8 read as windows-1252, lossy": lambda t: (
        t.encode().decode("cp1252", errors="replace").encode()
    ),
    "utf-8 read as windows-1256": lambda t: t.encode().decode("cp1256").encode(),
    "iso-8859-6 read as windows-1256": lambda t: t.encode("iso8859_6").decode("cp1256").encode(),
}
_SENTENCE = st.lists(st.sampled_from(WORDS), min_size=3, max_size=30).map(" ".join)


@given(
    st.lists(st.sampled_from(WORDS), min_size=2, max_size=10).map(" ".join),
    st.lists(_SENTENCE.map(lambda s: s + "."), min_size=1, max_size=5),
    st.sampled_from(sorted(WRITTEN)),
)
def test_arabic_text_in_any_encoding_reads_as_itself_or_is_refused(headline, paragraphs, written):
    text = "\n\n".join([headline, "تصغير\nتكبير", *paragraphs]) + "\n"
    path = WORK / "000_encoded.txt"
    path.write_bytes(WRITTEN[written](text))
    (result,) = read_inputs(path, PROFILE)
    if result.article is not None:
        assert (result.article.headline, list(result.article.paragraphs)) == (
            headline,
            paragraphs,
        ), written
    else:
        assert result.error
