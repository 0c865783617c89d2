"""Incremental builds: after one article changes (or is added or removed), only its month is
rebuilt, and the site is byte-identical to a full build of the same input."""

import hashlib
import json
import os
import re
import shutil
from datetime import UTC

import pytest
import yaml

import builder.check.validate as validate
import builder.pipeline.read_cache as read_cache
import builder.publish.swap as publish
from builder.build import build
from builder.pipeline.listing_cache import html_path
from tests.conftest import REPO, SAMPLE, SAMPLE_ARTICLES, make_project, sitemap_text


@pytest.fixture(autouse=True)
def small_read_cache_chunks(monkeypatch):
    """Read-cache chunks of two files, so that an edit leaves most chunks whole: the admission
    gate takes those as runs (builder.pipeline.cached_runs), and these tests show a site made
    that way equals a full build."""
    monkeypatch.setattr(read_cache, "CHUNK", 2)


def tree_hashes(root):
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def full_build(tmp_path, name, corpus, **settings):
    root = tmp_path / name
    root.mkdir()
    report = build(make_project(root, corpus, **settings))
    assert report.partitions["reused"] == 0
    hashes = tree_hashes(root / "site")
    assert any(rel.endswith(".html.br") for rel in hashes)  # the comparisons cover the copies
    return hashes


