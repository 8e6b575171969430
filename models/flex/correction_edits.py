"""HR's edits of one flex correction (the admin site's form), checked as the CSV import checks
a row: the same reading of each value (:func:`read_correction`): a date, ``adjust_by`` and/or
``set_to`` with at most 4 decimals and 12 digits, and a note.

Where a file and a form differ: a file's row for a day that already has a correction replaces
it, while a form names the correction it edits, so a new or moved correction on a day that has
another one is a duplicate. A form always carries the note (an empty one clears it). Saving and
deleting are :class:`PersonEdits`'s: one transaction with its audit row, whose note is the
correction's note as the import writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from models.audit import json_safe
from models.flex.contracts import FlexCorrection
from models.flex.correction_import import (
    AUDIT_ENTITY,
    AUDIT_FIELDS,
    CORRECTION_COLUMNS,
    OPTIONAL_COLUMNS,
    CorrectionRecord,
    read_correction,
    write_hours_and_note,
)
from models.flex.csv_import import Problem
from models.flex.person_edits import PersonEdits


def _conflicts(
    record: CorrectionRecord, email: str, others: Sequence[FlexCorrection]
) -> list[Problem]:
    """A form's correction on a day that has another stored one is a duplicate."""
    if any(other.date == record.date for other in others):
        message = (
            f"duplicate correction for {email or 'this person'} on {record.date}: that day "
            "already has a correction (edit that one instead)"
        )
        return [Problem("date", message)]
    return []


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


def _same(stored: FlexCorrection, record: CorrectionRecord) -> bool:
    return (stored.date, stored.adjust_by, stored.set_to, stored.note) == (
        record.date,
        record.adjust_by,
        record.set_to,
        record.note or "",
    )


def _write(correction: FlexCorrection, record: CorrectionRecord) -> None:
    correction.date = record.date  # a form may move a correction
    write_hours_and_note(correction, record)  # a form's record always has a note ("" clears it)


CORRECTION_EDITS: PersonEdits[CorrectionRecord, FlexCorrection] = PersonEdits(
    model=FlexCorrection,
    fields=tuple(column for column in CORRECTION_COLUMNS + OPTIONAL_COLUMNS if column != "email"),
    read_row=read_correction,
    conflicts=_conflicts,
    entity=AUDIT_ENTITY,
    audit_fields=AUDIT_FIELDS,
    same=_same,
    write=_write,
    note=lambda correction: correction.note,  # as the import's audit rows carry it
    changed_while_saving=(
        "the corrections changed while saving (someone else edited them): try again"
    ),
)
