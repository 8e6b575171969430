"""What an approver reviews: figures read off the invoice, their fingerprint, and the status."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from models import Invoice
from models.invoices.records import InvoiceState
from models.invoices.review import (
    REMARKABLE,
    CheckRecord,
    InvoiceFigures,
    figures_fingerprint,
    invoice_figures,
    review_status,
)
from tests.support.invoice_review import review_company

D = Decimal
T = [datetime(2025, 4, day, 9, tzinfo=UTC) for day in range(1, 10)]


def figures(**changes: object) -> InvoiceFigures:
    base: dict[str, object] = {
        "hours": D("21.5"),
        "billable_hours": D(14),
        "money": {"EUR": D(1400)},
        "checks": {"non_billable": 1},
        "remarkable": False,
    }
    base.update(changes)
    return InvoiceFigures(**base)  # type: ignore[arg-type]


def test_the_checklist_is_every_non_zero_check_then_a_remarkable_change() -> None:
    assert figures(checks={}).flagged() == []
    many = figures(
        checks={"odd_rate": 2, "empty_notes": 3, "non_phase_specific": 1, "no_category": 0},
        remarkable=True,
    )
    assert many.flagged() == ["non_phase_specific", "odd_rate", "empty_notes", REMARKABLE]


def test_the_fingerprint_changes_with_every_figure_and_only_then() -> None:
    base = figures_fingerprint(figures())
    assert len(base) == 12
    # The same numbers written differently (the database's trailing zeros) are the same.
    assert figures_fingerprint(figures(hours=D("21.5000"), money={"EUR": D("1400.000000")})) == base
    changed = [
        figures(hours=D("21.25")),
        figures(billable_hours=D(13)),
        figures(money={"EUR": D("1400.01")}),
        figures(money={"EUR": D(1400), "USD": D(1)}),
        figures(checks={"non_billable": 2}),
        figures(checks={"non_billable": 1, "empty_notes": 1}),
        figures(remarkable=True),
    ]
    prints = {figures_fingerprint(f) for f in changed}
    assert base not in prints and len(prints) == len(changed)


async def test_figures_are_read_off_the_invoice_row(db: str) -> None:
    company = await review_company()
    read = invoice_figures(await Invoice.get(id=company.invoice.id), "EUR")
    assert (read.hours, read.billable_hours, read.money) == (D("21.5"), D(14), {"EUR": D(1400)})
    assert read.flagged() == ["non_phase_specific", "non_billable", "not_approved", "empty_notes"]
    summary = await company.summary()
    assert (summary.project_name, summary.client_name, summary.period) == (
        "Apollo",
        "Acme",
        "2025-03",
    )
    assert summary.month_name == "March 2025" and summary.state == InvoiceState.CREATED


def check(n: int, decision: str, reason: str = "", confirmed: tuple[str, ...] = ()) -> CheckRecord:
    return CheckRecord(n, f"Person {n}", T[n], decision, reason, confirmed)


def test_the_approver_is_whoever_last_approved_not_finance_carrying_it() -> None:
    checks = [
        check(3, "carried"),
        check(2, "approve", confirmed=("non_billable",)),
        check(1, "approve"),
    ]
    status = review_status(InvoiceState.PREVIEW, checks)
    assert (status.approved_by, status.approved_at) == ("Person 2", T[2])
    assert status.approved_confirmed == ("non_billable",) and status.last_check_id == 3
    assert status.changes_requested_by is None


def test_changes_requested_show_until_approved() -> None:
    asked = [check(2, "none"), check(1, "request-changes", "Fix the notes")]
    status = review_status(InvoiceState.CREATED, asked)
    assert (status.changes_requested_by, status.changes_requested_reason) == (
        "Person 1",
        "Fix the notes",
    )
    assert status.approved_by is None
    approved = review_status(InvoiceState.APPROVED, [check(3, "approve"), *asked])
    assert approved.changes_requested_by is None and approved.approved_by == "Person 3"
    # Approved after the request, then withdrawn: the old request is settled.
    withdrawn = review_status(InvoiceState.CREATED, [check(4, "none"), check(3, "approve"), *asked])
    assert withdrawn.changes_requested_by is None and withdrawn.approved_by is None
    assert review_status(InvoiceState.CREATED, []).last_check_id is None


async def test_a_summary_without_a_client_or_checks(db: str) -> None:
    company = await review_company()
    await company.project.fetch_related("client")
    company.project.client = None  # type: ignore[assignment]
    await company.project.save()
    summary = await company.summary()
    assert summary.client_name == "" and summary.status.last_check_id is None
    assert summary.id == company.invoice.id and isinstance(summary.id, uuid.UUID)
