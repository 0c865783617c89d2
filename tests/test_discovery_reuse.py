"""The sitemaps, robots.txt and feeds are taken from the published site when nothing they show
changed; the news sitemap, which moves with "now", is made every build."""

import shutil
from datetime import datetime, timedelta, timezone

from builder.build import build
from tests.conftest import SAMPLE, make_project
from tests.test_incremental import (
    add_article,
    full_build,
    remove_article,
    tree_hashes,
    workspace,
)

# the sitemap of the partition the edited story is in (2022-03) comes out the same: linked too
LASTING = (
    *("sitemap.xml", "sitemap-pages.xml", "sitemap-2022-03.xml", "robots.txt"),
    *("feed.xml", "atom.xml"),
)


def inodes(site):
    return {name: (site / name).stat().st_ino for name in LASTING}


def test_a_body_edit_reuses_the_crawler_files_and_the_site_equals_a_full_build(
    tmp_path, monkeypatch
):
    """Of an article no feed shows (a feed of one item here: the oil story of 2022 is the
    newest of none of its section, tags and author), so no crawler file shows its text."""
    import builder.render.discovery as discovery

    monkeypatch.setattr(discovery, "FEED_ITEMS", 1)
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    assert build(config).discovery == "made"
    before = inodes(work / "site")
    story = corpus / "001_a3f09c2e7b14d6e1.txt"
    story.write_text(
        story.read_text(encoding="utf-8").replace("قفزت أسعار النفط", "ارتفعت أسعار النفط"),
        encoding="utf-8",
    )
    again = build(config)
    assert again.published and again.discovery == "reused"
    assert inodes(work / "site") == before  # the very files, hard-linked
    assert tree_hashes(work / "site") == full_build(tmp_path, "full", corpus)


def test_a_new_headline_makes_them_again(tmp_path, monkeypatch):
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    build(config)
    story = corpus / "001_a3f09c2e7b14d6e1.txt"
    story.write_text(
        story.read_text(encoding="utf-8").replace("أسعار النفط", "سعر النفط", 1), encoding="utf-8"
    )
    again = build(config)
    assert again.published and again.discovery == "made"
    assert "سعر النفط" in (work / "site" / "feed.xml").read_text(encoding="utf-8")


def test_a_new_hand_written_page_joins_the_sitemap(tmp_path, monkeypatch):
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    build(config)
    (work / "docs" / "contact.md").write_text(
        "# اتصل بنا\n\nالبريد: news@example.org\n", encoding="utf-8"
    )
    config.write_text(
        config.read_text(encoding="utf-8").replace("- about.md\n", "- about.md\n- contact.md\n", 1),
        encoding="utf-8",
    )
    again = build(config)
    assert again.published and again.discovery == "made"
    pages = (work / "site" / "sitemap-pages.xml").read_text(encoding="utf-8")
    assert "https://akhbar.example.org/contact/" in pages


def test_a_new_article_makes_its_partitions_sitemap_the_others_are_linked(tmp_path, monkeypatch):
    """Each partition has its own sitemap: one article added (of May 2023) or removed (the
    only one of February 2025) writes or removes that month's sitemap, the other months' are
    linked from the published site, and the site is the one a full build makes."""
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    build(config)
    site = work / "site"

    def sitemaps():
        return {p.name: p.stat().st_ino for p in site.glob("sitemap-*.xml")}

    def feeds():
        return {p.relative_to(site).as_posix(): p.stat().st_ino for p in site.rglob("*.xml")}

    before, feeds_before = sitemaps(), feeds()
    assert len(before) == 11  # 10 partitions (months), and the other pages'
    add_article(corpus)
    assert build(config).published
    after = sitemaps()
    changed = {n for n in after if before.get(n) != after[n]}
    assert "sitemap-2023-05.xml" in changed <= {"sitemap-2023-05.xml", "sitemap-pages.xml"}
    # the feeds that show the new article are made again (the site's, its section's and its
    # author's: it has no tags), the others are linked
    remade = {
        rel.removesuffix("feed.xml").removesuffix("atom.xml")
        for rel, inode in feeds().items()
        if feeds_before.get(rel) != inode and not rel.startswith(("sitemap", "news-sitemap"))
    }
    assert remade == {
        "",
        "sections/رياضة/",
        "authors/فهد-المطيري/",
    }, remade
    assert "/articles/" in (site / "sitemap-2023-05.xml").read_text(encoding="utf-8")
    assert tree_hashes(site) == full_build(tmp_path, "added", corpus)
    again = build(config)  # nothing changed: every file linked, the feeds linked last time too
    assert again.discovery == "reused" and sitemaps() == after
    assert tree_hashes(site) == full_build(tmp_path, "again", corpus)
    remove_article(corpus)  # the one article of February 2025
    assert build(config).published
    assert "sitemap-2025-02.xml" in after and "sitemap-2025-02.xml" not in sitemaps()
    assert tree_hashes(site) == full_build(tmp_path, "removed", corpus)


