"""The site's body font: Noto Sans Arabic from its PyPI package, subset to one WOFF2 at build time.

Why this shape: a self-hosted font keeps every request on the site's own host (no font CDN);
the package's variable TTF is 845 KB with weights 100-900, two widths and scripts a news page
never shows, so the build keeps only what the theme uses — weights 400-700 at normal width, and
the characters of Arabic text with basic Latin, both digit sets and the punctuation around them
— about 50 KB. Subsetting takes a second, so the result is cached under the build folder
(``.build/fonts/``) keyed by the source font's bytes, the fontTools version and the recipe;
a rebuild copies it. The output is the same bytes on every run (font timestamps are kept, not
recalculated), so the site stays byte-identical across builds.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import io
import os
from importlib import metadata
from pathlib import Path

import fontpkg_noto_sans_arabic

# The font's logical path, as the theme's CSS (@font-face) and base template (preload) name it;
# it is published under a content-hashed name (builder.render.assets).
SITE_PATH = "assets/fonts/noto-sans-arabic.woff2"

# Characters kept. Anything else (a rare Latin-extended letter, an emoji) falls back to the
# system fonts named after ours in the CSS font stack.
UNICODES: tuple[range, ...] = (
    range(0x0020, 0x007F),  # basic Latin: letters, Western digits, ASCII punctuation
    range(0x00A0, 0x00A1),  # no-break space
    range(0x00AB, 0x00AC),  # « (Arabic quotation marks are guillemets)
    range(0x00B7, 0x00B8),  # · (the theme's separator between dates)
    range(0x00BB, 0x00BC),  # »
    range(0x00D7, 0x00D8),  # ×
    range(0x0600, 0x0700),  # Arabic: letters, harakat, Arabic-Indic digits, ، ؛ ؟ ٪ ٫ ٬
    range(0x0750, 0x0780),  # Arabic Supplement (letters of names from other languages)
    range(0x200C, 0x2010),  # ZWNJ, ZWJ, LRM, RLM: shaping and direction controls
    range(0x2010, 0x2028),  # dashes, quotation marks, bullet, ellipsis
    range(0x2066, 0x206A),  # bidi isolates
    range(0x2212, 0x2213),  # minus sign
)
# Normal width only; the weight axis kept as a range so headings (700) and body (400) share a file.
AXES: dict[str, float | tuple[float, float]] = {"wdth": 100, "wght": (400, 700)}


def source_font() -> Path:
    """The variable TTF shipped inside the ``fontpkg-noto-sans-arabic`` package."""
    found = sorted((Path(fontpkg_noto_sans_arabic.ROOT) / "files").glob("NotoSansArabic*.ttf"))
    if not found:  # pragma: no cover - a broken install
        raise FileNotFoundError(f"no NotoSansArabic*.ttf in {fontpkg_noto_sans_arabic.ROOT}")
    return found[0]


def recipe_key(font: bytes) -> str:
    """Cache key: what the subset's bytes depend on (source font, fontTools, characters, axes)."""
    digest = hashlib.sha256(font)
    digest.update(
        f"\0fonttools=={metadata.version('fonttools')}\0{UNICODES!r}"
        f"\0{sorted(AXES.items())!r}".encode()
    )
    return digest.hexdigest()[:32]


def subset_woff2(font: bytes) -> bytes:
    """The subset of ``font`` (TTF bytes) as WOFF2."""
    from fontTools import subset  # 25 ms to import; needed once per font recipe
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    ttf = TTFont(io.BytesIO(font), recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = [
        "*"
    ]  # keep every shaping feature: Arabic joining needs init/medi/fina, ligatures, marks
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for r in UNICODES for c in r])
    subsetter.subset(ttf)
    ttf = instancer.instantiateVariableFont(
        ttf, AXES
    )  # after subsetting: the instancer is slow on all glyphs
    ttf.flavor = "woff2"
    out = io.BytesIO()
    ttf.save(out)
    return out.getvalue()


@functools.lru_cache(maxsize=8)
def _file_key(source: Path, size: int, mtime_ns: int) -> str:
    """:func:`recipe_key` of a font file, once per version of the file (size, mtime) and process."""
    return recipe_key(source.read_bytes())


def cached_subset(build_dir: Path, font: Path | None = None) -> Path:
    """Path of the subset in the cache, made first if missing.

    Partition builds run in parallel processes; a lock file makes one of them make the font
    and the others wait for it, and the file appears whole (written aside, then renamed).
    """
    source = font or source_font()
    st = source.stat()
    folder = build_dir / "fonts"
    target = folder / f"{_file_key(source, st.st_size, st.st_mtime_ns)}.woff2"
    if target.is_file():  # every MkDocs run asks; reading and hashing the font cost ~10 ms a run
        return target
    data = source.read_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            scratch = folder / f".{target.name}.{os.getpid()}"
            scratch.write_bytes(subset_woff2(data))
            scratch.rename(target)
            for old in [
                *folder.glob("*.woff2"),
                *folder.glob(".*.woff2.*"),
            ]:  # earlier recipes; scratch of killed builds
                if old != target:
                    old.unlink(missing_ok=True)
    return target
