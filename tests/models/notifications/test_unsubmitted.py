"""Who gets the unsubmitted-hours reminder, with what: hand-counted expectations."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from models.notifications.periods import reminder_period
from models.notifications.unsubmitted import EntryInfo, PersonInfo, unsubmitted_reminders

MONDAY = date(2026, 11, 30)
PERIOD = reminder_period(MONDAY)  # 2026-09-30 .. 2026-11-29
_ids = itertools.count(1)


def entry(
    person: PersonInfo, day: date, hours: str, status: str = "Unsubmitted", **kw: object
) -> EntryInfo:
    return EntryInfo(
        tenkfeet_id=next(_ids),
        person_id=person.id,
        date=day,
        hours=Decimal(hours),
        status=status,
        **kw,  # type: ignore[arg-type]
    )


AINO = PersonInfo(1, "g-aino", "Aino Korhonen", "U0AINO")
BEN = PersonInfo(2, "g-ben", "Ben Archived", "U0BEN", archived=True)
CARL = PersonInfo(3, "g-carl", "Carl No-Slack", None)
DORA = PersonInfo(4, "g-dora", "Dora Left", "U0DORA")  # left mid-month, not archived yet


def test_the_period_is_last_sunday_minus_60_days_to_last_sunday() -> None:
    assert (PERIOD.first, PERIOD.last) == (date(2026, 9, 30), date(2026, 11, 29))


def test_counts_hours_and_listed_entries_by_person() -> None:
    entries = [
        entry(AINO, date(2026, 9, 30), "7.5", project_id=10, project_name="Apollo"),  # first day
        entry(AINO, date(2026, 11, 29), "2.25", project_id=10, project_name="Apollo"),  # last day
        entry(AINO, date(2026, 9, 29), "5", project_id=10),  # the day before the period
        entry(AINO, date(2026, 11, 30), "5", project_id=10),  # the day after the period
        entry(AINO, date(2026, 10, 5), "3", project_id=11, project_archived=True),  # counted
        entry(AINO, date(2026, 10, 6), "0", project_id=10),  # no hours: not counted
        entry(AINO, date(2026, 10, 7), "4", status="Pending Approval", project_id=10),
        entry(AINO, date(2026, 10, 8), "6", status="Approved", project_id=10),
        entry(AINO, date(2026, 10, 9), "7.5", leave_type="Vacation"),  # leave: counted, listed
        entry(BEN, date(2026, 10, 1), "8", project_id=10),  # archived person
        entry(CARL, date(2026, 10, 1), "1.5", project_id=10),
        entry(DORA, date(2026, 11, 10), "4", project_id=10),
    ]
    reminders = unsubmitted_reminders([DORA, CARL, BEN, AINO], entries, PERIOD)

    assert [r.person.name for r in reminders] == ["Aino Korhonen", "Carl No-Slack", "Dora Left"]
    aino, carl, dora = reminders
    # 7.5 + 2.25 + 3 (archived project) + 7.5 (leave) = 20.25 over 4 entries
    assert (aino.count, aino.hours) == (4, Decimal("20.25"))
    assert [e.date for e in aino.listed] == [
        date(2026, 9, 30),
        date(2026, 10, 9),
        date(2026, 11, 29),
    ]
    assert aino.not_listed == 1
    assert (carl.count, carl.hours, carl.person.slack_id) == (1, Decimal("1.5"), None)
    assert (dora.count, dora.hours) == (1, Decimal("4"))


def test_a_person_archived_after_leaving_mid_month_gets_nothing() -> None:
    left = PersonInfo(5, "g-eve", "Eve Left", "U0EVE", archived=True)
    stays = PersonInfo(5, "g-eve", "Eve Left", "U0EVE", archived=False)
    entries = [entry(left, date(2026, 11, 10), "4", project_id=10)]
    assert unsubmitted_reminders([left], entries, PERIOD) == []
    (reminder,) = unsubmitted_reminders([stays], entries, PERIOD)
    assert reminder.count == 1


def test_an_empty_period_and_only_zero_hours_give_nothing() -> None:
    assert unsubmitted_reminders([AINO], [], PERIOD) == []
    zero = [entry(AINO, date(2026, 10, 6), "0", project_id=10)]
    assert unsubmitted_reminders([AINO], zero, PERIOD) == []


def test_only_archived_projects_counts_but_lists_nothing() -> None:
    entries = [entry(AINO, date(2026, 10, 5), "3", project_id=11, project_archived=True)]
    (reminder,) = unsubmitted_reminders([AINO], entries, PERIOD)
    assert (reminder.count, reminder.hours, reminder.listed, reminder.not_listed) == (
        1,
        Decimal(3),
        (),
        1,
    )
