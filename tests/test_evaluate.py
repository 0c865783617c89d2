"""The accuracy gate: it passes on the pinned corpus, and fails when it should."""

import shutil
import subprocess
import sys

import pytest

from builder.read.evaluate import check_gate, evaluate, read_gate
from tests.conftest import REPO

CORPUS = REPO / "tests" / "corpus"


def run_eval(*args):
    return subprocess.run(
        [sys.executable, "-m", "builder", "eval", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_corpus_is_big_enough_and_covers_rejections():
    labels = list(CORPUS.glob("*.expected.toml"))
    assert len(labels) >= 40
    assert sum("reject" in p.read_text(encoding="utf-8") for p in labels) >= 5


def test_gate_passes_at_or_above_98_percent(profile):
    evaluation = evaluate(CORPUS, profile)
    assert evaluation.accuracy >= 0.98
    assert read_gate(CORPUS).floor >= 0.98
    assert check_gate(CORPUS, evaluation) == []


@pytest.fixture
def corpus_copy(tmp_path):
    copy = tmp_path / "corpus"
    shutil.copytree(CORPUS, copy)
    return copy


def test_gate_fails_when_the_corpus_changes(corpus_copy):
    label = next(corpus_copy.glob("*no-deck.expected.toml"))
    label.write_text(
        label.read_text(encoding="utf-8").replace('credit = "رويترز"', 'credit = "رويترز "'),
        encoding="utf-8",
    )
    done = run_eval(corpus_copy, "--gate")
    assert done.returncode == 1
    assert "the corpus changed" in done.stdout and "accuracy" in done.stdout


def test_gate_fails_below_the_floor_and_raising_never_lowers(corpus_copy, tmp_path):
    weak = tmp_path / "weak.toml"
    weak.write_text('name = "weak"\nfont_size_buttons = ["تصغير", "تكبير"]\n', encoding="utf-8")
    done = run_eval(corpus_copy, "--gate", "--profile", weak)
    assert done.returncode == 1 and "below the floor" in done.stdout
    before = (corpus_copy / "gate.toml").read_text(encoding="utf-8")
    assert run_eval(corpus_copy, "--raise-floor", "--profile", weak).returncode == 1
    assert (corpus_copy / "gate.toml").read_text(encoding="utf-8") == before
    assert run_eval(corpus_copy, "--lower-floor", "0.5", "--profile", weak).returncode == 0
    assert "floor = 0.5000" in (corpus_copy / "gate.toml").read_text(encoding="utf-8")
    assert run_eval(corpus_copy, "--gate", "--profile", weak).returncode == 0
