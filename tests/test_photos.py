"""Photos: published as derivatives (widths, formats, crops) named by their bytes and recipe,
with no metadata, in <picture> markup; bad photos left out with their reason."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import lxml.html
import pytest
from PIL import Image, ImageDraw, TiffImagePlugin

from builder.build import build
from builder.core.settings import load_settings
from builder.pipeline import tasks
from builder.read.inputs import read_article
from builder.read.profile import load_profile
from builder.render.photos import photo_set, place_photos
from tests.conftest import make_project, sitemap_urls

GPS = 0x8825  # EXIF GPSInfo


def camera_photo(path: Path, size: tuple[int, int] = (4000, 3000), orientation: int = 1) -> None:
    """A JPEG as a newsroom camera writes it: EXIF with a GPS position, the camera's serial and
    software, an orientation, and XMP."""
    image = Image.new("RGB", size, (70, 110, 160))
    draw = ImageDraw.Draw(image)
    w, h = size
    for i in range(12):  # some detail, so the encoders have work to do
        draw.ellipse(
            (i * w // 14, i * h // 20, i * w // 14 + w // 6, i * h // 20 + h // 5),
            fill=(30 + i * 17, 200 - i * 9, 90 + i * 11),
        )
    draw.rectangle((0, 0, w // 10, h // 10), fill=(255, 0, 0))  # top-left marker
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x0131] = "CameraFirmware 1.2"  # Software
    exif[0xA431] = "SERIAL-123456"  # BodySerialNumber
    exif.get_ifd(GPS).update(
        {
            1: "N",
            2: (TiffImagePlugin.IFDRational(33), 0, 0),
            3: "E",
            4: (TiffImagePlugin.IFDRational(35), 0, 0),
        }
    )
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/>secret-location</x:xmpmeta>'
    image.save(path, "JPEG", quality=90, exif=exif, xmp=xmp)


def article_files(corpus: Path, name: str, photo: str, published: str, extra: str = "") -> None:
    (corpus / f"{name}.txt").write_text(
        f"خبر مع صورة {name}\n\nنص الخبر {name} في فقرة واحدة.\n", encoding="utf-8"
    )
    (corpus / f"{name}.toml").write_text(
        f'image = "{photo}"\nimage_alt = "وصف الصورة"\nsection = "محليات"\n'
        f"published = {published}\n{extra}",
        encoding="utf-8",
    )


def published_images(site: Path) -> list[Path]:
    return [
        p
        for p in (site / "media").rglob("*")
        if p.is_file() and p.suffix in (".jpg", ".png", ".webp", ".avif", ".gif", ".jpeg")
    ]


@pytest.fixture(scope="module")
def photo_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("photos")
    corpus = root / "corpus"
    corpus.mkdir()
    camera_photo(corpus / "camera.jpg")
    camera_photo(corpus / "turned.jpg", (1600, 1200), orientation=6)  # shown 1200 wide, 1600 high
    article_files(
        corpus,
        "001_camera",
        "camera.jpg",
        "2025-03-02T10:00:00+03:00",
        "image_focus = [0.1, 0.1]\n",
    )
    article_files(corpus, "002_turned", "turned.jpg", "2025-03-01T10:00:00+03:00")
    report = build(make_project(root, corpus))
    assert report.published, report.failure
    return root, report


def test_photos_are_published_as_derivatives_never_raw(photo_site):
    root, _ = photo_site
    site = root / "site"
    names = sorted(p.name for p in (site / "media").rglob("camera-*") if p.is_file())
    assert not any(n == "camera.jpg" for n in names)
    widths = {n.rsplit("-", 1)[1] for n in names}
    assert widths == {
        f"{w}.{ext}" for w in (320, 480, 800, 1200, 1600) for ext in ("avif", "webp", "jpg")
    } | {"16x9.jpg", "4x3.jpg", "1x1.jpg"}
    for path in published_images(site):
        with Image.open(path) as image:
            kind, width = path.stem.rsplit("-", 1)[1], image.width
            assert width <= 1600, path  # never as large as the original
            if kind.isdigit():
                assert width == int(kind), path
    with Image.open(next((site / "media").rglob("camera-*-16x9.jpg"))) as crop:
        assert crop.size == (1200, 675)
        assert crop.getpixel((5, 5))[0] > 200  # the focus (top-left) kept its red marker


def test_exif_orientation_is_applied(photo_site):
    root, _ = photo_site
    for path in (root / "site" / "media").rglob("turned-*-800.*"):
        with Image.open(path) as image:
            assert image.size == (800, 1067), path  # upright: taller than wide


def test_published_images_carry_no_metadata(photo_site):
    """The inputs carry GPS, a camera serial, software and XMP: no published image does."""
    root, _ = photo_site
    images = published_images(root / "site")
    assert len(images) > 30
    for path in images:
        data = path.read_bytes()
        for secret in (b"SERIAL-123456", b"CameraFirmware", b"secret-location", b"Exif\0\0"):
            assert secret not in data, (path, secret)
        with Image.open(path) as image:
            assert not image.getexif(), path
            assert not {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile"} & set(image.info), path
            assert not getattr(image, "applist", []) or all(
                m not in ("APP1", "APP13") for m, _ in image.applist
            ), path  # APP1: EXIF/XMP, APP13: IPTC


def test_two_builds_give_the_same_bytes(photo_site, tmp_path):
    root, _ = photo_site
    corpus = tmp_path / "corpus"
    shutil.copytree(root / "corpus", corpus)
    assert build(make_project(tmp_path, corpus)).published
    first = {p.relative_to(root / "site"): p.read_bytes() for p in published_images(root / "site")}
    again = {
        p.relative_to(tmp_path / "site"): p.read_bytes()
        for p in published_images(tmp_path / "site")
    }
    assert first == again


def test_markup_picture_srcset_sizes_and_loading(photo_site):
    root, _ = photo_site
    site = root / "site"
    page = lxml.html.parse(str(site / "articles" / "camera" / "index.html"))
    (picture,) = page.xpath("//figure[@class='photo']/picture")
    types = picture.xpath(".//source/@type")
    assert types == ["image/avif", "image/webp"]
    (img,) = picture.xpath(".//img")
    assert img.get("loading") == "eager" and img.get("fetchpriority") == "high"
    assert img.get("width") == "1600" and img.get("height") == "1200"
    assert img.get("sizes") and all(s.get("sizes") for s in picture.xpath(".//source"))
    for srcset in [img.get("srcset"), *picture.xpath(".//source/@srcset")]:
        candidates = [c.strip().split(" ") for c in srcset.split(",")]
        assert [w for _, w in candidates] == ["320w", "480w", "800w", "1200w", "1600w"]
        for url, _ in candidates:
            assert (site / "articles" / "camera" / url).resolve().is_file(), url
    og = page.xpath("//meta[@property='og:image']/@content")[0]
    assert og.endswith("-16x9.jpg")
    assert page.xpath("//meta[@property='og:image:width']/@content") == ["1200"]
    # every card of the home page: a thumbnail from the small derivatives, sized, lazy
    home = lxml.html.parse(str(site / "index.html"))
    cards = home.xpath("//article[contains(@class,'card')]")
    assert len(cards) == 2
    for card in cards:
        (thumb,) = card.xpath(".//picture//img")
        assert thumb.get("width") and thumb.get("height")
        assert thumb.get("src").endswith("-320.jpg")
    # the lead card's photo loads first; the others lazily
    assert cards[0].xpath(".//img/@fetchpriority") == ["high"]
    assert cards[1].xpath(".//img/@loading") == ["lazy"]
    for p in site.rglob("*.html"):
        for img in lxml.html.parse(str(p)).xpath("//img"):
            assert img.get("width") and img.get("height"), (p, lxml.html.tostring(img))


def test_a_rebuild_copies_derivatives_instead_of_encoding(photo_site, settings):
    """place_photos takes every file a photo needs from the current site when it has them all:
    here files with other bytes stand at those names, and are what it publishes."""
    root, _ = photo_site

    article = read_article(root / "corpus" / "001_camera.txt", load_profile()).article
    current = root / "current"
    photos = photo_set(article)
    assert photos is not None
    for variant in photos.files():
        (current / variant.path).parent.mkdir(parents=True, exist_ok=True)
        (current / variant.path).write_bytes(b"published before")
    _, media, warnings = place_photos([article], settings, current)
    assert warnings == []
    assert set(media) == {v.path for v in photos.files()}
    assert all(
        isinstance(v, Path) and v.read_bytes() == b"published before" for v in media.values()
    )
    (current / photos.crops[0].path).unlink()  # one missing: all encoded again from the photo
    _, media, _ = place_photos([article], settings, current)
    assert all(isinstance(v, bytes) and v != b"published before" for v in media.values())


def test_a_photo_several_articles_show_is_encoded_once_a_build(tmp_path, monkeypatch):
    """Three articles in three months (three partitions) show one file photo: the first
    partition encodes it and keeps the files in the build's photo store, the others link them
    from there; the next build empties the store (the published site holds the files), moving
    it aside for a removal it does not wait for."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    camera_photo(corpus / "file-photo.jpg", (1600, 1200))
    for n, month in enumerate(("01", "02", "03")):
        article_files(corpus, f"00{n}_file{n}", "file-photo.jpg", f"2025-{month}-02T10:00:00+03:00")
    config = make_project(tmp_path, corpus)
    assert build(config).published
    store = tmp_path / ".build" / "photos"
    (kept,) = store.iterdir()  # one photo, encoded by one partition
    site = tmp_path / "site"
    shown = [
        sorted(p.name.rpartition("-")[2] for p in (site / "media" / f"file{n}").iterdir())
        for n in range(3)
    ]
    assert shown[0] == shown[1] == shown[2] == sorted(p.name for p in kept.iterdir())
    for variant in kept.iterdir():  # every article's file has the kept bytes
        for n in range(3):
            (same,) = (site / "media" / f"file{n}").glob(f"*-{variant.name}")
            assert same.read_bytes() == variant.read_bytes()
    settings = load_settings(config)[0]
    article = read_article(corpus / "000_file0.txt", load_profile()).article
    _, media, _ = place_photos([article], settings)  # another partition of that build: copies
    assert media and all(isinstance(v, Path) and v.parent == kept for v in media.values())
    shutil.rmtree(kept)
    _, media, _ = place_photos([article], settings)  # none kept: encoded
    assert media and all(isinstance(v, bytes) for v in media.values())
    moved: list[Path] = []
    monkeypatch.setattr(tasks, "remove_later", moved.append)  # what goes stays to be looked at
    assert build(config).published
    assert not store.exists() or not any(store.iterdir())  # emptied; the site had every file
    assert [m.name.startswith(".photos-old-") and (m / "photos").is_dir() for m in moved] == [True]