def workspace(tmp_path, monkeypatch):
    """A project folder with a copy of the sample corpus; SOURCE_DATE_EPOCH fixed for
    comparisons."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1760256000")
    work = tmp_path / "work"
    work.mkdir()
    corpus = work / "corpus"
    shutil.copytree(SAMPLE, corpus)
    return work, corpus


def change_body(corpus):
    path = corpus / "001_a3f09c2e7b14d6e1.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("قفزت أسعار النفط", "ارتفعت أسعار النفط"),
        encoding="utf-8",
    )


def change_headline(corpus):
    path = corpus / "001_a3f09c2e7b14d6e1.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("أسعار النفط", "سعر النفط", 1), encoding="utf-8"
    )


def add_article(corpus):
    """Another story in the sports section (its headline differs: the same headline and body
    again would be a duplicate, rejected)."""
    text = (SAMPLE / "002_7c1d2e9f40ab8835.txt").read_text(encoding="utf-8")
    (corpus / "006_added.txt").write_text(text.replace("\n\n", " مجدداً\n\n", 1), "utf-8")
    (corpus / "006_added.toml").write_text(
        'published = 2023-05-20T10:00:00+03:00\nsection = "رياضة"\nauthors = ["فهد المطيري"]\n',
        encoding="utf-8",
    )


def remove_article(corpus):
    (corpus / "004_e92f4b7a1c3d5068.txt").unlink()


def change_photo(corpus):
    path = corpus / "images" / "book-fair.jpg"
    path.write_bytes(path.read_bytes() + b"\0")  # same picture, different bytes


# An added or removed article also rebuilds the months of the articles that link to it (previous
# and next in its section, related by section and tags): the added sport story (May 2023) is the
# new "previous" of August 2025's; the removed tech story (Feb 2025) was September 2025's. A
# changed headline is shown by the one story that links to it.
@pytest.mark.parametrize(
    "change, rebuilt",
    [
        (change_body, 1),
        (change_headline, 2),
        (add_article, 2),
        (remove_article, 1),
        (change_photo, 2),  # and the story whose related links show its thumbnail
    ],
)
def test_incremental_equals_full(tmp_path, monkeypatch, change, rebuilt):
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    first = build(config)
    assert (first.partitions["built"], first.partitions["reused"]) == (SAMPLE_ARTICLES, 0)
    change(corpus)
    again = build(config)
    assert again.published and again.partitions["built"] == rebuilt
    assert (
        again.partitions["reused"]
        == len(list((work / ".build" / "partitions").iterdir())) - rebuilt
    )
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus)


def test_unchanged_read_cache_chunks_are_admitted_whole(tmp_path, monkeypatch):
    """After one edit the gate takes every chunk of the read cache but the edited file's as a
    run, and the site equals a full build."""
    from builder.pipeline.admit import Admission

    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    build(config)
    change_body(corpus)  # 001_...: its chunk is 000 and 001
    taken = []
    real = Admission.take_run

    def counting(gate, run):
        accepted = real(gate, run)
        taken.append(len(run) if accepted else -len(run))
        return accepted

    monkeypatch.setattr(Admission, "take_run", counting)
    again = build(config)
    assert again.published and again.partitions["built"] == 1
    assert taken == [2] * ((SAMPLE_ARTICLES - 2) // 2) + [1] * (
        SAMPLE_ARTICLES % 2
    )  # chunks of two files, one article each
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus)


def test_listings_and_links_are_made_again_only_when_listed_fields_change(tmp_path, monkeypatch):
    """A body edit leaves every listing page and every link as they were, so none is made
    again (the link files keep their bytes and times); a headline edit makes them again.
    Each build equals a full build."""
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    first = build(config)
    assert first.listings["made"] == 1 and first.listings["reused"] == 0
    links = work / ".build" / "links"
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in links.iterdir()}
    change_body(corpus)
    again = build(config)
    assert again.listings == {"made": 0, "rendered": 0, "reused": first.listings["rendered"]}
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in links.iterdir()} == before
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus)
    change_headline(corpus)
    third = build(config)
    assert (
        third.listings["made"] == 1 and 0 < third.listings["rendered"] < first.listings["rendered"]
    )
    assert {p.name: p.read_bytes() for p in links.iterdir()} != {
        name: data for name, (_, data) in before.items()
    }
    assert tree_hashes(work / "site") == full_build(tmp_path, "full2", corpus)


def test_a_setting_changed_through_the_environment_is_seen(tmp_path, monkeypatch):
    """``per_page: !ENV [PER_PAGE, 20]``: a new value leaves mkdocs.yml's bytes as they were,
    yet nothing made with the old one may be reused (listing pages above all, which are not
    even made again when no listed field changed)."""
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus, per_page=20)
    config.write_text(
        config.read_text(encoding="utf-8").replace("per_page: 20", "per_page: !ENV [PER_PAGE, 20]"),
        encoding="utf-8",
    )
    monkeypatch.setenv("PER_PAGE", "20")
    assert build(config).published
    monkeypatch.setenv("PER_PAGE", "2")
    again = build(config)
    assert again.published and again.listings["made"] == 1
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus, per_page=2)


def test_a_month_past_partition_size_is_cut_into_runs(tmp_path, monkeypatch):
    """Four May 2023 stories with ``partition_size: 2``: the month is two partitions of two
    (in date order); an edit rebuilds only its run, and the site equals a full build."""
    work, corpus = workspace(tmp_path, monkeypatch)
    source = (corpus / "002_7c1d2e9f40ab8835.txt").read_text(encoding="utf-8")
    for day in (10, 20, 25):
        (corpus / f"009_may{day}.txt").write_text(
            f"خبر رياضي يوم {day} مايو\n\n{source.split(chr(10), 1)[1]}", encoding="utf-8"
        )
        (corpus / f"009_may{day}.toml").write_text(
            f'published = 2023-05-{day}T10:00:00+03:00\nsection = "رياضة"\nslug = "may-{day}"\n',
            encoding="utf-8",
        )
    config = make_project(work, corpus, partition_size=2)
    assert build(config).published
    runs = sorted(
        p.name for p in (work / ".build" / "partitions").iterdir() if p.name.startswith("2023-05")
    )
    assert runs == ["2023-05.1", "2023-05.2"]
    assert sorted(
        p.name for p in (work / ".build" / "partitions" / "2023-05.2" / "articles").iterdir()
    ) == ["may-20.md", "may-25.md"]
    story = corpus / "009_may25.txt"
    story.write_text(story.read_text(encoding="utf-8") + "\nفقرة أخيرة.\n", encoding="utf-8")
    again = build(config)
    assert again.published and again.partitions["built"] == 1
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus, partition_size=2)


def test_a_new_latest_article_of_a_cut_month_joins_its_last_run(tmp_path, monkeypatch):
    """A newsroom's current month grows at its end: with ``partition_size: 3``, four May 2023
    stories are runs of three and one, and a fifth, the latest, joins the last run: the first
    keeps its articles (equal runs, two and two then three and two, moved it), and the site
    equals a full build."""
    work, corpus = workspace(tmp_path, monkeypatch)
    source = (corpus / "002_7c1d2e9f40ab8835.txt").read_text(encoding="utf-8")

    def may(day: int) -> None:
        (corpus / f"009_may{day}.txt").write_text(
            f"خبر رياضي يوم {day} مايو\n\n{source.split(chr(10), 1)[1]}", encoding="utf-8"
        )
        (corpus / f"009_may{day}.toml").write_text(
            f'published = 2023-05-{day}T10:00:00+03:00\nsection = "رياضة"\nslug = "may-{day}"\n',
            encoding="utf-8",
        )

    def runs() -> dict[str, list[str]]:
        parts = work / ".build" / "partitions"
        return {
            run.name: sorted(p.name for p in (run / "articles").iterdir())
            for run in sorted(parts.iterdir())
            if run.name.startswith("2023-05")
        }

    for day in (10, 20, 25):
        may(day)
    config = make_project(work, corpus, partition_size=3)
    assert build(config).published
    before = runs()
    assert [len(v) for v in before.values()] == [3, 1]
    may(28)
    assert build(config).published
    after = runs()
    assert after["2023-05.1"] == before["2023-05.1"] and len(after["2023-05.2"]) == 2
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus, partition_size=3)


def test_settings_change_rebuilds_everything(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    config = make_project(tmp_path, corpus)
    build(config)
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "site_name: أخبار المثال", "site_name: أخبار أخرى"
        ),
        encoding="utf-8",
    )
    again = build(config)
    assert (
        again.partitions["built"],
        again.partitions["reused"],
        again.partitions["pages_reused"],
    ) == (SAMPLE_ARTICLES, 0, 0)


def test_unchanged_files_are_not_read_again(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    config = make_project(tmp_path, corpus)
    build(config)
    import builder.pipeline.partitions as partitions

    read = []
    original = partitions.read_inputs
    monkeypatch.setattr(
        partitions, "read_inputs", lambda path, *a: read.append(path.name) or original(path, *a)
    )
    change_body(corpus)
    again = build(config, jobs=1)  # in-process, so the counting wrapper sees the reads
    assert again.published
    # the read phase reopened only the changed file; its partition reopened it to render it,
    # and the feeds to show its new text (the others' texts are kept: builder.build.full_texts)
    assert read == ["001_a3f09c2e7b14d6e1.txt"] * 3


def test_share_images_are_drawn_once_per_headline(tmp_path, monkeypatch):
    """A rebuilt month copies the share images the current site already has (their file name is
    a hash of what they are drawn from); only a changed headline is drawn again, under a new
    name, and its old drawing leaves the site."""
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    assert build(config).published
    media = work / "site" / "media" / "7c1d2e9f40ab8835"  # the sports story has no photo
    (old,) = media.glob("share-*.png")
    import builder.render.share_image as share_image

    drawn = []
    original = share_image.render
    monkeypatch.setattr(
        share_image, "render", lambda headline, *a: drawn.append(headline) or original(headline, *a)
    )
    story = corpus / "002_7c1d2e9f40ab8835.txt"
    story.write_text(story.read_text(encoding="utf-8") + "\nفقرة أضيفت.\n", encoding="utf-8")
    again = build(config, jobs=1)  # in-process, so the counting wrapper sees the drawings
    assert again.published and again.partitions["built"] == 1 and drawn == []
    assert [p.name for p in media.glob("share-*.png")] == [old.name]
    _, rest = story.read_text(encoding="utf-8").split("\n", 1)
    story.write_text("عنوان جديد للخبر الرياضي\n" + rest, encoding="utf-8")
    assert build(config, jobs=1).published
    assert drawn == ["عنوان جديد للخبر الرياضي"]
    (new,) = media.glob("share-*.png")
    assert new.name != old.name
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus)


def test_the_read_cache_is_written_only_when_it_changed(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    config = make_project(tmp_path, corpus)
    build(config)
    cache = tmp_path / ".build" / "read-cache" / "index.pickle"
    stamp = cache.stat().st_mtime_ns
    assert (
        build(config).published and cache.stat().st_mtime_ns == stamp
    )  # nothing read, nothing written
    change_body(corpus)
    assert build(config).published and cache.stat().st_mtime_ns != stamp
    stamp = cache.stat().st_mtime_ns
    remove_article(corpus)
    assert build(config).published and cache.stat().st_mtime_ns != stamp  # an entry left


def test_upper_case_txt_sidecar_change_is_seen(tmp_path, monkeypatch):
    work, corpus = workspace(tmp_path, monkeypatch)
    (corpus / "002_7c1d2e9f40ab8835.txt").rename(corpus / "002_7c1d2e9f40ab8835.TXT")
    config = make_project(work, corpus)
    build(config)
    sidecar = corpus / "002_7c1d2e9f40ab8835.toml"
    sidecar.write_text(
        sidecar.read_text(encoding="utf-8").replace('section = "رياضة"', 'section = "كرة القدم"'),
        encoding="utf-8",
    )
    again = build(config)
    # a new section: the masthead menu of every page changes, so every month is built again
    assert again.partitions["built"] == SAMPLE_ARTICLES
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus)


def test_a_rejection_is_not_cached(tmp_path, monkeypatch):
    work, corpus = workspace(tmp_path, monkeypatch)
    sidecar = corpus / "002_7c1d2e9f40ab8835.toml"
    sidecar.write_text(
        sidecar.read_text(encoding="utf-8") + 'image = "images/new.jpg"\n', encoding="utf-8"
    )
    config = make_project(work, corpus)
    assert len(build(config).rejected) == 1  # the photo does not exist yet
    shutil.copy(corpus / "images" / "oil-field.jpg", corpus / "images" / "new.jpg")
    again = build(config)
    assert again.rejected == [] and len(again.built) == SAMPLE_ARTICLES
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus)


def test_switching_site_dirs_never_reuses_the_wrong_site(tmp_path, monkeypatch):
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    build(config)
    build(config, site_dir=work / "site2")
    change_body(corpus)
    build(config, site_dir=work / "site2")
    build(config)
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus)


def test_articles_dated_after_the_build_time_are_held_back_until_then(tmp_path, monkeypatch):
    """An embargoed story (or one whose date came without its time zone) is not published early,
    and does not stop the rest of the site: it appears with the first build after its date."""
    from datetime import datetime

    work, corpus = workspace(tmp_path, monkeypatch)  # "now" is 2025-10-12 08:00 UTC
    config = make_project(work, corpus)
    flu = (
        work / "site" / "articles" / "flu-vaccination-campaign" / "index.html"
    )  # published 06:00 UTC, modified 06:40 UTC
    now = datetime(2025, 10, 12, 5, tzinfo=UTC)
    early = build(config, now=now)
    assert (
        early.published
        and len(early.built) == SAMPLE_ARTICLES - 1
        and not early.errors
        and not early.rejected
    )
    ((source, reason),) = early.held
    assert source.endswith("005_4d8a0f6c2e9b1357.txt") and reason.startswith(
        "published date 2025-10-12T09:00:00+03:00 is after the build time "
        f"{now.isoformat()}: held back"
    )
    assert not flu.exists() and "flu-vaccination-campaign" not in sitemap_text(work / "site")
    assert build(config).published and flu.is_file()
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus)


def test_a_modified_date_after_the_build_time_is_left_out_until_then(tmp_path, monkeypatch):
    """A correction dated in the future (a local time given as UTC) must not take a published
    article off the site: the article stays, without that date, until it comes; the build
    after it makes its page, sitemap entry and feeds again, as a full build would."""
    from datetime import datetime

    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    flu = work / "site" / "articles" / "flu-vaccination-campaign" / "index.html"
    now = datetime(
        2025, 10, 12, 6, 20, tzinfo=UTC
    )  # after 06:00 (published), before 06:40 (modified)
    early = build(config, now=now)
    assert (
        early.published
        and len(early.built) == SAMPLE_ARTICLES
        and not early.held
        and not early.errors
    )
    assert [w for s, w in early.warnings if s.endswith("005_4d8a0f6c2e9b1357.txt")] == [
        "modified date 2025-10-12T09:40:00+03:00 is after the build time "
        f"{now.isoformat()}: left out of its page, sitemap and feeds until then "
        "(a date given in the wrong time zone?)"
    ]
    # until then the article counts as unchanged since it was published
    assert "2025-10-12T09:40" not in flu.read_text(encoding="utf-8")
    assert '"dateModified": "2025-10-12T09:00:00+03:00"' in flu.read_text(encoding="utf-8")
    assert "2025-10-12T09:40" not in sitemap_text(work / "site")
    later = build(config)
    assert (
        later.published
        and later.partitions["built"] == 1
        and '"dateModified": "2025-10-12T09:40:00+03:00"' in flu.read_text(encoding="utf-8")
    )
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus)


def test_settings_edited_between_builds_in_one_process(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1760256000")
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    config = make_project(tmp_path, corpus)
    build(config, jobs=1)
    config.write_text(
        config.read_text(encoding="utf-8").replace("timezone: Asia/Kuwait", "timezone: UTC"),
        encoding="utf-8",
    )
    build(config, jobs=1)
    page = (tmp_path / "site" / "articles" / "oil-prices-jump" / "index.html").read_text(
        encoding="utf-8"
    )
    assert "8 مارس 2022، 7:05 ص" in page  # 10:05 +03:00 shown in UTC


def test_warnings_of_reused_months_are_kept(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    sidecar = corpus / "002_7c1d2e9f40ab8835.toml"
    sidecar.write_text(
        sidecar.read_text(encoding="utf-8") + 'image = "https://cdn.elsewhere.example/p.jpg"\n',
        encoding="utf-8",
    )
    config = make_project(tmp_path, corpus)
    first = build(config)
    again = build(config)
    assert again.partitions["reused"] == SAMPLE_ARTICLES
    assert sorted(again.warnings) == sorted(first.warnings) and any(
        "another host" in w for _, w in again.warnings
    )


def test_a_chain_of_builds_recycling_the_spare_equals_full_builds(tmp_path, monkeypatch):
    """Each build starts from the site replaced by the one before (the spare): months whose
    inputs did not change since the spare was made stay, the rest comes from the current site
    or is rebuilt. After every step of a chain of edits the site equals a full build."""
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    assert build(config).spare_months is None  # the first build replaces nothing
    steps = [
        change_body,
        add_article,
        change_headline,
        change_photo,
        remove_article,
        lambda c: None,
    ]
    spares = []
    for n, change in enumerate(steps):
        change(corpus)
        report = build(config)
        assert report.published
        spares.append(report.spare_months)
        assert tree_hashes(work / "site") == full_build(tmp_path, f"full-{n}", corpus), (
            f"after step {n}"
        )
    # the second build starts from the copy of the first site that the first build left as
    # the spare (it replaced nothing), later ones from the site each build replaced
    assert all(s is not None and s > 0 for s in spares)


def test_a_full_build_leaves_a_copy_of_its_site_as_the_spare(tmp_path, monkeypatch):
    """A build that made most months anew replaced no site worth keeping, so it leaves a
    hard-linked copy of its own site as the spare, with a marker of its own: the first
    one-article change after it keeps every other month from that spare, as later changes do,
    instead of linking every article and media file of the site into a new folder."""
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    first = build(config)
    assert first.spare_months is None and "spare" in first.stages
    site, spare = work / "site", work / ".site.spare"
    page = "articles/oil-prices-jump/index.html"
    assert (spare / page).stat().st_ino == (site / page).stat().st_ino
    assert (spare / ".builder-site").stat().st_ino != (site / ".builder-site").stat().st_ino
    change_body(corpus)
    report = build(config)
    assert (report.partitions["built"], report.partitions["reused"]) == (1, SAMPLE_ARTICLES - 1)
    assert report.spare_months == SAMPLE_ARTICLES - 1  # every month it did not make again
    assert "spare" not in report.stages  # it kept most months: the site it replaced is the spare
    assert tree_hashes(site) == full_build(tmp_path, "full", corpus)


def test_a_spare_that_cannot_be_copied_is_a_warning_and_the_site_stands(tmp_path, monkeypatch):
    """The spare's copy comes after the swap: when ``cp`` fails (a full disk, say), the site is
    published all the same, the summary says why there is no spare, nothing half-made is left
    beside the site, and the next build links the site instead."""
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "cp").write_text(
        '#!/bin/sh\n[ "$1" = -al ] && { echo "No space left on device" >&2; exit 1; }\n'
        'exec /bin/cp "$@"\n',
        encoding="utf-8",
    )
    (tools / "cp").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}:{os.environ['PATH']}")
    report = build(config)
    assert report.published
    assert [m for _, m in report.warnings if "spare" in m] == [
        "no spare copy of the site was made: cp -al failed: No space left on device"
    ]
    assert not (work / ".site.spare").exists() and not list(work.glob(".site.new-*"))
    monkeypatch.undo()  # cp works again
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1760256000")
    change_body(corpus)
    report = build(config)
    assert report.published and report.spare_months is None  # no spare: the site is linked
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus)


def test_the_spare_keeps_the_listing_pages_and_search_chunks_that_stand(tmp_path, monkeypatch):
    """The spare is the site two builds old. After a body edit its listing pages and all but one
    search chunk are what the new site needs: they stay in place (the very folders, not made
    and linked again, which cost a folder and a link a page), and the site equals a full build.
    A headline edit changes some listing pages: the spare's old ones are not kept."""
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus, search_chunk=1)  # a chunk per month
    build(config)
    change_body(corpus)
    build(config)  # the first site is the spare now
    spare = work / ".site.spare"
    listing = sorted(
        p.parent.relative_to(spare).as_posix()
        for top in ("page", "archive", "sections", "tags")
        for p in (spare / top).rglob("index.html")
    )
    chunks = sorted(
        p.relative_to(spare).as_posix() for p in (spare / "pagefind").iterdir() if p.is_dir()
    )
    assert len(listing) > 5 and len(chunks) == SAMPLE_ARTICLES
    # what a build moves aside stays there (not deleted in the background), so no folder made
    # anew can reuse a freed inode number and pass for a kept one
    monkeypatch.setattr(publish, "remove_later", lambda folder: None)
    before = {rel: (spare / rel).stat().st_ino for rel in listing + chunks}
    path = corpus / "001_a3f09c2e7b14d6e1.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("قفزت أسعار النفط", "قفزت أسعار النفط الخام"),
        encoding="utf-8",
    )
    assert build(config).published
    after = {rel: (work / "site" / rel).stat().st_ino for rel in listing + chunks}
    moved = sorted(rel for rel in before if before[rel] != after[rel])
    assert len(moved) == 1 and moved[0].startswith("pagefind/"), (
        moved
    )  # the edited article's chunk alone is new
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus, search_chunk=1)
    change_headline(corpus)
    assert build(config).published
    assert tree_hashes(work / "site") == full_build(
        tmp_path, "full-headline", corpus, search_chunk=1
    )


