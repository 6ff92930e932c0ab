"""Dates in third-party payloads: checked before mapping, so that an impossible one
(``1538-20-83``) is reported with its field's path instead of being dropped.

Accepted: a calendar date ``YYYY-MM-DD`` (a time may follow, ``2024-03-20T14:30:00Z``), and
the month and year ``YYYY-MM`` that the Commission's guidance uses for the date of manufacture
(data point "The date of manufacturing (month and year)"). A month and year is carried into the
passport as an ``xsd:gYearMonth`` value, which the eu-battery shapes accept for that date.
"""

from __future__ import annotations

import datetime
import re

from resolver.errors import DocumentError

__all__ = ["check_date", "date_value", "is_month_year"]

_DATE = re.compile(r"(-?\d{4,})-(\d{1,2})-(\d{1,2})(?:$|T)")
_MONTH_YEAR = re.compile(r"(-?\d{4,})-(\d{1,2})$")
_XSD_G_YEAR_MONTH = "xsd:gYearMonth"


def is_month_year(value: str) -> bool:
    return _MONTH_YEAR.match(value) is not None


def check_date(where: str, value: str) -> str:
    """``value`` if it is a possible date or month and year; DocumentError naming ``where``."""
    month_year = _MONTH_YEAR.match(value)
    if month_year is not None:
        month = int(month_year.group(2))
        if not 1 <= month <= 12:
            raise DocumentError(f"{where}: {value!r} is not a possible month and year (month {month})")
        return value
    match = _DATE.match(value)
    if match is None:
        raise DocumentError(f"{where}: {value!r} is not a date (YYYY-MM-DD, or YYYY-MM for a month and year)")
    year, month, day = (int(part) for part in match.groups())
    try:
        datetime.date(year, month, day)
    except ValueError:
        raise DocumentError(f"{where}: {value!r} is not a possible date (month {month}, day {day})") from None
    return value


def date_value(value: str) -> str | dict[str, str]:
    """A checked date as a compact JSON-LD value: a month and year is typed ``xsd:gYearMonth``
    (our context types the plain string as ``xsd:date``)."""
    if is_month_year(value):
        year, month = value.rsplit("-", 1)
        return {"@value": f"{year}-{int(month):02d}", "@type": _XSD_G_YEAR_MONTH}
    return value
