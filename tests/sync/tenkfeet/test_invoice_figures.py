"""Invoice figures through the real hours sync: 10000ft emulator → httpx client → database,
against invoices worked out by hand (tests/support/invoices.py, ``invoice_company``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.emulators.tenkfeet_data import approval, phase, time_entry
from models import HourEntry, Invoice, Project
from sync.tenkfeet.hours import sync_hours
from sync.tenkfeet.reference import sync_projects
from tests.support.invoices import (
    ACME,
    ALICE,
    DEV,
    INTERNAL,
    invoice_company,
    sync_company,
)
from tests.support.sync_company import client_for, running_emulator

D = Decimal


async def invoice(project_tenkfeet_id: int, year: int, month: int) -> Invoice:
    project = await Project.get(tenkfeet_id=project_tenkfeet_id)
    return await Invoice.get(project=project, year=year, month=month)


def checks(invoice: Invoice) -> list[int]:
    return [
        invoice.odd_rate_count,
        invoice.non_billable_count,
        invoice.non_phase_specific_count,
        invoice.not_approved_count,
        invoice.empty_notes_count,
        invoice.no_category_count,
        invoice.incorrect_entries_count,
    ]


async def test_the_sync_computes_the_hand_computed_invoices(db: str) -> None:
    async with running_emulator(invoice_company()) as emulator:
        await sync_company(emulator)

    assert await Invoice.all().count() == 3  # Acme December and January, internal January
    december = await invoice(ACME, 2024, 12)
    assert (december.hours, december.money, december.average_rate) == (D(10), D(1000), D(100))
    assert checks(december) == [0, 0, 0, 0, 0, 0, 0]
    assert december.previous_hours is None and not december.remarkable_change

    january = await invoice(ACME, 2025, 1)
    assert (january.hours, january.billable_hours) == (D("19.75"), D("14.75"))
    assert january.money == D("1494.9775")
    assert january.average_rate == D("75.695063")
    assert january.billable_share == D("0.746835")
    assert checks(january) == [2, 2, 1, 2, 2, 4, 13]
    assert (january.previous_hours, january.previous_average_rate, january.previous_money) == (
        D(10),
        D(100),
        D(1000),
    )
    assert january.remarkable_change

    internal = await invoice(INTERNAL, 2025, 1)
    assert (internal.hours, internal.billable_hours, internal.money) == (D(3), D(0), D(0))
    assert checks(internal) == [0, 1, 0, 0, 0, 0, 1]
    assert internal.previous_hours is None


async def test_a_later_sync_refreshes_the_changed_months_and_the_next(db: str) -> None:
    async with running_emulator(invoice_company()) as emulator:
        await sync_company(emulator)
        january_before = await invoice(ACME, 2025, 1)
        entries = emulator.data.time_entries
        entries.update(101, hours="20")  # December: 22.5 h, money 2250
        approval = dict(entries.get(202)["approvals"]["data"][0])
        approval.update(status="approved", approved_at="2025-02-02T10:00:00Z")
        approval.update(updated_at="2025-02-02T10:00:00Z")
        entries.update(202, approvals={**entries.get(202)["approvals"], "data": [approval]})
        async with client_for(emulator) as client:
            await sync_hours(client, date(2024, 12, 1), date(2025, 2, 28))

    december = await invoice(ACME, 2024, 12)
    assert (december.hours, december.money) == (D("22.5"), D(2250))
    january = await invoice(ACME, 2025, 1)
    assert january.not_approved_count == 1 and january.incorrect_entries_count == 12
    assert january.previous_hours == D("22.5") and january.previous_money == D(2250)
    assert january.updated_at > january_before.updated_at


async def test_an_entry_moved_to_the_next_month_leaves_its_invoice(db: str) -> None:
    """Entry 205 (4 h at 50) moves from January to February; only February is synced."""
    async with running_emulator(invoice_company()) as emulator:
        await sync_company(emulator)
        emulator.data.time_entries.update(205, date=date(2025, 2, 3))
        async with client_for(emulator) as client:
            await sync_hours(client, date(2025, 2, 1), date(2025, 2, 28))

    assert await HourEntry.filter(tenkfeet_id=205, date=date(2025, 2, 3)).exists()
    january = await invoice(ACME, 2025, 1)
    assert (january.hours, january.billable_hours) == (D("15.75"), D("10.75"))
    assert january.money == D("1294.9775")
    assert january.average_rate == D("82.220794")
    assert checks(january) == [1, 2, 1, 2, 2, 3, 11]
    february = await invoice(ACME, 2025, 2)
    assert (february.hours, february.money, february.odd_rate_count) == (D(4), D(200), 1)
    assert (february.previous_hours, february.previous_money) == (D("15.75"), D("1294.9775"))
    # 4 h against 15.75 h: −11.75 h, −74.6 %; rate 50 against 82.22: both remarkable
    assert february.remarkable_change


async def test_a_project_turned_internal_has_its_invoices_recomputed(db: str) -> None:
    """No day changes, so the hours sync would not notice: the projects sync refreshes them."""
    async with running_emulator(invoice_company()) as emulator:
        await sync_company(emulator)
        assert (await invoice(ACME, 2024, 12)).money == D(1000)
        for project in emulator.data.projects:
            if project["id"] == ACME:
                project["project_state"] = "Internal"
        async with client_for(emulator) as client:
            await sync_projects(client)

    december = await invoice(ACME, 2024, 12)
    assert (december.hours, december.billable_hours, december.money) == (D(10), D(0), D(0))
    assert december.non_billable_count == 2


async def test_phase_and_category_names_are_read_as_written(db: str) -> None:
    """DESIGN: billable unless the phase name *starts with* "non-billable"/"non billable";
    non-phase-specific is the phase "[Non Phase Specific]"; no category is a task that is
    empty, "[none]" or "No category" (any case). Names with spaces around them, or a phase
    someone named "[non phase specific]", are none of these (the older system read them so)."""
    data = invoice_company()
    acme = next(p for p in data.projects if p["id"] == ACME)
    data.projects += [
        phase(2100, acme, "  Non-billable (indented)"),
        phase(2101, acme, "[non phase specific]"),
        phase(2102, acme, "   "),
    ]
    for n, (assignable, task) in enumerate(
        [(2100, "Development"), (2101, " No category "), (2102, "   "), (DEV, " [none]")]
    ):
        data.time_entries.add(
            time_entry(
                500 + n,
                ALICE,
                assignable,
                date(2025, 3, 3),
                "2",
                bill_rate="100",
                task=task,
                notes="Work",
                approvals=[approval(9500 + n, 500 + n, "approved")],
            )
        )
    async with running_emulator(data) as emulator:
        await sync_company(emulator, end=date(2025, 3, 31))

    march = await invoice(ACME, 2025, 3)
    assert (march.hours, march.billable_hours, march.money) == (D(8), D(8), D(800))
    assert checks(march) == [0, 0, 0, 0, 0, 0, 0]
