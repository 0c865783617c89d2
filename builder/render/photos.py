"""Every article gets a publishable image: its photo as derivatives (with sizes), or a drawn
share image.

A local photo is never published as it came: it is decoded once (:mod:`builder.read.photo_file`:
upright, sRGB, no EXIF, XMP, IPTC or ICC left) and encoded at :data:`WIDTHS` (those not wider
than the photo; the photo's own width when it is narrower than all) in AVIF and WebP, with a
JPEG fallback (PNG for a photo with transparency or a PNG/GIF graphic), plus three crops for
search engines (16:9, 4:3, 1:1, each 1,200 px wide where the photo allows, around
``image_focus`` or the centre). Every file is named by a hash of the photo's bytes and this
recipe, so the names are known from the article record alone (listings show thumbnails
without decoding anything) and a rebuild copies the files the current site already has
instead of encoding them again. Within a build, a photo several articles use (a file photo,
a series' picture) is encoded once, not once an article: the first partition to encode it
keeps the files in the build's photo store (:data:`STORE`, emptied by each build), and later
ones copy them (two running at the same moment may both encode it). Encoders run
single-threaded, so the bytes are the same every run.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
import io
import math
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from PIL import Image as PILImage
from PIL import features

from builder.core.article import Article, Image
from builder.core.crops import RATIOS, box_size, crop_size
from builder.core.settings import Settings
from builder.core.urls import media_path
from builder.read.photo_file import PhotoError, open_photo
from builder.render import share_image

WIDTHS = (320, 480, 800, 1200, 1600)  # 320: a listing card's thumbnail
_AVIF = {"quality": 50, "speed": 10, "max_threads": 1}  # speed 8: 7% smaller, 4x the time
_WEBP = {"quality": 75, "method": 4}
_JPEG = {"quality": 80, "optimize": True, "progressive": True}
_PNG = {"optimize": False, "compress_level": 9}
MIME = {"avif": "image/avif", "webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}
STORE = "photos"  # in Settings.build_dir: this build's encoded photos, a folder per photo key


@dataclass(frozen=True)
class Variant:
    path: str  # site-relative
    width: int
    height: int


@dataclass(frozen=True)
class PhotoSet:
    """A local photo's published files: the same widths in each format, and the crops."""

    formats: tuple[tuple[str, tuple[Variant, ...]], ...]  # (ext, widths), fallback last
    crops: tuple[Variant, ...]  # 16:9, 4:3, 1:1
    width: int  # the photo as shown (after its EXIF orientation)
    height: int
    key: str  # of the photo's bytes, focus and this recipe: every file's name holds it

    @property
    def fallback(self) -> tuple[Variant, ...]:
        return self.formats[-1][1]

    def files(self) -> tuple[Variant, ...]:
        return tuple(v for _, vs in self.formats for v in vs) + self.crops


