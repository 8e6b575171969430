"""HR's edits of one work contract (the admin site's form), checked as the CSV import checks
a row: the same reading of each value (:func:`read_contract`) and the same overlap rule
(:func:`overlapping`) against the person's other stored contracts; a save writes the terms as the
import does (:func:`write_terms`), and the start date too.

Where a file and a form differ: a file's row with a stored contract's start date replaces that
contract, while a form names the contract it edits, so a new or moved contract starting on the
day another one starts is a duplicate. Saving and deleting are :class:`PersonEdits`'s: one
transaction with its audit row, the person's row locked first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from models.flex.contract_import import (
    AUDIT_ENTITY,
    AUDIT_FIELDS,
    CONTRACT_COLUMNS,
    ContractRecord,
    overlapping,
    read_contract,
    record_of,
    write_terms,
)
from models.flex.contracts import WorkContract
from models.flex.csv_import import Problem
from models.flex.person_edits import PersonEdits


def _conflicts(record: ContractRecord, email: str, others: Sequence[WorkContract]) -> list[Problem]:
    """A form's contract against the person's other stored contracts: one starting the same
    day is a duplicate; else each overlap is a problem of the date that reaches into it."""
    stored = [record_of(contract) for contract in others]
    same_start = next((other for other in stored if other.key == record.key), None)
    if same_start is not None:
        message = (
            f"duplicate contract for {email or 'this person'} starting {record.start_date}: "
            f"the stored contract {same_start.period} starts that day (edit that one instead)"
        )
        return [Problem("start_date", message)]
    problems: list[Problem] = []
    for _, other in overlapping([record], stored):
        # The start lies inside an earlier contract, or the end reaches into a later one.
        field = "start_date" if other.start_date <= record.start_date else "end_date"
        problems.append(
            Problem(field, f"contract {record.period} overlaps the stored contract {other.period}")
        )
    return problems


def contract_values(contract: WorkContract) -> dict[str, str]:
    """A stored contract as the form's fields hold it."""
    return {
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat() if contract.end_date else "",
        "worktime_percent": str(contract.worktime_percent),
        "flex_enabled": "true" if contract.flex_enabled else "false",
    }


def _write(contract: WorkContract, record: ContractRecord) -> None:
    contract.start_date = record.start_date  # a form may move a contract
    write_terms(contract, record)


CONTRACT_EDITS: PersonEdits[ContractRecord, WorkContract] = PersonEdits(
    model=WorkContract,
    fields=tuple(column for column in CONTRACT_COLUMNS if column != "email"),
    read_row=read_contract,
    conflicts=_conflicts,
    entity=AUDIT_ENTITY,
    audit_fields=AUDIT_FIELDS,
    same=lambda contract, record: record_of(contract) == replace(record, line=0, email=""),
    write=_write,
    note=lambda contract: "admin site",
    changed_while_saving=(
        "the contracts changed while saving (someone else edited them): try again"
    ),
)
