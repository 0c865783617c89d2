"""Offline search at scale: `python bench/offline_search.py N` (not a test; nothing gates on it).

Generates N articles (bench/generate_corpus.py), runs `python -m builder bundle` on them (wall
time, CPU, peak memory as in bench/run.py), then opens the bundle's search page from file:// in
Debian's Chromium (Playwright, launch args of tests/chromium.py) and, for each query, in a
fresh page (nothing cached in the page: a first query), measures:

- bytes of index loaded: every request the page makes is recorded (Playwright's request
  event, which sees file:// requests; Chromium's Performance API lists no file:// resources
  at all, measured); the bytes are the sizes on disk of the requested files under
  search-index/ (file:// responses carry no transfer size), and separately of the page's own
  scripts (loaded with the page, before the query);
- time to answer: from the Enter key to the results in the page (performance.now() in
  offline-search.js, read from data-ms), and from Python around the same (press to done).

    python bench/offline_search.py N [--work DIR] [--reuse] [--json FILE] [--query Q ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.generate_corpus import generate  # noqa: E402
from bench.run import measure, our_project  # noqa: E402

QUERIES = [
    "المغرب",  # a word in many articles
    "اسرائيل",  # typed without hamza (the text has إسرائيل)
    "النفط الكويت",  # two words (AND)
    "الانفلون",  # a prefix
    "وزاره الصحه",  # taa marbuta typed as haa
    "ال",  # worst case: the definite article, a prefix of a large part of all terms
]
DONE = "['done', 'failed'].includes(document.getElementById('search').dataset.state)"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int)
    parser.add_argument("--work", type=Path)
    parser.add_argument(
        "--reuse", action="store_true", help="keep an already generated corpus and bundle"
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--query", action="append", help="queries to time (default: a fixed set)")
    args = parser.parse_args()
    work = (args.work or Path(f"/tmp/bench-offline-{args.n}")).resolve()
    corpus, dist = work / "corpus", work / "dist"
    results: dict[str, object] = {"articles": args.n, "cores": os.cpu_count()}
    bundles = sorted(dist.glob("*-offline")) if dist.is_dir() else []
    if not (args.reuse and bundles):
        if not (args.reuse and corpus.is_dir()):
            generate(args.n, corpus)
        config = our_project(work, corpus)
        env = dict(os.environ, SOURCE_DATE_EPOCH="1795996800")
        results["bundle_command"] = measure(
            [
                sys.executable,
                "-m",
                "builder",
                "bundle",
                "--config",
                str(config),
                "--out",
                str(dist),
            ],
            REPO,
            env,
        )
        bundles = sorted(dist.glob("*-offline"))
    folder = bundles[0]
    files = [p for p in folder.rglob("*") if p.is_file()]
    index = [p for p in (folder / "search-index").iterdir()]
    zips = list(dist.glob("*-offline.zip"))
    results["bundle"] = {
        "files": len(files),
        "unpacked_mb": round(sum(p.stat().st_size for p in files) / 1e6, 1),
        "zip_mb": round(zips[0].stat().st_size / 1e6, 1) if zips else None,
        "index_files": len(index),
        "index_mb": round(sum(p.stat().st_size for p in index) / 1e6, 2),
        "largest_index_file_kb": round(max(p.stat().st_size for p in index) / 1e3, 1),
    }
    results["queries"] = [query_figures(folder, q) for q in (args.query or QUERIES)]
    print(json.dumps(results, ensure_ascii=False, indent=1))
    if args.json:
        args.json.write_text(
            json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    return 0


def query_figures(folder: Path, query: str) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    from tests.chromium import ARGS, CHROMIUM

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            requested: list[str] = []
            page.on("request", lambda r: requested.append(r.url))
            page.goto((folder / "search" / "index.html").as_uri(), wait_until="load")
            before = len(requested)
            page.fill("#search-q", query)
            started = time.monotonic()
            page.press("#search-q", "Enter")
            page.wait_for_function(DONE, polling=5)
            wall_ms = (time.monotonic() - started) * 1000
            state = page.evaluate("document.getElementById('search').dataset.state")
            in_page_ms = int(page.evaluate("document.getElementById('search').dataset.ms || -1"))
            count = page.locator("#search-status").inner_text()
            page.close()
        finally:
            browser.close()

    def size(url: str) -> int:
        return Path(unquote(urlsplit(url).path)).stat().st_size

    shards = [u for u in requested[before:] if "/search-index/" in u]
    page_scripts = [u for u in requested[:before] if u.endswith(".js")]
    return {
        "query": query,
        "state": state,
        "status": count,
        "index_files_loaded": len(shards),
        "index_kb_loaded": round(sum(map(size, shards)) / 1e3, 1),
        "page_scripts_kb": round(sum(map(size, page_scripts)) / 1e3, 1),
        "answer_ms_in_page": in_page_ms,
        "answer_ms_wall": round(wall_ms),
    }


if __name__ == "__main__":
    sys.exit(main())
