"""Dates and numbers as readers of an Arabic site see them, via Babel's CLDR data (not hand-made
month names).

Digits are a site setting (``digits`` in mkdocs.yml): ``latin`` (0-9, the default) or
``arabic`` (Arabic-Indic ٠-٩). Babel formats with Western digits whatever the numbering system
(its ``numbering_system`` only changes the separators), so the Arabic-Indic digits — the ones
CLDR's ``arab`` numbering system defines, U+0660-U+0669 — are put in after formatting.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_decimal

Digits = Literal["latin", "arabic"]
DIGITS: tuple[str, ...] = get_args(Digits)
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def with_digits(text: str, digits: Digits) -> str:
    """``text`` with its Western digits written in the chosen digit set.

    >>> with_digits("24 نوفمبر 2021", "arabic")
    '٢٤ نوفمبر ٢٠٢١'
    >>> with_digits("24 نوفمبر 2021", "latin")
    '24 نوفمبر 2021'
    """
    return text.translate(_ARABIC_INDIC) if digits == "arabic" else text


def display_datetime(
    moment: datetime, zone: ZoneInfo, locale: str = "ar", digits: Digits = "latin"
) -> str:
    """The date and time in the site's zone, in Arabic.

    >>> from datetime import timezone, timedelta
    >>> display_datetime(
    ...     datetime(2021, 11, 24, 17, 15, tzinfo=timezone.utc), ZoneInfo("Asia/Kuwait")
    ... )
    '24 نوفمبر 2021، 8:15 م'
    >>> display_datetime(
    ...     datetime(2021, 11, 24, 17, 15, tzinfo=timezone.utc), ZoneInfo("Asia/Kuwait"),
    ...     digits="arabic",
    ... )
    '٢٤ نوفمبر ٢٠٢١، ٨:١٥ م'
    """
    return with_digits(
        str(format_datetime(moment.astimezone(zone), "d MMMM y، h:mm a", locale=locale)), digits
    )


def display_date(
    moment: datetime, zone: ZoneInfo, locale: str = "ar", digits: Digits = "latin"
) -> str:
    """The calendar date alone, for listings.

    >>> from datetime import timezone
    >>> display_date(datetime(2021, 11, 24, 23, 0, tzinfo=timezone.utc), ZoneInfo("Asia/Kuwait"))
    '25 نوفمبر 2021'
    >>> display_date(
    ...     datetime(2021, 11, 24, 23, 0, tzinfo=timezone.utc), ZoneInfo("Asia/Kuwait"),
    ...     digits="arabic",
    ... )
    '٢٥ نوفمبر ٢٠٢١'
    """
    return with_digits(
        str(format_datetime(moment.astimezone(zone), "d MMMM y", locale=locale)), digits
    )


def display_number(number: int | float, locale: str = "ar", digits: Digits = "latin") -> str:
    """A count (page number, minutes of reading) with the locale's separators and chosen digits.

    >>> display_number(12)
    '12'
    >>> display_number(1500, digits="arabic")
    '١٬٥٠٠'
    >>> display_number(1500)
    '1,500'
    >>> display_number(1500, "ar-KW")  # a BCP 47 tag, as `language` takes it (Babel wants _)
    '1,500'
    """
    system = "arab" if digits == "arabic" else "latn"
    text = format_decimal(number, locale=locale.replace("-", "_"), numbering_system=system)
    return with_digits(str(text), digits)
