"""Golden pages: the Markdown (front matter, JSON-LD, body) of the sample corpus, pinned.

After an intended change, regenerate with ``UPDATE_GOLDEN=1 make test`` and review the diff.
"""

import json
import os
import shutil
import subprocess
import sys
import tomllib
import unicodedata
from pathlib import Path

import extruct
import pytest
import yaml

from builder.check.vocabulary import check_node
from builder.core.article_types import article_type
from builder.read.inputs import input_files, read_all
from builder.read.profile import load_profile
from builder.render.links import article_links
from builder.render.listings import listing_pages
from builder.render.pages import article_page
from builder.render.photos import place_photos
from tests.conftest import REPO, SAMPLE, SAMPLE_ARTICLES

GOLDEN = Path(__file__).parent / "golden"


def sample_pages(profile, settings):
    articles, _, _ = place_photos(
        [r.article for r in read_all(input_files([SAMPLE]), profile)], settings
    )
    links = article_links(articles)
    pages = {
        f"articles/{a.url_slug}.md": article_page(a, settings, links[a.source]) for a in articles
    }
    pages.update(listing_pages(articles, settings))
    return pages


def test_golden_pages(profile, settings):
    pages = sample_pages(profile, settings)
    if os.environ.get("UPDATE_GOLDEN"):
        if os.environ.get("CI"):
            pytest.fail(
                "UPDATE_GOLDEN is refused where CI is set: "
                "golden files are rewritten on a person's machine, "
                "and the diff reviewed, never by CI (unset UPDATE_GOLDEN, or run it locally)",
                pytrace=False,
            )
        for rel, text in pages.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_text(text, encoding="utf-8")
    expected = {
        p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8")
        for p in GOLDEN.rglob("*.md")
    }
    assert sorted(pages) == sorted(expected)
    for rel, text in pages.items():
        assert text == expected[rel], f"{rel} differs from tests/golden (UPDATE_GOLDEN=1 to accept)"


GOLDEN_RUN = ["tests/test_golden.py::test_golden_pages", "-q", "-p", "no:cacheprovider"]


