"""What the weekly manager digest tells each project admin: hand-counted, the pure selection
first, then what the loading picks from the database (archived admins, which invoices wait)."""

from __future__ import annotations

import itertools
import logging
from datetime import date
from decimal import Decimal

import pytest

from models import Invoice, Project
from models.invoices.records import InvoiceState
from models.invoices.waiting import WaitingInvoice
from models.notifications.manager_digest import (
    ManagerDigest,
    ProjectWaiting,
    UnsubmittedPerson,
    load_manager_digests,
    manager_digests,
    unsubmitted_people,
    waiting_per_project,
)
from models.notifications.periods import DayRange, reminder_period
from models.notifications.unapproved import AdminInfo, ProjectInfo, unapproved_hours
from models.notifications.unsubmitted import EntryInfo, PersonInfo
from tests.support import hour_reminders as company
from tests.support.flex_people import make_person

MONDAY = date(2026, 11, 30)
PERIOD = reminder_period(MONDAY)  # 2026-09-30 .. 2026-11-29
D = Decimal
_ids = itertools.count(1)

ANN = AdminInfo("Ann Admin", "U0ANN", "g-ann")
NILS = AdminInfo("Nils Noslack", None, "g-nils")
NINE = tuple(AdminInfo(f"Admin{n} Nine", f"U9{n}", f"g-nine-{n}") for n in range(9))
WES = PersonInfo(1, "g-wes", "Wes Worker", "U0WES")
ZOE = PersonInfo(2, "g-zoe", "Zoe Zed", None)  # no Slack: still named to her admins
OLD = PersonInfo(3, "g-old", "Old Timer", "U0OLD", archived=True)
PEOPLE = (WES, ZOE, OLD)

APOLLO = ProjectInfo(10, "g-apollo", 110, "Apollo", "Acme", admins=(ANN,))
QUIET = ProjectInfo(11, "g-quiet", 111, "Quiet", "Acme", admins=(ANN,))
HERMES = ProjectInfo(12, "g-hermes", 112, "Hermes", "Beta", admins=(ANN, NILS))
BIG = ProjectInfo(13, "g-big", 113, "Big", "Beta", archived=True, admins=NINE)
DONE = ProjectInfo(14, "g-done", 114, "Done", "Acme", admins=(ANN,))
PROJECTS = {p.id: p for p in (APOLLO, QUIET, HERMES, BIG, DONE)}


def entry(
    project: ProjectInfo | None,
    day: date,
    hours: str,
    status: str = "Unsubmitted",
    rate: str = "0",
    person: PersonInfo = WES,
) -> EntryInfo:
    return EntryInfo(
        tenkfeet_id=next(_ids),
        person_id=person.id,
        date=day,
        hours=D(hours),
        status=status,
        project_id=project.id if project else None,
        bill_rate=D(rate),
    )


def invoice(project: ProjectInfo, month: int, *, changed: bool = False) -> WaitingInvoice:
    state = InvoiceState.APPROVED if changed else InvoiceState.CREATED
    return WaitingInvoice(
        id=f"inv-{project.guid}-{month}",
        project_name=project.name,
        client_name=project.client_name,
        year=2026,
        month=month,
        hours=D(10),
        changed_since_approval=changed,
        state=state,
        project_id=project.id,
    )


ENTRIES = [
    entry(APOLLO, date(2026, 9, 30), "7.5", "Pending Approval", "100"),  # 750.00
    entry(APOLLO, date(2026, 11, 29), "2.25", rate="80.50"),  # 181.125, Wes unsubmitted
    entry(APOLLO, date(2026, 10, 1), "1", person=ZOE),  # Zoe unsubmitted, no money
    entry(APOLLO, date(2026, 10, 2), "8", "Approved", "100"),  # approved: out
    entry(APOLLO, date(2026, 9, 29), "5", rate="100"),  # the day before the period
    entry(APOLLO, date(2026, 11, 30), "5", rate="100"),  # the day after
    entry(QUIET, date(2026, 10, 5), "0"),  # not approved, but 0 h: nobody's unsubmitted hours
    entry(BIG, date(2026, 10, 6), "6", rate="10", person=OLD),  # archived person: 60.00, unnamed
    entry(BIG, date(2026, 10, 7), "1.5", "Pending Approval", "10", person=ZOE),  # 15.00
    entry(DONE, date(2026, 10, 8), "4", "Approved", "100"),
    entry(None, date(2026, 10, 9), "7.5"),  # leave: no project, no admin
]
INVOICES = [invoice(APOLLO, 10), invoice(HERMES, 9, changed=True), invoice(APOLLO, 8)]


