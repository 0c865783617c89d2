"""Listings (latest, sections, tags, date archives) and links between articles, as pages and
as a built site."""

import dataclasses
import hashlib
import io
import json
import random
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
import yaml

from builder.build import build
from builder.core.article import Article, Image
from builder.render.links import RELATED, article_links
from builder.render.listings import iter_listing_pages, listing_pages
from tests.conftest import SAMPLE, make_project


def meta(page: str) -> dict:
    return yaml.safe_load(page.split("---\n")[1])


def corpus(n: int) -> list[Article]:
    """``n`` articles a day apart, alternating two sections, tagged by parity and by thirds."""
    start = datetime(2024, 1, 1, 12, tzinfo=UTC)
    return [
        Article(
            id=f"a{i:03d}",
            source=f"/in/{i:03d}.txt",
            headline=f"خبر {i}",
            alternative_headline=None,
            image=None,
            paragraphs=("نص",),
            published=start + timedelta(days=i * 3),
            section="رياضة" if i % 2 else "اقتصاد",
            tags=(f"وسم {i % 3}",),
        )
        for i in range(n)
    ]


def test_latest_sections_and_tags_are_capped_and_archives_list_everything(settings):
    settings = dataclasses.replace(settings, per_page=5, max_pages=2)
    articles = corpus(40)
    pages = listing_pages(articles, settings)
    assert {"index.md", "page/2.md"} <= set(pages) and "page/3.md" not in pages  # capped at 2 pages
    last = meta(pages["page/2.md"])
    assert last["pagination"]["archive"] == "archive/" and last["pagination"]["next"] is None
    assert [i["headline"] for i in meta(pages["index.md"])["items"]] == [
        f"خبر {i}" for i in range(39, 34, -1)
    ]
    sport = meta(pages["sections/رياضة/index.md"])
    assert (
        all(i["section"] == "رياضة" for i in sport["items"])
        and sport["listing"]["kind"] == "section"
    )
    assert "sections/رياضة/page/2.md" in pages and "sections/رياضة/page/3.md" not in pages
    assert all(
        "وسم 1" in a.tags
        for a in articles
        if f"/{a.id}/" in str(meta(pages["tags/وسم-1/index.md"])["items"])
    )
    # every article is in exactly one month page, whatever the caps
    months = [p for p in pages if p.startswith("archive/2024/") and p.count("/") >= 3]
    listed = [i["url"] for p in months for i in meta(pages[p])["items"]]
    assert sorted(listed) == sorted(f"articles/{a.id}/" for a in articles)
    index = meta(pages["archive/index.md"])
    assert sum(y["count"] for y in index["years"]) == 40 and {
        s["name"] for s in index["sections"]
    } == {"رياضة", "اقتصاد"}
    assert (
        meta(pages["archive/2024/index.md"])["years"][0]["months"][0]["url"] == "archive/2024/04/"
    )  # newest first
    assert meta(pages[months[0]])["listing"]["year"] == {
        "url": "archive/2024/",
        "label": "2024",
    }  # a month's crumbs lead up to its year


def test_undated_articles_have_their_own_archive(settings):
    articles = [*corpus(3), Article("u1", "/in/u.txt", "بلا تاريخ", None, None, ("نص",))]
    pages = listing_pages(articles, settings)
    assert [i["headline"] for i in meta(pages["archive/undated/index.md"])["items"]] == [
        "بلا تاريخ"
    ]
    assert meta(pages["archive/index.md"])["undated"]["count"] == 1


def test_previous_next_and_related(settings):
    articles = corpus(30)
    links = article_links(articles)
    a = {x.id: x for x in articles}
    mid = links[a["a011"].source]  # sport (odd); sport neighbours are a009 (older) and a013 (newer)
    assert mid["previous"]["url"] == "articles/a009/" and mid["next"]["url"] == "articles/a013/"
    assert links[a["a029"].source]["next"] is None and links[a["a001"].source]["previous"] is None
    related = mid["related"]
    assert len(related) == RELATED and "articles/a011/" not in [r["url"] for r in related]
    # most shared first: same section and same tag (i % 3 == 2 and odd) before section-only ones
    assert related[0]["url"] in ("articles/a005/", "articles/a017/")
    shares = [a[r["url"].split("/")[1]] for r in related]
    assert all(x.section == "رياضة" or set(x.tags) & set(a["a011"].tags) for x in shares)


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append(value)


