"""Finance's edits of fixed rows: a project's (billed with each of its invoices until they are
copied onto one at Preview) and one invoice's own.

:func:`check_fixed_row` reads a form's values, field by field: a description of one line, at
most 255 characters; a price written as an exact decimal with at most two decimals (a dot for
the decimal point), negative for a credit, within ±10,000,000.00; a currency of three capital
letters (ISO 4217, like EUR). The saves and deletes run in one transaction with their audit
row; they save through the model, so the refresh signals (models/invoices/refresh.py)
recompute the figures of the invoices the row counts on in that same transaction. The refresh
lock is taken first, so the edit never holds an invoice row while waiting for a sync that
holds the lock (see :func:`models.invoices.refresh.hold_refresh_lock`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from tortoise.transactions import in_transaction

from core.formatting import format_money, quoted
from models.audit import record_change
from models.invoices.records import Invoice, InvoiceFixedRow, ProjectFixedRow
from models.invoices.refresh import hold_refresh_lock
from models.projects import Project

FIXED_ROW_FIELDS = ("description", "price", "currency")
DESCRIPTION_MAX = 255
PRICE_LIMIT = Decimal("10000000")
PRICE = re.compile(r"-?[0-9]{1,8}(\.[0-9]{1,2})?")
CURRENCY = re.compile(r"[A-Z]{3}")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

PROJECT_ROW_ENTITY = "project_fixed_row"
INVOICE_ROW_ENTITY = "invoice_fixed_row"
AUDIT_NOTE = "admin site"

Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """What is wrong with one field of the form (``field`` "" for the form as a whole)."""

    field: str
    message: str


class FixedRowRejected(ValueError):
    """The form's values were refused; nothing was saved."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(problem.message for problem in problems))


@dataclass(frozen=True, slots=True)
class FixedRowValues:
    description: str
    price: Decimal
    currency: str


def _description(raw: str, problems: list[FieldProblem]) -> str:
    text = raw.strip()
    if not text:
        problems.append(FieldProblem("description", "Write what the row bills, like Hosting."))
    elif len(text) > DESCRIPTION_MAX:
        problems.append(
            FieldProblem(
                "description",
                f"A description has at most {DESCRIPTION_MAX} characters; this one has "
                f"{len(text)}.",
            )
        )
    elif CONTROL_CHARACTERS.search(text):
        problems.append(
            FieldProblem("description", "A description is one line of text, without tabs.")
        )
    return text


def _price(raw: str, problems: list[FieldProblem]) -> Decimal:
    text = raw.strip()
    if not text:
        problems.append(FieldProblem("price", "Enter the price, like 1200.00."))
        return Decimal(0)
    if not PRICE.fullmatch(text):
        hint = " (a dot for the decimal point, no spaces)" if "," in text or " " in text else ""
        problems.append(
            FieldProblem(
                "price",
                f"The price must be a number with at most two decimals{hint}, like 1200.50 or "
                f"-50.00 for a credit; got {quoted(text)}.",
            )
        )
        return Decimal(0)
    price = abs(Decimal(text)) if Decimal(text) == 0 else Decimal(text)  # no "-0"
    if abs(price) > PRICE_LIMIT:
        limit = format_money(PRICE_LIMIT)
        problems.append(FieldProblem("price", f"The price must be between -{limit} and {limit}."))
    return price


def _currency(raw: str, problems: list[FieldProblem]) -> str:
    text = raw.strip()
    if not CURRENCY.fullmatch(text):
        problems.append(
            FieldProblem(
                "currency",
                f"The currency is three capital letters, like EUR or USD; got {quoted(text)}.",
            )
        )
    return text


def check_fixed_row(values: Mapping[str, str]) -> tuple[FixedRowValues | None, list[FieldProblem]]:
    """The row a form's ``values`` describe, or every problem found, field by field."""
    problems: list[FieldProblem] = []
    description = _description(values.get("description", ""), problems)
    price = _price(values.get("price", ""), problems)
    currency = _currency(values.get("currency", ""), problems)
    if problems:
        return None, problems
    return FixedRowValues(description, price, currency), []


def fixed_row_values(row: ProjectFixedRow | InvoiceFixedRow) -> dict[str, str]:
    """A stored row as the form's fields hold it."""
    return {
        "description": row.description,
        "price": format_money(Decimal(row.price)),
        "currency": row.currency,
    }


@dataclass(frozen=True)
class SavedRow:
    """What a form's save did, and the stored row as it now is."""

    outcome: Outcome
    row: ProjectFixedRow | InvoiceFixedRow