def test_after_a_settings_change_the_stale_spare_goes_whole_and_the_site_equals_a_full_build(
    tmp_path, monkeypatch
):
    """A settings change makes every month again, so the spare keeps nothing: its article and
    media folders are moved aside whole (one rename each, not one per article), and the site
    still equals a full build with the new settings, then and on the build after it."""
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    build(config)
    change_body(corpus)
    build(config)  # the first site is the spare now
    spare = work / ".site.spare"
    folders = {name: (spare / name).stat().st_ino for name in ("articles", "media")}
    monkeypatch.setattr(
        publish, "remove_later", lambda folder: None
    )  # what is moved aside stays to be looked at
    config.write_text(
        config.read_text(encoding="utf-8").replace("per_page: 20", "per_page: 3"), encoding="utf-8"
    )
    report = build(config)
    assert report.published and report.spare_months == 0 and report.partitions["reused"] == 0
    aside = {
        p.name.removesuffix("-changed"): p.stat().st_ino
        for p in work.glob(".site.old-*/*.pruned/*-changed")
    }
    assert aside == folders  # the spare's own folders, moved whole
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus, per_page=3)
    assert build(config).spare_months  # a build of new months leaves a copy of its site as spare
    assert tree_hashes(work / "site") == full_build(tmp_path, "full-again", corpus, per_page=3)


