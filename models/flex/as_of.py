"""How far ahead a flex saldo may be asked for: the admin pages' ``?as_of=`` and `financebot
flex --as-of` refuse the same days with the same words."""

from __future__ import annotations

import datetime as dt

from core.clock import company_today
from core.days import is_supported_day, unsupported_day
from core.settings import Settings

MAX_DAYS_AHEAD = 366
"""The furthest ``as_of`` may lie ahead of today: far-future days would only add expected hours
(and make every open-ended contract's daily log years long)."""


def latest_as_of(settings: Settings) -> dt.date:
    """The last day a saldo may be computed as of: a year from today in TIME_ZONE."""
    return company_today(settings) + dt.timedelta(days=MAX_DAYS_AHEAD)


def as_of_problem(label: str, as_of: dt.date, settings: Settings) -> str | None:
    """Why ``as_of`` cannot be computed, worded with ``label`` (the option or parameter's name),
    or None when it can."""
    latest = latest_as_of(settings)
    if as_of > latest:
        return (
            f"{label} {as_of.isoformat()} is too far ahead: the latest allowed is "
            f"{latest.isoformat()} (a year from today)"
        )
    if not is_supported_day(as_of):
        return f"{label} {unsupported_day(as_of)}"
    return None
