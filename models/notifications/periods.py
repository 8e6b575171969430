"""The periods notifications cover and how the ledger names them (docs/domain-rules.md,
"Notifications"). Pure date arithmetic.

Weekly reminders (unsubmitted and unapproved hours, the manager digest, the contract report)
cover the 61 days from last Sunday − 60 days to last Sunday, both included; "last Sunday" is the
Sunday before the week the batch runs in, so the period is the same whichever day of that week
it runs (run on Monday 2026-11-30: 2026-09-30 … 2026-11-29). The monthly flex message is
computed as of the last day of the previous month and sent on the month's first Wednesday.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

REMINDER_DAYS_BEFORE = 60
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DayRange:
    """Days from ``first`` to ``last``, both included."""

    first: dt.date
    last: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.first <= day <= self.last

    def __str__(self) -> str:
        return f"{self.first.isoformat()}..{self.last.isoformat()}"


def last_sunday(today: dt.date) -> dt.date:
    """The Sunday that ended the week before ``today``'s week (weeks run Monday to Sunday)."""
    return today - dt.timedelta(days=today.weekday() + 1)


def reminder_period(today: dt.date) -> DayRange:
    """The days the weekly reminders of ``today``'s week cover."""
    end = last_sunday(today)
    return DayRange(end - dt.timedelta(days=REMINDER_DAYS_BEFORE), end)


def reminder_week(today: dt.date) -> tuple[DayRange, str]:
    """What a weekly reminder run on ``today`` covers: its days and the ledger's period."""
    return reminder_period(today), week_key(today)


def week_key(today: dt.date) -> str:
    """The ledger's period of a weekly message: the ISO week it is sent in, ``2026-W49``."""
    year, week, _ = today.isocalendar()
    return f"{year:04d}-W{week:02d}"


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_month_end(today: dt.date) -> dt.date:
    """L of the monthly flex message: the last day of the month before ``today``'s."""
    return today.replace(day=1) - ONE_DAY


def first_weekday_of_month(year: int, month: int, weekday: int) -> dt.date:
    """The month's first Monday (``weekday`` 0) … Sunday (6)."""
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7)


def week_start(today: dt.date) -> dt.date:
    """The Monday of ``today``'s week."""
    return today - dt.timedelta(days=today.weekday())
