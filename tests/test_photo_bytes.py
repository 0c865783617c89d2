"""The byte targets: an article whose photo is a 4000x3000 camera JPEG, opened in Chromium on a
phone (375 px) and on a desktop (1280 px), transfers at most 150 KB and 400 KB of images."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from builder.build import build
from tests.chromium import chromium, open_page, serve
from tests.conftest import make_project

pytestmark = pytest.mark.browser
TARGETS = {375: 150_000, 1280: 400_000}


def newsroom_photo(path: Path) -> None:
    """A 4000x3000 JPEG at camera quality with a photo's mix of smooth areas and fine detail
    (sky, textured ground, an intricate object, sensor noise): about 4 MB."""
    w, h = 4000, 3000
    sky = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    texture = Image.effect_noise((w // 8, h // 8), 50).resize((w, h), Image.Resampling.BICUBIC)
    detail = Image.effect_mandelbrot((w, h), (-2.2, -1.2, 1.0, 1.2), 80)
    image = Image.merge("RGB", (sky.getchannel(0), texture, detail))
    grain = Image.effect_noise((w, h), 10).convert("RGB")
    image = Image.blend(image.filter(ImageFilter.GaussianBlur(1.5)), grain, 0.06)
    image.save(path, "JPEG", quality=92)


@pytest.fixture(scope="module")
def photo_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("bytes")
    corpus = root / "corpus"
    corpus.mkdir()
    newsroom_photo(corpus / "camera.jpg")
    assert (corpus / "camera.jpg").stat().st_size > 2_000_000
    (corpus / "001_camera.txt").write_text(
        "صورة من الكاميرا مباشرة\n\nنص الخبر في فقرة واحدة.\n", encoding="utf-8"
    )
    (corpus / "001_camera.toml").write_text(
        'image = "camera.jpg"\nimage_alt = "مشهد"\npublished = 2025-03-02T10:00:00+03:00\n',
        encoding="utf-8",
    )
    assert build(make_project(root, corpus)).published
    with serve(root / "site") as url:
        yield url


@pytest.mark.parametrize("width", sorted(TARGETS))
def test_image_bytes_of_an_article_with_a_camera_photo(photo_server, width):
    with chromium() as browser:
        page, seen = open_page(browser, photo_server, "/articles/camera/", width)
        sizes = page.evaluate(
            "performance.getEntriesByType('resource')"
            ".filter(e => e.initiatorType === 'img' || /\\.(avif|webp|jpg|png)$/.test(e.name))"
            ".map(e => [e.name, e.encodedBodySize])"
        )
        assert seen["foreign"] == [] and seen["failed"] == []
        assert page.evaluate("document.querySelector('figure img').complete")
        shown = page.evaluate("document.querySelector('figure img').currentSrc")
    total = sum(size for _, size in sizes)
    print(f"{width} px: {total:,} bytes of images {sizes}")
    assert shown.endswith(".avif")  # Chromium takes the AVIF source
    assert 0 < total <= TARGETS[width], sizes
