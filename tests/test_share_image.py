"""Share images: a plain right-to-left headline is measured and drawn word by word, from
cached shaped words, with the line breaks and the look of shaping each line whole."""

import io

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from builder.read.inputs import input_files, read_article
from builder.render import share_image
from tests.conftest import SAMPLE

SITE = "أخبار المثال"
RIGHT, TEXT_WIDTH = share_image.WIDTH - 80, share_image.WIDTH - 160


# Digits read differently after an Arabic letter than first on a line (bidi rule W2), and
# brackets mirror: each case, as drawn word by word, against the line shaped whole.
NUMBERS = [
    "عاجل: الحكومة تعلن «خطة 2030» لخفض الأسعار بنسبة 45% في 3 أشهر",
    "2025: عام الذكاء الاصطناعي في المنطقة العربية بنسبة نمو 45% (تقرير)",
    "ارتفاع مؤشر البورصة ١٢٪ خلال الربع الأول من العام الحالي وتراجع 3.5% في الثاني مع 1,000 سهم",
    # "45%" first on the third line: no letter before it there, so it reads 45%, not %45
    "الحكومة تعلن خطة جديدة لخفض الأسعار في الأسواق المحلية مع بداية العام الجديد 45% من السوق",
]


def headlines(profile):
    return [
        a.headline for a in (read_article(p, profile).article for p in input_files([SAMPLE])) if a
    ] + NUMBERS


def whole_lines(headline, section):
    """The drawing of the code before: each line of ``wrap`` shaped and drawn whole."""
    image = share_image._base(SITE, section).copy()
    draw = ImageDraw.Draw(image)
    for size in (72, 64, 56, 48, 42, 36):
        lines = share_image.wrap(headline, share_image._font(size), TEXT_WIDTH)
        if len(lines) <= 4:
            break
    height = int(size * 1.55)
    top = (share_image.HEIGHT - height * len(lines[:4])) // 2
    for i, line in enumerate(lines[:4]):
        draw.text(
            (RIGHT, top + i * height),
            line,
            font=share_image._font(size),
            fill=255,
            anchor="ra",
            direction="rtl",
            language="ar",
        )
    return image


def drawn(headline, section):
    """The image's palette indexes: its coverage levels, as ``whole_lines`` draws them."""
    image = Image.open(io.BytesIO(share_image.render(headline, SITE, section)))
    return Image.frombytes("L", image.size, image.tobytes())


def ink(image):
    return image.point(lambda v: 255 if v >= 128 else 0)


@pytest.mark.parametrize("size", [72, 56, 36])
def test_word_widths_break_lines_where_shaping_each_candidate_does(profile, size):
    plain = 0
    for headline in headlines(profile):
        by_words = share_image._by_words(headline.split(), size)
        if by_words is not None:
            plain += 1
            lines = [
                " ".join(word.removeprefix(share_image._ALM) for word in line) for line in by_words
            ]
            assert lines == share_image.wrap(headline, share_image._font(size), TEXT_WIDTH)
    assert plain == len(headlines(profile))  # every sample headline is plain right-to-left text


def test_digits_first_on_a_line_are_drawn_without_the_context_of_the_line_before():
    lines = share_image._by_words(NUMBERS[-1].split(), 72)
    assert [line[0] for line in lines] == ["الحكومة", "في", "45%"]
    assert share_image._ALM + "45%" in share_image._in_line(
        NUMBERS[-1].split()
    )  # in the whole headline it has one


def test_a_word_drawn_apart_lands_within_two_pixels_of_the_whole_line(profile):
    """A word is placed to the nearest pixel, and its glyphs round their positions from the
    word's start, not the line's: a glyph's edge can move by a pixel or two, no more."""
    for headline in headlines(profile):
        new, old = ink(drawn(headline, "سياسة")), ink(whole_lines(headline, "سياسة"))
        assert new.getbbox() and all(
            abs(a - b) <= 2 for a, b in zip(new.getbbox(), old.getbbox(), strict=True)
        )
        for one, other in ((new, old), (old, new)):  # ink of each within two pixels of the other's
            stray = ImageChops.subtract(one, other.filter(ImageFilter.MaxFilter(5)))
            assert stray.getbbox() is None, headline


@pytest.mark.parametrize(
    "headline",
    [
        "شركة Apple Inc تطلق هاتفا جديدا",  # a left-to-right run: its words keep their own order
        "قال الوزير \u202bنص مضمن\u202c اليوم",  # an explicit embedding
        "شدة ّ على فراغ في العنوان",  # a mark after a space joins across it
    ],
)
def test_headlines_words_cannot_stand_for_are_shaped_line_by_line(headline):
    assert share_image._by_words(headline.split(), 72) is None
    assert (
        ImageChops.difference(drawn(headline, None), whole_lines(headline, None)).getbbox() is None
    )


def test_the_drawing_does_not_depend_on_what_the_cache_holds(profile):
    first = [share_image.render(h, SITE, "اقتصاد") for h in headlines(profile)]
    share_image._word_mask.cache_clear()
    share_image._width.cache_clear()
    assert [share_image.render(h, SITE, "اقتصاد") for h in reversed(headlines(profile))] == first[
        ::-1
    ]
