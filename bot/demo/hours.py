"""The sample company's logged hours: deterministic, day by day, up to today.

Every (person, day) draws from its own seeded random source, so a day's entries, and their
10000ft ids, are the same on every run of a data directory; only approval states move with
today (recent hours are still unsubmitted or pending, older ones approved), as in 10000ft.
What people log follows their contracts (a 60 % part-timer logs 60 % days) and where they
work that month, with some drift per person so flex saldos differ, plus vacations, sick days,
flex leave, unpaid leave, long leaves and extra hours on overtime phases.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from bot.demo.company import (
    CHILD_SICK,
    FLEX_LEAVE,
    PROJECTS,
    SICK_LEAVE,
    UNPAID_LEAVE,
    VACATION,
    DemoPerson,
)
from bot.emulators.tenkfeet_data import (
    APPROVED,
    ENTRY_NOTES,
    ENTRY_TASKS,
    EPOCH_ORDINAL,
    NO_APPROVAL,
    PENDING,
    TimeEntryStore,
)

SEED = "financebot-demo"
FIRST_ENTRY_ID = 1_000_000
FULL_DAY = 750  # hundredths of an hour
NOTES: list[str | None] = [*ENTRY_NOTES, "Support request"]
LEAVE_APPROVAL_DAYS = 30
_NOISE = (-50, -25, 0, 0, 0, 0, 25, 50)  # hundredths; averages to zero


@dataclass(frozen=True)
class Assignable:
    """What a project entry needs to know about where it was logged."""

    project: int
    rate: int  # hundredths
    approver: int  # 10000ft user id
    task: int | None  # a fixed task index, or None to vary
    approval_days: int = 30  # entries younger than this may still wait for approval


def assignables(people: list[DemoPerson]) -> dict[int, Assignable]:
    by_name = {p.full_name.lower(): p.tenkfeet_id for p in people}
    found: dict[int, Assignable] = {}
    for demo in PROJECTS:
        approver = by_name.get(demo.admins[0].lower(), 1)
        base = 0 if demo.internal else demo.rate * 100
        days = demo.approval_days
        found[demo.tenkfeet_id] = Assignable(demo.tenkfeet_id, base, approver, None, days)
        for phase_id, name in demo.phases:
            lowered = name.lower()
            rate = 0 if lowered.startswith("non-billable") else base
            rate = rate * 3 // 2 if "overtime" in lowered else rate
            task = (
                ENTRY_TASKS.index("Design")
                if "design" in lowered
                else ENTRY_TASKS.index("Meetings")
                if "meetings" in lowered
                else None
            )
            found[phase_id] = Assignable(demo.tenkfeet_id, rate, approver, task, days)
    return found


@dataclass(frozen=True)
class Row:
    """One generated entry, in the emulator store's units."""

    assignable: int
    is_leave: bool
    hours: int  # hundredths
    rate: int  # hundredths
    note: int
    task: int
    approver: int


def _leave_type(person: DemoPerson, day: dt.date, roll: float) -> int | None:
    long_leave = person.leave_on(day)
    if long_leave is not None:
        return long_leave
    week = day.isocalendar().week
    summer = 27 + person.tenkfeet_id % 4
    if summer <= week < summer + 3 or week == 8 + person.tenkfeet_id % 2:
        return VACATION
    for limit, leave in ((0.022, SICK_LEAVE), (0.032, FLEX_LEAVE), (0.035, CHILD_SICK)):
        if roll < limit:
            return leave
    if roll < 0.037 and person.tenkfeet_id % 3 == 0:
        return UNPAID_LEAVE
    return None


def day_rows(
    person: DemoPerson, day: dt.date, places: dict[int, Assignable], percent: int
) -> list[Row]:
    """What ``person`` logs on workday ``day`` working ``percent`` of a full day."""
    rng = random.Random(f"{SEED}:{person.tenkfeet_id}:{day.toordinal()}")
    rolls = [rng.random() for _ in range(6)]
    length = FULL_DAY * percent // 100
    leave = _leave_type(person, day, rolls[0])
    if leave is not None:
        return [Row(leave, True, length, 0, 0, 0, 1)]

    target = length + _NOISE[int(rolls[1] * len(_NOISE))] + person.daily_bias * 100
    quarters = int(target // 25)
    quarters += rolls[2] < target / 25 - quarters  # rounds so that the average is kept
    total = max(quarters, 1) * 25

    def row(assignable: int, hours: int) -> Row:
        place = places[assignable]
        task = place.task if place.task is not None else int(rolls[3] * 997) % len(ENTRY_TASKS)
        note = int(rolls[4] * 991) % len(NOTES)
        return Row(assignable, False, hours, place.rate, note, task, place.approver)

    work = person.work_on(day)
    rows: list[Row]
    if rolls[3] < 0.55 or len(work) == 1:
        rows = [row(work[0], total)]
    else:
        second = work[1 + int(rolls[4] * (len(work) - 1))]
        if rolls[5] < 0.05:
            second = places[second].project  # logged on the project itself: no phase
        main = (total * (50 + int(rolls[3] * 30)) // 100) // 25 * 25
        rows = [row(work[0], main), row(second, total - main)]
    if person.overtime is not None and rolls[5] > 0.94:
        rows.append(row(person.overtime, 200))
    return [r for r in rows if r.hours > 0]


def state_roll(person: DemoPerson, day: dt.date) -> float:
    """The draw that decides the approval state of a person's entries of one day."""
    return random.Random(f"{SEED}:state:{person.tenkfeet_id}:{day.toordinal()}").random()


def _state(person: DemoPerson, age: int, roll: float, approval_days: int) -> int:
    """Unsubmitted, pending or approved: the newest days wait, older ones are approved."""
    if age < person.unsubmitted_days:
        return NO_APPROVAL if roll < person.unsubmitted_share or age < 2 else PENDING
    if age < approval_days:
        return PENDING if roll < 0.35 else APPROVED
    return PENDING if roll < 0.01 else APPROVED


def workdays(start: dt.date, end: dt.date, holidays: dict[dt.date, str]) -> Iterator[dt.date]:
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in holidays:
            yield day
        day += dt.timedelta(days=1)


def company_hours(
    people: list[DemoPerson],
    holidays: dict[dt.date, str],
    started: dt.date,
    today: dt.date,
) -> TimeEntryStore:
    """Every entry from ``started`` to ``today`` (inclusive), as the emulator's store."""
    store = TimeEntryStore(notes=list(NOTES), tasks=list(ENTRY_TASKS))
    store.first_id = FIRST_ENTRY_ID
    places = assignables(people)
    for day in workdays(started, today, holidays):
        days = day.toordinal() - EPOCH_ORDINAL
        noon = days * 86400 + 12 * 3600
        for person in people:
            percent = person.percent_on(day)
            if percent == 0:
                continue
            age, roll = (today - day).days, state_roll(person, day)
            for k, r in enumerate(day_rows(person, day, places, percent)):
                days_to_approve = (
                    LEAVE_APPROVAL_DAYS if r.is_leave else places[r.assignable].approval_days
                )
                state = _state(person, age, roll, days_to_approve)
                changed = noon if state == NO_APPROVAL else noon + 86400
                store.append_generated(
                    person.tenkfeet_id,
                    r.assignable,
                    r.is_leave,
                    days,
                    r.hours,
                    r.rate,
                    r.note,
                    r.task,
                    state,
                    False,
                    changed + person.tenkfeet_id * 10 + k,
                    r.approver,
                )
    return store