def select(
    entries: list[EntryInfo], invoices: list[WaitingInvoice], period: DayRange = PERIOD
) -> list[ManagerDigest]:
    per_project, _leave = unapproved_hours(entries, PROJECTS, period)
    unsubmitted = unsubmitted_people(PEOPLE, entries, period)
    return manager_digests(waiting_per_project(PROJECTS, per_project, invoices, unsubmitted))


def test_each_admin_gets_their_projects_with_something_waiting() -> None:
    digests = select(ENTRIES, INVOICES)
    # Big's nine admins, Ann and Nils (no Slack: the planner tells the notifications admins).
    assert [d.admin for d in digests] == [*NINE, ANN, NILS]

    ann = digests[9]
    # Done has nothing waiting (all approved, no invoice): left out.
    assert [p.project.name for p in ann.projects] == ["Apollo", "Quiet", "Hermes"]
    apollo, quiet, hermes = ann.projects
    # Apollo: 7.5 × 100 + 2.25 × 80.50 + 1 × 0 = 931.125 in 3 entries, 10.75 h.
    assert apollo.unapproved is not None
    u = apollo.unapproved
    assert (u.count, u.hours, u.money, u.pending, u.unsubmitted) == (
        3,
        D("10.75"),
        D("931.125"),
        1,
        2,
    )
    assert [i.period for i in apollo.invoices] == ["2026-08", "2026-10"]  # oldest first
    assert apollo.unsubmitted == (
        UnsubmittedPerson(WES, 1, D("2.25")),
        UnsubmittedPerson(ZOE, 1, D(1)),
    )
    # Quiet: an unsubmitted entry of 0 hours is not approved (counted) but no unsubmitted hours.
    assert quiet.unapproved is not None
    assert (quiet.unapproved.count, quiet.unapproved.hours, quiet.unapproved.money) == (
        1,
        D(0),
        D(0),
    )
    assert (quiet.invoices, quiet.unsubmitted) == ((), ())
    # Hermes: only its invoice, approved and changed since.
    assert hermes == ProjectWaiting(HERMES, None, (INVOICES[1],), ())
    assert hermes.invoices[0].changed_since_approval

    assert digests[10].projects == (hermes,)  # Nils administers Hermes only


def test_a_project_with_nine_admins_is_in_each_of_their_digests() -> None:
    digests = select(ENTRIES, INVOICES)
    nine = [d for d in digests if d.admin in NINE]
    assert len(nine) == 9
    (big,) = {d.projects for d in nine}
    (waiting,) = big
    # Archived project, still reported; 6 × 10 + 1.5 × 10 = 75.00; the archived person's
    # unsubmitted hours counted as not approved, but she is not named; Zoe's are pending.
    assert waiting.project.archived
    assert waiting.unapproved is not None
    assert (waiting.unapproved.count, waiting.unapproved.hours, waiting.unapproved.money) == (
        2,
        D("7.5"),
        D(75),
    )
    assert waiting.unsubmitted == ()


def test_people_with_unsubmitted_hours_per_project() -> None:
    entries = [
        entry(APOLLO, date(2026, 10, 1), "1.5"),
        entry(APOLLO, date(2026, 10, 2), "2"),
        entry(APOLLO, date(2026, 10, 3), "4", "Pending Approval"),  # submitted
        entry(HERMES, date(2026, 10, 4), "3"),
        entry(APOLLO, date(2026, 10, 5), "0.5", person=ZOE),
        entry(APOLLO, date(2026, 10, 6), "8", person=OLD),  # archived
        entry(None, date(2026, 10, 7), "7.5"),  # leave
        entry(APOLLO, date(2026, 12, 1), "9"),  # after the period
    ]
    assert unsubmitted_people(PEOPLE, entries, PERIOD) == {
        APOLLO.id: (UnsubmittedPerson(WES, 2, D("3.5")), UnsubmittedPerson(ZOE, 1, D("0.5"))),
        HERMES.id: (UnsubmittedPerson(WES, 1, D(3)),),
    }


