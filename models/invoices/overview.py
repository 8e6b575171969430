"""An invoice or a project at a glance, as a link to it shows it: read in a few queries.

:func:`load_invoice_overview` gives one invoice's summary (figures, state, who approved or asked
for changes, what changed since approval) with its money per currency (hours, fixed rows and
AWS billing) and the project's admins; :func:`load_project_overview` gives a project's dates,
its totals over every invoice and its latest invoices. Each is a constant number of queries
(three), whatever the number of invoices, so a link unfurls quickly; who may see the figures is
:func:`models.permissions.may_see_invoices_of`, asked by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from models.invoices.approval import project_admin_ids
from models.invoices.figures import (
    InvoiceMoney,
    InvoiceRules,
    ProjectTotals,
    project_totals,
    total_money,
)
from models.invoices.records import Invoice, InvoiceState
from models.invoices.review import InvoiceSummary, check_records, invoice_summary, review_status
from models.projects import Project

#: How many of a project's invoices a project overview lists, newest first.
RECENT_INVOICES = 12


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _money_map(value: Any) -> dict[str, Decimal]:
    """A stored currency → amount map (JSON text values) as decimals."""
    if not isinstance(value, Mapping):
        return {}
    return {str(currency): _decimal(amount) for currency, amount in value.items()}


def parse_invoice_id(text: str) -> UUID | None:
    """The invoice id in a link, or None when it is no UUID (such a link names no invoice)."""
    try:
        return UUID(text)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class InvoiceOverview:
    """One invoice: its summary and its money per currency. ``money`` holds everything (hour
    money in HOURS_CURRENCY, fixed rows, AWS billing), ``fixed_rows`` and ``aws_billing`` the
    parts besides the hours."""

    summary: InvoiceSummary
    money: dict[str, Decimal]
    fixed_rows: dict[str, Decimal]
    aws_billing: dict[str, Decimal]
    project_admin_ids: frozenset[int]


async def load_invoice_overview(invoice_id: UUID, rules: InvoiceRules) -> InvoiceOverview | None:
    """The invoice at a glance, or None when there is no such invoice (three queries)."""
    invoice = (
        await Invoice.filter(id=invoice_id).select_related("project", "project__client").first()
    )
    if invoice is None:
        return None
    status = review_status(InvoiceState(invoice.state), await check_records(invoice.id))
    summary = invoice_summary(invoice, rules.currency, status)
    fixed_rows = _money_map(invoice.fixed_rows_money)
    aws_billing = _money_map(invoice.aws_billing_money)
    return InvoiceOverview(
        summary=summary,
        money=total_money(_decimal(invoice.money), rules, fixed_rows, aws_billing),
        fixed_rows=fixed_rows,
        aws_billing=aws_billing,
        project_admin_ids=frozenset(await project_admin_ids(summary.project_id)),
    )


@dataclass(frozen=True, slots=True)
class ProjectInvoice:
    """One invoice in a project's list: its month, state and figures."""

    id: UUID
    year: int
    month: int
    state: InvoiceState
    hours: Decimal
    money: dict[str, Decimal]
    changed_since_approval: bool

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def month_name(self) -> str:
        """``October 2026``."""
        return datetime(self.year, self.month, 1).strftime("%B %Y")


@dataclass(frozen=True, slots=True)
class ProjectOverview:
    """A project: its dates (None: not known), its totals over every invoice, and its latest
    invoices (newest first, at most :data:`RECENT_INVOICES`)."""

    id: int
    guid: str
    name: str
    client_name: str
    starts_at: date | None
    ends_at: date | None
    totals: ProjectTotals
    recent: tuple[ProjectInvoice, ...]
    project_admin_ids: frozenset[int]

    @property
    def older_invoices(self) -> int:
        """How many invoices the list leaves out."""
        return self.totals.invoices - len(self.recent)


_INVOICE_FIELDS = (
    "id",
    "year",
    "month",
    "state",
    "hours",
    "money",
    "fixed_rows_money",
    "aws_billing_money",
    "changed_since_approval",
)


async def load_project_overview(
    guid: str, rules: InvoiceRules, recent: int = RECENT_INVOICES
) -> ProjectOverview | None:
    """The project at a glance, or None when no project has this guid (three queries: the
    project, every invoice's figures, the project's admins)."""
    project = await Project.filter(guid=guid).select_related("client").first()
    if project is None:
        return None
    rows = await Invoice.filter(project_id=project.id).values(*_INVOICE_FIELDS)
    parts = [
        (
            row,
            InvoiceMoney(
                hours=_decimal(row["hours"]),
                hour_money=_decimal(row["money"]),
                fixed_rows=_money_map(row["fixed_rows_money"]),
                aws_billing=_money_map(row["aws_billing_money"]),
            ),
        )
        for row in rows
    ]
    parts.sort(key=lambda part: (int(part[0]["year"]), int(part[0]["month"])), reverse=True)
    latest = tuple(
        ProjectInvoice(
            id=row["id"] if isinstance(row["id"], UUID) else UUID(str(row["id"])),
            year=int(row["year"]),
            month=int(row["month"]),
            state=InvoiceState(row["state"]),
            hours=money.hours,
            money=total_money(money.hour_money, rules, money.fixed_rows, money.aws_billing),
            changed_since_approval=bool(row["changed_since_approval"]),
        )
        for row, money in parts[:recent]
    )
    client = project.client
    return ProjectOverview(
        id=project.id,
        guid=project.guid,
        name=project.name,
        client_name=client.name if client is not None else "",
        starts_at=project.starts_at,
        ends_at=project.ends_at,
        totals=project_totals((money for _, money in parts), rules),
        recent=latest,
        project_admin_ids=frozenset(await project_admin_ids(project.id)),
    )