def profiles(page: Path) -> str:
    """The author's links elsewhere a page shows (its ``profile-links`` list), as text."""
    text = page.read_text(encoding="utf-8")
    start = text.find('<ul class="profile-links">')
    return text[start : text.find("</ul>", start)] if start >= 0 else ""


def test_every_link_of_the_built_sample_site_resolves(sample_build):
    """Every href and src in every page points to a file of the site (listings, archives,
    tags, related, previous and next included): no broken link, nothing from another host."""
    root, _ = sample_build
    site = root / "site"
    broken = []
    for page in site.rglob("*.html"):
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        # an editor's own article may link elsewhere (a link, not a request)
        cited = lxml.html.parse(page).xpath("//div[@class='article-body']//a/@href")
        for link in parser.found:
            parts = urlsplit(link)
            if parts.scheme == "mailto" or (parts.scheme and f'{link}"' in profiles(page)):
                continue  # an author's own profiles elsewhere and address: links, not loads
            if parts.scheme or parts.netloc:
                assert parts.netloc == "akhbar.example.org" or link in cited, f"{page}: {link}"
                continue
            if not parts.path:
                continue
            base = (
                site if parts.path.startswith("/") else page.parent
            )  # 404.html links from the root
            target = (base / unquote(parts.path).lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(site)} -> {link}")
    assert broken == []


def test_sample_listings_and_article_links(sample_build):
    root, _ = sample_build
    site = root / "site"
    sport = (site / "sections" / "رياضة" / "index.html").read_text(encoding="utf-8")
    assert (
        "national-team-asian-cup-camp" in sport
        and "kuwait-club-league-title" in sport
        and "oil-prices-jump" not in sport
    )
    assert "oil-falls-on-us-stocks" in (site / "tags" / "النفط" / "index.html").read_text(
        encoding="utf-8"
    )
    assert "book-fair-opens" in (site / "archive" / "2024" / "11" / "index.html").read_text(
        encoding="utf-8"
    )
    page = (site / "articles" / "oil-falls-on-us-stocks" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'rel="prev" href="\.\./oil-prices-jump/"', page)
    assert 'class="related"' in page and "قراءة في" in page


def listing_runs(tmp_path, monkeypatch):
    """A copy of the sample project, and a function building it that returns, for every build
    so far, (listing pages rendered, listing pages linked from the current site)."""
    import shutil

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1760256000")
    shutil.copytree(SAMPLE, tmp_path / "corpus")
    config = make_project(tmp_path, tmp_path / "corpus")
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)

    def run() -> list[tuple[int, int]]:
        build(config, out=io.StringIO())
        return [
            (int(a), int(b))
            for a, b in re.findall(
                r"(\d+) listing page\(s\) to render, (\d+) unchanged", err.getvalue()
            )
        ]

    return run


def test_unchanged_listing_pages_are_not_rendered_again(tmp_path, monkeypatch):
    run = listing_runs(tmp_path, monkeypatch)
    run()
    run()
    body = tmp_path / "corpus" / "001_a3f09c2e7b14d6e1.txt"
    body.write_text(
        body.read_text(encoding="utf-8").replace("قفزت أسعار النفط", "ارتفعت أسعار النفط"),
        encoding="utf-8",
    )
    first, second, third = run()
    assert first[0] > 0 and first[1] == 0
    assert second == (0, first[0])  # nothing changed: every listing page linked from the site
    assert third == (
        0,
        first[0],
    )  # a body edit changes no listing (headline, deck, date are the same)