def test_the_news_sitemap_follows_now_while_the_rest_is_reused(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    config = make_project(tmp_path, corpus)
    newest = datetime(
        2025, 10, 12, 9, 0, tzinfo=timezone(timedelta(hours=3))
    )  # the sample's newest story
    assert build(config, now=newest + timedelta(hours=1)).published
    assert b"<url>" in (tmp_path / "site" / "news-sitemap.xml").read_bytes()
    again = build(config, now=newest + timedelta(days=5))
    assert again.published and again.discovery == "reused"
    assert b"<url>" not in (tmp_path / "site" / "news-sitemap.xml").read_bytes()


def test_a_new_modified_date_author_or_first_paragraph_makes_them_again(tmp_path, monkeypatch):
    """No listing shows these, so the listings' digest does not cover them, but the sitemap
    (lastmod) and the feeds (updated, author, summary) do: each edit alone must make them again,
    and the site must equal a full build."""
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    build(config)
    sidecar = corpus / "004_e92f4b7a1c3d5068.toml"  # no deck: its summary is its first paragraph
    story = corpus / "004_e92f4b7a1c3d5068.txt"
    first = story.read_text(encoding="utf-8").split("\n\n")[1].split()[0]
    edits = [
        (sidecar, "modified = 2025-02-19T16:00:00+03:00", "modified = 2025-03-01T16:00:00+03:00"),
        (sidecar, 'name = "ريم الحسن"', 'name = "ريم حسن"'),
        (
            story,
            first,
            first + "،",
        ),
    ]
    for n, (path, old, new) in enumerate(edits):
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        again = build(config)
        listed = int(n == 1)  # an author has a listing page of their own
        assert again.published and again.discovery == "made" and again.listings["made"] == listed
        assert tree_hashes(work / "site") == full_build(tmp_path, f"full-{n}", corpus), n


def test_only_the_feeds_items_descriptions_and_authors_count(tmp_path, monkeypatch):
    """A feed shows the text and authors of its items alone: editing the text of an article no
    feed shows leaves every crawler file as it was (each feed of one item here: the site's
    newest, and each section's, tag's and author's), while its modified date (the sitemap's
    lastmod), or the text or authors of a feed's item, makes them again. After each build the
    site equals a full build."""
    import builder.render.discovery as discovery

    monkeypatch.setattr(discovery, "FEED_ITEMS", 1)
    work, corpus = workspace(tmp_path, monkeypatch)
    config = make_project(work, corpus)
    build(config)
    old = corpus / "001_a3f09c2e7b14d6e1.txt"  # June 2025's oil story is newer in all it is in
    steps = [
        (old, "قفزت أسعار النفط", "ارتفعت أسعار النفط", "reused", 0),
        (
            corpus / "001_a3f09c2e7b14d6e1.toml",
            "modified = 2022-03-08T13:30:00+03:00",
            "modified = 2022-03-09T13:30:00+03:00",
            "made",
            0,
        ),
        (corpus / "007_3e5a7c9b1d2f4680.txt", "تراجعت", "انخفضت", "made", 0),  # feeds' item
        (
            corpus / "008_9d1f3b5c7e0a2468.toml",
            'name = "ريم الحسن"',
            'name = "ريم حسن"',
            "made",
            1,  # the section feed's item; and a new author page
        ),
    ]
    for n, (path, before, after, discovered, listed) in enumerate(steps):
        files = inodes(work / "site")
        text = path.read_text(encoding="utf-8")
        assert before in text
        path.write_text(text.replace(before, after, 1), encoding="utf-8")
        again = build(config)
        assert again.published and again.discovery == discovered, n
        assert again.listings["made"] == listed, n
        assert (inodes(work / "site") == files) == (discovered == "reused"), n
        assert tree_hashes(work / "site") == full_build(tmp_path, f"full-{n}", corpus), n
