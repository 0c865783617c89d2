"""What photos cost: encoding one photo, and builds of N articles that all have a photo against
the same N articles without (share images instead).

1. One 4000x3000 camera JPEG (about 4 MB) and one 1200x675 photo (the sample's size) are made
   into their derivatives (:func:`builder.render.photos.encode`), three times each: CPU time
   per photo, and the bytes of each format at each width.
2. The synthetic corpus (``bench/generate_corpus.py``) with a photo for every article: photos
   of ``--size`` pixels, each file different (a shared picture with a comment of its own, so
   every article's photo has its own digest and is encoded: the cost of N distinct photos).
   The same corpus without the photos is the reference. Each is built in full, then for
   ``--rounds`` rounds, alternating, words are added to one article's body (one with a photo)
   and each is rebuilt: wall and CPU time (children included) as ``bench/run.py`` measures.

    python bench/photos.py N [--work DIR] [--size 1600x1200] [--rounds 3]

Not a test: nothing here gates CI.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

from PIL import Image, ImageFilter

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.generate_corpus import generate  # noqa: E402
from bench.run import measure, our_project  # noqa: E402
from builder.core.article import Article  # noqa: E402
from builder.core.article import Image as Photo  # noqa: E402
from builder.render.photos import encode, photo_set  # noqa: E402


def newsroom_photo(width: int, height: int, seed: int = 0) -> bytes:
    """A camera-quality JPEG with a photo's mix of smooth areas and fine detail (the same
    picture as ``tests/test_photo_bytes.py``)."""
    sky = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    texture = Image.effect_noise((width // 8, height // 8), 50 + seed % 7).resize(
        (width, height), Image.Resampling.BICUBIC
    )
    detail = Image.effect_mandelbrot((width, height), (-2.2, -1.2, 1.0, 1.2), 80)
    image = Image.merge("RGB", (sky.getchannel(0), texture, detail))
    grain = Image.effect_noise((width, height), 10).convert("RGB")
    image = Image.blend(image.filter(ImageFilter.GaussianBlur(1.5)), grain, 0.06)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def encoding_cost(width: int, height: int, rounds: int = 3) -> dict[str, object]:
    import hashlib

    data = newsroom_photo(width, height)
    article = Article(
        "bench",
        "bench.txt",
        "h",
        None,
        Photo(
            None, None, "photo.jpg", "alt", width, height, digest=hashlib.sha256(data).hexdigest()
        ),
        ("p",),
    )
    photos = photo_set(article)
    assert photos is not None
    times = []
    for _ in range(rounds):
        started = time.process_time()
        files = encode(data, photos, None)
        times.append(time.process_time() - started)
    sizes: dict[str, int] = {}
    for path, blob in files.items():
        kind = path.rsplit("-", 1)[1]
        sizes[kind] = len(blob)
    return {
        "source_bytes": len(data),
        "cpu_s_per_photo": round(statistics.median(times), 3),
        "files": len(files),
        "bytes": dict(sorted(sizes.items())),
    }


def corpus_with_photos(n: int, out: Path, size: tuple[int, int]) -> None:
    """The synthetic corpus, every article with a photo of its own (see the module's text)."""
    generate(n, out)
    pictures = [newsroom_photo(*size, seed) for seed in range(8)]
    (out / "photos").mkdir()
    for i, toml in enumerate(sorted(out.glob("*.toml"))):
        data = pictures[i % len(pictures)]
        comment = f"photo {i}".encode()
        unique = data[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + data[2:]
        (out / "photos" / f"{i}.jpg").write_bytes(unique)
        text = re.sub(r"(?m)^image = .*\n", "", toml.read_text(encoding="utf-8"))
        toml.write_text(text + f'image = "photos/{i}.jpg"\n', encoding="utf-8")


def without_photos(source: Path, out: Path) -> None:
    shutil.copytree(source, out, ignore=shutil.ignore_patterns("photos", "images"))
    for toml in out.glob("*.toml"):
        text = toml.read_text(encoding="utf-8")
        toml.write_text(re.sub(r"(?m)^image = .*\n", "", text), encoding="utf-8")


def change_one(corpus: Path, round_: int) -> None:
    changed = sorted(corpus.glob("*.txt"))[len(list(corpus.glob("*.txt"))) // 2]
    lines = changed.read_text(encoding="utf-8").split("\n")
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    lines[longest] = f"وفي آخر التطورات {round_}، " + lines[longest]
    changed.write_text("\n".join(lines), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--size", default="1600x1200")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    size = tuple(int(x) for x in args.size.split("x"))
    assert len(size) == 2
    results: dict[str, object] = {"articles": args.n, "photo_size": args.size}
    results["encode_4000x3000"] = encoding_cost(4000, 3000)
    results["encode_1200x675"] = encoding_cost(1200, 675)
    print(json.dumps(results, indent=1), flush=True)
    work = (args.work or Path(f"/tmp/bench-photos-{args.n}")).resolve()
    shutil.rmtree(work, ignore_errors=True)
    corpora = {"photos": work / "with" / "corpus", "none": work / "without" / "corpus"}
    corpus_with_photos(args.n, corpora["photos"], (size[0], size[1]))
    without_photos(corpora["photos"], corpora["none"])
    env = dict(os.environ, SOURCE_DATE_EPOCH="1795996800")
    configs = {k: our_project(c.parent, c) for k, c in corpora.items()}

    def run(kind: str) -> dict[str, float]:
        report = configs[kind].parent / "build-report.json"
        command = [sys.executable, "-m", "builder", "build", "--config", str(configs[kind])]
        command += ["--report", str(report)]
        return measure(command, REPO, env)

    def stages(kind: str) -> dict[str, float]:
        report = configs[kind].parent / "build-report.json"
        return dict(json.loads(report.read_text(encoding="utf-8"))["stages"])

    for kind in configs:
        results[f"full_{kind}"] = run(kind)
        results[f"full_{kind}_stages_s"] = stages(kind)
        print(kind, "full", results[f"full_{kind}"], stages(kind), flush=True)
    rounds: dict[str, list[dict[str, float]]] = {k: [] for k in configs}
    for r in range(args.rounds):
        for kind in configs if r % 2 == 0 else reversed(list(configs)):
            change_one(corpora[kind], r)
            rounds[kind].append(run(kind))
            print(kind, "one change", rounds[kind][-1], stages(kind), flush=True)
    for kind, runs in rounds.items():
        results[f"one_change_{kind}"] = {
            key: round(statistics.median(r[key] for r in runs), 3) for key in runs[0]
        }
    media = work / "with" / "ours" / "site" / "media"
    results["media_files"] = sum(1 for p in media.rglob("*") if p.is_file())
    results["media_mb"] = round(
        sum(p.stat().st_size for p in media.rglob("*") if p.is_file()) / 1e6, 1
    )
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
