"""`nashra serve` from edit to reload: `python bench/serve_reload.py` (not a test; nothing gates
on it). Target (issue 30): a median of at most 2 s on the sample site.

The sample corpus is copied into a project of its own (`--work`, default
/tmp/bench-serve-reload), `python -m builder serve` is started on a free 127.0.0.1 port, and
an article page is opened in Debian's Chromium (Playwright, launch args of tests/chromium.py).
Then, `--edits` times (default 10), the article's headline is changed in its raw .txt file,
and the time is taken from just before the write to the moment the open page, reloaded by the
server's live-reload script, finished loading with the new headline: the reloaded document's
own clock (``performance.timeOrigin`` plus its navigation entry's ``loadEventEnd``) against
the wall clock at the write, both the system clock of this machine. Each edit waits for the
page to show the last one and for the server to be idle, plus a pause, so edits do not
overlap. Prints each figure, the median, the server's own build times, and the load average
(the machine is shared).

    python bench/serve_reload.py [--edits 10] [--work DIR] [--pause 1.0] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.chromium import ARGS, CHROMIUM  # noqa: E402

SAMPLE = REPO / "corpus" / "sample"
SEED = "000_55425f2f31b4ad18.txt"
ARTICLE = "/articles/morocco-israel-security-agreement/"
HEADLINE = "المغرب وإسرائيل يوقعان اتفاقاً أمنياً «غير مسبوق» لمواجهة التحديات"
BUILT = re.compile(r"^\[\d\d:\d\d:\d\d\] built .* in ([0-9.]+) s")
SEEN = "performance.timeOrigin + performance.getEntriesByType('navigation')[0].loadEventEnd"


def project(work: Path) -> Path:
    """The sample site in ``work``, as tests/conftest.py's make_project makes one."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(SAMPLE, work / "input")
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"], config["site_dir"] = str(work / "docs"), str(work / "site")
    config["plugins"][0]["publisher"]["input"] = str(work / "input")
    shutil.copytree(
        REPO / "docs", work / "docs", ignore=shutil.ignore_patterns("index.md", "articles", "page")
    )
    path = work / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-serve-reload"))
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between edits")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    config = project(args.work.resolve())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "builder", "serve", "--config", str(config), "--port", str(port)],
        cwd=config.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: list[str] = []
    threading.Thread(
        target=lambda: lines.extend(line.rstrip("\n") for line in server.stdout or ()),
        daemon=True,
    ).start()
    seconds: list[float] = []
    try:
        deadline = time.monotonic() + 300
        while not any(line.startswith("serving on") for line in lines):
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start:\n" + "\n".join(lines))
            time.sleep(0.05)
        article = config.parent / "input" / SEED
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}{ARTICLE}", wait_until="load")
            shown = HEADLINE
            for n in range(1, args.edits + 1):
                builds = sum(bool(BUILT.match(line)) for line in lines)
                new = f"{HEADLINE} {n}"
                text = article.read_text(encoding="utf-8").replace(shown, new, 1)
                edited = time.time() * 1000
                article.write_text(text, encoding="utf-8")
                expect(page.locator("h1")).to_have_text(new, timeout=120_000)
                page.wait_for_load_state("load")
                seen: float = page.evaluate(SEEN)
                seconds.append(round((seen - edited) / 1000, 3))
                print(f"edit {n}: {seconds[-1]:.2f} s", flush=True)
                shown = new
                while sum(bool(BUILT.match(line)) for line in lines) <= builds:
                    time.sleep(0.05)  # until the build that made it has said so: the server is idle
                time.sleep(args.pause)
            browser.close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    builds = [float(m.group(1)) for m in map(BUILT.match, lines) if m][1:]  # after the first
    result: dict[str, Any] = {
        "edits": len(seconds),
        "seconds": seconds,
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "build_s": builds,
        "build_median_s": statistics.median(builds) if builds else None,
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "target_median_s": 2.0,
    }
    print(json.dumps(result))
    print(
        f"edit -> reload in the open page, {len(seconds)} edits: median {result['median_s']:.2f} s "
        f"(min {result['min_s']:.2f}, max {result['max_s']:.2f}; the server's builds: median "
        f"{result['build_median_s']} s); target: median <= 2 s: "
        + ("met" if result["median_s"] <= 2.0 else "NOT met")
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