def test_update_golden_is_refused_in_ci(tmp_path):
    """With CI set, UPDATE_GOLDEN fails the golden test and rewrites nothing; without CI it
    rewrites. Run on a copy of the repository's test setup, one golden file changed in it, so
    the real golden files are never touched (even if the refusal broke)."""
    for folder in ("corpus", "docs", "templates", "tests/golden"):
        shutil.copytree(
            REPO / folder,
            tmp_path / folder,
            ignore=shutil.ignore_patterns("index.md") if folder == "docs" else None,
        )
    for name in ("mkdocs.yml", "authors.toml", "tests/conftest.py", "tests/test_golden.py"):
        shutil.copy(REPO / name, tmp_path / name)
    changed = tmp_path / "tests" / "golden" / "articles" / "oil-prices-jump.md"
    right = changed.read_text(encoding="utf-8")
    changed.write_text(right.replace("النفط", "الذهب"), encoding="utf-8")
    env = {
        k: v for k, v in os.environ.items() if k not in ("CI", "UPDATE_GOLDEN", "PYTEST_ADDOPTS")
    }

    refused = subprocess.run(
        [sys.executable, "-m", "pytest", *GOLDEN_RUN],
        cwd=tmp_path,
        env=dict(env, CI="true", UPDATE_GOLDEN="1"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (
        refused.returncode == 1 and "UPDATE_GOLDEN is refused where CI is set" in refused.stdout
    ), f"UPDATE_GOLDEN=1 with CI set was not refused:\n{refused.stdout}{refused.stderr}"
    assert changed.read_text(encoding="utf-8") != right, (
        "UPDATE_GOLDEN=1 with CI set rewrote a golden file"
    )

    accepted = subprocess.run(
        [sys.executable, "-m", "pytest", *GOLDEN_RUN],
        cwd=tmp_path,
        env=dict(env, UPDATE_GOLDEN="1"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert changed.read_text(encoding="utf-8") == right  # the copy is what the run reads and writes


def sample_inputs():
    """What corpus/sample itself says of each article, keyed by its URL slug: the sidecar as
    TOML reads it, and the text as ``parse --json`` reads it (headline checked against the
    raw file's own lines)."""
    done = subprocess.run(
        [sys.executable, "-m", "builder", "parse", str(SAMPLE), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    inputs = {}
    for line in done.stdout.splitlines():
        record = json.loads(line)
        raw = Path(record["source"]).read_text(encoding="utf-8")
        raw_lines = {" ".join(unicodedata.normalize("NFC", ln).split()) for ln in raw.splitlines()}
        sidecar = tomllib.loads(
            Path(record["source"]).with_suffix(".toml").read_text(encoding="utf-8")
        )
        article = record["article"]
        assert article["headline"] in raw_lines, record["source"]
        inputs[sidecar["slug"]] = (sidecar, article)
    return inputs


def golden_jsonld(page):
    """The golden page's JSON-LD as a search engine gets it: from the front matter's one line
    of JSON, placed in a page, read back with extruct (as validate reads a built page)."""
    lines = page.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "---" and lines[2] == "---", page
    block = json.loads(lines[1])["jsonld"]
    html = (
        '<!doctype html><html lang="ar" dir="rtl"><head>'
        f'<script type="application/ld+json">{block}</script></head><body></body></html>'
    )
    extracted = extruct.extract(html, syntaxes=["json-ld"]).get("json-ld", [])
    assert extracted == [json.loads(block)], (
        f"{page.name}: extruct reads the JSON-LD otherwise than strict JSON"
    )
    return extracted[0]


def test_golden_articles_agree_with_their_inputs_and_schema_org():
    """The golden files were regenerated many times with UPDATE_GOLDEN: they are checked here
    against what the inputs say, not against themselves, and against schema.org's vocabulary."""
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    site_url = config["site_url"]
    publisher = config["plugins"][0]["publisher"]
    inputs = sample_inputs()
    pages = sorted((GOLDEN / "articles").glob("*.md"))
    assert sorted(p.stem for p in pages) == sorted(inputs)
    for page in pages:
        sidecar, article = inputs[page.stem]
        data = golden_jsonld(page)
        assert [p for p in check_node(data) if p[0] == "error"] == [], page.name
        graph = {n["@id"]: n for n in data["@graph"]}
        kind = article_type(sidecar.get("type"))
        [news] = [n for n in data["@graph"] if n["@type"] == kind.schema]
        assert news["url"] == f"{site_url}articles/{sidecar['slug']}/"
        assert news["inLanguage"] == publisher.get("language", "ar") == "ar"
        assert news["headline"] == article["headline"]
        assert news.get("alternativeHeadline") == article["alternative_headline"]
        assert news["datePublished"] == sidecar["published"].isoformat()
        changed = [sidecar.get("modified"), *(c["date"] for c in sidecar.get("corrections", []))]
        latest = max((d for d in changed if d), default=sidecar["published"])
        assert news["dateModified"] == latest.isoformat()
        assert news.get("correction", []) == [
            {
                "@type": "CorrectionComment",
                "datePublished": c["date"].isoformat(),
                "text": c["text"],
            }
            for c in sidecar.get("corrections", [])
        ]
        assert news["articleSection"] == sidecar["section"]
        assert news["keywords"] == sidecar["tags"]
        assert news["articleBody"] == "\n\n".join(article["paragraphs"])
        assert not any(mark in news["articleBody"] for mark in ("**", "](", "\n## ", "\n> "))
        authors = [graph[ref["@id"]] for ref in news["author"]]
        given = sidecar.get("authors", sidecar.get("author"))
        wanted = [
            a if isinstance(a, dict) else {"name": a}
            for a in (given if isinstance(given, list) else [given])
        ]
        agency = load_profile().is_organisation  # «وكالات» in a sidecar is an agency
        assert [(a["name"], a["@type"]) for a in authors] == [
            (w["name"], w.get("type") or ("Organization" if agency(w["name"]) else "Person"))
            for w in wanted
        ]
        for a, w in zip(authors, wanted, strict=True):
            if a["@type"] == "Person":  # its url is its page here; the input's is in sameAs
                assert a["url"].startswith(f"{site_url}authors/")
                assert a["@id"] == a["url"] + "#person"
                assert w.get("url") is None or w["url"] in a["sameAs"]
            else:
                assert a.get("url") == w.get("url")
        assert graph[news["publisher"]["@id"]]["name"] == publisher["publisher_name"]
        refs = news["image"] if isinstance(news["image"], list) else [news["image"]]
        image = graph[refs[0]["@id"]]
        if "image" in sidecar:  # the photo's crops, 16:9, 4:3 and 1:1, named after its file
            stem = Path(sidecar["image"]).stem
            assert [Path(graph[r["@id"]]["contentUrl"]).name.rsplit("-", 1)[1] for r in refs] == [
                "16x9.jpg",
                "4x3.jpg",
                "1x1.jpg",
            ]
            assert image["contentUrl"].startswith(site_url)
            assert Path(image["contentUrl"]).name.startswith(stem + "-")
        else:  # no photo: the drawn share image stands in
            assert Path(image["contentUrl"]).name.startswith("share-")


@pytest.mark.parametrize("count", [10])
def test_every_sample_article_has_a_golden_page(count):
    assert len(list((GOLDEN / "articles").glob("*.md"))) == count


def test_parse_json_of_the_seed_is_a_stable_contract():
    """`parse --json` output for the seed, byte for byte (tests/golden/seed.parse.jsonl)."""
    import subprocess
    import sys

    from tests.conftest import REPO, SEED

    done = subprocess.run(
        [sys.executable, "-m", "builder", "parse", str(SEED.relative_to(REPO)), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0
    assert done.stdout == (GOLDEN / "seed.parse.jsonl").read_text(encoding="utf-8")


def test_article_front_matter_reaches_mkdocs_as_json(tmp_path, monkeypatch):
    """The plugin reads an article page's front matter as the line of JSON it is: YAML's
    constructor took about 0.4 ms a page, 3-4% of building one. YAML is handed an empty mapping,
    and the page gets the same data: its title, and its JSON-LD placed as written."""
    import shutil

    import yaml
    from markupsafe import escape

    from builder.publish.swap import render
    from builder.render.pages import read_front_matter
    from tests.conftest import make_project

    config = make_project(tmp_path, SAMPLE)
    docs = tmp_path / "pages"
    shutil.copytree(GOLDEN / "articles", docs / "articles")
    loaded = []
    real = yaml.load
    monkeypatch.setattr(
        yaml,
        "load",
        lambda stream, *args, **kwargs: loaded.append(stream) or real(stream, *args, **kwargs),
    )
    render(config, docs, tmp_path / "out", nav=[])
    texts = [s for s in loaded if isinstance(s, str)]
    assert texts.count("{}\n") == SAMPLE_ARTICLES and not [t for t in texts if '"jsonld"' in t]
    for page in (GOLDEN / "articles").glob("*.md"):
        front = read_front_matter(page.read_text(encoding="utf-8"))
        html = (tmp_path / "out" / "articles" / page.stem / "index.html").read_text(
            encoding="utf-8"
        )
        assert f"<title>{escape(front['title'])}" in html
        assert f'<script type="application/ld+json">{front["jsonld"]}</script>' in html