def test_listing_keys_of_another_site_are_not_trusted(tmp_path, monkeypatch):
    """The listing record names the site it describes (its marker): a record left by a build
    killed between its swap and the record, or for another site, renders every listing again."""
    import json

    run = listing_runs(tmp_path, monkeypatch)
    run()
    record = tmp_path / ".build" / "listings.json"
    data = json.loads(record.read_text(encoding="utf-8"))
    data["marker"] = [0, 0]
    record.write_text(json.dumps(data), encoding="utf-8")
    run()
    runs = run()
    assert runs[1] == runs[0] and runs[0][1] == 0  # not trusted: all rendered again
    assert runs[2] == (0, runs[0][0])  # the record written with the right marker is trusted


def test_slim_records_make_the_same_listings_links_feeds_and_sitemaps(settings):
    """The build's own process keeps slim records (:func:`builder.pipeline.records.slim`): whatever
    it makes from them must be what the full records make. Fails when slim drops a field that
    a listing, link, feed or sitemap shows."""
    from builder.pipeline.records import slim
    from builder.read.inputs import input_files, read_inputs
    from builder.read.profile import load_profile
    from builder.render.discovery import article_sitemap, lasting_files, news_sitemap
    from builder.render.pages import sort_newest_first

    read = [
        r.article
        for p in input_files([SAMPLE])
        for r in read_inputs(p, load_profile())
        if r.article
    ]
    full = [
        dataclasses.replace(a, dateline="الكويت - «الراي»") if i % 2 else a
        for i, a in enumerate(read)
    ]
    full = [
        dataclasses.replace(a, image=Image("تعليق <b>", "رويترز"))
        if not a.image and i % 3 == 0
        else a
        for i, a in enumerate(full)
    ]
    slimmed = [slim(a) for a in full]
    assert (
        sum(a.alternative_headline is not None for a in full) >= 3
        and sum(bool(a.image and a.image.credit) for a in full) >= 2
    )
    assert slimmed != full and all(
        s.dateline is None and not (s.image and s.image.credit) for s in slimmed
    )
    assert any(a.image and not a.image.url for a in full) and all(
        s.image is None or s.image.url for s in slimmed
    )
    now = max(a.published for a in full if a.published) + timedelta(hours=1)
    assert list(iter_listing_pages(slimmed, settings)) == list(iter_listing_pages(full, settings))
    assert article_links(slimmed) == article_links(full)
    texts = {a.id: a.paragraphs for a in full}  # a feed's text: read again (builder.build)
    slimmed, full = sort_newest_first(slimmed), sort_newest_first(full)
    assert article_sitemap(slimmed, settings) == article_sitemap(full, settings)
    assert list(
        lasting_files(slimmed, ["about/"], settings, [], bodies=lambda a: texts[a.id])
    ) == list(lasting_files(full, ["about/"], settings, []))
    assert news_sitemap(slimmed, settings, now) == news_sitemap(full, settings, now)


def tagged(n: int, section: str | None, *tags: str) -> Article:
    """Article ``t{n}``, ``n`` days into 2024, with a section and tags as a sidecar gives them."""
    return Article(
        f"t{n}",
        f"/in/{n:03d}.txt",
        f"خبر {n}",
        None,
        None,
        ("نص",),
        published=datetime(2024, 1, 1 + n, 12, tzinfo=UTC),
        section=section,
        tags=tags,
    )


def listed(pages: dict[str, str], base: str) -> list[str]:
    return [i["url"] for i in meta(pages[base + "index.md"])["items"]]


def test_spellings_of_one_tag_list_an_article_once(settings):
    """``AI`` on one article and ``ai``, ``Ai`` on another share tags/ai/ (one tag, as meant),
    but the second article is listed, linked, tagged and given as a keyword once, and the two
    are related through the tag they share."""
    from builder.render.pages import article_page, read_front_matter

    a, b = tagged(1, None, "AI"), tagged(2, None, "ai", "Ai")
    pages = listing_pages([a, b], settings)
    assert listed(pages, "tags/ai/") == ["articles/t2/", "articles/t1/"]
    assert meta(pages["tags/ai/index.md"])["listing"]["heading"] == "وسم: AI"
    assert not [p for p in pages if p.startswith("tags/") and not p.startswith("tags/ai/")]
    links = article_links([a, b])
    assert [r["url"] for r in links[b.source]["related"]] == ["articles/t1/"]
    page = read_front_matter(article_page(b, settings, links[b.source]))
    assert page["article"]["tags"] == [{"name": "ai", "url": "tags/ai/"}]
    assert json.loads(page["jsonld"])["@graph"][0]["keywords"] == ["ai"]