def test_nothing_waiting_sends_nothing() -> None:
    # An empty period: the entries are all before it, and no invoice waits.
    assert select(ENTRIES, [], DayRange(date(2025, 1, 1), date(2025, 3, 1))) == []
    assert select([], []) == []
    # All approved: nobody.
    assert select([entry(DONE, date(2026, 10, 8), "4", "Approved", "100")], []) == []


# --- loading -----------------------------------------------------------------------------------


async def _invoice(project: Project, year: int, month: int, **fields: object) -> Invoice:
    values: dict[str, object] = {"hours": D(10), "money": D(1000)}
    values.update(fields)
    return await Invoice.create(project=project, year=year, month=month, **values)


async def test_loading_picks_the_admins_and_invoices_the_rule_names(db: str) -> None:
    ann = await make_person("Ann", "Admin", "U0ANN")
    gone = await make_person("Gone", "Admin", "U0GONE", archived=True)
    wes = await make_person("Wes", "Worker", "U0WES")
    apollo = await company.project("Apollo", admins=(ann, gone))
    hermes = await company.project("Hermes", client="Beta", admins=(gone,))
    inside = await company.project("Inside", admins=(ann,))
    inside.project_state = "Internal"
    await inside.save()
    await company.entry(wes, date(2026, 10, 1), "2", on=apollo, rate="50")  # Unsubmitted
    await company.entry(wes, date(2026, 10, 2), "3", on=hermes)  # only the archived admin's
    waiting = await _invoice(apollo, 2026, 10)  # Created, closed month: waits
    changed = await _invoice(
        apollo, 2026, 9, state="Approved", approved_hours=D(8), changed_since_approval=True
    )
    await _invoice(apollo, 2026, 8, state="Approved", approved_hours=D(10))  # approved
    await _invoice(apollo, 2026, 11)  # the running month: not yet
    await _invoice(apollo, 2026, 7, hours=D(0))  # no hours
    await _invoice(inside, 2026, 10)  # an internal project's

    (digest,) = await load_manager_digests(PERIOD, MONDAY, "EUR")
    # Gone is archived: no digest for Gone, and Hermes (Gone's only) reaches nobody.
    assert digest.admin == AdminInfo("Ann Admin", "U0ANN", ann.guid)
    (project,) = digest.projects
    assert project.project.guid == apollo.guid
    assert project.unapproved is not None
    assert (project.unapproved.count, project.unapproved.money) == (1, D(100))
    assert [(i.id, i.changed_since_approval) for i in project.invoices] == [
        (str(changed.id), True),
        (str(waiting.id), False),
    ]
    assert [(u.person.name, u.count, u.hours) for u in project.unsubmitted] == [
        ("Wes Worker", 1, D(2))
    ]


async def count_queries(caplog: pytest.LogCaptureFixture) -> int:
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        await load_manager_digests(PERIOD, MONDAY, "EUR")
    return sum(1 for r in caplog.records if r.name == "tortoise.db_client")


async def test_loading_costs_the_same_queries_for_one_admin_or_many(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    worker = await make_person("Wes", "Worker", "U0WES")

    async def add_project(n: int) -> None:
        admins = [await make_person(f"A{n}", f"Admin{k}", f"U{n}{k}") for k in range(3)]
        project = await company.project(f"P{n}", admins=tuple(admins))
        await company.entry(worker, date(2026, 10, 1), "1", on=project)
        await _invoice(project, 2026, 10)

    await add_project(0)
    one = await count_queries(caplog)
    for n in range(1, 6):
        await add_project(n)
    many = await count_queries(caplog)
    assert len(await load_manager_digests(PERIOD, MONDAY, "EUR")) == 18
    assert one == many and many <= 5
