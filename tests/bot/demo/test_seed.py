"""Loading the sample company into a database (both backends) through the real syncs, imports
and review flow: what the loaded demo holds, rule by rule, and that loading again changes
nothing."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.demo.company import CUSTOMER_PORTAL, MOBILE_APP
from bot.demo.reviews import (
    AWAITING_SENDING,
    CHANGED_AFTER_APPROVAL,
    CHANGES_REQUESTED,
    CHANGES_TEXT,
    last_closed_month,
    month_before,
)
from bot.demo.seed import (
    START_FILE,
    SampleCompany,
    company_start,
    sample_company,
    seed_sample_company,
)
from bot.emulators.slack import SlackEmulator
from bot.emulators.tenkfeet import TenkfeetEmulator
from core.errors import CommandError
from core.off_loop import run_inline
from models import (
    AuditLog,
    FlexCorrection,
    GroupMembership,
    HourEntry,
    Person,
    Project,
    WorkContract,
)
from models.flex.company import everyone_flex
from models.hr_reports.early_care import early_care_report
from models.invoices.records import Invoice, InvoiceCheck, InvoiceFixedRow, InvoiceState
from models.invoices.waiting import invoices_waiting_for
from models.notifications.manager_digest import load_manager_digests
from models.notifications.periods import reminder_period
from models.permissions import ADMIN_GROUP, FINANCE_GROUP, HR_GROUP
from tests.support.demo_company import RecordedSteps, loading_settings, served_company

TODAY = dt.date(2025, 3, 12)
CHECKS = (
    "odd_rate_count",
    "non_billable_count",
    "non_phase_specific_count",
    "not_approved_count",
    "empty_notes_count",
    "no_category_count",
)


@pytest.fixture
async def company_emulators(
    slack_emulator: SlackEmulator,
) -> AsyncIterator[tuple[SampleCompany, TenkfeetEmulator]]:
    async with served_company(slack_emulator) as served:
        yield served


def test_the_start_day_is_kept_in_the_data_directory(tmp_path: Path) -> None:
    started = company_start(tmp_path, TODAY)
    assert started.weekday() == 0 and 3 * 365 <= (TODAY - started).days < 3 * 365 + 7
    assert company_start(tmp_path, TODAY + dt.timedelta(days=100)) == started
    (tmp_path / START_FILE).write_text("yesterday")
    with pytest.raises(CommandError, match=r"YYYY-MM-DD.*--reset"):
        company_start(tmp_path, TODAY)


async def table_counts() -> dict[str, int]:
    return {
        "people": await Person.all().count(),
        "contracts": await WorkContract.all().count(),
        "corrections": await FlexCorrection.all().count(),
        "hours": await HourEntry.all().count(),
        "invoices": await Invoice.all().count(),
        "checks": await InvoiceCheck.all().count(),
        "fixed rows": await InvoiceFixedRow.all().count(),
        "audit": await AuditLog.all().count(),
        "groups": await GroupMembership.all().count(),
    }


async def invoice_rows() -> list[dict[str, Any]]:
    return list(
        await Invoice.all()
        .order_by("year", "month", "project__tenkfeet_id")
        .values(
            "project__tenkfeet_id",
            "project__project_state",
            "year",
            "month",
            "state",
            "hours",
            "invoice_number",
            "remarkable_change",
            "changed_since_approval",
            "hours_change_since_approval",
            "review_version",
            *CHECKS,
        )
    )


async def test_the_loaded_company_exercises_every_rule_and_loading_again_changes_nothing(
    db: str,
    slack_emulator: SlackEmulator,
    company_emulators: tuple[SampleCompany, TenkfeetEmulator],
) -> None:
    company, tenkfeet = company_emulators
    settings = loading_settings(db, slack_emulator, tenkfeet)
    steps = RecordedSteps()
    first = await seed_sample_company(settings, company, steps)
    today = company.today

    # Every step reported, the hours with their days.
    assert list(steps.results) == [
        "users",
        "projects",
        "leave-types",
        "holidays",
        "slack-users",
        "slack-channels",
        "contracts",
        "corrections",
        "groups",
        "hours",
        "invoice reviews",
    ]
    assert steps.results["users"] == "added 25, updated 0, deleted 0, skipped 0"
    assert steps.results["hours"].startswith(f"added {company.entry_count}, ")
    days = (today - company.started).days + 1
    hours = [p for p in steps.progress if p[0] == "hours"]
    assert hours[0] == ("hours", 0, days, "days fetched")
    assert hours[-1] == ("hours", days, days, "days written")
    reviewed = [p for p in steps.progress if p[0] == "invoice reviews"]
    assert reviewed[-1][1] == reviewed[-1][2] == len(reviewed) > 200
    assert first.hour_entries_changed == company.entry_count == await HourEntry.all().count()

    # People, contracts, corrections, groups.
    people = {p.email: p for p in await Person.all()}
    assert len(people) == 25
    assert "iida.salminen@example.com" in people  # mixed case in 10000ft
    assert people["aino.korhonen@example.com"].slack_id == "U0DEMO01"  # mixed case in Slack
    assert sum(1 for p in people.values() if p.slack_id) == 23  # Oliver and Arttu: no Slack
    assert [p.email for p in people.values() if p.archived] == ["oliver.saarinen@example.com"]
    contracts: dict[int, list[WorkContract]] = {}
    for contract in await WorkContract.all().order_by("start_date"):
        contracts.setdefault(contract.person_id, []).append(contract)  # type: ignore[attr-defined]
    assert first.contracts.created == sum(map(len, contracts.values())) == 29
    assert {c.worktime_percent for cs in contracts.values() for c in cs} == {60, 80, 100}
    assert sum(not c.flex_enabled for cs in contracts.values() for c in cs) == 1
    with_gap = [
        person_id
        for person_id, cs in contracts.items()
        if any(
            a.end_date and b.start_date > a.end_date + dt.timedelta(days=1)
            for a, b in itertools.pairwise(cs)
        )
    ]
    names = {p.id: p.email.split("@")[0] for p in people.values()}
    assert sorted(names[i] for i in with_gap) == ["minea.rantanen", "toivo.tuominen"]
    assert people["vaino.hamalainen@example.com"].id not in contracts
    assert first.corrections.created == await FlexCorrection.all().count() == 5
    for group, handle in ((HR_GROUP, "aino"), (FINANCE_GROUP, "lilja"), (ADMIN_GROUP, "olivia")):
        members = await GroupMembership.filter(group__name=group).prefetch_related("person")
        assert [m.person.email.split(".")[0] for m in members] == [handle]

    # Hours: every leave type, unpaid leave, overtime, and every approval state.
    leave = set(
        await HourEntry.exclude(leave_type="").distinct().values_list("leave_type", flat=True)
    )
    assert leave == {
        "Vacation",
        "Sick leave",
        "Flex time Leave",
        "Unpaid leave",
        "Parental leave",
        "Child's sickness",
    }
    assert await HourEntry.filter(phase_name__icontains="overtime", hours__gt=0).count() > 50
    statuses = set(await HourEntry.all().distinct().values_list("status", flat=True))
    assert statuses == {"Unsubmitted", "Pending Approval", "Approved"}

    # Projects: one with three admins, one with two.
    portal = await Project.get(tenkfeet_id=CUSTOMER_PORTAL)
    assert await portal.admins.all().count() == 3
    assert await (await Project.get(tenkfeet_id=MOBILE_APP)).admins.all().count() == 2

    # Invoices: last month's wait for review, with every kind of check among them.
    invoices = await invoice_rows()
    last = last_closed_month(today)
    in_hand = month_before(last)
    client = [i for i in invoices if i["project__project_state"].lower() != "internal"]
    waiting = [i for i in client if (i["year"], i["month"]) == last and i["hours"] > 0]
    assert len(waiting) == 6  # every client project but the archived one
    assert {i["state"] for i in waiting} == {InvoiceState.CREATED.value}
    for check in CHECKS:
        assert any(i[check] > 0 for i in waiting), check
    assert any(i["remarkable_change"] for i in waiting)

    # The month before: approved and numbered by now, but for three in hand.
    before = {i["project__tenkfeet_id"]: i for i in client if (i["year"], i["month"]) == in_hand}
    changed = before.pop(CHANGED_AFTER_APPROVAL)
    assert changed["changed_since_approval"] and changed["state"] == InvoiceState.APPROVED.value
    assert Decimal(changed["hours_change_since_approval"]) > 0
    asked = before.pop(CHANGES_REQUESTED)
    assert asked["state"] == InvoiceState.CREATED.value
    assert await InvoiceCheck.filter(changes_requested=CHANGES_TEXT).count() == 1
    preview = before.pop(AWAITING_SENDING)
    assert preview["state"] == InvoiceState.PREVIEW.value and preview["invoice_number"]
    assert {i["state"] for i in before.values()} == {InvoiceState.APPROVED.value}
    assert [i for i in invoices if i["changed_since_approval"]] == [changed]

    # Older months: numbered and sent, fixed rows copied on.
    older = [i for i in client if (i["year"], i["month"]) < in_hand and i["hours"] > 0]
    assert len(older) > 150
    assert {i["state"] for i in older} == {InvoiceState.SENT.value}
    assert await InvoiceFixedRow.filter(from_project=True).count() > 20
    assert first.reviews.sent == len(older)

    # An approver has invoices waiting; every project admin has a digest.
    eino = people["eino.virtanen@example.com"]
    mine = await invoices_waiting_for(eino.id, today)
    assert [(i.period, i.changed_since_approval) for i in mine] == [
        (f"{in_hand[0]}-{in_hand[1]:02d}", True),
        (f"{last[0]}-{last[1]:02d}", False),
    ]
    digests = await load_manager_digests(reminder_period(today), today, "EUR")
    digested = {d.admin.slack_id for d in digests}
    assert {"U0DEMO02", "U0DEMO04", "U0DEMO05", "U0DEMO11", "U0DEMO14", "U0DEMO17"} <= digested
    eino_digest = next(d for d in digests if d.admin.slack_id == "U0DEMO02")
    assert any(p.invoices and p.unapproved for p in eino_digest.projects)

    # Flex: the contract problems HR sees, and the early-care report.
    as_of = today - dt.timedelta(days=1)
    listed, flex = await everyone_flex(as_of, Decimal("7.5"), run_inline)
    handle = {p.id: p.email.split("@")[0] for p in listed if p.email}
    problems = {(handle[p.person_id], p.kind) for p in flex.problems}
    assert {
        ("vaino.hamalainen", "hours_without_contract"),
        ("minea.rantanen", "contract_gap"),
        ("minea.rantanen", "correction_outside_contract"),
        ("minea.rantanen", "saldo_not_computed"),
    } <= problems
    assert not {kind for who, kind in problems if who == "toivo.tuominen"}  # the bridged gap
    status = {handle[i]: s.status for i, s in flex.saldos.items()}
    assert status["toivo.tuominen"] == status["helmi.makinen"] == "ok"
    assert status["vaino.hamalainen"] == "not_active"
    assert {s.saldo is not None and s.saldo > 120 for s in flex.saldos.values()} == {True, False}
    care = await early_care_report(today, ["Sick leave"], max_periods=3, max_days=20)
    assert "Nelli Jokinen" in [row.name for row in care.flagged]

    # Loading again changes nothing.
    counts = await table_counts()
    again = await seed_sample_company(settings, company, RecordedSteps())
    assert again.hour_entries_changed == 0
    assert (again.contracts.unchanged, again.corrections.unchanged) == (29, 5)
    assert again.reviews.summary() == "0 approved, 0 numbered, 0 sent, 0 with changes requested"
    assert await table_counts() == counts
    assert await invoice_rows() == invoices

    # A data directory from an older demo (other contracts): refused, pointing at --reset.
    older = sample_company(company.started + dt.timedelta(weeks=52), today)
    with pytest.raises(CommandError, match=r"refused: .*overlaps.*--reset starts it afresh\)$"):
        await seed_sample_company(settings, older)
    assert await table_counts() == counts
