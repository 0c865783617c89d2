"""`builder eval`: field accuracy of the reader over a labelled corpus, and the gate on it.

Each ``NAME.txt`` has a ``NAME.expected.toml`` with the fields a careful human reads from it
(or ``reject = "reason"``). The gate pins a floor and a hash of the corpus in ``gate.toml``:
accuracy may only fall below the floor, or the corpus change, by an explicit command.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.core.article import Article, ReadResult
from builder.read.inputs import read_inputs
from builder.read.profile import Profile

FIELDS = (
    "outcome",
    "headline",
    "deck",
    "caption",
    "credit",
    "dateline",
    "paragraphs",
    "first",
    "last",
    "must_not_contain",
)
LABEL_SUFFIX = ".expected.toml"
GATE_FILE = "gate.toml"


@dataclass(frozen=True)
class Miss:
    file: str
    field: str
    expected: Any
    got: Any


@dataclass
class Evaluation:
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    misses: list[Miss] = field(default_factory=list)
    files: int = 0

    @property
    def accuracy(self) -> float:
        total = sum(self.total.values())
        return sum(self.right.values()) / total if total else 0.0

    def score(self, file: str, name: str, expected: Any, got: Any, ok: bool | None = None) -> None:
        ok = (expected == got) if ok is None else ok
        self.total[name] += 1
        self.right[name] += ok
        if not ok:
            self.misses.append(Miss(file, name, expected, got))


def evaluate(corpus: Path, profile: Profile) -> Evaluation:
    result = Evaluation()
    for label_path in sorted(corpus.glob(f"*{LABEL_SUFFIX}")):
        raw = corpus / (label_path.name.removesuffix(LABEL_SUFFIX) + ".txt")
        label = tomllib.loads(label_path.read_text(encoding="utf-8"))
        result.files += 1
        _score_file(result, raw.name, label, read_inputs(raw, profile)[0])
    return result


def _score_file(result: Evaluation, name: str, label: dict[str, Any], read: ReadResult) -> None:
    if "reject" in label:
        ok = read.article is None and label["reject"] in (read.error or "")
        result.score(name, "outcome", f"rejected: {label['reject']}", read.error or "accepted", ok)
        return
    result.score(name, "outcome", "accepted", "accepted" if read.article else read.error)
    a = read.article
    if a is None:
        return
    got = _fields(a)
    for key in ("headline", "deck", "caption", "credit", "dateline", "paragraphs"):
        result.score(
            name, key, label.get(key, "") if key != "paragraphs" else label.get(key), got[key]
        )
    for key in ("first", "last"):
        result.score(
            name, key, label[key], got[key][: len(label[key]) + 20], got[key].startswith(label[key])
        )
    text = "\n".join(str(v) for v in got.values())
    leaked = [s for s in label.get("must_not_contain", []) if s in text]
    result.score(name, "must_not_contain", [], leaked)


def _fields(a: Article) -> dict[str, Any]:
    return {
        "headline": a.headline,
        "deck": a.alternative_headline or "",
        "caption": (a.image.caption or "") if a.image else "",
        "credit": (a.image.credit or "") if a.image else "",
        "dateline": a.dateline or "",
        "paragraphs": len(a.paragraphs),
        "first": a.paragraphs[0],
        "last": a.paragraphs[-1],
        "body": "\n".join(a.paragraphs),
    }


def corpus_hash(corpus: Path) -> str:
    """SHA-256 over every raw and label file (names and bytes), in name order."""
    digest = hashlib.sha256()
    for path in sorted(
        p for p in corpus.iterdir() if p.suffix == ".txt" or p.name.endswith(LABEL_SUFFIX)
    ):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Gate:
    floor: float
    corpus_sha256: str


def read_gate(corpus: Path) -> Gate | None:
    path = corpus / GATE_FILE
    if not path.exists():
        return None
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return Gate(float(data["floor"]), str(data["corpus_sha256"]))


def write_gate(corpus: Path, gate: Gate) -> None:
    (corpus / GATE_FILE).write_text(
        "# Accuracy gate for `python -m builder eval` (run in `make test`). Do not edit by hand:\n"
        "# `eval DIR --raise-floor` raises it; `eval DIR --lower-floor X` lowers it, explicitly.\n"
        f"floor = {gate.floor:.4f}\n"
        f'corpus_sha256 = "{gate.corpus_sha256}"\n',
        encoding="utf-8",
    )


def check_gate(corpus: Path, evaluation: Evaluation) -> list[str]:
    """Why the gate fails (empty when it passes)."""
    gate = read_gate(corpus)
    if gate is None:
        return [f"{corpus / GATE_FILE} is missing: pin a floor with `eval {corpus} --raise-floor`"]
    problems = []
    if corpus_hash(corpus) != gate.corpus_sha256:
        problems.append(
            "the corpus changed since the floor was pinned: "
            "re-pin with `--raise-floor` (or `--lower-floor X`)"
        )
    if evaluation.accuracy < gate.floor:
        problems.append(f"accuracy {evaluation.accuracy:.2%} is below the floor {gate.floor:.2%}")
    return problems


def format_table(evaluation: Evaluation) -> str:
    lines = [f"{'field':<18}{'right':>7}{'total':>7}{'accuracy':>10}"]
    for name in FIELDS:
        total = evaluation.total[name]
        if total:
            lines.append(
                f"{name:<18}{evaluation.right[name]:>7}{total:>7}"
                f"{evaluation.right[name] / total:>10.1%}"
            )
    lines.append(
        f"{'all fields':<18}{sum(evaluation.right.values()):>7}"
        f"{sum(evaluation.total.values()):>7}{evaluation.accuracy:>10.2%}"
    )
    lines.append(f"{evaluation.files} labelled files, {len(evaluation.misses)} miss(es)")
    lines.extend(
        f"  miss {m.file} {m.field}: expected {m.expected!r}, got {m.got!r}"
        for m in evaluation.misses
    )
    return "\n".join(lines)
