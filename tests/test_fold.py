"""builder/core/fold.py (folds the index) and templates/assets/fold.js (folds the query in the
browser) must agree exactly: the JS runs in node, on the same inputs."""

from __future__ import annotations

import json
import random
import shutil
import subprocess

import pytest

from builder.core.fold import fold
from tests.conftest import REPO, SAMPLE

FOLD_JS = REPO / "templates" / "assets" / "fold.js"
# Arabic, Arabic Supplement, Arabic Extended-A, Presentation Forms-A and -B
BLOCKS = [(0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)]
NODE = shutil.which("node") or shutil.which("nodejs")


def js_fold(texts: list[str]) -> list[str]:
    if NODE is None:
        pytest.fail("node is missing (Debian package nodejs): the JS folding cannot be checked")
    script = (
        f"import {{ fold }} from {json.dumps(FOLD_JS.as_uri())};\n"
        "let input = ''; process.stdin.setEncoding('utf8');\n"
        "process.stdin.on('data', (d) => { input += d; });\n"
        "process.stdin.on('end', () => { "
        "process.stdout.write(JSON.stringify(JSON.parse(input).map(fold))); });\n"
    )
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result: list[str] = json.loads(done.stdout)
    return result


def inputs() -> list[str]:
    singles = [chr(c) for lo, hi in BLOCKS for c in range(lo, hi + 1)]
    corpus = [
        line
        for path in sorted(SAMPLE.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line
    ]
    crafted = [
        "إسطنبول أسطنبول آسطنبول اسطنبول ٱلحمد",
        "مكتبة مكتبه مستشفى مستشفي",
        "الـــمغرب إسـطـنـبـول",
        "إِسْطَنْبُولُ مَكْتَبَةٌ ٱلْقُرْآن",
        # decomposed hamza and madda
        "\u0627\u0654 \u0627\u0655 \u0627\u0653 \u064a\u0654 \u0648\u0654",
        "\ufefb \ufef7 \ufdf2 ٢٠٢٤ ۱۴۰۳",
        "ی ک ھ ە ۀ",
        '<img src=x onerror="alert(1)"> &amp; {{ 7*7 }} </script>',
        "Gantz ÉCOLE straße İstanbul ﬁ ① ＡＢＣ",
        "😀 \u200f\u202e bidi \u0000",
    ]
    rng = random.Random(7)
    pool = singles + list("abc XYZ 123 .،؛؟«»")
    mixed = ["".join(rng.choice(pool) for _ in range(rng.randint(1, 40))) for _ in range(2000)]
    return singles + corpus + crafted + mixed


def test_js_and_python_fold_agree():
    texts = inputs()
    ours = [fold(t) for t in texts]
    theirs = js_fold(texts)
    mismatches = [(t, a, b) for t, a, b in zip(texts, ours, theirs, strict=True) if a != b]
    assert mismatches == [], [(ascii(t), ascii(a), ascii(b)) for t, a, b in mismatches[:10]]


def test_the_comparison_can_fail():
    """The agreement test compares real outputs: a different fold gives a different answer."""
    assert js_fold(["أمن", "مكتبة", "هُدَى"]) == ["امن", "مكتبه", "هدي"]
    assert js_fold(["أمن"]) != ["أمن"]
