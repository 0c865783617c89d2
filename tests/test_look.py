"""Typography, digits and page weight of the built sample site (no browser: the files
themselves)."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest
from fontTools.ttLib import TTFont

from builder.core.settings import SettingsError, load_settings
from builder.render.fonts import SITE_PATH, cached_subset, recipe_key, source_font
from builder.render.plugin import PublisherPlugin
from tests.conftest import SAMPLE, SAMPLE_ARTICLES, asset, make_project

ARTICLE_LIMIT = 30_000  # bytes of HTML per article page (issue 7)
CSS_LIMIT = 25_000  # bytes of CSS for the whole site
ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"


def _site(build: tuple[Path, object]) -> Path:
    return build[0] / "site"


def _doc(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


# --- the font -------------------------------------------------------------------------------


def test_font_is_a_subset_woff2_covering_arabic_latin_digits_and_punctuation(sample_build):
    path = asset(_site(sample_build), SITE_PATH)
    data = path.read_bytes()
    assert data[:4] == b"wOF2"
    assert len(data) < 80_000, f"font subset grew to {len(data)} bytes"
    font = TTFont(path)
    cmap = font.getBestCmap()
    wanted = (
        "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأؤإئىة"
        "ًٌٍَُِّْ" + ARABIC_INDIC + "0123456789"
        "،؛؟«»٪"
        "ABCXYZabcxyz-.,:;!?()%"
    )
    missing = [c for c in wanted if ord(c) not in cmap]
    assert not missing, f"subset lacks {missing}"
    assert ord("中") not in cmap  # really a subset
    axes = {a.axisTag: (a.minValue, a.maxValue) for a in font["fvar"].axes}
    assert axes == {"wght": (400, 700)}
    features = {r.FeatureTag for r in font["GSUB"].table.FeatureList.FeatureRecord}
    assert {"init", "medi", "fina", "rlig"} <= features  # Arabic joining survives subsetting


def test_font_subset_is_cached_by_font_hash(tmp_path):
    first = cached_subset(tmp_path)
    stamp = first.stat().st_mtime_ns
    again = cached_subset(tmp_path)
    assert again == first and again.stat().st_mtime_ns == stamp  # reused, not made again
    assert first.name == recipe_key(source_font().read_bytes()) + ".woff2"
    assert recipe_key(b"one font") != recipe_key(b"another font")


# --- CSS ------------------------------------------------------------------------------------


def test_css_uses_logical_properties_only():
    css = (Path(__file__).resolve().parent.parent / "templates" / "assets" / "site.css").read_text(
        encoding="utf-8"
    )
    physical = re.findall(
        r"\b(?:margin|padding|border|inset)-(?:left|right|top|bottom)\b"
        r"|(?<![-\w])(?:left|right|top|bottom|width|height"
        r"|min-width|max-width|min-height|max-height)\s*:"
        r"|\b(?:text-align|float|clear)\s*:\s*(?:left|right)",
        re.sub(r"@media[^{]*\{", "", css),  # media queries name the viewport's width on purpose
    )
    assert physical == []


def test_css_self_hosts_the_font_with_fallbacks_dark_mode_and_print(sample_build):
    site = _site(sample_build)
    css = asset(site, "assets/site.css").read_text(encoding="utf-8")
    face = re.search(r"@font-face\s*\{([^}]*)\}", css)
    assert face and "font-display: swap" in face.group(1)
    font = asset(site, SITE_PATH)  # named by its content hash, in the stylesheet too
    assert f'url("fonts/{font.name}")' in face.group(1)
    assert not (site / SITE_PATH).exists() and not (site / "assets" / "site.css").exists()
    assert re.search(r'font-family: "Noto Sans Arabic",[^;]*Tahoma[^;]*sans-serif;', css)
    assert "@media (prefers-color-scheme: dark)" in css and "@media print" in css
    assert "http" not in css.replace('a[href^="http"]', "")  # nothing from another host


# --- lean pages -----------------------------------------------------------------------------


def test_article_pages_and_css_are_small(sample_build, figures):
    site = _site(sample_build)
    pages = sorted((site / "articles").glob("*/index.html"))
    assert len(pages) == SAMPLE_ARTICLES
    sizes = {p.parent.name: p.stat().st_size for p in pages}
    css = sum(p.stat().st_size for p in site.rglob("*.css"))
    figures.append(
        f"article page HTML: max {max(sizes.values()):,} B, min {min(sizes.values()):,} B "
        f"(limit {ARTICLE_LIMIT:,} B)"
    )
    figures.append(
        f"site CSS total: {css:,} B (limit {CSS_LIMIT:,} B); "
        f"font: {asset(site, SITE_PATH).stat().st_size:,} B"
    )
    assert {k: v for k, v in sizes.items() if v >= ARTICLE_LIMIT} == {}
    assert css < CSS_LIMIT


def test_no_javascript_only_json_ld(sample_build):
    site = _site(sample_build)
    for page in sorted(site.rglob("*.html")):
        scripts = _doc(page).xpath("//script")
        kinds = [s.get("type") for s in scripts]
        rel = page.relative_to(site).as_posix()
        if (
            page.parent.parent.name == "articles"
            or rel == "index.html"  # the home: the site and its publisher
            or rel.startswith("authors/")  # a ProfilePage
        ):
            assert kinds == ["application/ld+json"], page
        elif rel == "search/index.html":
            assert kinds == ["module"], page  # searching needs a script; reading never does
        else:
            assert kinds == [], page
        assert not _doc(page).xpath("//@*[starts-with(name(), 'on')]"), page  # no inline handlers


def test_lead_photo_eager_and_sized(sample_build):
    page = _site(sample_build) / "articles" / "morocco-israel-security-agreement" / "index.html"
    (img,) = _doc(page).xpath("//figure[@class='photo']/picture/img")
    assert img.get("loading") == "eager" and img.get("decoding") == "async"
    assert img.get("fetchpriority") == "high"
    assert img.get("width") and img.get("height")


def test_body_images_load_lazily():
    plugin = PublisherPlugin()
    html = plugin.on_page_content(
        '<p><img src="a.png" alt=""></p><img loading="eager" src="b.png">',
        page=None,
        config=None,
        files=None,
    )
    assert html == (
        '<p><img loading="lazy" decoding="async" src="a.png" alt=""></p>'
        '<img loading="eager" src="b.png">'
    )


# --- digits ---------------------------------------------------------------------------------


def _time_texts(page: Path) -> list[str]:
    return [t.text_content() for t in _doc(page).xpath("//time")]


def test_latin_digits_by_default(sample_build):
    page = _site(sample_build) / "articles" / "morocco-israel-security-agreement" / "index.html"
    assert _time_texts(page) == ["24 نوفمبر 2021، 9:40 م", "25 نوفمبر 2021، 8:15 ص"]
    home = _time_texts(_site(sample_build) / "index.html")
    assert home and all(
        re.search(r"[0-9]", t) and not re.search(f"[{ARABIC_INDIC}]", t) for t in home
    )


def test_arabic_indic_digits_when_set(arabic_digits_build):
    root, report = arabic_digits_build
    assert report.published and not report.failure
    site = root / "site"
    page = site / "articles" / "morocco-israel-security-agreement" / "index.html"
    assert _time_texts(page) == ["٢٤ نوفمبر ٢٠٢١، ٩:٤٠ م", "٢٥ نوفمبر ٢٠٢١، ٨:١٥ ص"]
    # machines read ISO
    assert _doc(page).xpath("//time")[0].get("datetime") == "2021-11-24T21:40:00+03:00"
    second = _doc(site / "page" / "2" / "index.html")
    assert second.xpath("string(//h1)") == "آخر الأخبار - الصفحة ٢"
    assert (
        second.xpath("string(//nav[@class='pagination']/span)") == "الصفحة ٢ من ٥"
    )  # nine articles, two a page
    assert second.xpath("string(//title)") == "أخبار المثال - الصفحة ٢"
    for t in _time_texts(site / "index.html"):
        assert not re.search(r"[0-9]", t) and re.search(f"[{ARABIC_INDIC}]", t)


def test_unknown_digits_setting_is_refused(tmp_path):
    with pytest.raises(SettingsError, match=r"Plugin .publisher. option .digits.: Expected one of"):
        load_settings(make_project(tmp_path, SAMPLE, digits="roman"))
