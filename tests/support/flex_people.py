"""Building people with contracts, hours and holidays for the Slack flex tests.

``full_month_history`` gives a saldo that is exact by construction: every workday from the
contract start to yesterday has exactly one workday's hours, except the few days a test
changes, so the expected saldo is the sum of those changes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from core.clock import company_today
from core.settings import Settings
from models import (
    FlexCorrection,
    Group,
    GroupMembership,
    HourEntry,
    Person,
    PublicHoliday,
    SlackUser,
    WorkContract,
)

_ids = itertools.count(1000)


async def make_person(
    first: str,
    last: str,
    slack_id: str | None,
    *,
    archived: bool = False,
    hr: bool = False,
    handle: str | None = None,
) -> Person:
    n = next(_ids)
    person = await Person.create(
        tenkfeet_id=n,
        guid=f"guid-{n}",  # free of the name, as in 10000ft: tests give names full of markup
        first_name=first,
        last_name=last,
        email=f"{first.lower()}@example.com",
        slack_id=slack_id,
        archived=archived,
    )
    if hr:
        group, _ = await Group.get_or_create(name="hr")
        await GroupMembership.create(group=group, person=person)
    if handle and slack_id:
        await SlackUser.create(slack_id=slack_id, name=handle, real_name=f"{first} {last}")
    return person


async def add_entry(
    person: Person,
    day: date,
    hours: str,
    *,
    status: str = "Approved",
    leave_type: str = "",
    phase: str = "Build",
    category: str = "Development",
    notes: str = "did things",
    updated_at: str = "2025-01-01T00:00:00Z",
) -> HourEntry:
    return await HourEntry.create(
        tenkfeet_id=next(_ids),
        date=day,
        person=person,
        phase_name="" if leave_type else phase,
        leave_type=leave_type,
        category="" if leave_type else category,
        notes=notes,
        hours=Decimal(hours),
        status=status,
        upstream_updated_at=updated_at,
    )


@dataclass
class History:
    start: date
    as_of: date
    saldo: Decimal
    change: Decimal | None
    months: list[str]


async def full_month_history(person: Person, settings: Settings) -> History:
    """A 100 % flex contract from a Monday about six weeks ago, open-ended; a full workday
    logged on every workday up to yesterday, with these exceptions (all hand-countable):
    the Wednesday of the first week is a public holiday (no hours, nothing expected); the
    Thursday of the first week is vacation (leave counts as a workday's hours); the last
    workday has 2 h extra (+2.00); a +1.25 h correction on the start day; a 5 h Unsubmitted
    entry and an overtime-phase entry (neither counted). Saldo = +3.25 h.
    """
    as_of = company_today(settings) - timedelta(days=1)
    start = as_of - timedelta(days=42)
    start -= timedelta(days=start.weekday())  # a Monday, 42..48 days before yesterday
    holiday = start + timedelta(days=2)
    vacation = start + timedelta(days=3)
    await WorkContract.create(
        person=person, start_date=start, end_date=None, worktime_percent=100, flex_enabled=True
    )
    await PublicHoliday.create(date=holiday, name="Test Day")
    await FlexCorrection.create(person=person, date=start, adjust_by=Decimal("1.25"))
    workdays = [
        start + timedelta(days=n)
        for n in range((as_of - start).days + 1)
        if (start + timedelta(days=n)).weekday() < 5 and start + timedelta(days=n) != holiday
    ]
    last_workday = workdays[-1]
    for day in workdays:
        if day == vacation:
            await add_entry(person, day, "7.5", leave_type="Vacation")
        elif day == last_workday:
            await add_entry(person, day, "9.5")
        else:
            await add_entry(person, day, "7.5")
    await add_entry(person, last_workday, "5", status="Unsubmitted")
    await add_entry(person, workdays[5], "3", phase="Overtime work")
    months = sorted({f"{d.year:04d}-{d.month:02d}" for d in _days(start, as_of)})
    change = Decimal(2) if last_workday.month == as_of.month else Decimal(0)
    return History(start, as_of, Decimal("3.25"), change, months)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]