@functools.cache
def _recipe() -> str:
    """What the files depend on besides the photo: this code (its syntax tree without
    docstrings), Pillow and its codecs' versions; as a digest, since every photo's key hashes
    it (the tree's dump itself, some 100 KB, was 0.6 s of each sitemap at 20,000 articles)."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) and ast.get_docstring(
            node
        ):
            node.body = node.body[1:]
    codecs = [f"{name}={features.version(name)}" for name in ("avif", "webp", "jpg", "zlib")]
    made = ast.dump(tree) + metadata.version("pillow") + ",".join(codecs)
    return hashlib.sha256(made.encode()).hexdigest()


@functools.cache
def _formats() -> tuple[str, ...]:
    """The modern formats every photo is published in, as this Pillow can write them."""
    return (*(["avif"] if features.check("avif") else []), "webp")


def _graphic(url: str) -> bool:
    return PurePosixPath(url).suffix.lower() in (".png", ".gif")


def crop_box(
    width: int, height: int, ratio: tuple[int, int], focus: tuple[float, float] | None
) -> tuple[int, int, int, int]:
    """The largest ``ratio`` box in the photo, its centre as near ``focus`` as the edges allow.

    >>> crop_box(4000, 3000, (16, 9), None)
    (0, 375, 4000, 2625)
    >>> crop_box(4000, 3000, (1, 1), (0.1, 0.5))
    (0, 0, 3000, 3000)
    """
    w, h = box_size(width, height, ratio)
    fx, fy = focus or (0.5, 0.5)
    left = min(max(round(fx * width - w / 2), 0), width - w)
    top = min(max(round(fy * height - h / 2), 0), height - h)
    return left, top, left + w, top + h


def photo_set(article: Article) -> PhotoSet | None:
    """The files a local, judged photo is published as; None for a remote or drawn image."""
    image = article.image
    if not (image and image.url and image.digest and image.width and image.height):
        return None
    if "://" in image.url or image.generated:
        return None
    w, h = image.width, image.height
    key = hashlib.sha256(f"{image.digest}\0{image.focus}\0{_recipe()}".encode()).hexdigest()[:12]
    stem = media_path(article, PurePosixPath(image.url).name).rpartition(".")[0]
    stem = f"{stem}-{key}"
    widths = tuple(x for x in WIDTHS if x <= w) or (w,)
    fallback = "png" if _graphic(image.url) else "jpg"
    formats = tuple(
        (ext, tuple(Variant(f"{stem}-{x}.{ext}", x, max(1, round(h * x / w))) for x in widths))
        for ext in (*_formats(), fallback)
    )
    crops = [
        Variant(f"{stem}-{ratio[0]}x{ratio[1]}.{fallback}", *crop_size(w, h, ratio))
        for ratio in RATIOS
    ]
    return PhotoSet(formats, tuple(crops), w, h, key)


def srcset(variants: tuple[Variant, ...]) -> list[tuple[str, int]]:
    """A ``srcset``'s candidates, (site-relative path, width): the theme makes each path
    relative to its page."""
    return [(v.path, v.width) for v in variants]


def card_photo(article: Article, settings: Settings | None) -> dict[str, Any] | None:
    """A listing card's (or a related link's) photo, as :func:`builder.render.pages` gives
    the page's: the derivatives of a local photo, an allowed remote photo as it is, and no
    drawn share image (it repeats the headline). Without ``settings``: local photos only."""
    image = article.image
    if not (image and image.url) or image.generated:
        return None
    alt = image.alt or image.caption or ""  # as its page: never the headline for a photo
    photos = photo_set(article)
    if photos:
        small = photos.fallback[0]
        return {
            "src": small.path,
            "width": small.width,
            "height": small.height,
            "srcset": srcset(photos.fallback),
            "sources": [
                {"type": MIME[ext], "srcset": srcset(vs)} for ext, vs in photos.formats[:-1]
            ],
            "alt": alt,
        }
    if (
        settings
        and "://" in image.url
        and urlsplit(image.url).netloc in settings.image_hosts
        and _on_site(image.url, settings)
    ):
        return {
            "src": image.url,
            "width": image.width,
            "height": image.height,
            "srcset": None,
            "sources": [],
            "alt": alt,
        }
    return None


def encode(data: bytes, photos: PhotoSet, focus: tuple[float, float] | None) -> dict[str, bytes]:
    """Every file of ``photos`` from the photo's bytes; raises
    :class:`~builder.read.photo_file.PhotoError`."""
    w = photos.width
    need = max(
        max(v.width for v in photos.fallback),
        *(
            math.ceil(c.width * w / (box[2] - box[0]))
            for c, box in zip(
                photos.crops,
                (crop_box(w, photos.height, r, focus) for r in RATIOS),
                strict=True,
            )
        ),
    )
    image, _ = open_photo(data, (need, max(1, need * photos.height // w)))
    scale = image.width / w
    out: dict[str, bytes] = {}
    for ext, variants in photos.formats:
        for v in variants:
            out[v.path] = _save(_resized(image, v.width, v.height), ext)
    for ratio, c in zip(RATIOS, photos.crops, strict=True):
        left, top, right, bottom = (
            round(x * scale) for x in crop_box(w, photos.height, ratio, focus)
        )
        cropped = image.crop((left, top, right, bottom))
        out[c.path] = _save(_resized(cropped, c.width, c.height), c.path.rpartition(".")[2])
    return out


def _resized(image: PILImage.Image, width: int, height: int) -> PILImage.Image:
    if image.size == (width, height):
        return image
    return image.resize((width, height), PILImage.Resampling.LANCZOS, reducing_gap=3.0)


def _save(image: PILImage.Image, ext: str) -> bytes:
    buffer = io.BytesIO()
    image.info = {}  # encoders copy EXIF, XMP and ICC from info
    if ext == "avif":
        image.save(buffer, "AVIF", **_AVIF)
    elif ext == "webp":
        image.save(buffer, "WEBP", **_WEBP)
    elif ext == "png":
        image.save(buffer, "PNG", **_PNG)
    else:
        image.convert("RGB").save(buffer, "JPEG", **_JPEG)
    return buffer.getvalue()


def place_photos(
    articles: list[Article], settings: Settings, current: Path | None = None
) -> tuple[list[Article], dict[str, Path | bytes], list[tuple[str, str]]]:
    """Local photos are published as derivatives (copied from the ``current`` site when it has
    them all, encoded otherwise); remote ones only from allowed hosts; an article left
    without a photo gets a drawn share image, copied from the ``current`` site when it already
    has that drawing. Returns the articles (a local photo keeps its input path and digest:
    :func:`photo_set` names its files; a drawn one gets its site-relative URL), the media to
    publish ({path: file or bytes}) and warnings."""
    media: dict[str, Path | bytes] = {}
    placed: list[Article] = []
    warnings: list[tuple[str, str]] = []
    for article in articles:
        image = article.image
        if image and image.url and "://" not in image.url:
            image = _place_local(article, current, settings.build_dir / STORE, media, warnings)
        elif image and image.url and not _on_site(image.url, settings):
            warnings.append(
                (
                    article.source,
                    "photo URL on the site's own host names no file of the site (a broken "
                    "image): left out; map an old archive's photos to their folder with the "
                    f"profile's archive_photos: {image.url}",
                )
            )
            image = dataclasses.replace(image, url=None)
        elif image and image.url and urlsplit(image.url).netloc not in settings.image_hosts:
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
                digest=None,
            )
        placed.append(dataclasses.replace(article, image=image))
    return placed, media, warnings


def _tail(variant: Variant, photos: PhotoSet) -> str:
    """A file's name after the photo's key ("480.avif", "16x9.jpg"): the same for every
    article showing that photo."""
    return variant.path.rpartition(f"-{photos.key}-")[2]


def _keep(folder: Path, files: dict[str, bytes]) -> None:
    """``files`` in ``folder``, which appears whole or not at all (written beside it, then
    renamed): a partition running beside this one sees a complete photo or none. When another
    partition kept the same photo first, its folder stands (the bytes are the same)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    spare = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    for name, data in files.items():
        (spare / name).write_bytes(data)
    try:
        spare.rename(folder)
    except OSError:  # kept by another partition meanwhile
        shutil.rmtree(spare, ignore_errors=True)


