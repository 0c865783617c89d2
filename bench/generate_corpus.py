"""Synthetic corpus for benchmarks: N raw articles recombined from the sample corpus.

Headlines, decks, captions and paragraphs are drawn (seeded, so reproducible) from the sample
articles; metadata spreads the articles over several years and the sample's sections. Some
articles have photos (the sample's images), the rest get share images.

A real archive's shape may be far from that spread; ``shape`` gives the ones that once cost
memory or time:

- ``dated``: the spread above (dates over eight years, six sections);
- ``undated``: raw files in the seed's own format, no sidecar at all (no date, no photo);
- ``one-day``: every article published on the same day (an import stamped with one date);
- ``one-section``: every article in the same section and with the same tag.

    python bench/generate_corpus.py N OUT_DIR [SHAPE]
"""

from __future__ import annotations

import random
import shutil
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from builder.read.inputs import input_files, read_article
from builder.read.profile import load_profile

SAMPLE = Path(__file__).resolve().parent.parent / "corpus" / "sample"
KUWAIT = timezone(timedelta(hours=3))


SHAPES = ("dated", "undated", "one-day", "one-section")


def generate(n: int, out: Path, seed: int = 2026, shape: str = "dated") -> None:
    if shape not in SHAPES:
        raise ValueError(f"shape {shape!r} is not one of {', '.join(SHAPES)}")
    rng = random.Random(seed)
    profile = load_profile()
    articles = [read_article(p, profile).article for p in input_files([SAMPLE])]
    paragraphs = [p for a in articles for p in a.paragraphs]
    heads = [a.headline for a in articles]
    decks = [a.alternative_headline for a in articles if a.alternative_headline]
    captions = [(a.image.caption, a.image.credit) for a in articles if a.image and a.image.caption]
    sections = sorted({a.section for a in articles if a.section})
    images = sorted(p.name for p in (SAMPLE / "images").iterdir())
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SAMPLE / "images", out / "images", dirs_exist_ok=True)
    start = datetime(2019, 1, 1, 8, 0, tzinfo=KUWAIT)
    span = (datetime(2026, 11, 1, tzinfo=KUWAIT) - start).total_seconds()
    for i in range(n):
        headline = f"{rng.choice(heads)} ({i})"
        lines = []
        if rng.random() < 0.6:
            lines += [rng.choice(decks), ""]
        lines += [headline, ""]
        photo = rng.random() < 0.4
        if photo:
            caption, credit = rng.choice(captions)
            lines += [f"{caption} ({credit})" if credit else caption] * 2
        lines += ["تصغير", "تكبير", ""]
        for p in rng.sample(paragraphs, rng.randint(4, 12)):
            lines += [p, ""]
        lines += ["الأكثر قراءة", "يومي", "اسبوعي"]
        stem = f"{i:07d}_{rng.getrandbits(64):016x}"
        (out / f"{stem}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        if shape == "undated":
            continue
        published = start + timedelta(
            seconds=rng.uniform(0, span if shape != "one-day" else 86_000)
        )
        modified = published + timedelta(minutes=rng.randint(5, 600))
        meta = [
            f"published = {published.replace(microsecond=0).isoformat()}",
            f"modified = {modified.replace(microsecond=0).isoformat()}",
            f'section = "{rng.choice(sections) if shape != "one-section" else sections[0]}"',
            'tags = ["أرشيف"]' if shape == "one-section" else f'tags = ["أرشيف", "وسم {i % 50}"]',
            'authors = ["محرر ' + str(i % 40) + '"]',
        ]
        if photo:
            meta.append(f'image = "images/{rng.choice(images)}"')
        (out / f"{stem}.toml").write_text("\n".join(meta) + "\n", encoding="utf-8")


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]), shape=(sys.argv[3:] or ["dated"])[0])
