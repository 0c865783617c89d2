"""`make bench N=... [SHAPE=...]`: our full build against plain MkDocs, Hugo, and Hugo +
Pagefind (the way a Hugo site gets search) on the same articles, of one corpus shape
(``bench/generate_corpus.py``: dated, undated, one-day, one-section).

Each tool runs as a child process on the same machine in the same run; wall time, CPU time
(user + system, children included) and peak RSS come from wait4(2). Our build's per-stage
times come from its build-report.json. Prints a table and writes JSON. Not a test: nothing
here gates CI.

    python bench/run.py N [--shape SHAPE] [--work DIR] [--no-hugo] [--json FILE]
                          [--set search_chunk=1000]
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.generate_corpus import SHAPES, generate  # noqa: E402
from builder.pipeline.search_index import pagefind_binary  # noqa: E402
from builder.read.inputs import input_files, read_article  # noqa: E402
from builder.read.profile import load_profile  # noqa: E402


def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall time; CPU time (user + system) of the process and every child it waited for; and
    peak memory of the whole process tree, sampled every 50 ms: the sum of the resident sets
    of the process and all its children (workers included), which counts pages that forked
    workers share with their parent once per process, and the sum of their proportional set
    sizes (PSS: a shared page split among its sharers), the memory the tree really holds."""
    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    root = psutil.Process(process.pid)
    peak = peak_pss = 0
    last_pss, high = 0.0, 0
    while process.poll() is None:
        try:
            tree = own_memory([root, *root.children(recursive=True)])
            rss = sum(p.memory_info().rss for p in tree)
            peak = max(peak, rss)
            # PSS means reading every mapping (/proc/PID/smaps): a third of a core for a
            # process of 1 GB if done every 50 ms, taken from the build being measured. So:
            # once a second, and at once when RSS passes its last high by 5%.
            if rss > high * 1.05 or time.monotonic() - last_pss >= 1.0:
                high, last_pss = max(high, rss), time.monotonic()
                peak_pss = max(peak_pss, sum(p.memory_full_info().pss for p in tree))
        except psutil.Error:
            pass
        time.sleep(0.05)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode:
        stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
        raise RuntimeError(f"{command[0]} failed ({process.returncode}): {stderr[-2000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "peak_rss_mb": round(peak / 2**20, 1),
        "peak_pss_mb": round(peak_pss / 2**20, 1),
    }


_KCMP = {"x86_64": 312, "aarch64": 272}.get(os.uname().machine)  # the syscall's number
_LIBC = ctypes.CDLL(None, use_errno=True)


def own_memory(tree: list[Any]) -> list[Any]:
    """The processes of ``tree`` (psutil) with memory of their own. A child that subprocess
    starts with vfork runs in its parent's memory until it execs, and sampled then it counts
    the parent twice: a 300 MB process spawning ``cp`` showed 628 MB. kcmp(2) tells whether
    two processes share one memory; where it cannot be asked, every process counts."""
    if _KCMP is None:
        return tree
    own = [tree[0]]
    for process in tree[1:]:
        try:
            shared = _LIBC.syscall(_KCMP, process.ppid(), process.pid, 1, 0, 0) == 0  # KCMP_VM
        except Exception:
            shared = False
        if not shared:
            own.append(process)
    return own