def test_a_build_that_makes_every_month_again_says_why(tmp_path, monkeypatch, capsys):
    """A build that makes every month again, when the last one was a few seconds' work, says
    why on its progress line: a new section (the masthead's menu, on every page, changes) or
    new code, templates or settings. A first build, or one that reuses months, says nothing."""
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    build(config)
    assert "partition(s) to build (" not in capsys.readouterr().err
    text = (SAMPLE / "002_7c1d2e9f40ab8835.txt").read_text(encoding="utf-8")
    (corpus / "007_arts.txt").write_text(text.replace("\n\n", " في الفنون\n\n", 1), "utf-8")
    (corpus / "007_arts.toml").write_text(
        'published = 2023-05-21T10:00:00+03:00\nsection = "فنون"\n', encoding="utf-8"
    )
    assert build(config).partitions["reused"] == 0
    said = capsys.readouterr().err
    assert "partition(s) to build (the section menu changed, and every page shows it)," in said
    config.write_text(
        config.read_text(encoding="utf-8").replace("per_page: 20", "per_page: 3"), encoding="utf-8"
    )
    assert build(config).partitions["reused"] == 0
    said = capsys.readouterr().err
    assert "to build (the code, templates, settings or profile changed)," in said
    change_body(corpus)
    assert build(config).partitions["reused"] > 0
    assert "partition(s) to build (" not in capsys.readouterr().err