def test_punctuation_only_names_do_not_share_the_section_folder(settings):
    """A tag of punctuation alone has no letters to make a folder of: it gets one of its own
    (``_`` and a hash), not ``section/``, which belongs to the real tag "section"."""
    a, b = tagged(1, "!!!", "section", "!!!"), tagged(2, "???", "---")
    pages = listing_pages([a, b], settings)
    tags = sorted({p.split("/")[1] for p in pages if p.startswith("tags/")})
    assert len(tags) == 3 and "section" in tags
    assert all(re.fullmatch(r"_[0-9a-f]{8}", t) for t in tags if t != "section")
    assert listed(pages, "tags/section/") == ["articles/t1/"]
    assert meta(pages["tags/section/index.md"])["listing"]["heading"] == "وسم: section"
    assert sorted(listed(pages, f"tags/{t}/") for t in tags) == [
        ["articles/t1/"],
        ["articles/t1/"],
        ["articles/t2/"],
    ]
    assert (
        len({p.split("/")[1] for p in pages if p.startswith("sections/")}) == 2
    )  # "!!!" and "???"


def test_merged_spellings_are_reported_once_per_listing(tmp_path):
    """A real build: spellings sharing a tag or section page are listed together, each article
    once, and the build warns once per shared URL, naming the spellings (beside the first file
    bringing a second spelling); punctuation-only tags get folders of their own, unwarned."""
    import lxml.html

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sidecars = {
        "alpha": ("\"<script>alert('s')</script>{{7*7}}\"", '["AI"]'),
        "beta": ('"script alert s script 7 7"', '["ai", "Ai"]'),
        "gamma": ('"ثقافة"', '["section", "!!!"]'),
        "delta": ('"ثقافة"', '["---"]'),
    }
    for n, (name, (section, tags)) in enumerate(sidecars.items()):
        body = sorted(SAMPLE.glob("*.txt"))[n].read_text(encoding="utf-8")
        (corpus / f"00{n}_{name}.txt").write_text(body, encoding="utf-8")
        (corpus / f"00{n}_{name}.toml").write_text(
            f"published = 2024-0{n + 1}-01T10:00:00+03:00\n"
            f"section = {section}\n"
            f"tags = {tags}\n"
            'authors = ["كاتب"]\n',
            encoding="utf-8",
        )
    config = make_project(tmp_path, corpus)
    report = build(config, out=io.StringIO())
    assert report.published and report.errors == []
    source = str(corpus / "001_beta.txt")
    merged = [w for w in report.warnings if "share one listing" in w[1]]
    assert merged == [
        (
            source,
            "sections \"<script>alert('s')</script>{{7*7}}\", 'script alert s script 7 7' "
            "share one listing, sections/script-alert-s-script-7-7/, "
            "headed \"<script>alert('s')</script>{{7*7}}\"",
        ),
        (source, "tags 'AI', 'Ai', 'ai' share one listing, tags/ai/, headed 'AI'"),
    ]
    site = tmp_path / "site"

    def page(url: str):
        return lxml.html.fromstring(
            (site / unquote(url) / "index.html").read_text(encoding="utf-8")
        )

    ai = page("tags/ai/")
    assert ai.xpath("string(//h1)") == "وسم: AI"
    assert ai.xpath("//div[@class='cards']//h2/a/@href") == [
        "../../articles/beta/",
        "../../articles/alpha/",
    ]
    shared_section = page("sections/script-alert-s-script-7-7/").xpath(
        "//div[@class='cards']//h2/a/@href"
    )
    assert shared_section == ["../../articles/beta/", "../../articles/alpha/"]
    assert page("tags/section/").xpath("//div[@class='cards']//h2/a/@href") == [
        "../../articles/gamma/"
    ]
    folders = sorted(p.name for p in (site / "tags").iterdir())
    assert (
        len([f for f in folders if re.fullmatch(r"_[0-9a-f]{8}", f)]) == 2 and "section" in folders
    )
    beta = page("articles/beta/")
    assert beta.xpath("//ul[@class='tags']//a/text()") == ["ai"]
    assert "tags 'AI', 'Ai', 'ai' share one listing" in json.dumps(
        report.to_json(), ensure_ascii=False
    )
    again = build(
        config, out=io.StringIO()
    )  # nothing changed: listings reused, the warnings still given
    assert (
        again.listings["made"] == 0
        and [w for w in again.warnings if "share one listing" in w[1]] == merged
    )


