"""HR's edits of one work contract (the admin site's form), checked as the CSV import checks
a row: the same reading of each value (:func:`read_contract`) and the same overlap rule
(:func:`overlapping`) against the person's other stored contracts.

Where a file and a form differ: a file's row with a stored contract's start date replaces that
contract, while a form names the contract it edits, so a new or moved contract starting on the
day another one starts is a duplicate. Each change is saved in one transaction with its audit
row; the person's row is locked first (PostgreSQL), so two edits of one person's contracts
cannot both pass the overlap check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Generic, Literal, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.flex.contract_import import (
    AUDIT_ENTITY,
    AUDIT_FIELDS,
    CONTRACT_COLUMNS,
    ContractRecord,
    overlapping,
    read_contract,
    record_of,
)
from models.flex.contracts import WorkContract
from models.flex.csv_import import CsvRow, Problem
from models.flex.keyed_import import EditRejected, audit_saved, audit_values, delete_audited
from models.people import Person

#: The form's fields: the CSV columns but the e-mail (the person is the one being edited).
CONTRACT_FIELDS = tuple(column for column in CONTRACT_COLUMNS if column != "email")
#: A form is one row: its record's line is 1, so the overlap rule tells it from stored ones.
FORM_LINE = 1
CHANGED_WHILE_SAVING = "the contracts changed while saving (someone else edited them): try again"

Outcome = Literal["created", "updated", "unchanged"]
Row = TypeVar("Row")


@dataclass(frozen=True)
class Saved(Generic[Row]):
    """What a form's save did, and the stored row as it now is."""

    outcome: Outcome
    row: Row


def check_contract(
    values: Mapping[str, str], person_id: int, email: str, others: Sequence[ContractRecord]
) -> tuple[ContractRecord | None, list[Problem]]:
    """The contract the form's ``values`` describe, or the problems found, field by field.

    ``others`` are the person's stored contracts except the one being edited.
    """
    fields = {name: values.get(name, "").strip() for name in CONTRACT_FIELDS}
    row = CsvRow(FORM_LINE, {**fields, "email": email})
    problems: list[Problem] = []
    record = read_contract(row, person_id, problems).record
    if record is None or problems:
        return None, problems
    same_start = next((other for other in others if other.key == record.key), None)
    if same_start is not None:
        message = (
            f"duplicate contract for {email or 'this person'} starting {record.start_date}: "
            f"the stored contract {same_start.period} starts that day (edit that one instead)"
        )
        return None, [Problem("start_date", message)]
    for _, other in overlapping([record], others):
        # The start lies inside an earlier contract, or the end reaches into a later one.
        field = "start_date" if other.start_date <= record.start_date else "end_date"
        problems.append(
            Problem(field, f"contract {record.period} overlaps the stored contract {other.period}")
        )
    return (None, problems) if problems else (record, [])


def contract_values(contract: WorkContract) -> dict[str, str]:
    """A stored contract as the form's fields hold it."""
    return {
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat() if contract.end_date else "",
        "worktime_percent": str(contract.worktime_percent),
        "flex_enabled": "true" if contract.flex_enabled else "false",
    }


async def save_contract(
    person: Person, values: Mapping[str, str], *, actor: str, contract_id: int | None = None
) -> Saved[WorkContract]:
    """Creates (``contract_id`` None) or updates one of ``person``'s contracts, with an audit
    row by ``actor``. Raises EditRejected (nothing saved) or LookupError (no such contract)."""
    email = (person.email or "").lower()
    try:
        async with in_transaction():
            stored = await _locked_contracts(person.id)
            row = _find(stored, contract_id)
            others = [record_of(c) for c in stored if c is not row]
            record, problems = check_contract(values, person.id, email, others)
            if record is None:
                raise EditRejected(problems)
            if row is not None and record_of(row) == replace(record, line=0, email=""):
                return Saved("unchanged", row)
            before = None if row is None else audit_values(row, AUDIT_FIELDS, email)
            if row is None:
                row = WorkContract(person_id=person.id)
            row.start_date = record.start_date
            row.end_date = record.end_date
            row.worktime_percent = record.worktime_percent
            row.flex_enabled = record.flex_enabled
            await row.save()
            await audit_saved(
                row,
                before,
                entity=AUDIT_ENTITY,
                fields=AUDIT_FIELDS,
                email=email,
                actor=actor,
                note="admin site",
            )
    except IntegrityError:
        raise EditRejected([Problem("", CHANGED_WHILE_SAVING)]) from None
    return Saved("created" if before is None else "updated", row)


async def delete_contract(person: Person, contract_id: int, *, actor: str) -> WorkContract:
    """Deletes one of ``person``'s contracts with an audit row; LookupError when there is none."""
    email = (person.email or "").lower()
    async with in_transaction():
        row = _find(await _locked_contracts(person.id), contract_id)
        assert row is not None
        return await delete_audited(
            row,
            entity=AUDIT_ENTITY,
            fields=AUDIT_FIELDS,
            email=email,
            actor=actor,
            note="admin site",
        )


async def lock_person(person_id: int) -> None:
    """Locks the person's row until the transaction ends (PostgreSQL; SQLite writes one at a
    time anyway): edits of one person's contracts or corrections then run one after the other.
    LookupError when the person is gone."""
    if await Person.select_for_update().filter(id=person_id).first() is None:
        raise LookupError(person_id)


async def _locked_contracts(person_id: int) -> list[WorkContract]:
    await lock_person(person_id)
    return list(await WorkContract.filter(person_id=person_id))


def _find(stored: Sequence[WorkContract], contract_id: int | None) -> WorkContract | None:
    """The contract being edited (None for a new one); LookupError when it is not stored."""
    if contract_id is None:
        return None
    row = next((c for c in stored if c.id == contract_id), None)
    if row is None:
        raise LookupError(contract_id)
    return row