def _on_site(url: str, settings: Settings) -> bool:
    """Whether a photo URL is fine as the site goes: on another host, or on the site's own
    host naming a file of its docs folder (MkDocs publishes it as it is)."""
    site = urlsplit(settings.site_url)
    parts = urlsplit(url)
    if parts.netloc != site.netloc:
        return True
    rel = unquote(parts.path)
    if not rel.startswith(site.path or "/"):
        return False
    path = (settings.docs_dir / rel[len(site.path or "/") :]).resolve()
    return path.is_relative_to(settings.docs_dir.resolve()) and path.is_file()


def _place_local(
    article: Article,
    current: Path | None,
    store: Path,
    media: dict[str, Path | bytes],
    warnings: list[tuple[str, str]],
) -> Image | None:
    """A local photo's derivatives into ``media``: the current site's files, else those this
    build encoded already (for another article) in ``store``, else encoded and kept there;
    the image, or None (with a warning) when the photo cannot be published after all (it
    changed since it was judged)."""
    image = article.image
    assert image and image.url
    photos = photo_set(article)
    source = Path(article.source).parent / image.url  # "file:line" has the file's parent
    if photos is not None:
        files = photos.files()
        published = [current / v.path for v in files] if current else []
        if published and all(p.is_file() for p in published):
            media.update((v.path, p) for v, p in zip(files, published, strict=True))
            return image
        kept = store / photos.key
        if kept.is_dir():  # complete: a folder only appears there whole
            media.update((v.path, kept / _tail(v, photos)) for v in files)
            return image
        try:
            data = source.read_bytes()
            if hashlib.sha256(data).hexdigest() == image.digest:
                encoded = encode(data, photos, image.focus)
                _keep(kept, {_tail(v, photos): encoded[v.path] for v in files})
                media.update(encoded)
                return image
            reason = "changed while the site was built"
        except PhotoError as exc:
            reason = str(exc)
        except OSError as exc:
            reason = f"cannot be read ({exc.strerror or exc})"
    else:
        reason = "was not judged when its article was read"
    warnings.append(
        (article.source, f"photo {image.url} {reason}: left out, a drawn share image stands in")
    )
    return dataclasses.replace(image, url=None, digest=None)