def test_keep_only_moves_whichever_is_fewer(tmp_path):
    """The entries to keep stay, with their inodes; the rest end in the trash folder."""
    from builder.publish.recycle import _keep_only

    for keep in ({"a"}, {"a", "b", "c"}):
        folder = tmp_path / str(len(keep)) / "articles"
        for name in "abcd":
            (folder / name).mkdir(parents=True)
            (folder / name / "index.html").write_text(name, encoding="utf-8")
        inodes = {p.name: p.stat().st_ino for p in folder.iterdir()}
        trash = folder.parent / "trash"
        _keep_only(folder, keep, trash)
        assert {p.name: p.stat().st_ino for p in folder.iterdir()} == {n: inodes[n] for n in keep}
        assert sorted(p.name for p in trash.iterdir()) == sorted(set("abcd") - keep)
        assert not list(folder.parent.glob("*.kept"))


def test_a_spare_without_its_record_is_not_trusted(tmp_path, monkeypatch):
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    build(config)
    change_body(corpus)
    build(config)
    spare = work / ".site.spare"
    assert spare.is_dir()
    # a spare edited by hand (or left by a crash after the swap): its record no longer matches
    (spare / ".builder-site").write_text("touched\n", encoding="utf-8")
    (spare / "articles" / "oil-prices-jump" / "index.html").unlink()
    change_photo(corpus)
    report = build(config)
    assert report.published and report.spare_months is None
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus)