def _snapshot(row: ProjectFixedRow | InvoiceFixedRow, about: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        **about,
        "description": row.description,
        "price": Decimal(row.price),
        "currency": row.currency,
    }
    if isinstance(row, InvoiceFixedRow):
        values["from_project"] = row.from_project
    return values


def _same(row: ProjectFixedRow | InvoiceFixedRow, values: FixedRowValues) -> bool:
    return (row.description, Decimal(row.price), row.currency) == (
        values.description,
        values.price,
        values.currency,
    )


@dataclass(frozen=True)
class _Owner:
    """Whose rows are edited: which model, how its rows are found, how the audit names it."""

    entity: str
    find: Callable[[int], Awaitable[Any]]
    new: Callable[[], ProjectFixedRow | InvoiceFixedRow]
    about: Mapping[str, Any]


def _project_owner(project: Project) -> _Owner:
    async def find(row_id: int) -> ProjectFixedRow | None:
        return (
            await ProjectFixedRow.select_for_update()
            .filter(id=row_id, project_id=project.id)
            .first()
        )

    return _Owner(
        PROJECT_ROW_ENTITY,
        find,
        lambda: ProjectFixedRow(project_id=project.id),
        {"project": project.name, "project_guid": project.guid},
    )


def _invoice_owner(invoice: Invoice, project: Project) -> _Owner:
    async def find(row_id: int) -> InvoiceFixedRow | None:
        return (
            await InvoiceFixedRow.select_for_update()
            .filter(id=row_id, invoice_id=invoice.id)
            .first()
        )

    return _Owner(
        INVOICE_ROW_ENTITY,
        find,
        lambda: InvoiceFixedRow(invoice_id=invoice.id),
        {
            "invoice": str(invoice.id),
            "project": project.name,
            "project_guid": project.guid,
            "month": invoice.period,
        },
    )


async def _save(
    owner: _Owner, values: Mapping[str, str], *, actor: str, row_id: int | None
) -> SavedRow:
    checked, problems = check_fixed_row(values)
    if checked is None:
        raise FixedRowRejected(problems)
    async with in_transaction() as conn:
        await hold_refresh_lock(conn)
        row = owner.new() if row_id is None else await owner.find(row_id)
        if row is None:
            raise LookupError(row_id)
        if row_id is not None and _same(row, checked):
            return SavedRow("unchanged", row)
        before = None if row_id is None else _snapshot(row, owner.about)
        row.description = checked.description
        row.price = checked.price
        row.currency = checked.currency
        await row.save(using_db=conn)  # the refresh signals recompute the figures here
        await record_change(
            actor=actor,
            entity=owner.entity,
            entity_id=row.pk,
            action="create" if before is None else "update",
            before=before,
            after=_snapshot(row, owner.about),
            note=AUDIT_NOTE,
        )
    return SavedRow("created" if before is None else "updated", row)


async def _delete(owner: _Owner, row_id: int, *, actor: str) -> ProjectFixedRow | InvoiceFixedRow:
    async with in_transaction() as conn:
        await hold_refresh_lock(conn)
        row = await owner.find(row_id)
        if row is None:
            raise LookupError(row_id)
        before = _snapshot(row, owner.about)
        await row.delete(using_db=conn)  # the refresh signals recompute the figures here
        await record_change(
            actor=actor,
            entity=owner.entity,
            entity_id=row_id,
            action="delete",
            before=before,
            after=None,
            note=AUDIT_NOTE,
        )
    return row


async def save_project_fixed_row(
    project: Project, values: Mapping[str, str], *, actor: str, row_id: int | None = None
) -> SavedRow:
    """Creates (``row_id`` None) or updates one of the project's fixed rows, audit-logged by
    ``actor``. Raises FixedRowRejected (nothing saved) or LookupError (no such row)."""
    return await _save(_project_owner(project), values, actor=actor, row_id=row_id)


async def delete_project_fixed_row(project: Project, row_id: int, *, actor: str) -> Any:
    """Deletes one of the project's fixed rows, audit-logged; LookupError when there is none."""
    return await _delete(_project_owner(project), row_id, actor=actor)


async def save_invoice_fixed_row(
    invoice: Invoice,
    project: Project,
    values: Mapping[str, str],
    *,
    actor: str,
    row_id: int | None = None,
) -> SavedRow:
    """Creates or updates one of the invoice's own fixed rows (``project``: its project)."""
    return await _save(_invoice_owner(invoice, project), values, actor=actor, row_id=row_id)


async def delete_invoice_fixed_row(
    invoice: Invoice, project: Project, row_id: int, *, actor: str
) -> Any:
    return await _delete(_invoice_owner(invoice, project), row_id, actor=actor)
