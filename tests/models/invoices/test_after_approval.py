"""Changed since approval: a sync moves an approved invoice's figures; approving again clears it."""

from __future__ import annotations

from decimal import Decimal

from models import Invoice
from models.invoices.after_approval import (
    ApprovalDifference,
    difference_since_approval,
    invoices_changed_since_approval,
    note_changes_after_approval,
)
from models.invoices.approval import ReviewForm, record_review, review_access
from models.invoices.review import InvoiceFigures
from tests.support.invoice_review import FLAGGED, ReviewCompany, review_company

D = Decimal


def figures(hours: str, money: dict[str, Decimal]) -> InvoiceFigures:
    return InvoiceFigures(D(hours), D(0), money, {}, False)


def test_the_difference_is_current_minus_approved_per_currency() -> None:
    same = difference_since_approval(
        D("21.5"), {"EUR": D(1400)}, figures("21.50", {"EUR": D("1400.00")})
    )
    assert not same.changed and same == ApprovalDifference(D(0), {})
    more = difference_since_approval(D("21.5"), {"EUR": D(1400)}, figures("23.5", {"EUR": D(1600)}))
    assert more.changed and (more.hours, dict(more.money)) == (D(2), {"EUR": D(200)})
    # Money alone moves (a rate fixed in 10000ft), and a currency appears or disappears.
    rate = difference_since_approval(
        D(10), {"EUR": D(1000), "USD": D(5)}, figures("10", {"EUR": D(900)})
    )
    assert (rate.hours, dict(rate.money)) == (D(0), {"EUR": D(-100), "USD": D(-5)})


async def approve(company: ReviewCompany) -> None:
    summary = await company.summary()
    access = await review_access(company.invoice.id, company.ada)
    await record_review(
        company.invoice.id,
        seen_version=summary.review_version,
        seen_figures=summary.fingerprint,
        form=ReviewForm(confirmed=frozenset(FLAGGED), approve=True),
        checker=company.ada,
        checker_slack_id="U0ADA",
        rights=access.rights,
        hours_currency="EUR",
    )


async def sync_changes(company: ReviewCompany, hours: str, money: str) -> list[object]:
    """What the figures refresh does: new figures, then the approval check, same ids."""
    await Invoice.filter(id=company.invoice.id).update(hours=D(hours), money=D(money))
    return list(await note_changes_after_approval([company.invoice.id], hours_currency="EUR"))


async def test_an_approved_invoice_is_marked_with_the_differences(db: str) -> None:
    company = await review_company()
    await approve(company)
    assert await sync_changes(company, "23.5", "1600") == [company.invoice.id]
    stored = await company.current()
    assert stored.state == "Approved"  # the state stays: nothing is re-approved or unapproved
    assert stored.changed_since_approval
    assert stored.hours_change_since_approval == D(2)
    assert stored.money_change_since_approval == {"EUR": "200"}
    (listed,) = await invoices_changed_since_approval("EUR")
    assert listed.id == company.invoice.id and listed.money_change_since_approval == {"EUR": D(200)}
    # Changed again: the differences follow; back to the approved figures: unmarked.
    await sync_changes(company, "21", "1350")
    stored = await company.current()
    assert (stored.hours_change_since_approval, stored.money_change_since_approval) == (
        D("-0.5"),
        {"EUR": "-50"},
    )
    assert await sync_changes(company, "21.5", "1400") == []
    assert not (await company.current()).changed_since_approval
    assert await invoices_changed_since_approval("EUR") == []


async def test_approving_again_clears_the_mark(db: str) -> None:
    company = await review_company()
    await approve(company)
    await sync_changes(company, "23.5", "1600")
    await approve(company)
    stored = await company.current()
    assert not stored.changed_since_approval and stored.approved_hours == D("23.5")
    assert stored.approved_money == {"EUR": "1600"}
    assert await sync_changes(company, "23.5", "1600") == []


async def test_invoices_never_approved_are_left_alone(db: str) -> None:
    company = await review_company()
    assert await sync_changes(company, "30", "2000") == []
    stored = await company.current()
    assert not stored.changed_since_approval and stored.approved_hours is None
    assert await note_changes_after_approval([], hours_currency="EUR") == []