# A site owner's theme giving listing pages a CollectionPage JSON-LD, each card's deck as its
# "abstract": a pending schema.org term, so every listing page showing a deck carries a note.
LISTING_JSONLD = """{% block jsonld %}
<script type="application/ld+json">{"@context": "https://schema.org", \
"@type": "CollectionPage", "name": {{ l.heading|tojson }}, "hasPart": [
{%- for item in page.meta["items"] %}{"@type": "NewsArticle", \
"headline": {{ item.headline|tojson }}\
{% if item.deck %}, "abstract": {{ item.deck|tojson }}{% endif %}}\
{% if not loop.last %}, {% endif %}{% endfor %}]}</script>
{%- endblock %}
"""


def jsonld_listings_project(root, corpus):
    """make_project, with a copy of our theme whose listing pages carry :data:`LISTING_JSONLD`."""
    theme = root / "theme"
    shutil.copytree(REPO / "templates", theme)
    listing = theme / "listing.html"
    own = re.sub(  # in place of our own (the home's WebSite, the authors' ProfilePage)
        r"\{% block jsonld %\}.*?\{% endblock %\}\n",
        "",
        listing.read_text(encoding="utf-8"),
        count=1,
        flags=re.S,
    )
    assert "block jsonld" not in own
    listing.write_text(
        own.replace("{% block content %}", LISTING_JSONLD + "{% block content %}", 1),
        encoding="utf-8",
    )
    config = make_project(root, corpus)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["theme"]["custom_dir"] = str(theme)
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return config