def our_project(work: Path, corpus: Path, overrides: dict[str, object] | None = None) -> Path:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    config["theme"]["custom_dir"] = str(REPO / "templates")
    config["docs_dir"] = str(work / "ours" / "docs")
    config["site_dir"] = str(work / "ours" / "site")
    config["plugins"][0]["publisher"]["input"] = str(corpus)
    config["plugins"][0]["publisher"].update(overrides or {})
    (work / "ours").mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        REPO / "docs",
        work / "ours" / "docs",
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("index.md", "articles", "page", "media"),
    )
    path = work / "ours" / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def reference_inputs(work: Path, corpus: Path) -> None:
    """The same articles as plain Markdown for MkDocs and as Hugo content."""
    profile = load_profile()
    mk, hugo = work / "mkdocs" / "docs", work / "hugo"
    for folder in (mk / "articles", hugo / "content" / "articles", hugo / "layouts" / "_default"):
        folder.mkdir(parents=True, exist_ok=True)
    (mk / "index.md").write_text("# الأخبار\n", encoding="utf-8")
    (work / "mkdocs" / "mkdocs.yml").write_text(
        "site_name: bench\nsite_url: https://bench.example.org/\ntheme: mkdocs\nplugins: []\n"
        "nav:\n  - index.md\nnot_in_nav: |\n  /articles/\n",
        encoding="utf-8",
    )
    (hugo / "hugo.toml").write_text(
        'baseURL = "https://bench.example.org/"\nlanguageCode = "ar"\n'
        'disableKinds = ["taxonomy", "term"]\n',
        encoding="utf-8",
    )
    (hugo / "layouts" / "_default" / "baseof.html").write_text(
        '<!doctype html><html lang="ar" dir="rtl"><head><title>{{ .Title }}</title></head>'
        '<body>{{ block "main" . }}{{ end }}</body></html>\n',
        encoding="utf-8",
    )
    (hugo / "layouts" / "_default" / "single.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}{{ end }}\n', encoding="utf-8"
    )
    (hugo / "layouts" / "_default" / "list.html").write_text(
        '{{ define "main" }}<ul>{{ range .Paginator.Pages }}'
        '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n',
        encoding="utf-8",
    )
    for path in input_files([corpus]):
        a = read_article(path, profile).article
        if a is None:
            continue
        body = "\n\n".join(a.paragraphs)
        (mk / "articles" / f"{a.id}.md").write_text(f"# {a.headline}\n\n{body}\n", encoding="utf-8")
        date = a.published.isoformat() if a.published else "2020-01-01T00:00:00+03:00"
        (hugo / "content" / "articles" / f"{a.id}.md").write_text(
            f"---\ntitle: {json.dumps(a.headline, ensure_ascii=False)}\n"
            f"date: {date}\n---\n\n{body}\n",
            encoding="utf-8",
        )


def add_newest(corpus: Path, n: int) -> None:
    """Article ``n``: the first generated one's text under a new headline, dated after every
    generated one (they end before November 2026) and before the bench's build time, in the
    first article's section and tags (none in an undated corpus): a new section would change
    the masthead's menu, and so every page, which is not what filing a story does."""
    first = sorted(corpus.glob("*.txt"))[0]
    text = first.read_text(encoding="utf-8").replace(" (0)\n", f" (جديد {n})\n", 1)
    stem = f"{n:07d}_{n:016x}"
    (corpus / f"{stem}.txt").write_text(text, encoding="utf-8")
    sidecar = first.with_suffix(".toml")
    kept = sidecar.read_text(encoding="utf-8").splitlines() if sidecar.exists() else []
    meta = ["published = 2026-11-01T09:00:00+03:00"] + [
        line for line in kept if line.startswith(("section =", "tags =", "authors ="))
    ]
    (corpus / f"{stem}.toml").write_text("\n".join(meta) + "\n", encoding="utf-8")