def _linked(articles: list[Article], folder: Path) -> tuple[dict[str, str], dict[str, int]]:
    """link_files over ``articles`` into ``folder``, partitions of one article (so a file is
    kept only if its article's links are): each file's text, and its inode (a file made again
    is a new one)."""
    from builder.pipeline.listing_cache import listed_key
    from builder.pipeline.tasks import link_files, partition_groups
    from builder.render.pages import sort_newest_first

    ordered = sort_newest_first(articles)
    keys = [listed_key(a) for a in ordered]
    groups = partition_groups(ordered, 1)
    listed = hashlib.sha256(b"".join(keys)).hexdigest()
    made = link_files(ordered, groups, folder, listed, "code", keys.__getitem__)
    for path, digest in made.values():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    return {key: path.read_text(encoding="utf-8") for key, (path, _) in made.items()}, {
        key: path.stat().st_ino for key, (path, _) in made.items()
    }


def test_link_files_made_again_only_where_links_can_change(tmp_path):
    """After articles are added, removed, edited or moved in time, the link files kept from the
    last build and those made again are exactly the files made from nothing, and a new article
    makes only a few of them again. Tags are sparse and uneven here, so windows reach far."""
    rng = random.Random(6)
    start = datetime(2020, 1, 1, tzinfo=UTC)

    def article(i: int, days: float) -> Article:
        tags = tuple(
            f"وسم {t}" for t in rng.sample(range(9), rng.randint(0, 2)) if t < 6 or i % 7 == 0
        )
        return Article(
            f"a{i:04d}",
            f"/in/{i:04d}.txt",
            f"خبر {i}",
            None,
            None,
            ("نص",),
            published=start + timedelta(days=days),
            section=rng.choice(["رياضة", "اقتصاد", "صحة", None]),
            tags=tags,
        )

    base = [article(i, rng.uniform(0, 900)) for i in range(400)]
    scenarios = {
        "newest": [*base, article(900, 901)],
        "backdated": [*base, article(901, 450.5)],
        "removed": base[:200] + base[201:],
        "headline": [
            dataclasses.replace(a, headline="خبر معدل") if a.id == "a0100" else a for a in base
        ],
        "moved": [
            dataclasses.replace(a, published=start + timedelta(days=10)) if a.id == "a0300" else a
            for a in base
        ],
        "several": [
            dataclasses.replace(a, tags=("وسم 8",)) if a.id in ("a0010", "a0333") else a
            for a in base[1:]
        ]
        + [article(902, 100), article(903, 899.9)],
    }
    for n in range(12):  # one article added, removed or moved, anywhere
        i = rng.randrange(len(base))
        scenarios[f"random-{n}"] = [
            base[:i] + base[i + 1 :],
            [*base, article(950 + n, rng.uniform(0, 900))],
            [
                dataclasses.replace(a, published=start + timedelta(days=rng.uniform(0, 900)))
                if j == i
                else a
                for j, a in enumerate(base)
            ],
        ][n % 3]
    for name, after in scenarios.items():
        _, before_inodes = _linked(base, tmp_path / name)
        kept, inodes = _linked(after, tmp_path / name)
        fresh, _ = _linked(after, tmp_path / f"{name}-fresh")
        assert kept == fresh, name
        remade = [key for key in inodes if before_inodes.get(key) != inodes[key]]
        assert remade, name
        if name == "newest":
            assert len(remade) <= len(inodes) // 4, (len(remade), len(inodes))
    # a kept file gone from the folder is made again, not vouched for
    _linked(base, tmp_path / "gone")
    oldest = min((tmp_path / "gone").glob("20*.json"))
    oldest.unlink()
    kept, _ = _linked(scenarios["newest"], tmp_path / "gone")
    assert oldest.is_file() and kept == _linked(scenarios["newest"], tmp_path / "newest-fresh")[0]


