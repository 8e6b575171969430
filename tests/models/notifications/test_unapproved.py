"""What the unapproved-hours reminder says per project, and to whom: hand-counted."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from models.notifications.periods import reminder_period
from models.notifications.recipients import Conversation, conversations_for
from models.notifications.unapproved import AdminInfo, ProjectInfo, unapproved_hours
from models.notifications.unsubmitted import EntryInfo

PERIOD = reminder_period(date(2026, 12, 1))  # a Tuesday: 2026-09-30 .. 2026-11-29
_ids = itertools.count(1)


def entry(
    project: ProjectInfo | None,
    day: date,
    hours: str,
    status: str = "Pending Approval",
    rate: str = "0",
    person_id: int = 1,
) -> EntryInfo:
    return EntryInfo(
        tenkfeet_id=next(_ids),
        person_id=person_id,
        date=day,
        hours=Decimal(hours),
        status=status,
        project_id=project.id if project else None,
        leave_type="" if project else "Vacation",
        bill_rate=Decimal(rate),
    )


APOLLO = ProjectInfo(10, "g-apollo", 110, "Apollo", "Acme", admins=(AdminInfo("Ann", "U0ANN"),))
ZEUS = ProjectInfo(11, "g-zeus", 111, "Zeus", "Acme", archived=True)  # archived, no admins
HERMES = ProjectInfo(12, "g-hermes", 112, "Hermes", "Beta", admins=(AdminInfo("Nils", None),))
NINE = ProjectInfo(
    13, "g-nine", 113, "Nine", "Beta", admins=tuple(AdminInfo(f"A{n}", f"U{n}") for n in range(9))
)
PROJECTS = {p.id: p for p in (APOLLO, ZEUS, HERMES, NINE)}


def test_per_project_count_hours_and_money_of_every_entry_not_approved() -> None:
    entries = [
        entry(APOLLO, date(2026, 9, 30), "7.5", rate="100"),  # first day: 750.00
        entry(APOLLO, date(2026, 11, 29), "2.25", "Unsubmitted", rate="80.50"),  # 181.125
        entry(APOLLO, date(2026, 10, 1), "0", "Unsubmitted", rate="100"),  # counted, 0 h
        entry(APOLLO, date(2026, 10, 2), "1", rate="0"),  # non-billable: counted, no money
        entry(APOLLO, date(2026, 10, 3), "8", "Approved", rate="100"),  # approved: out
        entry(APOLLO, date(2026, 9, 29), "5", rate="100"),  # the day before the period
        entry(APOLLO, date(2026, 11, 30), "5", rate="100"),  # the day after the period
        entry(ZEUS, date(2026, 10, 5), "3", rate="50"),
        entry(None, date(2026, 10, 6), "7.5", "Unsubmitted"),
        entry(None, date(2026, 10, 7), "7.5"),
        entry(None, date(2026, 10, 8), "7.5", "Approved"),
    ]
    per_project, leave = unapproved_hours(entries, PROJECTS, PERIOD)

    assert [u.project.name for u in per_project if u.project] == ["Apollo", "Zeus"]
    apollo, zeus = per_project
    assert (apollo.count, apollo.hours, apollo.money) == (4, Decimal("10.75"), Decimal("931.125"))
    assert (apollo.pending, apollo.unsubmitted) == (2, 2)
    assert (zeus.count, zeus.hours, zeus.money) == (1, Decimal(3), Decimal(150))
    assert leave is not None
    assert (leave.project, leave.count, leave.hours, leave.money) == (
        None,
        2,
        Decimal(15),
        Decimal("0.00"),
    )


def test_an_empty_period_and_all_approved_give_nothing() -> None:
    assert unapproved_hours([], PROJECTS, PERIOD) == ([], None)
    approved = [entry(APOLLO, date(2026, 10, 3), "8", "Approved")]
    assert unapproved_hours(approved, PROJECTS, PERIOD) == ([], None)


def test_who_gets_each_project_message() -> None:
    admins = ("U0NOTE",)
    assert conversations_for(APOLLO.admin_slack_ids, admins) == [Conversation(("U0ANN",))]
    # No admins at all, or admins without Slack: the notifications admins.
    assert conversations_for(ZEUS.admin_slack_ids, admins) == [Conversation(admins, True)]
    assert conversations_for(HERMES.admin_slack_ids, admins) == [Conversation(admins, True)]
    assert conversations_for(HERMES.admin_slack_ids, ()) == []
    # Nine admins: two group DMs, five and four.
    groups = conversations_for(NINE.admin_slack_ids, admins)
    assert [len(g.users) for g in groups] == [5, 4]
    assert sorted(u for g in groups for u in g.users) == [f"U{n}" for n in range(9)]
