"""What an approver reviews: an invoice's figures and its review status, read from the database.

:func:`invoice_figures` is the one place that reads the cached figures off an ``Invoice`` row
(hours, billable hours, money per currency, the six check counts, the remarkable flag); the
review request, the modal, App Home and "changed since approval" all go through it, so a
change in how the figures are stored touches this function only. Computing the figures is
``refresh_invoice_figures``'s job (models/invoices/refresh.py), not this module's.

:func:`figures_fingerprint` condenses the figures into a short text: with the invoice's
``review_version`` it is the version an approver saw (see models/invoices/approval.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from models.invoices.records import Invoice, InvoiceCheck, InvoiceState
from models.people import full_name

#: The six checks, in the order people read them (keys as in `financebot invoices --json`).
CHECK_KEYS = (
    "non_phase_specific",
    "non_billable",
    "odd_rate",
    "no_category",
    "not_approved",
    "empty_notes",
)
#: The checklist item for a remarkable change from the previous month.
REMARKABLE = "remarkable_change"

#: How far back a status looks for the approving or change-requesting check.
STATUS_CHECKS = 50


@dataclass(frozen=True, slots=True)
class InvoiceFigures:
    """An invoice's cached figures. ``money``: currency → hour-based money (exact decimals)."""

    hours: Decimal
    billable_hours: Decimal
    money: Mapping[str, Decimal]
    checks: Mapping[str, int]
    remarkable: bool

    def flagged(self) -> list[str]:
        """The checklist an approver confirms: each non-zero check, then a remarkable change."""
        keys = [key for key in CHECK_KEYS if self.checks.get(key, 0) > 0]
        if self.remarkable:
            keys.append(REMARKABLE)
        return keys


def invoice_figures(invoice: Invoice, hours_currency: str) -> InvoiceFigures:
    """The figures cached on ``invoice`` (hour money is kept in ``HOURS_CURRENCY``)."""
    return InvoiceFigures(
        hours=Decimal(invoice.hours),
        billable_hours=Decimal(invoice.billable_hours),
        money={hours_currency: Decimal(invoice.money)},
        checks={
            "odd_rate": invoice.odd_rate_count,
            "non_billable": invoice.non_billable_count,
            "non_phase_specific": invoice.non_phase_specific_count,
            "not_approved": invoice.not_approved_count,
            "empty_notes": invoice.empty_notes_count,
            "no_category": invoice.no_category_count,
        },
        remarkable=bool(invoice.remarkable_change),
    )


def _exact(value: Decimal) -> str:
    """A decimal as the same text however many trailing zeros the database gave it."""
    return "0" if value == 0 else format(value.normalize(), "f")