def _planned(articles: list[Article], settings) -> dict[str, tuple[bytes, str]]:
    from builder.pipeline.listing_cache import listed_key
    from builder.render.listings import planned_listing_pages
    from builder.render.pages import sort_newest_first

    ordered = sort_newest_first(articles)
    keys = [listed_key(a) for a in ordered]
    return {
        path: (inputs, make())
        for path, inputs, make in planned_listing_pages(ordered, settings, keys.__getitem__)
    }


def test_a_listing_page_is_made_again_only_when_its_inputs_change(settings):
    """What the build keys a listing page by (without making its text) changes whenever its
    text does; after a new article only the pages it reaches get new inputs."""
    settings = dataclasses.replace(settings, per_page=5, max_pages=2)
    base = corpus(150)
    late = dataclasses.replace(
        base[0],
        id="new",
        source="/in/new.txt",
        headline="خبر جديد",
        published=base[-1].published + timedelta(hours=1),
    )
    scenarios = {
        "newest": [*base, late],
        "backdated": [
            *base,
            dataclasses.replace(late, published=base[70].published + timedelta(hours=1)),
        ],
        "removed": base[:40] + base[41:],
        "headline": [
            dataclasses.replace(a, headline="خبر معدل") if a.id == "a100" else a for a in base
        ],
        "section": [dataclasses.replace(a, section="صحة") if a.id == "a101" else a for a in base],
        "photo": [
            dataclasses.replace(a, image=Image("صورة", None, url="https://img.example.org/x.jpg"))
            if a.id == "a149"
            else a
            for a in base
        ],
    }
    before = _planned(base, settings)
    for name, articles in scenarios.items():
        after = _planned(articles, settings)
        for path, (inputs, text) in after.items():
            if path in before and before[path][0] == inputs:
                assert before[path][1] == text, (name, path)
        if name == "newest":
            remade = [p for p in after if before.get(p, (b"",))[0] != after[p][0]]
            assert 0 < len(remade) <= len(after) // 3, (len(remade), len(after))


def test_tags_spelt_with_either_digit_set_share_one_listing(tmp_path):
    """Search folds ١٩ and 19 together; the tag pages do too (they were two pages, unsaid)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n, tag in enumerate(("كوفيد ١٩", "كوفيد 19")):
        (corpus / f"00{n}_c{n}.txt").write_text(
            sorted(SAMPLE.glob("*.txt"))[n].read_text(encoding="utf-8"), encoding="utf-8"
        )
        (corpus / f"00{n}_c{n}.toml").write_text(
            f'published = 2024-0{n + 1}-01T10:00:00+03:00\nsection = "صحة"\ntags = ["{tag}"]\n',
            encoding="utf-8",
        )
    report = build(make_project(tmp_path, corpus), out=io.StringIO())
    assert report.published and report.errors == []
    assert sorted(p.name for p in (tmp_path / "site" / "tags").iterdir()) == ["كوفيد-19"]
    assert [w for _, w in report.warnings if "share one listing" in w] == [
        "tags 'كوفيد 19', 'كوفيد ١٩' share one listing, tags/كوفيد-19/, headed 'كوفيد 19'"
    ]
