"""Dates as readers of an Arabic site see them, via Babel's CLDR data (not hand-made month names)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime


def display_datetime(moment: datetime, zone: ZoneInfo, locale: str = "ar") -> str:
    """The date and time in the site's zone, in Arabic.

    >>> from datetime import timezone, timedelta
    >>> display_datetime(datetime(2021, 11, 24, 17, 15, tzinfo=timezone.utc), ZoneInfo("Asia/Kuwait"))
    '24 نوفمبر 2021، 8:15 م'
    """
    return str(format_datetime(moment.astimezone(zone), "d MMMM y، h:mm a", locale=locale))


def display_date(moment: datetime, zone: ZoneInfo, locale: str = "ar") -> str:
    """The calendar date alone, for listings.

    >>> from datetime import timezone
    >>> display_date(datetime(2021, 11, 24, 23, 0, tzinfo=timezone.utc), ZoneInfo("Asia/Kuwait"))
    '25 نوفمبر 2021'
    """
    return str(format_datetime(moment.astimezone(zone), "d MMMM y", locale=locale))
