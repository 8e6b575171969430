"""Changed since approval: an approved (or later) invoice whose hours or money moved in a sync.

Approving stores a baseline on the invoice (``approved_hours``, ``approved_money``: the
figures the approver saw). After the figures are refreshed, :func:`note_changes_after_approval`
compares each approved invoice with its baseline and marks it ``changed_since_approval`` with
the differences (``hours_change_since_approval``, ``money_change_since_approval``), or clears
the mark when the figures are back where they were approved. Nothing else changes: the state
stays, and only approving again (models/invoices/approval.py) moves the baseline, so nothing
is ever silently re-approved. Telling the admins is a separate step (bot/notifications/), once
per change through the notification ledger.

The comparison itself is :func:`difference_since_approval`, a pure function.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient

from models.invoices.records import Invoice, InvoiceState
from models.invoices.review import (
    InvoiceFigures,
    InvoiceSummary,
    invoice_figures,
    invoice_summary,
    money_as_text,
    money_from_text,
)

CHUNK = 500


@dataclass(frozen=True, slots=True)
class ApprovalDifference:
    """How an invoice's figures differ from what was approved (money: only currencies that
    moved)."""

    hours: Decimal = Decimal(0)
    money: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.hours != 0 or any(amount != 0 for amount in self.money.values())


def difference_since_approval(
    approved_hours: Decimal, approved_money: Mapping[str, Decimal], figures: InvoiceFigures
) -> ApprovalDifference:
    """Current figures minus the approved ones, hours and money per currency."""
    currencies = sorted(set(approved_money) | set(figures.money))
    money = {
        currency: figures.money.get(currency, Decimal(0)) - approved_money.get(currency, Decimal(0))
        for currency in currencies
    }
    return ApprovalDifference(
        hours=figures.hours - approved_hours,
        money={currency: amount for currency, amount in money.items() if amount != 0},
    )


def _mark_of(invoice: Invoice, hours_currency: str) -> tuple[bool, Decimal, dict[str, str]]:
    difference = difference_since_approval(
        Decimal(invoice.approved_hours),
        money_from_text(invoice.approved_money),
        invoice_figures(invoice, hours_currency),
    )
    if not difference.changed:
        return False, Decimal(0), {}
    return True, difference.hours, money_as_text(difference.money)


async def note_changes_after_approval(
    invoice_ids: Iterable[UUID], *, hours_currency: str, conn: BaseDBAsyncClient | None = None
) -> list[UUID]:
    """Marks (or unmarks) the approved invoices among ``invoice_ids`` after their figures were
    refreshed; returns the ids marked changed now. Call it at the end of the figures refresh,
    in the same transaction, with the same ids.

    One read per 500 invoices; one write per invoice whose mark changed (rare).
    """
    ids = sorted(set(invoice_ids))
    changed: list[UUID] = []
    for start in range(0, len(ids), CHUNK):
        approved = (
            await Invoice.filter(id__in=ids[start : start + CHUNK], approved_hours__isnull=False)
            .exclude(state=InvoiceState.CREATED.value)
            .using_db(conn)
        )
        for invoice in approved:
            marked, hours, money = _mark_of(invoice, hours_currency)
            stored = (
                bool(invoice.changed_since_approval),
                Decimal(invoice.hours_change_since_approval),
                money_as_text(money_from_text(invoice.money_change_since_approval)),
            )
            if (marked, hours, money) != stored:
                await (
                    Invoice.filter(id=invoice.id)
                    .using_db(conn)
                    .update(
                        changed_since_approval=marked,
                        hours_change_since_approval=hours,
                        money_change_since_approval=money,
                    )
                )
            if marked:
                changed.append(invoice.id)
    return changed


async def invoices_changed_since_approval(hours_currency: str) -> list[InvoiceSummary]:
    """Every approved (or later) invoice marked changed since approval, oldest month first."""
    invoices = (
        await Invoice.filter(changed_since_approval=True)
        .exclude(state=InvoiceState.CREATED.value)
        .select_related("project", "project__client")
        .order_by("year", "month", "project__name")
    )
    return [invoice_summary(invoice, hours_currency) for invoice in invoices]
