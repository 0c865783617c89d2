"""Is a line only a date? A saved page prints its date as a line of its own above the body
("الاثنين 5 مايو 2025 - 10:30 ص"); that line is page chrome, not article text.

The month and weekday names are the language's (Gregorian months as written in Egypt and the
Gulf, in the Levant and in the Maghreb; Hijri months; English), not any one site's, so they
live here rather than in a source profile. The line is never parsed into a date: the date of
an article comes from its metadata only, and a date guessed from page text could be wrong.
Names are compared folded (:func:`builder.core.fold.fold`: hamza forms, taa marbuta, harakat and
Arabic-Indic digits), so every common spelling matches.
"""

from __future__ import annotations

import re

from builder.core.fold import fold

_MONTHS = (
    # Gregorian: Egypt and the Gulf; the Levant (two-word names included); the Maghreb.
    "يناير فبراير مارس أبريل إبريل مايو يونيو يونيه يوليو يوليه أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",
    "كانون الثاني|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول|تشرين الأول|تشرين الثاني|كانون الأول",
    "جانفي فيفري أفريل ماي جوان جويلية جويلة أوت",
    # Hijri.
    "محرم|صفر|ربيع الأول|ربيع الآخر|ربيع الثاني|جمادى الأولى|جمادى الآخرة"
    "|جمادى الثانية|رجب|شعبان|رمضان|شوال"
    "|ذو القعدة|ذي القعدة|ذو الحجة|ذي الحجة",
    "January February March April May June July August September October November December",
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec",
)
_WEEKDAYS = (
    "الأحد الاثنين الإثنين الأثنين الثلاثاء الأربعاء الخميس الجمعة السبت",
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday "
    "Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun",
)
# Words that may stand beside a date and a time and add nothing else: "يوم", "الموافق" (a
# second calendar follows), "الساعة", morning/evening and era markers, time zone names.
_FILLERS = "يوم الموافق الساعة ص م صباحا مساء ظهرا فجرا هـ ه AM PM GMT UTC"


def _names(groups: tuple[str, ...]) -> str:
    """One alternation of the folded names, longest first (so "تشرين الأول" wins over a prefix);
    a group lists one-word names split by spaces, or names of several words split by ``|``."""
    names = {
        fold(name).casefold()
        for group in groups
        for name in (group.split("|") if "|" in group else group.split())
    }
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


_MONTH = re.compile(rf"(?<!\S)(?:{_names(_MONTHS)})\.?(?!\S)")
_WEEKDAY = re.compile(rf"(?<!\S)(?:{_names(_WEEKDAYS)})\.?(?!\S)")
_FILLER = frozenset(fold(w).casefold() for w in _FILLERS.split())
_SEPARATORS = re.compile(r"[\s,،|–—()\[\]]+")
# A number, a time ("10:30", "10:30:00"), an offset ("+03:00"), or a number with its era
# ("2025م", "1446هـ").
_NUMBER = re.compile(r"^[+-]?\d{1,4}(?::\d{2}){0,2}(?:ه|هـ|م)?$")
# A whole date in digits: "05/05/2025", "5.5.2025", "2025-05-05", "2025-05-05T10:30:00+03:00".
_NUMERIC_DATE = re.compile(
    r"^(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{4}"
    r"|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}(?:t[\d:.]+(?:z|[+-]\d{2}:?\d{2})?)?)$"
)  # casefolded: "t", "z"


def is_date_line(line: str) -> bool:
    """True when ``line`` holds a date (a month name with a number, or a whole date in digits)
    and nothing else but a weekday, a time, a second calendar's date and separators.

    >>> is_date_line("5 مايو 2025")
    True
    >>> is_date_line("الاثنين ٥ أيار ٢٠٢٥ - 10:30 صباحاً")
    True
    >>> is_date_line("Monday, May 5, 2025 10:30 AM")
    True
    >>> is_date_line("الأحد 4 مايو 2025م الموافق 7 ذو القعدة 1446هـ")
    True
    >>> is_date_line("2025-05-05T10:30:00+03:00"), is_date_line("05/05/2025 | 10:30")
    (True, True)
    >>> is_date_line("مايو"), is_date_line("2025"), is_date_line("10:30 ص")
    (False, False, False)
    >>> is_date_line("وقع الاتفاق في 5 مايو 2025")
    False
    """
    text = fold(line).casefold()
    text = _WEEKDAY.sub(" ", _SEPARATORS.sub(" ", text))
    text, months = _MONTH.subn(" ", text)
    dated = False
    numbers = 0
    for token in text.split():
        if _NUMERIC_DATE.match(token):
            dated = True
        elif _NUMBER.match(token):
            numbers += 1
        elif token not in _FILLER and token not in ("-", "/", ".", ":"):
            return False
    return dated or bool(months and numbers)
