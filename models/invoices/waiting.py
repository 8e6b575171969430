"""Invoices waiting for one approver: their projects' invoices not approved (or changed since)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tortoise.expressions import Q

from models.invoices.records import Invoice, InvoiceState


@dataclass(frozen=True)
class WaitingInvoice:
    id: str
    project_name: str
    client_name: str
    year: int
    month: int
    hours: Decimal
    changed_since_approval: bool = False

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


async def invoices_waiting_for(person_id: int, today: date) -> list[WaitingInvoice]:
    """Client-project invoices with hours whose project ``person_id`` administers and that wait
    for approval: still Created, or Approved but changed since. Only closed months (before
    ``today``'s): the running month's invoice is not ready for review. Oldest month first.
    """
    rows = (
        await Invoice.filter(
            Q(state=InvoiceState.CREATED.value)
            | Q(state=InvoiceState.APPROVED.value, changed_since_approval=True),
            Q(year__lt=today.year) | Q(year=today.year, month__lt=today.month),
            project__admins__id=person_id,
            hours__gt=0,
        )
        .exclude(project__project_state__iexact="internal")
        .order_by("year", "month", "project__name")
        .values(
            "id",
            "project__name",
            "project__client__name",
            "year",
            "month",
            "hours",
            "changed_since_approval",
        )
    )
    return [
        WaitingInvoice(
            id=str(row["id"]),
            project_name=row["project__name"] or "",
            client_name=row["project__client__name"] or "",
            year=int(row["year"]),
            month=int(row["month"]),
            hours=Decimal(str(row["hours"])),
            changed_since_approval=bool(row["changed_since_approval"]),
        )
        for row in rows
    ]
