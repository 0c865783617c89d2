"""Collisions, limits and the build report."""

import codecs
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from builder.build import build
from builder.cli import main
from builder.read.inputs import orphan_warning, read_all
from tests.conftest import REPO, SAMPLE, SAMPLE_ARTICLES, make_project


def cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "builder", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_duplicate_ids_and_slugs_are_reported_never_overwritten(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    sub = corpus / "later"
    sub.mkdir()
    shutil.copy(SAMPLE / "002_7c1d2e9f40ab8835.txt", sub / "999_7c1d2e9f40ab8835.txt")  # same id
    (sub / "998_other.txt").write_text(
        "خبر آخر تماماً\n\nتصغير\nتكبير\n\nنص مختلف.\n", encoding="utf-8"
    )
    (sub / "998_other.toml").write_text('slug = "oil-prices-jump"\n', encoding="utf-8")  # same slug
    report = build(make_project(tmp_path, corpus))
    reasons = {s.rsplit("/", 1)[-1]: r for s, r in report.rejected}
    assert "duplicate article id '7c1d2e9f40ab8835'" in reasons["999_7c1d2e9f40ab8835.txt"]
    assert "URL slug 'oil-prices-jump' already used by" in reasons["998_other.txt"]
    page = (tmp_path / "site" / "articles" / "oil-prices-jump" / "index.html").read_text(
        encoding="utf-8"
    )
    assert "أسعار النفط تقفز" in page and "خبر آخر" not in page


def test_oversized_files_and_absurd_lines_are_refused(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    (corpus / "050_big.txt").write_text(
        "عنوان\n\nتصغير\nتكبير\n\n" + "فقرة طويلة.\n\n" * 5000, encoding="utf-8"
    )
    (corpus / "051_line.txt").write_text(
        "عنوان\n\nتصغير\nتكبير\n\n" + "كلمة " * 3000 + "\n", encoding="utf-8"
    )
    report = build(make_project(tmp_path, corpus, max_file_bytes=100_000, max_line_chars=10_000))
    reasons = {s.rsplit("/", 1)[-1]: r for s, r in report.rejected}
    assert "over the limit of 100,000 (max_file_bytes)" in reasons["050_big.txt"]
    assert (
        "a line of 14,999 characters, over the limit of 10,000 (max_line_chars)"
        in reasons["051_line.txt"]
    )
    assert len(report.built) == SAMPLE_ARTICLES


GOOD = "عنوان الخبر\n\nتصغير\nتكبير\n\nنص الخبر.\n"


def test_a_rejection_names_its_file_once(tmp_path, capsys):
    """The summary names the source; the reason adds only what it does not say (a sidecar)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "001_good.txt").write_text(GOOD, encoding="utf-8")
    (corpus / "002_bad-date.txt").write_text(GOOD, encoding="utf-8")
    (corpus / "002_bad-date.toml").write_text('published = "2024-01-01"\n', encoding="utf-8")
    (corpus / "003_empty.txt").write_bytes(b"")
    (corpus / "004_line.txt").write_text(GOOD + "كلمة " * 40 + "\n", encoding="utf-8")
    (corpus / "005_page.html").write_text(
        "<html><body><h1>عنوان</h1></body></html>", encoding="utf-8"
    )
    (corpus / "006_gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (corpus / "records.jsonl").write_text('{"title": "عنوان"}\n{broken\n', encoding="utf-8")
    out = io.StringIO()
    report = build(make_project(tmp_path, corpus, max_line_chars=100), out=out)
    assert {s.removeprefix(f"{corpus}/"): r for s, r in report.rejected} == {
        "002_bad-date.txt": (
            "002_bad-date.toml: 'published' '2024-01-01' is a date without a time of day and offset"
        ),
        "003_empty.txt": "empty file",
        "004_line.txt": "a line of 199 characters, over the limit of 100 (max_line_chars)",
        "005_page.html": "no article body found in the page",
        "006_gone.txt": (
            f"a symbolic link to {tmp_path / 'nowhere.txt'}, outside the input folder: refused"
        ),
        "records.jsonl:1": "no body text",
        "records.jsonl:2": (
            "not valid JSON: Expecting property name enclosed in double quotes (column 2)"
        ),
    }
    assert main(["parse", str(corpus)]) == 0
    for printed, count in (
        (out.getvalue(), 7),
        (capsys.readouterr().out, 6),
    ):  # parse has the default line limit
        lines = [line for line in printed.splitlines() if line.lstrip().startswith("rejected ")]
        assert len(lines) == count
        for line in lines:
            name = line.split(f"{corpus}/")[1].split(":")[0]
            assert line.count(name) == 1, line


def test_a_rejected_article_has_no_warnings_printed(tmp_path):
    """Held back or refused as a duplicate after reading: only the rejection is shown."""
    corpus = tmp_path / "corpus"
    (corpus / "later").mkdir(parents=True)
    (corpus / "001_good.txt").write_text(GOOD, encoding="utf-8")
    (corpus / "001_good.toml").write_text(
        'published = 2024-01-01T10:00:00+03:00\nsection = "محليات"\nauthors = ["كاتب"]\n',
        encoding="utf-8",
    )
    (corpus / "002_future.txt").write_text(GOOD.replace("نص", "نص آخر"), encoding="utf-8")
    (corpus / "002_future.toml").write_text(
        "published = 2099-01-01T10:00:00+03:00\n", encoding="utf-8"
    )  # no author, no section
    (corpus / "later" / "003_good.txt").write_text(
        GOOD, encoding="utf-8"
    )  # the id 'good' again, with no metadata
    out = io.StringIO()
    report = build(make_project(tmp_path, corpus), out=out)
    assert [Path(s).name for s, _ in report.rejected] == ["003_good.txt"] and [
        Path(s).name for s, _ in report.held
    ] == ["002_future.txt"]
    assert report.warnings == [] and "  warning " not in out.getvalue()
    assert (
        "  rejected " in out.getvalue()
        and "  held back " in out.getvalue()
        and ", held back 1, in " in out.getvalue()
    )


def test_parse_of_a_folder_with_no_input_files_says_so(tmp_path, capsys):
    empty = tmp_path / "dumps"
    (empty / "sub").mkdir(parents=True)
    (empty / "sub" / "notes.rtf").write_text("ليس خبراً\n", encoding="utf-8")
    assert main(["parse", str(empty)]) == 1
    err = capsys.readouterr().err
    assert (
        f"no input files in {empty} "
        "(the readers take .txt, .md, .json, .jsonl, .html and .htm files, in subfolders too)"
    ) in err
    out = io.StringIO()
    report = build(
        make_project(tmp_path / "project", empty), out=out
    )  # build says the same, not only "no article could be built"
    assert not report.published
    assert (
        "site NOT published (the previous site, if any, is unchanged): "
        f"no input files in {empty} (the readers take"
    ) in out.getvalue()


def test_a_sidecar_left_without_its_article_is_warned_about(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    (corpus / "old").mkdir(parents=True)
    (corpus / "001_good.txt").write_text(GOOD, encoding="utf-8")
    (corpus / "001_good.toml").write_text(
        'published = 2024-01-01T10:00:00+03:00\nsection = "محليات"\nauthors = ["كاتب"]\n',
        encoding="utf-8",
    )
    (corpus / "002_gone.toml").write_text(
        'section = "محليات"\n', encoding="utf-8"
    )  # its .txt was deleted
    (corpus / "old" / "003_moved.toml").write_text('section = "محليات"\n', encoding="utf-8")
    (corpus / "old" / "004_upper.TXT").write_text(
        GOOD.replace("نص", "نص آخر"), encoding="utf-8"
    )  # read, with 004_upper.toml beside it
    (corpus / "old" / "004_upper.toml").write_text('section = "محليات"\n', encoding="utf-8")
    out = io.StringIO()
    report = build(make_project(tmp_path, corpus), out=out)
    assert report.published and report.rejected == []
    orphans = [
        (corpus / "002_gone.toml", "002_gone"),
        (corpus / "old" / "003_moved.toml", "003_moved"),
    ]
    expected = [
        f"warning {path}: sidecar with no article file beside it (no {stem}.txt): ignored"
        for path, stem in orphans
    ]
    assert [line.strip() for line in out.getvalue().splitlines() if ".toml:" in line] == expected
    assert main(["parse", str(corpus)]) == 0
    assert [line for line in capsys.readouterr().out.splitlines() if ".toml:" in line] == expected


def test_build_report_and_strict(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    (corpus / "060_empty.txt").write_bytes(b"")
    config = make_project(tmp_path, corpus)
    report_path = tmp_path / "build-report.json"
    done = cli("build", "--config", config, "--report", report_path)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert (
        report["published"] is True
        and report["built"] == SAMPLE_ARTICLES
        and report["rejected"] == 1
    )
    by_name = {i["source"].rsplit("/", 1)[-1]: i for i in report["inputs"]}
    assert by_name["060_empty.txt"] == {
        "source": str(corpus / "060_empty.txt"),
        "status": "rejected",
        "reason": "empty file",
    }
    assert (
        by_name["001_a3f09c2e7b14d6e1.txt"]["status"] == "built"
        and by_name["001_a3f09c2e7b14d6e1.txt"]["url"] == "articles/oil-prices-jump/"
    )
    strict = cli("build", "--config", config, "--report", report_path, "--strict")
    assert strict.returncode == 1


def test_nothing_built_exits_non_zero_and_keeps_docs(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "000_empty.txt").write_bytes(b"")
    done = cli("build", "--config", make_project(tmp_path, corpus), "--report", tmp_path / "r.json")
    assert done.returncode == 1 and "site NOT published" in done.stdout


def test_a_photo_too_small_or_not_an_image_is_left_out_and_the_site_is_published(tmp_path):
    """A local photo under Google's 50,000 pixels would fail its page's check, and so the
    whole site; a file that is not an image would be a broken picture. Each is left out when
    read, with a warning naming the file and why: the article gets a drawn share image, and no
    page (the home page's lead story included) shows the photo."""
    from PIL import Image

    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    Image.new("RGB", (100, 100), (200, 30, 30)).save(corpus / "images" / "tiny.png")
    (corpus / "images" / "bad.jpg").write_text("not an image\n", encoding="utf-8")
    # 60,000 pixels, but a 12-pixel-high strip: its crops would be 21×12, 16×12 and 12×12
    Image.new("RGB", (5000, 12), (30, 30, 200)).save(corpus / "images" / "strip.jpg")
    for name, photo in (
        ("005_4d8a0f6c2e9b1357.toml", "tiny.png"),
        ("004_e92f4b7a1c3d5068.toml", "bad.jpg"),
        ("002_7c1d2e9f40ab8835.toml", "strip.jpg"),
    ):  # 005: the newest, the lead story
        sidecar = corpus / name
        sidecar.write_text(
            f'image = "images/{photo}"\nimage_alt = "صورة"\n' + sidecar.read_text(encoding="utf-8"),
            encoding="utf-8",
        )
    report = build(make_project(tmp_path, corpus))
    assert report.published and not report.errors and len(report.built) == SAMPLE_ARTICLES
    warned = {s.rsplit("/", 1)[-1]: w for s, w in report.warnings if w.startswith("photo ")}
    assert warned == {
        "005_4d8a0f6c2e9b1357.txt": (
            "photo images/tiny.png is 100×100 (10,000 pixels), under the 50,000 search engines "
            "need: left out, a drawn share image stands in"
        ),
        "004_e92f4b7a1c3d5068.txt": (
            "photo images/bad.jpg is not an image that can be read (corrupt or unknown format): "
            "left out, a drawn share image stands in"
        ),
        "002_7c1d2e9f40ab8835.txt": (
            "photo images/strip.jpg is 5000×12: its 16:9 crop would be 21×12 (252 pixels), "
            "under the 50,000 search engines need: left out, a drawn share image stands in"
        ),
    }
    site = tmp_path / "site"
    for slug in ("flu-vaccination-campaign", "small-business-ai-study"):
        page = (site / "articles" / slug / "index.html").read_text(encoding="utf-8")
        graph = json.loads(
            page.split('<script type="application/ld+json">')[1].split("</script>")[0]
        )["@graph"]
        assert any(n.get("@type") == "ImageObject" and "/share-" in n.get("url", "") for n in graph)
    assert not [
        p
        for p in site.rglob("*.html")
        if any(name in p.read_text(encoding="utf-8") for name in ("tiny", "bad.jpg", "strip"))
    ]
    assert not [p for p in site.rglob("*") if p.stem.startswith(("tiny", "bad", "strip"))]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("per_page", 0),
        ("per_page", -3),
        ("max_pages", 0),
        ("search_chunk", 0),
        ("partition_size", 0),
        ("max_file_bytes", 0),
        ("max_line_chars", -1),
    ],
)
def test_a_count_setting_below_one_is_refused(tmp_path, option, value):
    """per_page: 0 used to build one article a page, and max_pages: 0 was quietly made 1."""
    from builder.core.settings import SettingsError, load_settings

    with pytest.raises(
        SettingsError, match=f"{option}.*must be a whole number of at least 1, not {value}"
    ):
        load_settings(make_project(tmp_path, SAMPLE, **{option: value}))


@pytest.mark.parametrize("command", ["build", "validate", "bundle"])
@pytest.mark.parametrize("value", ["yesterday", "2025-06-01T12:00:00"])
def test_a_bad_now_says_what_is_wanted(capsys, command, value):
    with pytest.raises(SystemExit) as stopped:
        main([command, "--now", value])
    assert stopped.value.code == 2
    assert (
        f"argument --now: {value!r} is not an ISO 8601 date-time with a UTC offset "
        "(e.g. 2025-06-01T12:00:00+03:00)"
    ) in capsys.readouterr().err


def test_jobs_below_one_is_refused(tmp_path):
    done = cli("build", "--config", make_project(tmp_path, SAMPLE), "--jobs", "0")
    assert done.returncode == 2 and "--jobs: '0' is not a whole number of at least 1" in done.stderr


def test_a_misspelt_setting_is_named(tmp_path):
    """MkDocs's strict mode aborts on an unknown option with only "Aborted with 1 configuration
    warnings"; the error names the option."""
    from builder.core.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="per_pag"):
        load_settings(make_project(tmp_path, SAMPLE, per_pag=3))


