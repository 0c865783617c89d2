"""`make bench-floor N=...`: the least a build of our fixed shape can cost, against Hugo.

The shape renders every article with python-markdown inside MkDocs and indexes it with Pagefind.
Each part is timed here alone, with nothing of ours around it, against Hugo's whole build of the
same articles in the same run (rounds alternate, as the machine's speed moves by the hour):

- python-markdown converting every article's Markdown, one process per core, writing nothing;
- plain MkDocs with the articles split into one project per core, all built at once;
- Pagefind indexing Hugo's own output, the smallest pages that hold the articles' text.

A full build does at least the work of each of these, so if one of them alone takes longer than
Hugo, no build of this shape can be as fast as Hugo. Not a test: nothing here gates CI.

    python bench/floor.py N [--work DIR] [--rounds K] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.generate_corpus import generate  # noqa: E402
from bench.run import measure, reference_inputs  # noqa: E402
from builder.pipeline.search_index import pagefind_binary  # noqa: E402

PARTS = ("markdown", "mkdocs_split", "pagefind")


def _convert(path: str) -> int:
    import markdown

    with open(path, encoding="utf-8") as f:
        return len(markdown.markdown(f.read()))


def markdown_only(articles: Path) -> None:
    """Every article through python-markdown, on every core: the renderer's own cost."""
    files = sorted(str(p) for p in articles.glob("*.md"))
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        sum(pool.map(_convert, files, chunksize=200))


def split_mkdocs(work: Path, parts: int) -> list[Path]:
    """The plain MkDocs project as ``parts`` projects of equal size, articles hard-linked."""
    source = work / "mkdocs"
    files = sorted((source / "docs" / "articles").glob("*.md"))
    projects = []
    for k in range(parts):
        project = work / "floor" / f"part-{k}"
        shutil.rmtree(project, ignore_errors=True)
        (project / "docs" / "articles").mkdir(parents=True)
        shutil.copy(source / "mkdocs.yml", project)
        shutil.copy(source / "docs" / "index.md", project / "docs")
        for path in files[k::parts]:
            os.link(path, project / "docs" / "articles" / path.name)
        projects.append(project)
    return projects


def mkdocs_at_once(projects: list[Path]) -> None:
    """Every part's ``mkdocs build`` started together, then waited for (so its CPU is counted)."""
    running = [
        subprocess.Popen([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=p) for p in projects
    ]
    if any([r.wait() for r in running]):  # a list: every part waited for, even after a failure
        raise SystemExit("mkdocs failed")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--markdown", type=Path, help=argparse.SUPPRESS
    )  # the child process of a round
    parser.add_argument("--mkdocs", type=Path, nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.markdown:
        markdown_only(args.markdown)
        return 0
    if args.mkdocs:
        mkdocs_at_once(args.mkdocs)
        return 0
    if args.n is None:
        parser.error("N is required")
    work = (args.work or Path(f"/tmp/bench-floor-{args.n}")).resolve()
    if not (work / "hugo" / "content" / "articles").is_dir():
        shutil.rmtree(work, ignore_errors=True)
        generate(args.n, work / "corpus")
        reference_inputs(work, work / "corpus")
    projects = split_mkdocs(work, os.cpu_count() or 1)
    me = [sys.executable, str(Path(__file__).resolve())]
    rounds = []
    for _ in range(args.rounds):
        public, index = work / "hugo" / "public", work / "floor" / "pagefind"
        shutil.rmtree(public, ignore_errors=True)
        shutil.rmtree(index, ignore_errors=True)
        row = {"hugo": measure(["hugo", "--quiet", "--destination", str(public)], work / "hugo")}
        row["markdown"] = measure(
            [*me, "--markdown", str(work / "mkdocs" / "docs" / "articles")], REPO
        )
        row["mkdocs_split"] = measure([*me, "--mkdocs", *map(str, projects)], REPO)
        row["pagefind"] = measure(
            [
                str(pagefind_binary()),
                "--site",
                str(public),
                "--output-path",
                str(index),
                "--silent",
            ],
            REPO,
        )
        rounds.append(row)
    results = {"articles": args.n, "cores": os.cpu_count(), "rounds": rounds}
    print(json.dumps(results, indent=1))
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


def table(results: dict[str, object]) -> str:
    """One line per round and part, with its wall time's ratio to Hugo's in the same round."""
    lines = [
        f"{results['articles']:,} articles, {results['cores']} cores",
        "| round | part | wall s | CPU s | peak RSS MB | wall vs Hugo |",
        "|---|---|---|---|---|---|",
    ]
    rounds = results["rounds"]
    assert isinstance(rounds, list)
    for k, row in enumerate(rounds, 1):
        hugo = row["hugo"]["wall_s"]
        for part in ("hugo", *PARTS):
            r = row[part]
            lines.append(
                f"| {k} | {part} | {r['wall_s']} | {r['cpu_s']} | {r['peak_rss_mb']} "
                f"| {r['wall_s'] / hugo:.2f}x |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
