"""Invoices waiting for someone: a project admin's approvals, finance's numbers and sending.

Only closed months' client-project invoices with hours: the running month's invoice is not
ready for review, and internal projects' invoices are kept for the figures only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models.invoices.records import Invoice, InvoiceState
from models.invoices.review import figures_fingerprint, invoice_figures


@dataclass(frozen=True)
class WaitingInvoice:
    id: str
    project_name: str
    client_name: str
    year: int
    month: int
    hours: Decimal
    changed_since_approval: bool = False
    state: InvoiceState = InvoiceState.CREATED
    review_version: int = 0
    figures: str = ""  # the figures' fingerprint, for the Review button's reference
    project_id: int | None = None

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def _closed_client_invoices(today: date) -> QuerySet[Invoice]:
    return (
        Invoice.filter(
            Q(year__lt=today.year) | Q(year=today.year, month__lt=today.month), hours__gt=0
        )
        .exclude(project__project_state__iexact="internal")
        .select_related("project", "project__client")
        .order_by("year", "month", "project__name")
    )


def _waiting(invoice: Invoice, hours_currency: str) -> WaitingInvoice:
    client = invoice.project.client
    return WaitingInvoice(
        id=str(invoice.id),
        project_name=invoice.project.name or "",
        client_name=client.name if client is not None else "",
        year=int(invoice.year),
        month=int(invoice.month),
        hours=Decimal(invoice.hours),
        changed_since_approval=bool(invoice.changed_since_approval),
        state=InvoiceState(invoice.state),
        review_version=invoice.review_version,
        figures=figures_fingerprint(invoice_figures(invoice, hours_currency)),
        project_id=int(invoice.project.id),
    )


def _waiting_for_approval(today: date) -> QuerySet[Invoice]:
    """Closed months' client invoices with hours still Created, or approved once but changed
    since: what their project's admins have to approve."""
    return _closed_client_invoices(today).filter(
        Q(state=InvoiceState.CREATED.value) | Q(changed_since_approval=True)
    )


async def invoices_waiting_for(
    person_id: int, today: date, hours_currency: str = "EUR"
) -> list[WaitingInvoice]:
    """Invoices of the projects ``person_id`` administers that wait for approval: still
    Created, or approved once but changed since. Oldest month first."""
    invoices = await _waiting_for_approval(today).filter(project__admins__id=person_id)
    return [_waiting(invoice, hours_currency) for invoice in invoices]


async def invoices_waiting_for_approval(
    today: date, hours_currency: str = "EUR"
) -> list[WaitingInvoice]:
    """Every invoice waiting for its admins (as :func:`invoices_waiting_for` picks them, for
    all admins at once), oldest month first: one query."""
    invoices = await _waiting_for_approval(today)
    return [_waiting(invoice, hours_currency) for invoice in invoices]


async def invoices_waiting_for_finance(
    today: date, hours_currency: str = "EUR"
) -> list[WaitingInvoice]:
    """Approved invoices without a number (Approved) or not sent yet (Preview), unless they
    changed since approval (those wait for their admins first). Oldest month first."""
    invoices = await _closed_client_invoices(today).filter(
        state__in=[InvoiceState.APPROVED.value, InvoiceState.PREVIEW.value],
        changed_since_approval=False,
    )
    return [_waiting(invoice, hours_currency) for invoice in invoices]