def test_reused_listing_pages_report_their_recorded_findings_unread(tmp_path, monkeypatch):
    """The build's check does not read the listing pages it linked from the published site: it
    reports the findings recorded with their keys, so the report equals a full build's. Pages
    whose findings change (a deck removed) are rendered again and checked again."""
    work, corpus = workspace(tmp_path, monkeypatch)
    config = jsonld_listings_project(work, corpus)
    checked = []
    original = validate.check_page
    monkeypatch.setattr(
        validate, "check_page", lambda html, *a: checked.append(html) or original(html, *a)
    )

    def run():
        checked.clear()
        return build(config)

    def listing_pages_checked():
        """How many of the published listing pages the last run checked, and how many it did not."""
        record = json.loads((work / ".build" / "listings.json").read_text(encoding="utf-8"))
        seen = [
            (work / "site" / html_path(p)).read_text(encoding="utf-8") in checked
            for p in record["pages"]
        ]
        return seen.count(True), seen.count(False)

    def full_findings(name):
        root = tmp_path / name
        root.mkdir()
        return build(jsonld_listings_project(root, corpus)).findings

    def noted(report):
        return [f.page for f in report.findings if "'abstract' is a pending" in f.message]

    first = run()
    assert first.published and listing_pages_checked() == (first.listings["rendered"], 0)
    assert noted(first) and noted(first)[0] != "1 page(s)"  # the listing pages' notes, folded
    change_body(corpus)
    again = run()
    assert again.listings == {"made": 0, "rendered": 0, "reused": first.listings["rendered"]}
    assert listing_pages_checked() == (0, first.listings["rendered"])
    assert again.findings == first.findings == full_findings("full")
    deck = corpus / "001_a3f09c2e7b14d6e1.txt"  # the oil story: its pages lose their note
    deck.write_text(deck.read_text(encoding="utf-8").split("\n\n", 1)[1], encoding="utf-8")
    third = run()
    assert third.published and 0 < third.listings["rendered"] < first.listings["rendered"]
    assert listing_pages_checked() == (third.listings["rendered"], third.listings["reused"])
    assert noted(third) != noted(again)
    assert third.findings == full_findings("full2")