def test_a_sidecar_in_another_encoding_or_with_an_upper_case_suffix(tmp_path, profile):
    """Notepad's UTF-8 with a BOM and UTF-16 are read as for raw files; a NAME.TOML, which
    nothing reads, is said so (its section and date used to vanish without a word)."""
    from builder.read.inputs import scan_inputs

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    meta = 'section = "اقتصاد"\npublished = 2024-05-01T10:00:00+03:00\n'
    for stem, data in (
        ("001_bom", codecs.BOM_UTF8 + meta.encode()),
        ("002_utf16", meta.encode("utf-16")),
        ("003_cp1256", meta.encode("cp1256")),
    ):
        (corpus / f"{stem}.txt").write_text(GOOD, encoding="utf-8")
        (corpus / f"{stem}.toml").write_bytes(data)
    (corpus / "004_upper.txt").write_text(GOOD, encoding="utf-8")
    (corpus / "004_upper.TOML").write_text(meta, encoding="utf-8")
    (corpus / "005_damaged.txt").write_text(GOOD, encoding="utf-8")
    (corpus / "005_damaged.toml").write_bytes(
        meta.encode()[:12] + meta.encode()[13:]
    )  # a letter of the section cut
    inputs = scan_inputs([corpus])
    results = {Path(r.source).stem: r for r in read_all(inputs.files, profile)}
    assert results["005_damaged"].error == (
        "005_damaged.toml: not valid TOML: damaged UTF-8 (a letter cut or a stray byte): "
        "save the file again as UTF-8"
    )
    for stem in ("001_bom", "002_utf16", "003_cp1256"):
        assert results[stem].ok and results[stem].article.section == "اقتصاد", (
            stem,
            results[stem].error,
        )
    assert results["004_upper"].article.section is None
    assert [(p.name, orphan_warning(p)) for p in inputs.orphans] == [
        (
            "004_upper.TOML",
            "sidecar not read: a sidecar is named NAME.toml, in lower case, beside its NAME.txt "
            "(rename it 004_upper.toml)",
        )
    ]
