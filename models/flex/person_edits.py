"""What HR's forms for a person's contracts and flex corrections share: a form names the stored
row it edits (or adds one), its fields are read as the CSV import reads a row, and the change is
saved in one transaction with its audit row.

The person's row is locked first (PostgreSQL), so two edits of one person's rows cannot both
pass the checks against that person's other rows; a save that still collides is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models.flex.csv_import import CsvRow, Problem
from models.flex.keyed_import import (
    EditRejected,
    KeyedRecord,
    ReadRow,
    audit_saved,
    audit_values,
    delete_audited,
)
from models.people import Person

#: A form is one row: its record's line is 1, so the overlap rule tells it from stored ones.
FORM_LINE = 1

Outcome = Literal["created", "updated", "unchanged"]
R = TypeVar("R", bound=KeyedRecord)
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Saved(Generic[M]):
    """What a form's save did, and the stored row as it now is."""

    outcome: Outcome
    row: M


async def lock_person(person_id: int) -> None:
    """Locks the person's row until the transaction ends (PostgreSQL; SQLite writes one at a
    time anyway): edits of one person's contracts or corrections then run one after the other.
    LookupError when the person is gone."""
    if await Person.select_for_update().filter(id=person_id).first() is None:
        raise LookupError(person_id)


@dataclass(frozen=True)
class PersonEdits(Generic[R, M]):
    """How a form's edits land on one kind of a person's stored rows, and what the audit log
    says of them."""

    model: type[M]
    fields: tuple[str, ...]
    """The form's fields: the import's columns but the e-mail."""
    read_row: ReadRow[R]
    """The import's reading of a row, which reads the form's fields."""
    conflicts: Callable[[R, str, Sequence[M]], list[Problem]]
    """(record, e-mail, the person's other stored rows) → what the record clashes with."""
    entity: str
    """The audit log's name for the stored rows."""
    audit_fields: tuple[str, ...]
    same: Callable[[M, R], bool]
    """Whether the record would leave the stored row as it is."""
    write: Callable[[M, R], None]
    note: Callable[[M], str]
    """The audit row's note, given the row as saved (or about to be deleted)."""
    changed_while_saving: str
    """The refusal when another edit of the same rows got in the way."""

    def check(
        self, values: Mapping[str, str], person_id: int, email: str, others: Sequence[M]
    ) -> tuple[R | None, list[Problem]]:
        """The record the form's ``values`` describe, or the problems found, field by field.

        ``others`` are the person's stored rows except the one being edited.
        """
        typed = {name: values.get(name, "").strip() for name in self.fields}
        row = CsvRow(FORM_LINE, {**typed, "email": email})
        problems: list[Problem] = []
        record = self.read_row(row, person_id, problems).record
        if record is None or problems:
            return None, problems
        problems = self.conflicts(record, email, others)
        return (None, problems) if problems else (record, [])

    async def save(
        self, person: Person, values: Mapping[str, str], *, actor: str, row_id: int | None
    ) -> Saved[M]:
        """Creates (``row_id`` None) or updates one of ``person``'s rows, with an audit row by
        ``actor``. Raises EditRejected (nothing saved) or LookupError (no such row)."""
        email = (person.email or "").lower()
        try:
            async with in_transaction():
                stored = await self._locked(person.id)
                row = _find(stored, row_id)
                others = [other for other in stored if other is not row]
                record, problems = self.check(values, person.id, email, others)
                if record is None:
                    raise EditRejected(problems)
                if row is not None and self.same(row, record):
                    return Saved("unchanged", row)
                before = None if row is None else audit_values(row, self.audit_fields, email)
                if row is None:
                    row = self.model(person_id=person.id)
                self.write(row, record)
                await row.save()
                await audit_saved(
                    row,
                    before,
                    entity=self.entity,
                    fields=self.audit_fields,
                    email=email,
                    actor=actor,
                    note=self.note(row),
                )
        except IntegrityError:
            raise EditRejected([Problem("", self.changed_while_saving)]) from None
        return Saved("created" if before is None else "updated", row)

    async def delete(self, person: Person, row_id: int, *, actor: str) -> M:
        """Deletes one of ``person``'s rows with an audit row; LookupError when there is none."""
        email = (person.email or "").lower()
        async with in_transaction():
            row = _find(await self._locked(person.id), row_id)
            assert row is not None
            return await delete_audited(
                row,
                entity=self.entity,
                fields=self.audit_fields,
                email=email,
                actor=actor,
                note=self.note(row),
            )

    async def _locked(self, person_id: int) -> list[M]:
        await lock_person(person_id)
        return list(await self.model.filter(person_id=person_id))


def _find(stored: Sequence[M], row_id: int | None) -> M | None:
    """The row being edited (None for a new one); LookupError when it is not stored."""
    if row_id is None:
        return None
    row = next((row for row in stored if row.pk == row_id), None)
    if row is None:
        raise LookupError(row_id)
    return row
