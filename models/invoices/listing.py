"""Invoices with their stored figures, as lists and pages show them, and project totals."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from models.invoices.figures import (
    ComparedFigures,
    InvoiceChecks,
    InvoiceFigures,
    InvoiceMoney,
    InvoiceRules,
    MonthComparison,
    ProjectTotals,
    compare_months,
    project_totals,
    total_money,
)
from models.invoices.records import FIGURE_COLUMNS, Invoice
from models.projects import Project


@dataclass(frozen=True, slots=True)
class ListedInvoice:
    id: UUID
    project_guid: str
    project_name: str
    client_name: str | None
    year: int
    month: int
    state: str
    figures: InvoiceFigures
    previous: ComparedFigures | None
    fixed_rows: dict[str, Decimal]
    aws_billing: dict[str, Decimal]
    rules: str
    computed: bool
    project_id: int = 0
    invoice_number: str = ""
    changed_since_approval: bool = False

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def compared(self) -> ComparedFigures:
        f = self.figures
        return ComparedFigures(f.hours, f.average_rate, f.money)

    @property
    def comparison(self) -> MonthComparison | None:
        """Against the previous month's figures stored with it (None: no previous invoice)."""
        return compare_months(self.compared, self.previous)

    def money(self, rules: InvoiceRules) -> dict[str, Decimal]:
        """Hour money in HOURS_CURRENCY plus fixed rows and AWS billing, per currency."""
        return total_money(self.figures.money, rules, self.fixed_rows, self.aws_billing)

    def stale(self, rules: InvoiceRules) -> bool:
        return not self.computed or self.rules != rules.fingerprint

    @property
    def has_problems(self) -> bool:
        """A check flags entries, the change from last month is remarkable, or the figures
        moved since approval: what an approver or finance has to look at."""
        comparison = self.comparison
        return (
            self.figures.incorrect_entries > 0
            or (comparison is not None and comparison.remarkable)
            or self.changed_since_approval
        )


_FIELDS = (
    "id",
    "project__guid",
    "project__name",
    "project__client__name",
    "year",
    "month",
    "state",
    *FIGURE_COLUMNS,
    "previous_hours",
    "previous_average_rate",
    "previous_money",
    "fixed_rows_money",
    "aws_billing_money",
    "figures_rules",
    "figures_updated_at",
    "project_id",
    "invoice_number",
    "changed_since_approval",
)


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _money_map(value: Any) -> dict[str, Decimal]:
    return {str(k): _decimal(v) for k, v in dict(value or {}).items()}


def _listed(row: dict[str, Any]) -> ListedInvoice:
    previous_values = [row["previous_hours"], row["previous_average_rate"], row["previous_money"]]
    return ListedInvoice(
        id=row["id"] if isinstance(row["id"], UUID) else UUID(str(row["id"])),
        project_guid=str(row["project__guid"]),
        project_name=str(row["project__name"] or ""),
        client_name=row["project__client__name"],
        year=int(row["year"]),
        month=int(row["month"]),
        state=str(row["state"]),
        figures=InvoiceFigures(
            hours=_decimal(row["hours"]),
            billable_hours=_decimal(row["billable_hours"]),
            money=_decimal(row["money"]),
            average_rate=_decimal(row["average_rate"]),
            billable_share=_decimal(row["billable_share"]),
            checks=InvoiceChecks(
                int(row["odd_rate_count"]),
                int(row["non_billable_count"]),
                int(row["non_phase_specific_count"]),
                int(row["not_approved_count"]),
                int(row["empty_notes_count"]),
                int(row["no_category_count"]),
            ),
        ),
        previous=(
            None
            if any(v is None for v in previous_values)
            else ComparedFigures(*(_decimal(v) for v in previous_values))
        ),
        fixed_rows=_money_map(row["fixed_rows_money"]),
        aws_billing=_money_map(row["aws_billing_money"]),
        rules=str(row["figures_rules"] or ""),
        computed=row["figures_updated_at"] is not None,
        project_id=int(row["project_id"]),
        invoice_number=str(row["invoice_number"] or ""),
        changed_since_approval=bool(row["changed_since_approval"]),
    )


async def list_invoices(
    *,
    year: int | None = None,
    month: int | None = None,
    project_id: int | None = None,
    project_ids: Collection[int] | None = None,
    state: str | None = None,
    client: str | None = None,
) -> list[ListedInvoice]:
    """Invoices (of one month, of one project or of some projects, in one state, of one
    client's projects, or all), newest month first, then by client and project name (no
    client first). One query."""
    query = Invoice.all()
    if year is not None and month is not None:
        query = query.filter(year=year, month=month)
    if project_id is not None:
        query = query.filter(project_id=project_id)
    if project_ids is not None:
        query = query.filter(project_id__in=sorted(project_ids))
    if state is not None:
        query = query.filter(state=state)
    if client is not None:
        query = query.filter(project__client__name=client)
    listed = [_listed(row) for row in await query.values(*_FIELDS)]
    # Sorted here: the databases disagree on where a project without a client goes.
    return sorted(
        listed,
        key=lambda i: (-i.year, -i.month, (i.client_name or "").lower(), i.project_name.lower()),
    )


async def load_listed_invoice(invoice_id: UUID) -> ListedInvoice | None:
    """One invoice as :func:`list_invoices` lists it, or None (one query)."""
    rows = await Invoice.filter(id=invoice_id).values(*_FIELDS)
    return _listed(rows[0]) if rows else None


async def project_totals_of(project: Project, rules: InvoiceRules) -> ProjectTotals:
    """Σ over the project's invoices (docs/domain-rules.md, "Invoices"). One query."""
    rows = await Invoice.filter(project_id=project.id).values(
        "hours", "money", "fixed_rows_money", "aws_billing_money"
    )
    return project_totals(
        (
            InvoiceMoney(
                hours=_decimal(row["hours"]),
                hour_money=_decimal(row["money"]),
                fixed_rows=_money_map(row["fixed_rows_money"]),
                aws_billing=_money_map(row["aws_billing_money"]),
            )
            for row in rows
        ),
        rules,
    )
