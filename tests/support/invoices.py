"""Projects, people and hour entries stored directly, for the invoice tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count
from typing import Any

from bot.emulators.tenkfeet import TenkfeetEmulator
from bot.emulators.tenkfeet_data import (
    TenkfeetData,
    approval,
    leave_type,
    phase,
    time_entry,
    user,
)
from bot.emulators.tenkfeet_data import project as tk_project
from models import Client, HourEntry, Invoice, Person, Project
from models.invoices.figures import InvoiceEntry
from sync.tenkfeet.hours import sync_hours
from sync.tenkfeet.reference import sync_leave_types, sync_projects, sync_users

_ids = count(1)


async def project(
    tenkfeet_id: int, name: str, client: str | None = "Acme Oy", state: str = "Confirmed"
) -> Project:
    client_row = (await Client.get_or_create(name=client))[0] if client else None
    return await Project.create(
        tenkfeet_id=tenkfeet_id,
        guid=f"project-guid-{tenkfeet_id}",
        name=name,
        client=client_row,
        project_state=state,
    )


async def person(tenkfeet_id: int = 1) -> Person:
    return await Person.create(
        tenkfeet_id=tenkfeet_id, guid=f"person-guid-{tenkfeet_id}", first_name="Ada"
    )


def row(
    project: Project | None,
    day: str,
    hours: str,
    rate: str = "100",
    phase: str = "Development",
    category: str = "Development",
    notes: str = "Work",
    status: str = "Approved",
    **extra: Any,
) -> dict[str, Any]:
    """One hour entry's columns (``project`` None: leave)."""
    return {
        "project": project,
        "date": dt.date.fromisoformat(day),
        "hours": Decimal(hours),
        "bill_rate": Decimal(rate),
        "money": Decimal(rate) * Decimal(hours),
        "phase_name": phase,
        "category": category,
        "notes": notes,
        "status": status,
        **extra,
    }


async def store_entries(who: Person, rows: list[dict[str, Any]]) -> list[InvoiceEntry]:
    """Stores the rows (bulk, as the sync does: no signals) and creates their invoices;
    returns them as the figures see them."""
    await HourEntry.bulk_create(
        [HourEntry(tenkfeet_id=next(_ids) + 10_000_000, person=who, **r) for r in rows]
    )
    for r in rows:
        if r["project"] is not None:
            day = r["date"]
            await Invoice.get_or_create(project=r["project"], year=day.year, month=day.month)
    return [as_entry(r) for r in rows if r["project"] is not None]


def as_entry(r: dict[str, Any]) -> InvoiceEntry:
    return InvoiceEntry(
        r["hours"], r["bill_rate"], r["phase_name"], r["category"], r["notes"], r["status"]
    )


async def invoice_of(project: Project, year: int, month: int) -> Invoice:
    return await Invoice.get(project=project, year=year, month=month)


# ------------------------------------------------------------------------------ via 10000ft

ALICE, BOB = 1, 2
ACME, INTERNAL = 1000, 1001
DEV, MEETINGS, TRAVEL, ADMIN = 2000, 2001, 2002, 2003
VACATION = 50
SYNC_START, SYNC_END = dt.date(2024, 12, 1), dt.date(2025, 2, 28)


