"""Every article gets a publishable image: its photo (with pixel size), or a drawn share image."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from urllib.parse import urlsplit

from builder.core.article import Article, Image
from builder.core.settings import Settings
from builder.core.urls import media_path
from builder.render import share_image


def place_photos(
    articles: list[Article], settings: Settings, current: Path | None = None
) -> tuple[list[Article], dict[str, Path | bytes], list[tuple[str, str]]]:
    """Local photos are published under media/ with their size; remote ones only from allowed
    hosts; an article left without a photo gets a drawn share image, copied from the
    ``current`` site when it already has that drawing. Returns the articles with site-relative
    image URLs, the media to publish ({path: file or bytes}) and warnings."""
    media: dict[str, Path | bytes] = {}
    placed: list[Article] = []
    warnings: list[tuple[str, str]] = []
    for article in articles:
        image = article.image
        if image and image.url:
            if (
                "://" not in image.url
            ):  # judged, and its size read, with its metadata (builder.read.sidecar)
                source = Path(article.source).parent / image.url
                rel = media_path(article, source.name)
                media[rel] = source
                image = dataclasses.replace(image, url=rel)
            elif urlsplit(image.url).netloc not in settings.image_hosts:
                warnings.append(
                    (
                        article.source,
                        "photo URL on another host left out (pages load nothing from other "
                        f"hosts; allow it with image_hosts): {image.url}",
                    )
                )
                image = dataclasses.replace(image, url=None)
        if image and image.url and not (image.alt or image.caption):
            warnings.append(
                (
                    article.source,
                    "no photo description given (image_alt or a caption): "
                    "the photo's alt text is left empty",
                )
            )
        if not (image and image.url):
            rel = media_path(
                article,
                share_image.file_name(article.headline, settings.site_name, article.section),
            )
            drawn = current / rel if current else None
            media[rel] = (
                drawn
                if drawn and drawn.is_file()
                else share_image.render(article.headline, settings.site_name, article.section)
            )
            base = image or Image(caption=None, credit=None)
            image = dataclasses.replace(
                base,
                url=rel,
                width=share_image.WIDTH,
                height=share_image.HEIGHT,
                generated=True,
                alt=article.headline,
            )
        placed.append(dataclasses.replace(article, image=image))
    return placed, media, warnings
