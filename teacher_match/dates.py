"""Roster dates (出生年月, 调入本校时间 …) as written in real rosters, read the same from CSV and from Excel.

Rosters write a month as ``1985.09``, ``1985-09``, ``1985/09/01``, ``1985年9月`` or as a real Excel date. The
``year.month`` form is a trap: typed into a numeric Excel cell, ``2020.10`` (October) is stored as the number
2020.1, which is also how January is often written. So a ``year.month`` value whose month is the single digit
1 — the number 2020.1 or the text "2020.1", from any file type — is refused with the fix, never guessed.
Every other form is unambiguous: ``2020.01``, ``2020.10`` (as text), ``2020-1``, ``2020年1月``, ``2020.2``
(February: a month 20 does not exist), real dates.

Examples
--------
>>> parse_roster_date("1985.09"), parse_roster_date(1985.09), parse_roster_date("2020年1月")
(datetime.date(1985, 9, 1), datetime.date(1985, 9, 1), datetime.date(2020, 1, 1))
>>> parse_roster_date(2020.2)
datetime.date(2020, 2, 1)
>>> parse_roster_date(2020.1)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
teacher_match.dates.AmbiguousDateError: '2020.1' can be January or October 2020 ... 2020-01 or 2020-10 ...
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pandas as pd

__all__ = ["parse_roster_date", "AmbiguousDateError"]

_PATTERNS = [
    re.compile(r"^(\d{4})[.\-/年](\d{1,2})月?(?:[.\-/]?(\d{1,2})日?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})?$"),
]
#: year.month with the single-digit month 1: January, or October with its 0 dropped by a number cell
_AMBIGUOUS = re.compile(r"^(\d{4})\.1$")


class AmbiguousDateError(ValueError):
    """A ``year.month`` value that reads as two different months (2020.1: January or October)."""


def parse_roster_date(value: object) -> dt.date | None:
    """Parse one roster date cell; a month-only date counts from the first of the month.

    Returns
    -------
    datetime.date or None
        ``None`` when the value is not a date in any accepted spelling.

    Raises
    ------
    AmbiguousDateError
        The value is ``year.1`` (number or text), which can be January or October.
    """
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date() if not pd.isna(value) else None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # a number keeps its shortest spelling: 1985.09 → "1985.09", 2020.10 typed into Excel → 2020.1 →
    # "2020.1"; a CSV cell's text is read the same way, so both give the same date (or the same refusal)
    text = unicodedata.normalize("NFKC", repr(float(value)) if isinstance(value, float) else str(value))
    text = re.sub(r"\s+", "", text)
    m = _AMBIGUOUS.match(text)
    if m:
        year = m.group(1)
        raise AmbiguousDateError(f"'{text}' can be January or October {year} (a number cell drops the 0 of "
                                 f"{year}.10) — write {year}-01 or {year}-10 (or format the column as text "
                                 f"in Excel)")
    for pattern in _PATTERNS:
        m = pattern.match(text)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            day = int(m.group(3)) if m.group(3) else 1
            try:
                return dt.date(year, month, day)
            except ValueError:
                return None
    return None