def invoice_company() -> TenkfeetData:
    """A 10000ft company whose invoices are worked out by hand in the tests that use it.

    December 2024, Acme: 7.5 h + 2.5 h at 100, clean: 10 h, money 1000, average rate 100.
    January 2025, Acme (each entry's checks in its comment): counted 19.75 h (entries 201–206),
    billable 14.75 h (201, 202, 204, 205), money 7.5 × 120 + 2.25 × 99.99 + 1 × 170 + 4 × 50 =
    1494.9775, average rate 1494.9775 / 19.75 = 75.695063, billable share 14.75 / 19.75 =
    0.746835; checks: odd rate 2 (204, 205), non-billable 2 (203, 206), non phase specific 1
    (202), not approved 2 (202, 206), empty notes 2 (202, 204), no category 4 (202, 204, 205,
    206): 13 incorrect. Against December: +9.75 h (+97.5 %), average rate −24.304937: remarkable
    (|Δ rate| > 5, both above 0). January 2025, internal: 3 h, nothing billable, 1 non-billable.
    """
    data = TenkfeetData()
    data.users = [
        user(ALICE, "Alice", "Admin", "alice@example.com"),
        user(BOB, "Bob", "Builder", "bob@example.com"),
    ]
    acme = tk_project(ACME, "Acme portal", "Acme Oy", tags=["Alice Admin"])
    internal = tk_project(INTERNAL, "Internal work", None, project_state="Internal")
    data.projects = [
        acme,
        internal,
        phase(DEV, acme, "Development"),
        phase(MEETINGS, acme, "Non-billable meetings"),
        phase(TRAVEL, acme, "non billable travel"),
        phase(ADMIN, internal, "Administration"),
    ]
    data.leave_types = [leave_type(VACATION, "Vacation")]

    def approved(n: int) -> list[dict[str, Any]]:
        return [approval(9000 + n, n, "approved", updated_at="2025-02-01T10:00:00Z")]

    def pending(n: int) -> list[dict[str, Any]]:
        return [approval(9000 + n, n, "pending", updated_at="2025-02-01T10:00:00Z")]

    day = dt.date.fromisoformat
    for body in [
        # December: clean.
        time_entry(
            101, ALICE, DEV, day("2024-12-02"), "7.5", bill_rate="100", approvals=approved(101)
        ),
        time_entry(
            102, BOB, DEV, day("2024-12-03"), "2.5", bill_rate="100", approvals=approved(102)
        ),
        # January.
        time_entry(  # billable, nothing wrong
            201,
            ALICE,
            DEV,
            day("2025-01-07"),
            "7.5",
            bill_rate="120",
            task="Development",
            notes="Feature work",
            approvals=approved(201),
        ),
        time_entry(  # billable; on the project itself, no task, no notes, pending: 4 checks
            202,
            BOB,
            ACME,
            day("2025-01-07"),
            "2.25",
            bill_rate="99.99",
            task=None,
            notes=None,
            approvals=pending(202),
        ),
        time_entry(  # non-billable
            203,
            ALICE,
            MEETINGS,
            day("2025-01-08"),
            "3",
            bill_rate="150",
            task="Meetings",
            notes="Weekly",
            approvals=approved(203),
        ),
        time_entry(  # billable at 170 (odd), "No category", empty notes
            204,
            BOB,
            DEV,
            day("2025-01-08"),
            "1",
            bill_rate="170",
            task="No category",
            notes="",
            approvals=approved(204),
        ),
        time_entry(  # billable at 50 (odd), "[none]"
            205,
            ALICE,
            DEV,
            day("2025-01-09"),
            "4",
            bill_rate="50",
            task="[none]",
            notes="x",
            approvals=approved(205),
        ),
        time_entry(  # non-billable ("non billable"), empty task, pending
            206,
            BOB,
            TRAVEL,
            day("2025-01-09"),
            "2",
            bill_rate="0",
            task="",
            notes="Travel",
            approvals=pending(206),
        ),
        time_entry(207, ALICE, DEV, day("2025-01-10"), "5", bill_rate="100"),  # unsubmitted
        time_entry(208, ALICE, DEV, day("2025-01-10"), "0", approvals=approved(208)),  # 0 h
        time_entry(  # a suggestion: not an entry
            209, BOB, DEV, day("2025-01-10"), "6", is_suggestion=True, approvals=approved(209)
        ),
        time_entry(  # leave: on no invoice
            210,
            ALICE,
            VACATION,
            day("2025-01-13"),
            "7.5",
            assignable_type="LeaveType",
            approvals=approved(210),
        ),
        # January, internal: 3 h, nothing billable.
        time_entry(
            301,
            ALICE,
            ADMIN,
            day("2025-01-14"),
            "3",
            bill_rate="80",
            notes="Admin",
            approvals=approved(301),
        ),
    ]:
        data.time_entries.add(body)
    return data


async def sync_company(
    emulator: TenkfeetEmulator, start: dt.date = SYNC_START, end: dt.date = SYNC_END
) -> None:
    from tests.support.sync_company import client_for

    async with client_for(emulator) as client:
        await sync_users(client)
        await sync_projects(client)
        await sync_leave_types(client)
        await sync_hours(client, start, end)
