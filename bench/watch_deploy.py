"""From a file dropped into a watched folder to the article served by nginx after the deploy:
`python bench/watch_deploy.py [N]` (not a test; nothing gates on it). Target (issue 30): a
median of at most 5 s over 10 drops at N = 20,000 articles.

N articles are generated as for `make bench` (`bench/generate_corpus.py`) into a project of
their own (`--work`, default /tmp/bench-watch-N) whose `deploy_to` is a folder, `www/`. The
site is built and deployed once (both timed), Debian's nginx is started on 127.0.0.1 over
`www/` with the snippet the build wrote (`site-host/nginx.conf`), and `nashra watch --deploy`
is started with its default settling. Then, `--drops` times, a new article
dated now is dropped the way a scraper should write one: its sidecar first, then the text
under a temporary name renamed into place. Each figure runs from the rename to the first
200 response from nginx for the article's URL (polled every 20 ms) with the new headline in
it. Each drop waits for the deploy before it to finish, plus a pause. Prints each figure,
the median, the watch's own log (build and deploy seconds), and the load average (the
machine is shared).

    python bench/watch_deploy.py [N] [--drops 10] [--work DIR] [--pause 1.0] [--json FILE]
                                 [--again] [--quiet 1]

``--again`` keeps the work folder of an earlier run (its site built and deployed) and only
drops more articles.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.generate_corpus import generate  # noqa: E402
from bench.run import our_project  # noqa: E402
from builder.core.urls import article_path  # noqa: E402
from builder.read.inputs import read_article  # noqa: E402
from builder.read.profile import load_profile  # noqa: E402
from tests.test_hosting import nginx  # noqa: E402

NASHRA = [sys.executable, "-m", "builder"]


def timed(command: list[str], cwd: Path) -> float:
    started = time.monotonic()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return round(time.monotonic() - started, 1)


def status(server: str, path: str, headline: str) -> bool:
    """Whether nginx serves ``path`` with ``headline`` in it now."""
    host, port = server.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status == 200 and headline in response.read().decode("utf-8")
    finally:
        connection.close()


def article(sample: Path, n: int, stage: Path) -> tuple[str, str, str, str, str]:
    """Drop ``n``: (file stem, text, sidecar, URL path, headline), its URL read by the
    builder's own reader from a copy outside the watched folder."""
    stem = f"9{n:06d}_{time.time_ns():016x}"
    mark = f"(عاجل {n} {stem[-6:]})"  # a headline of its own, whatever ran before
    text = sample.read_text(encoding="utf-8").replace(" (0)\n", f" {mark}\n", 1)
    headline = next(line for line in text.splitlines() if mark in line)
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    meta = f'published = {now}\nsection = "صحة"\nauthors = ["محرر 3"]\n'

    stage.mkdir(parents=True, exist_ok=True)
    (stage / f"{stem}.txt").write_text(text, encoding="utf-8")
    (stage / f"{stem}.toml").write_text(meta, encoding="utf-8")
    read = read_article(stage / f"{stem}.txt", load_profile()).article
    assert read is not None and read.headline == headline, read
    return stem, text, meta, "/" + article_path(read), headline


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=20000)
    parser.add_argument("--drops", type=int, default=10)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between drops")
    parser.add_argument("--quiet", default="1", help="the watch's --quiet-seconds (default 1)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--again", action="store_true", help="reuse the work folder's site")
    args = parser.parse_args()
    work = (args.work or Path(f"/tmp/bench-watch-{args.n}")).resolve()
    corpus, config = work / "corpus", work / "ours" / "mkdocs.yml"
    results: dict[str, object] = {"articles": args.n, "cores": os.cpu_count()}
    if not args.again:
        shutil.rmtree(work, ignore_errors=True)
        generate(args.n, corpus)
        our_project(work, corpus)
        settings = yaml.safe_load(config.read_text(encoding="utf-8"))
        settings["plugins"][0]["publisher"]["deploy_to"] = str(work / "www")
        config.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
        results["full_build_s"] = timed([*NASHRA, "build", "--config", str(config)], REPO)
        results["first_deploy_s"] = timed([*NASHRA, "deploy", "--config", str(config)], REPO)
        print(f"built in {results['full_build_s']} s, deployed in {results['first_deploy_s']} s")
    sample = min(corpus.glob("0*.txt"))
    seconds: list[float] = []
    lines: list[str] = []
    site = work / "ours"
    with nginx(work / "www", site / "site-host" / "nginx.conf", work / "nginx") as server:
        watcher = subprocess.Popen(
            [*NASHRA, "watch", "--config", str(config), "--deploy", "--quiet-seconds", args.quiet],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        threading.Thread(
            target=lambda: lines.extend(line.rstrip("\n") for line in watcher.stdout or ()),
            daemon=True,
        ).start()

        def deploys() -> int:
            return sum(line.startswith("  deployed to ") for line in lines)

        try:
            while deploys() < 1:  # the watch's first build and deploy
                if watcher.poll() is not None:
                    raise SystemExit("watch stopped:\n" + "\n".join(lines))
                time.sleep(0.1)
            for n in range(1, args.drops + 1):
                stem, text, meta, path, headline = article(sample, n, work / "stage")
                before = deploys()
                (corpus / f"{stem}.toml").write_text(meta, encoding="utf-8")
                part = corpus / f"{stem}.txt.part"
                part.write_text(text, encoding="utf-8")
                dropped = time.monotonic()
                part.rename(corpus / f"{stem}.txt")
                while not status(server, path, headline):
                    if time.monotonic() - dropped > 600 or watcher.poll() is not None:
                        raise SystemExit(f"drop {n} never served:\n" + "\n".join(lines))
                    time.sleep(0.02)
                seconds.append(round(time.monotonic() - dropped, 2))
                print(f"drop {n}: {seconds[-1]:.2f} s", flush=True)
                while deploys() <= before:
                    time.sleep(0.05)
                time.sleep(args.pause)
        finally:
            watcher.terminate()
            watcher.wait(timeout=120)
    results["drop_to_served_s"] = seconds
    results["median_s"] = statistics.median(seconds)
    results["watch_log"] = lines
    results["load_average"] = os.getloadavg()
    print("\n".join(lines))
    print(f"median {results['median_s']:.2f} s over {len(seconds)} drops (target 5 s)")
    print(f"load average {os.getloadavg()}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
