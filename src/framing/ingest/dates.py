"""Publication dates: parsing the common export formats, and checking that a date is usable.

A document keeps its place in the corpus whatever its date: an unreadable or implausible date is blanked
(``published_date`` missing), never a reason to drop the document. :func:`check_date` says why a date was blanked;
:func:`framing.ingest.read_file` counts these per file (``n_dates_unreadable``, ``n_dates_implausible`` in the
files table) and logs a warning naming the file and the first values.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y%m%d%H%M%S", "%Y%m%d", "%d/%m/%Y",
                 "%m/%d/%Y")
EARLIEST_DATE = date(1800, 1, 1)  # earlier dates in a media corpus are typing or conversion errors
LATEST_DATE = date(2100, 12, 31)  # later ones too (a fixed bound: tables must not depend on the day of the run)


def parse_date(value: Any) -> str | None:
    """An ISO date from the common export formats, or None.

    >>> parse_date("2019-01-24 10:31:00"), parse_date("20190124103100"), parse_date("2026-01-05T08:00:00Z")
    ('2019-01-24', '2019-01-24', '2026-01-05')
    >>> parse_date("yesterday") is None
    True
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    text = re.sub(r"(\.\d+)?(Z|[+-]\d{2}:?\d{2})$", "", text)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def check_date(value: Any) -> tuple[str | None, str | None]:
    """``(iso_date, problem)``: the value as an ISO date, or None with the reason it was blanked.

    Missing values are no problem. A value that :func:`parse_date` cannot read is *unreadable*; a date before
    :data:`EARLIEST_DATE` or after :data:`LATEST_DATE` is *implausible*. Both are blanked rather than kept: a
    year-2999 date would stretch every timeline, and the raw file still holds it. The bounds are fixed rather
    than "today", so that the same files give the same tables whenever they are read (a cached run and a fresh
    one agree); dates after the day of the run are kept, and :func:`future_dates` names them for a warning.

    >>> check_date("2019-01-24 10:31:00")
    ('2019-01-24', None)
    >>> check_date(None), check_date("  ")
    ((None, None), (None, None))
    >>> check_date("31/31/2019")
    (None, "unreadable date '31/31/2019'")
    >>> check_date("2999-01-01")
    (None, 'implausible date 2999-01-01 (after 2100-12-31)')
    >>> check_date("0019-01-24")
    (None, 'implausible date 0019-01-24 (before 1800-01-01)')
    """
    if value is None or (isinstance(value, float) and pd.isna(value)) or not str(value).strip():
        return None, None
    iso = parse_date(value)
    if iso is None:
        shown = str(value).strip()
        return None, f"unreadable date {shown[:40] + '…' if len(shown) > 40 else shown!r}"
    when = date.fromisoformat(iso)
    if when > LATEST_DATE:
        return None, f"implausible date {iso} (after {LATEST_DATE.isoformat()})"
    if when < EARLIEST_DATE:
        return None, f"implausible date {iso} (before {EARLIEST_DATE.isoformat()})"
    return iso, None


def future_dates(dates: list[str | None], *, today: date | None = None) -> list[str]:
    """The ISO dates in ``dates`` after ``today`` (default: the local date now) plus a day of time-zone slack.

    They stay in the tables; the readers log them, since a date in the future is often a day/month swap.

    >>> future_dates(["2019-01-24", None, "2030-05-01"], today=date(2026, 11, 23))
    ['2030-05-01']
    """
    limit = (today or date.today()) + timedelta(days=1)
    return [d for d in dates if d and date.fromisoformat(d) > limit]
