"""What the contract and correction imports share once the file is read: rows keyed by
(person, date), checked one by one, then applied as upserts with an audit row each.

Each import states only what is its own: how a row reads into a record (:data:`ReadRow`), the
message for a repeated key, and how a record lands on a stored row (:class:`Upsert`). The
admin site's forms read their fields with the same :data:`ReadRow` functions, so a value is
refused in a form exactly when it would be refused in a file; :class:`EditRejected` carries
what a form got wrong, field by field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from tortoise.models import Model

from core.formatting import quoted
from models.audit import record_change, snapshot
from models.flex.csv_import import CsvRow, ImportCounts, Problem, RowError

Key = tuple[int, dt.date]
"""A person id and a date: what identifies a row of either import."""


class KeyedRecord(Protocol):
    """A valid row: its key, its line (0 for a stored row) and its e-mail as written, lowered."""

    @property
    def key(self) -> Key: ...

    @property
    def line(self) -> int: ...

    @property
    def email(self) -> str: ...


R = TypeVar("R", bound=KeyedRecord)
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class RowReading(Generic[R]):
    """What an import read from one row: the date half of its key, when that parsed, and its
    record, when the whole row did (None when the row has a problem)."""

    day: dt.date | None
    record: R | None = None


ReadRow = Callable[[CsvRow, int | None, list[Problem]], RowReading[R]]
"""Reads one row given its person id (None when the e-mail matched nobody), appending each
problem to the list it is handed; a row with a problem there gives no record."""


class EditRejected(ValueError):
    """A form's values were refused; nothing was saved. ``problems`` name their fields."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(problem.message for problem in self.problems))


def check_rows(
    rows: Sequence[CsvRow], people: Mapping[str, int], read_row: ReadRow[R], *, duplicate: str
) -> tuple[list[R], list[RowError]]:
    """Checks every row; returns the valid records and every problem found, by line.

    ``people`` maps lower-cased e-mail to person id. ``duplicate`` is the message for a key seen
    on an earlier line, formatted with ``email``, ``day`` and the earlier ``line``.
    """
    records: list[R] = []
    errors: list[RowError] = []
    first_line: dict[Key, int] = {}
    for row in rows:
        problems: list[Problem] = []
        person_id = _person_of(row, people, problems)
        reading = read_row(row, person_id, problems)
        if person_id is not None and reading.day is not None:
            earlier = first_line.setdefault((person_id, reading.day), row.line)
            if earlier != row.line:
                message = duplicate.format(
                    email=row["email"].lower(), day=reading.day, line=earlier
                )
                problems.append(Problem("", message))
        errors += [RowError(row.line, problem.message) for problem in problems]
        if reading.record is not None and not problems:
            records.append(reading.record)
    return records, errors


def _person_of(row: CsvRow, people: Mapping[str, int], problems: list[Problem]) -> int | None:
    """The person id for the row's ``email`` (case-insensitive); else notes the problem."""
    email = row["email"].lower()
    person_id = people.get(email) if email else None
    if not email:
        problems.append(Problem("email", "email is empty"))
    elif person_id is None:
        message = f"unknown email {quoted(row['email'])}: no person has that e-mail"
        problems.append(Problem("email", message))
    return person_id


@dataclass(frozen=True)
class Upsert(Generic[R, M]):
    """How an import's records land on its stored rows, and what the audit log says of it."""

    entity: str
    """The audit log's name for the stored rows."""
    audit_fields: tuple[str, ...]
    """The stored row's fields the audit log records (the e-mail is added to them)."""
    key: Callable[[M], Key]
    new: Callable[[R], M]
    """A new, unsaved row for a record whose key is not stored yet."""
    same: Callable[[M, R], bool]
    """Whether the record would leave the stored row as it is."""
    write: Callable[[M, R], None]
    note: Callable[[M, R], str]
    """The audit row's note, given the row as written."""

    async def apply(self, records: Sequence[R], stored: Iterable[M], *, actor: str) -> ImportCounts:
        """Creates or updates a row for each record that changes something, each with an audit
        row by ``actor``; counts what it did. Run it inside the import's transaction."""
        by_key = {self.key(row): row for row in stored}
        created = updated = unchanged = 0
        for record in records:
            row = by_key.get(record.key)
            if row is not None and self.same(row, record):
                unchanged += 1
                continue
            before = None if row is None else self._audit_values(row, record)
            if row is None:
                row = self.new(record)
            self.write(row, record)
            await row.save()
            await record_change(
                actor=actor,
                entity=self.entity,
                entity_id=row.pk,
                action="create" if before is None else "update",
                before=before,
                after=self._audit_values(row, record),
                note=self.note(row, record),
            )
            if before is None:
                created += 1
            else:
                updated += 1
        return ImportCounts(created, updated, unchanged)

    def _audit_values(self, row: M, record: R) -> dict[str, object]:
        return audit_values(row, self.audit_fields, record.email)


def audit_values(row: Model, fields: Sequence[str], email: str) -> dict[str, object]:
    """What the audit log records of a stored row: ``fields`` and the person's e-mail."""
    return {**snapshot(row, fields), "email": email}


async def audit_saved(
    row: Model,
    before: dict[str, object] | None,
    *,
    entity: str,
    fields: Sequence[str],
    email: str,
    actor: str,
    note: str,
) -> None:
    """The audit row of a form's save: a creation when there was nothing ``before``."""
    await record_change(
        actor=actor,
        entity=entity,
        entity_id=row.pk,
        action="create" if before is None else "update",
        before=before,
        after=audit_values(row, fields, email),
        note=note,
    )


async def delete_audited(
    row: M, *, entity: str, fields: Sequence[str], email: str, actor: str, note: str
) -> M:
    """Deletes ``row`` and writes its audit row (inside the caller's transaction)."""
    before = audit_values(row, fields, email)
    entity_id = row.pk
    await row.delete()
    await record_change(
        actor=actor,
        entity=entity,
        entity_id=entity_id,
        action="delete",
        before=before,
        after=None,
        note=note,
    )
    return row
