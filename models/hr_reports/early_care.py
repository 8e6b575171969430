"""The sick-leave early-care report: who has had sick leave often or long enough for HR to
reach out (the older system's rule, kept exactly).

Counted: entries that are not Unsubmitted whose leave type is a sick-leave type, of
non-archived people. With T = today:

- *days*: distinct dates with sick leave on or after T − 365 days;
- *periods*: the dates after T − 120 days, in order; a period starts at the first date and
  at every date more than 5 days after the previous one.

A person is listed when periods > ``max_periods`` or days > ``max_days`` (3 and 20 by
default, both settings); everyone else with sick leave in the year is listed apart.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from models.hours import HourEntry, HourStatus
from models.people import Person

YEAR_DAYS = 365
PERIOD_WINDOW_DAYS = 120
PERIOD_GAP_DAYS = 5


@dataclass(frozen=True)
class SickPeriod:
    first: dt.date
    last: dt.date


@dataclass(frozen=True)
class EarlyCareRow:
    person_id: int
    name: str
    days: int
    periods: tuple[SickPeriod, ...]
    flagged: bool


@dataclass(frozen=True)
class EarlyCareReport:
    today: dt.date
    flagged: tuple[EarlyCareRow, ...]
    others: tuple[EarlyCareRow, ...]


def sick_periods(dates: Iterable[dt.date], today: dt.date) -> tuple[SickPeriod, ...]:
    """The periods among the dates after ``today`` − 120 days (see the module's rule)."""
    start = today - dt.timedelta(days=PERIOD_WINDOW_DAYS)
    periods: list[SickPeriod] = []
    for day in sorted({d for d in dates if d > start}):
        if periods and (day - periods[-1].last).days <= PERIOD_GAP_DAYS:
            periods[-1] = SickPeriod(periods[-1].first, day)
        else:
            periods.append(SickPeriod(day, day))
    return tuple(periods)


def sick_days(dates: Iterable[dt.date], today: dt.date) -> int:
    """Distinct dates on or after ``today`` − 365 days."""
    start = today - dt.timedelta(days=YEAR_DAYS)
    return len({d for d in dates if d >= start})


def early_care_rows(
    sick_dates: dict[int, set[dt.date]],
    names: dict[int, str],
    today: dt.date,
    *,
    max_periods: int,
    max_days: int,
) -> EarlyCareReport:
    """The report from each person's sick-leave dates (pure)."""
    flagged: list[EarlyCareRow] = []
    others: list[EarlyCareRow] = []
    for person_id, dates in sick_dates.items():
        days = sick_days(dates, today)
        periods = sick_periods(dates, today)
        if days == 0 and not periods:
            continue
        is_flagged = len(periods) > max_periods or days > max_days
        row = EarlyCareRow(person_id, names[person_id], days, periods, is_flagged)
        (flagged if is_flagged else others).append(row)

    def order(row: EarlyCareRow) -> tuple[int, int, str]:
        return (-len(row.periods), -row.days, row.name.casefold())

    return EarlyCareReport(
        today, tuple(sorted(flagged, key=order)), tuple(sorted(others, key=order))
    )


async def early_care_report(
    today: dt.date, sick_leave_types: Sequence[str], *, max_periods: int, max_days: int
) -> EarlyCareReport:
    """Loads the year's sick-leave dates of non-archived people (three small queries), then
    applies :func:`early_care_rows`."""
    wanted = {name.casefold() for name in sick_leave_types}
    if not wanted:
        return EarlyCareReport(today, (), ())
    start = today - dt.timedelta(days=YEAR_DAYS)
    # The year's leave type names first (a handful), so that only sick-leave rows are read;
    # names are matched with Python's casefold, as configured names are written.
    in_year = HourEntry.filter(date__gte=start, person__archived=False).exclude(leave_type="")
    type_names = await in_year.distinct().values_list("leave_type", flat=True)
    sick_names = sorted({str(n) for n in type_names if str(n).casefold() in wanted})
    if not sick_names:
        return EarlyCareReport(today, (), ())
    rows = (
        await in_year.filter(leave_type__in=sick_names)
        .exclude(status=HourStatus.UNSUBMITTED.value)
        .values_list("person_id", "date", "leave_type")
    )
    sick_dates: dict[int, set[dt.date]] = defaultdict(set)
    for person_id, day, leave_type in rows:
        if str(leave_type).casefold() in wanted:
            sick_dates[int(person_id)].add(day)
    people = await Person.filter(id__in=list(sick_dates)).only("id", "first_name", "last_name")
    names = {p.id: p.full_name for p in people}
    return early_care_rows(
        dict(sick_dates), names, today, max_periods=max_periods, max_days=max_days
    )
