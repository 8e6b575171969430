"""HR's edits of one flex correction (the admin site's form), checked as the CSV import checks
a row: the same reading of each value (:func:`read_correction`): a date, ``adjust_by`` and/or
``set_to`` with at most 4 decimals and 12 digits, and a note.

Where a file and a form differ: a file's row for a day that already has a correction replaces
it, while a form names the correction it edits, so a new or moved correction on a day that has
another one is a duplicate. A form always carries the note (an empty one clears it). Each change
is saved in one transaction with its audit row, whose note is the correction's note as the
import writes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.audit import json_safe
from models.flex.contract_edits import FORM_LINE, Saved, lock_person
from models.flex.contracts import FlexCorrection
from models.flex.correction_import import (
    AUDIT_ENTITY,
    AUDIT_FIELDS,
    CORRECTION_COLUMNS,
    OPTIONAL_COLUMNS,
    CorrectionRecord,
    read_correction,
)
from models.flex.csv_import import CsvRow, Problem
from models.flex.keyed_import import EditRejected, audit_saved, audit_values, delete_audited
from models.people import Person

#: The form's fields: the CSV columns (the note included) but the e-mail.
CORRECTION_FIELDS = tuple(
    column for column in CORRECTION_COLUMNS + OPTIONAL_COLUMNS if column != "email"
)
CHANGED_WHILE_SAVING = "the corrections changed while saving (someone else edited them): try again"


def check_correction(
    values: Mapping[str, str], person_id: int, email: str, others: Sequence[FlexCorrection]
) -> tuple[CorrectionRecord | None, list[Problem]]:
    """The correction the form's ``values`` describe, or the problems found, field by field.

    ``others`` are the person's stored corrections except the one being edited.
    """
    fields = {name: values.get(name, "").strip() for name in CORRECTION_FIELDS}
    row = CsvRow(FORM_LINE, {**fields, "email": email})
    problems: list[Problem] = []
    record = read_correction(row, person_id, problems).record
    if record is None or problems:
        return None, problems
    if any(other.date == record.date for other in others):
        message = (
            f"duplicate correction for {email or 'this person'} on {record.date}: that day "
            "already has a correction (edit that one instead)"
        )
        return None, [Problem("date", message)]
    return record, []


def hours_text(value: Decimal | None) -> str:
    """Hours as HR typed them: exact, without trailing zeros ("" when not set)."""
    return "" if value is None else str(json_safe(value))


def correction_values(correction: FlexCorrection) -> dict[str, str]:
    """A stored correction as the form's fields hold it."""
    return {
        "date": correction.date.isoformat(),
        "adjust_by": hours_text(correction.adjust_by),
        "set_to": hours_text(correction.set_to),
        "note": correction.note,
    }


async def save_correction(
    person: Person, values: Mapping[str, str], *, actor: str, correction_id: int | None = None
) -> Saved[FlexCorrection]:
    """Creates (``correction_id`` None) or updates one of ``person``'s corrections, with an
    audit row by ``actor``. Raises EditRejected (nothing saved) or LookupError (none such)."""
    email = (person.email or "").lower()
    try:
        async with in_transaction():
            stored = await _locked_corrections(person.id)
            row = _find(stored, correction_id)
            others = [c for c in stored if c is not row]
            record, problems = check_correction(values, person.id, email, others)
            if record is None:
                raise EditRejected(problems)
            if row is not None and _same(row, record):
                return Saved("unchanged", row)
            before = None if row is None else audit_values(row, AUDIT_FIELDS, email)
            if row is None:
                row = FlexCorrection(person_id=person.id)
            row.date = record.date
            row.adjust_by = record.adjust_by
            row.set_to = record.set_to
            row.note = record.note or ""
            await row.save()
            await audit_saved(
                row,
                before,
                entity=AUDIT_ENTITY,
                fields=AUDIT_FIELDS,
                email=email,
                actor=actor,
                note=row.note,
            )
    except IntegrityError:
        raise EditRejected([Problem("", CHANGED_WHILE_SAVING)]) from None
    return Saved("created" if before is None else "updated", row)


async def delete_correction(person: Person, correction_id: int, *, actor: str) -> FlexCorrection:
    """Deletes one of ``person``'s corrections with an audit row; LookupError when none such."""
    email = (person.email or "").lower()
    async with in_transaction():
        row = _find(await _locked_corrections(person.id), correction_id)
        assert row is not None
        return await delete_audited(
            row,
            entity=AUDIT_ENTITY,
            fields=AUDIT_FIELDS,
            email=email,
            actor=actor,
            note=row.note,
        )


def _same(stored: FlexCorrection, record: CorrectionRecord) -> bool:
    return (stored.date, stored.adjust_by, stored.set_to, stored.note) == (
        record.date,
        record.adjust_by,
        record.set_to,
        record.note or "",
    )


async def _locked_corrections(person_id: int) -> list[FlexCorrection]:
    await lock_person(person_id)
    return list(await FlexCorrection.filter(person_id=person_id))


def _find(stored: Sequence[FlexCorrection], correction_id: int | None) -> FlexCorrection | None:
    """The correction being edited (None for a new one); LookupError when it is not stored."""
    if correction_id is None:
        return None
    row = next((c for c in stored if c.id == correction_id), None)
    if row is None:
        raise LookupError(correction_id)
    return row