def _bad_photos(corpus: Path) -> dict[str, str]:
    """Each bad case as a file in ``corpus``; returns {file: what the warning must say}."""
    good = io.BytesIO()
    Image.new("RGB", (800, 600), (10, 200, 30)).save(good, "JPEG")
    (corpus / "truncated.jpg").write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    (corpus / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a jpeg at all" * 100)
    Image.new("CMYK", (800, 600), (0, 80, 160, 0)).save(corpus / "cmyk.jpg", "JPEG")
    Image.new("I;16", (800, 600), 40000).save(corpus / "deep.png")
    frames = [Image.new("P", (800, 600), i) for i in (1, 2, 3)]
    frames[0].save(corpus / "animated.gif", save_all=True, append_images=frames[1:])
    # a bomb: a PNG that declares more pixels than Pillow's limit, a few KB on disk
    side = int((Image.MAX_IMAGE_PIXELS or 0) ** 0.5) + 100
    bomb = io.BytesIO()
    Image.new("1", (side, side)).save(bomb, "PNG")
    (corpus / "bomb.png").write_bytes(bomb.getvalue())
    # a 50 MB original: a real photo with 50 MB of padding in a comment segment
    big = io.BytesIO()
    Image.new("RGB", (2000, 1500), (200, 150, 100)).save(big, "JPEG")
    data = big.getvalue()
    padding = b"".join(b"\xff\xfe\xff\xff" + b"x" * 65533 for _ in range(50 * 16))
    (corpus / "huge.jpg").write_bytes(data[:2] + padding + data[2:])
    return {
        "truncated.jpg": "is truncated or corrupt",
        "corrupt.jpg": "is not an image that can be read",
        "bomb.png": "has more pixels than Pillow's limit",
        "animated.gif": "is animated (3 frames): its first frame is published",
    }


def test_bad_photos_are_left_out_or_converted_and_the_batch_goes_on(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    told = _bad_photos(corpus)
    names = [
        "truncated.jpg",
        "corrupt.jpg",
        "cmyk.jpg",
        "deep.png",
        "animated.gif",
        "bomb.png",
        "huge.jpg",
    ]
    for n, name in enumerate(names):
        article_files(corpus, f"{n:03}_{Path(name).stem}", name, f"2025-03-{n + 1:02}T10:00:00Z")
    report = build(make_project(tmp_path, corpus))
    assert report.published and len(report.built) == len(names) and report.rejected == []
    warnings = [w for _, w in report.warnings]
    for name, reason in told.items():
        assert any(w.startswith(f"photo {name} {reason}") for w in warnings), (name, warnings)
    site = tmp_path / "site"
    published = {p.name.rsplit("-", 2)[0] for p in published_images(site)}
    assert {"cmyk", "deep", "animated", "huge"} <= published  # converted: derivatives
    assert not {"truncated", "corrupt", "bomb"} & published  # left out: a share image stands in
    for stem in ("truncated", "corrupt", "bomb"):
        page = lxml.html.parse(str(site / "articles" / stem / "index.html"))
        assert not page.xpath("//figure//img")
        assert "share-" in page.xpath("//meta[@property='og:image']/@content")[0]
    for path in published_images(site):
        assert path.stat().st_size < 1_000_000, path  # never the 50 MB original
        with Image.open(path) as image:
            assert image.mode in ("RGB", "RGBA", "P", "L"), path
            assert getattr(image, "n_frames", 1) == 1, path
    for name in names:
        assert not list(site.rglob(name)), name


def test_sitemap_lists_each_page_photo(photo_site):

    root, _ = photo_site
    site = root / "site"
    ns = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "i": "http://www.google.com/schemas/sitemap-image/1.1",
    }
    found = {
        url.findtext("s:loc", namespaces=ns): url.findtext("i:image/i:loc", namespaces=ns)
        for url in sitemap_urls(site)
    }
    camera = found["https://akhbar.example.org/articles/camera/"]
    assert camera and camera.endswith("-1600.jpg")
    assert (site / camera.removeprefix("https://akhbar.example.org/")).is_file()
    assert found["https://akhbar.example.org/"] is None  # listing pages: no image entry


def test_licensing_comes_from_the_profile_per_credit_and_the_sidecar_overrides(tmp_path):
    from builder.read.profile import DEFAULT_PROFILE

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    profile = tmp_path / "profile.toml"
    profile.write_text(
        DEFAULT_PROFILE.read_text(encoding="utf-8") + '\n[photo_licenses."رويترز"]\n'
        'license = "https://agency.example/terms"\n'
        'acquire_license_page = "https://agency.example/buy"\n'
        'credit_text = "رويترز / مصور"\n'
        'copyright_notice = "© رويترز"\n',
        encoding="utf-8",
    )
    camera_photo(corpus / "p.jpg", (1600, 1200))
    caption = "المشهد في المدينة (رويترز)"
    for name, extra in (("001_agency", ""), ("002_own", 'image_copyright_notice = "© الصحيفة"\n')):
        (corpus / f"{name}.txt").write_text(
            f"عنوان الخبر {name}\n\n{caption}\n{caption}\nتصغير\nتكبير\n\nنص الخبر.\n",
            encoding="utf-8",
        )
        (corpus / f"{name}.toml").write_text(
            f'image = "p.jpg"\npublished = 2025-03-0{name[2]}T10:00:00Z\n{extra}',
            encoding="utf-8",
        )
    report = build(make_project(tmp_path, corpus, profile=str(profile)))
    assert report.published and report.rejected == []
    assert [f for f in report.findings if f.level == "error"] == []  # schema.org vocabulary too
    import json

    def image_nodes(slug):
        page = lxml.html.parse(str(tmp_path / "site" / "articles" / slug / "index.html"))
        graph = json.loads(page.xpath("//script[@type='application/ld+json']/text()")[0])
        return [n for n in graph["@graph"] if n["@type"] == "ImageObject"]

    for node in image_nodes("agency"):
        assert node["license"] == "https://agency.example/terms"
        assert node["acquireLicensePage"] == "https://agency.example/buy"
        assert node["creditText"] == "رويترز / مصور" and node["copyrightNotice"] == "© رويترز"
    for node in image_nodes("own"):
        assert node["copyrightNotice"] == "© الصحيفة"  # the sidecar's, term by term
        assert node["license"] == "https://agency.example/terms"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"image_license": "terms.html"}, "'image_license' must be an absolute http(s) URL"),
        ({"image_focus": [0.5, 2]}, "'image_focus' must be [x, y], two numbers from 0 to 1"),
    ],
)
def test_wrong_photo_terms_in_a_sidecar_are_refused_naming_the_key(tmp_path, table, message):
    from builder.read.sidecar import MetadataError, parse_metadata

    camera_photo(tmp_path / "p.jpg", (800, 600))
    with pytest.raises(MetadataError, match=re.escape(message)):
        parse_metadata({"image": "p.jpg", **table}, base_dir=tmp_path)


