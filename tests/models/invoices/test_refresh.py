"""Stored invoice figures: refreshed from the entries, compared with the month before, kept
current when fixed rows or AWS billing change, recomputed when stale; a batch costs the same
few queries however many invoices it holds."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from core.off_loop import WorkerProcess
from models import AwsAccount, HourEntry, Invoice, InvoiceFixedRow, ProjectFixedRow
from models.invoices.figures import InvoiceRules, figures_of_entries
from models.invoices.refresh import (
    refresh_all_invoice_figures,
    refresh_invoice_figures,
    refresh_invoice_months,
    refresh_stale_invoice_figures,
    stale_invoice_figures,
)
from models.unsubmitted_hours import mark_pending_approval
from tests.support.aws_billing import billing_row, store_billing
from tests.support.invoices import invoice_of, person, project, row, store_entries

D = Decimal
RULES = InvoiceRules()


async def test_refresh_stores_the_figures_of_the_entries(db: str) -> None:
    ada = await person()
    acme = await project(1, "Acme portal")
    entries = await store_entries(
        ada,
        [
            row(acme, "2024-03-04", "7.5", "100"),
            row(
                acme,
                "2024-03-05",
                "2.25",
                "99.99",
                "[Non Phase Specific]",
                "[none]",
                "",
                "Pending Approval",
            ),
            row(acme, "2024-03-06", "3", "150", "Non-billable meetings", "Meetings"),
            row(acme, "2024-03-07", "1", "170"),
            row(acme, "2024-03-08", "4", "100", status="Unsubmitted"),
            row(None, "2024-03-08", "7.5", "0", "", "", "", leave_type="Vacation"),
        ],
    )
    invoice = await invoice_of(acme, 2024, 3)
    changed = await refresh_invoice_figures([invoice.id])
    assert changed == [invoice.id]

    stored = await invoice_of(acme, 2024, 3)
    expected = figures_of_entries(entries, internal_project=False, rules=RULES)
    assert (stored.hours, stored.billable_hours, stored.money) == (
        D("13.75"),
        D("10.75"),
        D("1144.9775"),
    )
    assert stored.average_rate == expected.average_rate == D("83.271091")
    assert stored.billable_share == D("0.781818")
    assert [
        stored.odd_rate_count,
        stored.non_billable_count,
        stored.non_phase_specific_count,
        stored.not_approved_count,
        stored.empty_notes_count,
        stored.no_category_count,
        stored.incorrect_entries_count,
    ] == [1, 1, 1, 1, 1, 1, 6]
    assert stored.previous_hours is None and not stored.remarkable_change
    assert stored.figures_rules == "EUR|50|170|r2"
    assert stored.figures_updated_at is not None
    assert stored.updated_at > invoice.updated_at


async def test_an_unchanged_refresh_leaves_the_version_alone(db: str) -> None:
    ada = await person()
    acme = await project(1, "Acme portal")
    await store_entries(ada, [row(acme, "2024-03-04", "7.5")])
    invoice = await invoice_of(acme, 2024, 3)
    await refresh_invoice_figures([invoice.id])
    before = await invoice_of(acme, 2024, 3)
    assert await refresh_invoice_figures([invoice.id]) == []
    after = await invoice_of(acme, 2024, 3)
    assert after.updated_at == before.updated_at
    assert await refresh_invoice_figures([]) == []


async def test_a_month_is_compared_with_the_one_before_across_the_year(db: str) -> None:
    ada = await person()
    acme = await project(1, "Acme portal")
    await store_entries(
        ada,
        [
            row(acme, "2024-12-02", "40", "100"),
            row(acme, "2025-01-07", "52.5", "100"),  # +12.5 h, +31.25 %: remarkable
            row(acme, "2025-02-03", "60", "100"),  # +7.5 h, money +750: not remarkable
        ],
    )
    await refresh_all_invoice_figures()
    december, january, february = [
        await invoice_of(acme, y, m) for y, m in ((2024, 12), (2025, 1), (2025, 2))
    ]
    assert december.previous_hours is None and not december.remarkable_change
    assert (january.previous_hours, january.previous_average_rate, january.previous_money) == (
        D("40"),
        D("100"),
        D("4000"),
    )
    assert january.remarkable_change
    assert february.previous_hours == D("52.5") and not february.remarkable_change

    # December changes: January's comparison follows even though only December is refreshed.
    await HourEntry.filter(date="2024-12-02").update(hours=D("50"), money=D("5000"))
    changed = await refresh_invoice_figures([december.id])
    assert set(changed) == {december.id, january.id}
    january = await invoice_of(acme, 2025, 1)
    assert january.previous_hours == D("50") and not january.remarkable_change  # +5 % only
    assert (await invoice_of(acme, 2025, 2)).updated_at == february.updated_at


async def test_a_previous_month_without_counted_hours_compares_as_zero(db: str) -> None:
    ada = await person()
    acme = await project(1, "Acme portal")
    await store_entries(
        ada,
        [
            row(acme, "2024-05-31", "8", status="Unsubmitted"),  # an invoice with 0 counted hours
            row(acme, "2024-06-03", "10.5", "100"),
        ],
    )
    await refresh_all_invoice_figures()
    may, june = await invoice_of(acme, 2024, 5), await invoice_of(acme, 2024, 6)
    assert may.hours == 0
    assert june.previous_hours == 0 and june.remarkable_change  # +10.5 h from nothing


async def test_fixed_rows_and_aws_billing_are_added_per_currency(db: str) -> None:
    ada = await person()
    acme = await project(1, "Acme portal")
    other = await project(2, "Other")
    await store_entries(
        ada,
        [
            row(acme, "2024-03-04", "10", "100"),
            row(acme, "2024-04-01", "10", "100"),
            row(other, "2024-03-04", "1", "100"),
        ],
    )
    await refresh_all_invoice_figures()
    march, april = await invoice_of(acme, 2024, 3), await invoice_of(acme, 2024, 4)
    await Invoice.filter(id=april.id).update(state="Sent")

    # A project's row counts on its invoices until copied (Preview, Sent): saving it refreshes.
    await ProjectFixedRow.create(
        project=acme, description="Hosting", price=D("500"), currency="EUR"
    )
    await ProjectFixedRow.create(
        project=acme, description="Licence", price=D("20.5"), currency="USD"
    )
    march = await invoice_of(acme, 2024, 3)
    assert march.fixed_rows_money == {"EUR": "500", "USD": "20.5"}
    assert (await invoice_of(acme, 2024, 4)).fixed_rows_money == {}
    assert (await invoice_of(other, 2024, 3)).fixed_rows_money == {}
    assert march.money == D("1000")  # the hour money stays apart

    copied = await InvoiceFixedRow.create(
        invoice=april, description="Hosting", price=D("500"), currency="EUR"
    )
    assert (await invoice_of(acme, 2024, 4)).fixed_rows_money == {"EUR": "500"}
    await copied.delete()
    assert (await invoice_of(acme, 2024, 4)).fixed_rows_money == {}
    await (await ProjectFixedRow.get(description="Licence")).delete()
    assert (await invoice_of(acme, 2024, 3)).fixed_rows_money == {"EUR": "500"}

    await AwsAccount.create(account_id="123456789012", name="acme", project=acme)
    await store_billing(
        2024, 3,
        [
            billing_row("123456789012", "LinkedLineItem", "10", product="EC2"),
            billing_row("123456789012", "AccountTotal", "12.345678"),
            billing_row("999999999999", "LinkedLineItem", "99", product="EC2"),
        ],
    )  # fmt: skip
    await refresh_invoice_months([(acme.id, 2024, 3)])
    assert (await invoice_of(acme, 2024, 3)).aws_billing_money == {"USD": "12.345678"}


async def test_stale_figures_are_recomputed_from_scratch(db: str) -> None:
    ada = await person()
    acme = await project(1, "Acme portal")
    await store_entries(
        ada, [row(acme, "2024-03-04", "1", "55"), row(acme, "2024-04-01", "1", "165")]
    )
    assert await stale_invoice_figures(RULES)  # never computed
    assert await refresh_stale_invoice_figures(RULES) == 2
    assert not await stale_invoice_figures(RULES)
    assert await refresh_stale_invoice_figures(RULES) is None
    assert [i.odd_rate_count for i in await Invoice.all().order_by("month")] == [0, 0]

    narrower = InvoiceRules("EUR", D("60"), D("160"))  # BILL_RATE_MIN/MAX changed
    assert await stale_invoice_figures(narrower)
    assert await refresh_stale_invoice_figures(narrower) == 2
    stored = await Invoice.all().order_by("month")
    assert [i.odd_rate_count for i in stored] == [1, 1]
    assert {i.figures_rules for i in stored} == {"EUR|60|160|r2"}

    # Figures stored by a release whose entry rules counted differently (no rules version).
    await Invoice.all().update(figures_rules="EUR|60|160", odd_rate_count=99)
    assert await refresh_stale_invoice_figures(narrower) == 2
    assert [i.odd_rate_count for i in await Invoice.all().order_by("month")] == [1, 1]


async def test_submitting_hours_refreshes_their_invoices(db: str) -> None:
    ada = await person()
    acme = await project(1, "Acme portal")
    await store_entries(ada, [row(acme, "2024-03-04", "4", status="Unsubmitted")])
    await refresh_all_invoice_figures()
    assert (await invoice_of(acme, 2024, 3)).hours == 0
    entry = await HourEntry.get(project=acme)
    assert await mark_pending_approval(ada.id, [entry.tenkfeet_id]) == 1
    march = await invoice_of(acme, 2024, 3)
    assert march.hours == D("4") and march.not_approved_count == 1


async def test_the_worker_process_computes_the_same(db: str) -> None:
    ada = await person()
    acme = await project(1, "Acme portal")
    internal = await project(2, "Internal", None, "Internal")
    await store_entries(
        ada, [row(acme, "2024-03-04", "3", "120"), row(internal, "2024-03-04", "2", "80")]
    )
    worker = WorkerProcess()
    try:
        await refresh_all_invoice_figures(run_off_loop=worker.run)
    finally:
        await worker.close()
    assert (await invoice_of(acme, 2024, 3)).money == D("360")
    assert (await invoice_of(internal, 2024, 3)).non_billable_count == 1


async def count_queries(caplog: pytest.LogCaptureFixture, action) -> int:  # type: ignore[no-untyped-def]
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        await action()
    return sum(1 for r in caplog.records if r.name == "tortoise.db_client")


async def test_a_batch_costs_the_same_queries_for_one_invoice_or_many(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await person()
    projects = [await project(n, f"Project {n}") for n in range(1, 5)]
    rows = [
        row(p, f"2024-{month:02d}-0{day}", "1.5", str(60 + day * 10), notes="" if day % 2 else "x")
        for p in projects
        for month in range(1, 11)
        for day in range(1, 6)
    ]
    await store_entries(ada, rows)
    one = [(await invoice_of(projects[0], 2024, 5)).id]
    many = await Invoice.all().values_list("id", flat=True)
    assert len(many) == 40

    single = await count_queries(caplog, lambda: refresh_invoice_figures(one))
    batch = await count_queries(caplog, lambda: refresh_invoice_figures(many))
    again = await count_queries(caplog, lambda: refresh_all_invoice_figures())
    assert single == batch
    assert again <= batch
    assert batch <= 12