def figures_fingerprint(figures: InvoiceFigures) -> str:
    """12 hex characters that change whenever any figure an approver sees changes."""
    parts = [
        _exact(figures.hours),
        _exact(figures.billable_hours),
        *(f"{currency}={_exact(amount)}" for currency, amount in sorted(figures.money.items())),
        *(f"{key}={figures.checks.get(key, 0)}" for key in CHECK_KEYS),
        "remarkable" if figures.remarkable else "-",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def money_as_text(money: Mapping[str, Decimal]) -> dict[str, str]:
    """Money per currency as JSON-safe exact text (how the approval baseline is stored)."""
    return {currency: _exact(amount) for currency, amount in sorted(money.items())}


def money_from_text(stored: Any) -> dict[str, Decimal]:
    """The inverse of :func:`money_as_text`; anything unreadable counts as no money."""
    if not isinstance(stored, Mapping):
        return {}
    return {str(currency): Decimal(str(amount)) for currency, amount in stored.items()}


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """One recorded check as a status needs it."""

    id: int
    checker: str
    at: datetime
    decision: str  # approve / request-changes / none / carried
    changes_requested: str
    confirmed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReviewStatus:
    """Who approved the invoice, or who asked for changes and why (until it is approved)."""

    approved_by: str | None = None
    approved_at: datetime | None = None
    approved_confirmed: tuple[str, ...] = ()
    changes_requested_by: str | None = None
    changes_requested_at: datetime | None = None
    changes_requested_reason: str = ""
    last_check_id: int | None = None


def review_status(state: InvoiceState, checks: Sequence[CheckRecord]) -> ReviewStatus:
    """The status ``checks`` (newest first) give an invoice in ``state``.

    The approver is whoever last ticked "approve" (finance setting the number carries the
    approval, it does not approve); changes requested show until a later check approves.
    """
    last = checks[0].id if checks else None
    approved = state != InvoiceState.CREATED
    for check in checks:
        if approved and check.decision == "approve":
            return ReviewStatus(check.checker, check.at, check.confirmed, last_check_id=last)
        if not approved and check.decision == "approve":
            break  # approved once, withdrawn since: older change requests are settled
        if not approved and check.decision == "request-changes":
            return ReviewStatus(
                changes_requested_by=check.checker,
                changes_requested_at=check.at,
                changes_requested_reason=check.changes_requested,
                last_check_id=last,
            )
    return ReviewStatus(last_check_id=last)


@dataclass(frozen=True, slots=True)
class InvoiceSummary:
    """An invoice as the review flow shows it: names, month, state, figures and status."""

    id: UUID
    project_name: str
    project_guid: str
    project_id: int
    client_name: str
    year: int
    month: int
    state: InvoiceState
    invoice_number: str
    figures: InvoiceFigures
    review_version: int
    changed_since_approval: bool = False
    hours_change_since_approval: Decimal = Decimal(0)
    money_change_since_approval: Mapping[str, Decimal] = field(default_factory=dict)
    status: ReviewStatus = ReviewStatus()

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def month_name(self) -> str:
        """``October 2026``."""
        return datetime(self.year, self.month, 1).strftime("%B %Y")

    @property
    def fingerprint(self) -> str:
        return figures_fingerprint(self.figures)

    @property
    def approved(self) -> bool:
        return self.state != InvoiceState.CREATED

    @property
    def sent(self) -> bool:
        return self.state == InvoiceState.SENT


def invoice_summary(
    invoice: Invoice, hours_currency: str, status: ReviewStatus | None = None
) -> InvoiceSummary:
    """The summary of ``invoice``, whose ``project`` (and its ``client``) are fetched."""
    project = invoice.project
    client = project.client
    return InvoiceSummary(
        id=invoice.id,
        project_name=project.name,
        project_guid=project.guid,
        project_id=project.id,
        client_name=client.name if client is not None else "",
        year=invoice.year,
        month=invoice.month,
        state=InvoiceState(invoice.state),
        invoice_number=invoice.invoice_number,
        figures=invoice_figures(invoice, hours_currency),
        review_version=invoice.review_version,
        changed_since_approval=invoice.changed_since_approval,
        hours_change_since_approval=Decimal(invoice.hours_change_since_approval),
        money_change_since_approval=money_from_text(invoice.money_change_since_approval),
        status=status or ReviewStatus(),
    )


async def check_records(invoice_id: UUID, limit: int = STATUS_CHECKS) -> list[CheckRecord]:
    """The latest checks of an invoice, newest first, with the checker's name (one query)."""
    rows = (
        await InvoiceCheck.filter(invoice_id=invoice_id)
        .order_by("-checked_at", "-id")
        .limit(limit)
        .values(
            "id",
            "checked_at",
            "checklist",
            "changes_requested",
            "checker_slack_id",
            "checker__first_name",
            "checker__last_name",
            "checker__display_name",
        )
    )
    records = []
    for row in rows:
        name = full_name(
            row["checker__first_name"] or "",
            row["checker__last_name"] or "",
            row["checker__display_name"] or "",
        )
        checklist = row["checklist"] if isinstance(row["checklist"], dict) else {}
        confirmed = checklist.get("confirmed")
        records.append(
            CheckRecord(
                id=int(row["id"]),
                checker=name or str(row["checker_slack_id"] or "someone"),
                at=row["checked_at"],
                decision=str(checklist.get("decision", "none")),
                changes_requested=str(row["changes_requested"] or ""),
                confirmed=tuple(map(str, confirmed)) if isinstance(confirmed, list) else (),
            )
        )
    return records


async def load_invoice_summary(invoice_id: UUID, hours_currency: str) -> InvoiceSummary | None:
    """The summary of one invoice with its review status (three queries), or None."""
    invoice = (
        await Invoice.filter(id=invoice_id).select_related("project", "project__client").first()
    )
    if invoice is None:
        return None
    status = review_status(InvoiceState(invoice.state), await check_records(invoice.id))
    return invoice_summary(invoice, hours_currency, status)