def test_photos_on_the_sites_own_host(tmp_path):
    """An old archive moving over: its photo URLs name the site's own host. Mapped to the
    archive's folder by the profile, they are published as media; one that is not a file of
    the site is left out with a warning, and ``validate`` calls such an image broken."""
    from builder.check.validate import validate_site
    from builder.core.settings import load_settings
    from builder.read.profile import DEFAULT_PROFILE

    corpus = tmp_path / "corpus"
    (tmp_path / "archive" / "2019").mkdir(parents=True)
    corpus.mkdir()
    camera_photo(tmp_path / "archive" / "2019" / "cabinet.jpg", (1600, 1200))
    profile = tmp_path / "profile.toml"
    profile.write_text(
        'archive_photos = { url = "https://akhbar.example.org/uploads/", folder = "archive" }\n'
        + DEFAULT_PROFILE.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    old = "https://akhbar.example.org/uploads/"
    for n, url in enumerate((f"{old}2019/cabinet.jpg", f"{old}2019/gone.jpg", f"{old}x.jpg")):
        article_files(corpus, f"00{n}_old{n}", url, f"2025-03-0{n + 1}T10:00:00Z")
    (corpus / "003_other.txt").write_text("خبر آخر\n\nنص.\n", encoding="utf-8")
    (corpus / "003_other.toml").write_text(
        'image = "https://akhbar.example.org/media/lost.jpg"\n', encoding="utf-8"
    )
    config = make_project(tmp_path, corpus, profile=str(profile))
    report = build(config)
    assert report.published and report.rejected == []
    site = tmp_path / "site"
    assert list((site / "media").rglob("cabinet-*-800.avif"))  # mapped: derivatives
    assert not list(site.rglob("cabinet.jpg"))
    said = {Path(s).stem: w for s, w in report.warnings if w.startswith("photo")}
    assert said["001_old1"] == (
        f"photo {old}2019/gone.jpg: the archive's photo folder has no gone.jpg: left out, "
        "a drawn share image stands in"
    )
    assert said["003_other"].startswith("photo URL on the site's own host names no file")
    for slug in ("old1", "other"):
        page = lxml.html.parse(str(site / "articles" / slug / "index.html"))
        assert not page.xpath("//figure//img")  # no empty photo box
    # a page (edited by hand, or made by another tool) naming a photo on the site's own host
    # that the site does not have: a broken image
    page = site / "articles" / "old0" / "index.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace("<figure", '<img src="https://akhbar.example.org/media/lost.jpg"><figure', 1),
        encoding="utf-8",
    )
    settings = load_settings(config)[0]
    found = [
        str(f)
        for f in validate_site(site, None, settings.image_hosts, settings)
        if f.level == "error"
    ]
    assert found == [
        "error: articles/old0/index.html: link to "
        "'https://akhbar.example.org/media/lost.jpg': no such file in the site"
    ]
