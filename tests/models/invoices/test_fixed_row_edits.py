"""Finance's fixed-row edits: the form's values read field by field, and each save or delete
stored with its audit row and the invoices' figures refreshed in the same transaction."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import AuditLog, Invoice, InvoiceFixedRow, ProjectFixedRow
from models.invoices.fixed_row_edits import (
    FixedRowRejected,
    FixedRowValues,
    check_fixed_row,
    delete_invoice_fixed_row,
    delete_project_fixed_row,
    fixed_row_values,
    save_invoice_fixed_row,
    save_project_fixed_row,
)
from models.invoices.refresh import refresh_all_invoice_figures
from tests.support.invoices import invoice_of, person, project, row, store_entries

D = Decimal


def form(description: str = "Hosting", price: str = "500", currency: str = "EUR") -> dict[str, str]:
    return {"description": description, "price": price, "currency": currency}


def test_a_valid_form_is_read_exactly() -> None:
    assert check_fixed_row(form(" Hosting ", " -1200.5 ", "USD")) == (
        FixedRowValues("Hosting", D("-1200.5"), "USD"),
        [],
    )
    assert check_fixed_row(form(price="-0"))[0] == FixedRowValues("Hosting", D(0), "EUR")


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        (form(""), ["description"]),
        (form("é" * 256), ["description"]),
        (form("a\nb"), ["description"]),
        (form(price="1 200"), ["price"]),
        (form(price="1.001"), ["price"]),
        (form(price="-10000000.01"), ["price"]),
        (form(price="Infinity"), ["price"]),
        (form(currency="Eur"), ["currency"]),
        (form(currency="€"), ["currency"]),
        ({}, ["description", "price", "currency"]),
    ],
)
def test_each_refused_field_is_named(values: dict[str, str], fields: list[str]) -> None:
    checked, problems = check_fixed_row(values)
    assert checked is None
    assert [problem.field for problem in problems] == fields


@given(cents=st.integers(min_value=-1_000_000_000, max_value=1_000_000_000))
def test_every_amount_in_cents_within_the_bounds_round_trips(cents: int) -> None:
    price = D(cents) / 100
    checked, problems = check_fixed_row(form(price=f"{price:.2f}"))
    assert problems == [] and checked is not None and checked.price == price
    shown = fixed_row_values(ProjectFixedRow(description="x", price=price, currency="EUR"))
    assert D(shown["price"]) == price


async def test_saves_and_deletes_are_audited_and_refresh_the_figures(db: str) -> None:
    ada = await person()
    acme = await project(1, "Acme portal")
    await store_entries(ada, [row(acme, "2025-01-07", "1"), row(acme, "2025-02-03", "1")])
    await refresh_all_invoice_figures()
    january = await invoice_of(acme, 2025, 1)

    saved = await save_project_fixed_row(acme, form(), actor="cli:test")
    assert saved.outcome == "created"
    assert (await invoice_of(acme, 2025, 2)).fixed_rows_money == {"EUR": "500"}
    again = await save_project_fixed_row(acme, form(price="500.00"), actor="x", row_id=saved.row.id)
    assert again.outcome == "unchanged"

    own = await save_invoice_fixed_row(
        january, acme, form("Licence", "20.5", "USD"), actor="cli:test"
    )
    assert (await invoice_of(acme, 2025, 1)).fixed_rows_money == {"EUR": "500", "USD": "20.5"}
    assert (await invoice_of(acme, 2025, 2)).fixed_rows_money == {"EUR": "500"}

    with pytest.raises(FixedRowRejected) as refused:
        await save_invoice_fixed_row(
            january, acme, form(currency="usd"), actor="x", row_id=own.row.id
        )
    assert [p.field for p in refused.value.problems] == ["currency"]
    with pytest.raises(LookupError):
        await save_project_fixed_row(acme, form(), actor="x", row_id=saved.row.id + 1000)
    beta = await project(2, "Beta site")
    beta_row = await save_project_fixed_row(beta, form("Beta"), actor="cli:test")
    with pytest.raises(LookupError):  # another project's row
        await delete_project_fixed_row(acme, beta_row.row.id, actor="x")
    await delete_project_fixed_row(beta, beta_row.row.id, actor="cli:test")

    await delete_invoice_fixed_row(january, acme, own.row.id, actor="cli:test")
    await delete_project_fixed_row(acme, saved.row.id, actor="cli:test")
    assert [i.fixed_rows_money for i in await Invoice.all().order_by("month")] == [{}, {}]
    assert not await InvoiceFixedRow.exists() and not await ProjectFixedRow.exists()
    audit = await AuditLog.all().order_by("id")
    assert [(a.entity, a.action) for a in audit] == [
        ("project_fixed_row", "create"),
        ("invoice_fixed_row", "create"),
        ("project_fixed_row", "create"),
        ("project_fixed_row", "delete"),
        ("invoice_fixed_row", "delete"),
        ("project_fixed_row", "delete"),
    ]
    assert audit[1].after["month"] == "2025-01" and audit[1].after["currency"] == "USD"
