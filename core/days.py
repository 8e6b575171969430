"""Days typed by people (CSV files, forms, command-line options): one strict format and one
range of days the product works with.

A day is written ``YYYY-MM-DD`` in ASCII digits, nothing else: Python's own
``date.fromisoformat`` would also take ``20250131`` and ``2025-W05-5``, which nobody means in a
spreadsheet. Days before 1990 or after 2100 are refused: they are typing mistakes (``0205`` for
``2025``), and a far-away day would make a flex computation or a sync walk centuries of days.
"""

from __future__ import annotations

import datetime as dt
import re

EARLIEST_DAY = dt.date(1990, 1, 1)
LATEST_DAY = dt.date(2100, 12, 31)
DAY_RANGE = f"{EARLIEST_DAY.isoformat()}..{LATEST_DAY.isoformat()}"
"""The supported days as a message writes them."""

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_day(raw: str) -> dt.date | None:
    """The day ``raw`` writes as ``YYYY-MM-DD`` (a real calendar day), else None."""
    if not _ISO_DAY.fullmatch(raw):
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


def is_supported_day(day: dt.date) -> bool:
    """Whether ``day`` lies in 1990-01-01..2100-12-31."""
    return EARLIEST_DAY <= day <= LATEST_DAY


def unsupported_day(day: dt.date) -> str:
    """What is wrong with a day outside the supported range (the caller names the value)."""
    return f"{day.isoformat()} is outside the supported days {DAY_RANGE}"
