"""The company clock: "now", "today" and "yesterday" in ``TIME_ZONE``.

The system clock read in the company's time zone is the only time source (nothing else
decides what day it is), and this module is the only place that reads it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from core.settings import Settings


def company_now(settings: Settings) -> datetime:
    """The current moment, aware, in ``TIME_ZONE``."""
    return datetime.now(settings.tz)


def company_today(settings: Settings) -> date:
    """The system clock's date in ``TIME_ZONE``."""
    return company_now(settings).date()


def company_yesterday(settings: Settings) -> date:
    """Yesterday in ``TIME_ZONE``: the day flex saldos are computed up to by default."""
    return company_today(settings) - timedelta(days=1)
