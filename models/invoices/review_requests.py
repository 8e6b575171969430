"""Which invoices ask for a review in a month, and whose they are (docs/domain-rules.md,
"Notifications": invoice ready for review).

Review requests go to client projects (not internal) whose invoice of the month has hours;
each goes to the project's admins: the non-archived people its tags name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from models.invoices.records import Invoice
from models.invoices.review import InvoiceSummary, invoice_summary
from models.projects import Project


@dataclass(frozen=True, slots=True)
class InvoiceAudience:
    """An invoice and the Slack ids of its project's admins (None: an admin without Slack)."""

    invoice: InvoiceSummary
    admin_slack_ids: tuple[str | None, ...]


def previous_month(today: date) -> tuple[int, int]:
    """(year, month) of the calendar month before ``today``'s: the month to review."""
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


async def admin_slack_ids(project_ids: Iterable[int]) -> dict[int, tuple[str | None, ...]]:
    """Project id → the Slack ids of its non-archived admins (one query)."""
    ids = sorted(set(project_ids))
    found: dict[int, list[str | None]] = {project_id: [] for project_id in ids}
    if not ids:
        return {}
    rows = await Project.filter(id__in=ids).values_list(
        "id", "admins__id", "admins__slack_id", "admins__archived"
    )
    for project_id, admin_id, slack_id, archived in rows:
        if admin_id is not None and not archived:
            found[int(project_id)].append(str(slack_id) if slack_id else None)
    return {project_id: tuple(slack_ids) for project_id, slack_ids in found.items()}


async def invoices_to_review(year: int, month: int, hours_currency: str) -> list[InvoiceAudience]:
    """The month's client-project invoices with hours, by project name, and their admins."""
    invoices = (
        await Invoice.filter(year=year, month=month, hours__gt=0)
        .exclude(project__project_state__iexact="internal")
        .select_related("project", "project__client")
        .order_by("project__name")
    )
    admins = await admin_slack_ids(invoice.project.id for invoice in invoices)
    return [
        InvoiceAudience(
            invoice_summary(invoice, hours_currency), admins.get(invoice.project.id, ())
        )
        for invoice in invoices
    ]