def table(results: dict[str, object]) -> str:
    """The figures side by side, with each one's ratio to Hugo's (and MkDocs's) full build."""
    rows = [
        ("ours, full build", "ours"),
        ("ours, no change", "ours_no_change"),
        ("ours, one change", "ours_one_change"),
        ("ours, new article", "ours_new_article"),
        ("plain MkDocs", "mkdocs"),
        ("Hugo", "hugo"),
        ("Hugo + Pagefind", "hugo_pagefind"),
    ]
    refs = {ref: results.get(ref) for ref in ("hugo", "mkdocs", "hugo_pagefind")}
    lines = [
        f"{results['articles']:,} articles ({results.get('shape', 'dated')}), "
        f"{results['cores']} cores",
        "| run | wall s | CPU s | peak RSS MB | peak PSS MB "
        "| wall vs Hugo | wall vs Hugo + Pagefind | wall vs MkDocs | peak RSS vs Hugo |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def ratio(run: dict[str, float], ref: str, k: str) -> str:
        other = refs[ref]
        return f"{run[k] / other[k]:.2f}x" if isinstance(other, dict) and other[k] else "-"

    for label, key in rows:
        r = results.get(key)
        if not isinstance(r, dict):
            continue
        lines.append(
            f"| {label} | {r['wall_s']} | {r['cpu_s']} | {r['peak_rss_mb']} | {r['peak_pss_mb']} "
            f"| {ratio(r, 'hugo', 'wall_s')} | {ratio(r, 'hugo_pagefind', 'wall_s')} "
            f"| {ratio(r, 'mkdocs', 'wall_s')} "
            f"| {ratio(r, 'hugo', 'peak_rss_mb')} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument("--shape", choices=SHAPES, default="dated", help="the corpus's shape")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="OPTION=INT",
        help="a publisher setting for our build, e.g. search_chunk=1000",
    )
    args = parser.parse_args()
    work = (args.work or Path(f"/tmp/bench-{args.n}")).resolve()
    shutil.rmtree(work, ignore_errors=True)
    corpus = work / "corpus"
    generate(args.n, corpus, shape=args.shape)
    reference_inputs(work, corpus)
    env = dict(os.environ, SOURCE_DATE_EPOCH="1795996800")
    results: dict[str, object] = {
        "articles": args.n,
        "shape": args.shape,
        "cores": os.cpu_count(),
    }
    overrides: dict[str, object] = {k: int(v) for k, v in (item.split("=", 1) for item in args.set)}
    results["settings"] = overrides
    config = our_project(work, corpus, overrides)
    report = work / "ours" / "build-report.json"
    results["ours"] = measure(
        [
            sys.executable,
            "-m",
            "builder",
            "build",
            "--config",
            str(config),
            "--report",
            str(report),
        ],
        REPO,
        env,
    )
    results["ours_stages_s"] = json.loads(report.read_text(encoding="utf-8"))["stages"]
    # nothing changed: the same build again (as after every publish; it also leaves the spare,
    # the replaced site the next build starts from, so the next figure is the steady state)
    results["ours_no_change"] = measure(
        [
            sys.executable,
            "-m",
            "builder",
            "build",
            "--config",
            str(config),
            "--report",
            str(report),
        ],
        REPO,
        env,
    )
    results["ours_no_change_stages_s"] = json.loads(report.read_text(encoding="utf-8"))["stages"]
    # incremental: words are added to one article's longest paragraph (body text, so its page
    # and its search chunk change; text after the page chrome, or in a caption, would not reach
    # the page or the index), then the same build command again
    changed = sorted(corpus.glob("*.txt"))[len(list(corpus.glob("*.txt"))) // 2]
    lines = changed.read_text(encoding="utf-8").split("\n")
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    lines[longest] = "وفي آخر التطورات، " + lines[longest]
    changed.write_text("\n".join(lines), encoding="utf-8")
    results["ours_one_change"] = measure(
        [
            sys.executable,
            "-m",
            "builder",
            "build",
            "--config",
            str(config),
            "--report",
            str(report),
        ],
        REPO,
        env,
    )
    again = json.loads(report.read_text(encoding="utf-8"))
    results["ours_one_change_stages_s"] = again["stages"]
    results["ours_one_change_partitions"] = again["partitions"]
    # a new article, newer than all (the build after each story a newsroom files): its page, the
    # listing pages it heads, its month's archive, the links near it, the newest search chunk
    add_newest(corpus, args.n)
    results["ours_new_article"] = measure(
        [
            sys.executable,
            "-m",
            "builder",
            "build",
            "--config",
            str(config),
            "--report",
            str(report),
        ],
        REPO,
        env,
    )
    again = json.loads(report.read_text(encoding="utf-8"))
    results["ours_new_article_stages_s"] = again["stages"]
    results["ours_new_article_partitions"] = again["partitions"]
    results["ours_new_article_listings"] = again["listings"]
    results["mkdocs"] = measure(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(work / "mkdocs" / "mkdocs.yml")],
        work / "mkdocs",
        env,
    )
    if not args.no_hugo and shutil.which("hugo"):
        public = work / "hugo" / "public"
        hugo = results["hugo"] = measure(
            ["hugo", "--quiet", "--destination", str(public)], work / "hugo", env
        )
        # how a Hugo site gets search: Pagefind over its output, after the build
        pagefind = results["pagefind_over_hugo"] = measure(
            [str(pagefind_binary()), "--site", str(public), "--silent"], REPO, env
        )
        results["hugo_pagefind"] = {
            "wall_s": round(hugo["wall_s"] + pagefind["wall_s"], 2),
            "cpu_s": round(hugo["cpu_s"] + pagefind["cpu_s"], 2),
            "peak_rss_mb": max(hugo["peak_rss_mb"], pagefind["peak_rss_mb"]),  # one after the other
            "peak_pss_mb": max(hugo["peak_pss_mb"], pagefind["peak_pss_mb"]),
        }
    ours = results["ours"]
    assert isinstance(ours, dict)
    for ref in ("mkdocs", "hugo", "hugo_pagefind"):
        other = results.get(ref)
        if isinstance(other, dict):
            results[f"ours_vs_{ref}"] = {
                k: round(ours[k] / other[k], 2) if other[k] else None for k in ours
            }
    print(json.dumps(results, ensure_ascii=False, indent=1))
    print(table(results))
    if args.json:
        args.json.write_text(
            json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
