"""Importing flex time corrections from CSV (docs/csv-formats.md, "Corrections").

``email,date,adjust_by,set_to[,note]``: a correction is keyed by (person, date); a row with the
key of a stored correction replaces its ``adjust_by`` and ``set_to`` (an empty value clears it)
and, when the file has a ``note`` column, its note (a file without the column keeps stored
notes). The whole file is checked first (:func:`check_corrections`, pure); only a file without a
bad row is applied, in one transaction (:func:`import_corrections`), with an audit row, carrying
the correction's note, for each correction created or updated. Re-importing changes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tortoise.transactions import in_transaction

from models.flex.contracts import FlexCorrection
from models.flex.csv_import import (
    CsvRow,
    ImportCounts,
    ImportRejected,
    Problem,
    RowError,
    parse_date,
    parse_decimal,
    people_by_email,
    read_table,
)
from models.flex.keyed_import import RowReading, Upsert, check_rows

CORRECTION_COLUMNS = ("email", "date", "adjust_by", "set_to")
OPTIONAL_COLUMNS = ("note",)
CORRECTION_COLUMN_NOTES = {
    "email": "the person's e-mail in 10000ft (any case)",
    "date": "the day the correction applies to, YYYY-MM-DD",
    "adjust_by": "hours added to the saldo that day, may be negative; empty = not set",
    "set_to": "the saldo at the start of that day; empty = not set (give one or both)",
    "note": "optional column: why the correction was made (kept in the audit log)",
}
"""What each column holds, in a line (the CLI's help; docs/csv-formats.md says it at length)."""
AUDIT_ENTITY = "flex_correction"
AUDIT_FIELDS = ("person_id", "date", "adjust_by", "set_to", "note")
# FlexCorrection's hours columns: 12 digits, 4 of them decimals.
_PLACES = 4
_DIGITS = 12


@dataclass(frozen=True)
class CorrectionRecord:
    """One valid row. ``note`` is None when the file has no note column (keep the stored one)."""

    person_id: int
    date: dt.date
    adjust_by: Decimal | None
    set_to: Decimal | None
    note: str | None
    line: int
    email: str

    @property
    def key(self) -> tuple[int, dt.date]:
        return (self.person_id, self.date)


def _hours(column: str, raw: str) -> Decimal | str | None:
    return parse_decimal(column, raw, places=_PLACES, digits=_DIGITS) if raw else None


def validate_corrections(
    rows: Sequence[CsvRow], people: Mapping[str, int]
) -> tuple[list[CorrectionRecord], list[RowError]]:
    """Checks every row; returns the valid records and every problem found.

    ``people`` maps lower-cased e-mail to person id.
    """
    return check_rows(
        rows,
        people,
        read_correction,
        duplicate="duplicate correction for {email} on {day} (also on line {line})",
    )


def read_correction(
    row: CsvRow, person_id: int | None, problems: list[Problem]
) -> RowReading[CorrectionRecord]:
    """One correction from a file's row or a form's fields (the columns' names); see ReadRow."""
    day = parse_date("date", row["date"])
    adjust_by = _hours("adjust_by", row["adjust_by"])
    set_to = _hours("set_to", row["set_to"])
    values = {"date": day, "adjust_by": adjust_by, "set_to": set_to}
    problems += [
        Problem(column, value) for column, value in values.items() if isinstance(value, str)
    ]
    if not row["adjust_by"] and not row["set_to"]:
        message = "neither adjust_by nor set_to is given: fill in one or both"
        problems.append(Problem("adjust_by", message))
    if not isinstance(day, dt.date):
        return RowReading(None)
    if problems:
        return RowReading(day)
    assert person_id is not None
    assert not isinstance(adjust_by, str) and not isinstance(set_to, str)
    record = CorrectionRecord(
        person_id=person_id,
        date=day,
        adjust_by=adjust_by,
        set_to=set_to,
        note=row["note"] if row.has("note") else None,
        line=row.line,
        email=row["email"].lower(),
    )
    return RowReading(day, record)


def check_corrections(data: bytes, people: Mapping[str, int]) -> list[CorrectionRecord]:
    """The file's corrections when every row is good; otherwise raises ImportRejected."""
    table, errors = read_table(data, required=CORRECTION_COLUMNS, optional=OPTIONAL_COLUMNS)
    if table is None:
        raise ImportRejected(errors)
    records, row_errors = validate_corrections(table.rows, people)
    if errors or row_errors:
        raise ImportRejected(errors + row_errors)
    return records


def _same(stored: FlexCorrection, record: CorrectionRecord) -> bool:
    return (
        stored.adjust_by == record.adjust_by
        and stored.set_to == record.set_to
        and (record.note is None or stored.note == record.note)
    )


async def import_corrections(data: bytes, *, actor: str) -> ImportCounts:
    """Checks and applies a corrections CSV in one transaction; raises ImportRejected on bad rows.

    ``actor`` goes into the audit log (e.g. ``"import:corrections.csv (alice)"``). Reading and
    checking the rows run in a worker thread, as for contracts (the event loop stays free).
    """
    async with in_transaction():
        records = await asyncio.to_thread(check_corrections, data, await people_by_email())
        stored = await FlexCorrection.filter(person_id__in={record.person_id for record in records})
        return await _UPSERT.apply(records, stored, actor=actor)


def write_hours_and_note(correction: FlexCorrection, record: CorrectionRecord) -> None:
    """Writes the record's hours on a stored correction, and its note when it has one."""
    correction.adjust_by = record.adjust_by
    correction.set_to = record.set_to
    if record.note is not None:
        correction.note = record.note


_UPSERT: Upsert[CorrectionRecord, FlexCorrection] = Upsert(
    entity=AUDIT_ENTITY,
    audit_fields=AUDIT_FIELDS,
    key=lambda correction: (correction.person_id, correction.date),  # type: ignore[attr-defined]
    new=lambda record: FlexCorrection(person_id=record.person_id, date=record.date),
    same=_same,
    write=write_hours_and_note,
    note=lambda correction, record: correction.note,
)
