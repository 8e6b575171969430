"""The audit log: JSON-safe before/after values, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from tortoise.transactions import in_transaction

from models import AuditLog, InvoiceState, Person
from models.audit import json_safe, record_change, snapshot


def test_json_safe_values() -> None:
    ident = uuid.uuid4()
    value = {
        "day": dt.date(2024, 2, 29),
        "at": dt.datetime(2024, 2, 29, 12, 30, tzinfo=dt.UTC),
        "hours": Decimal("7.5000"),
        "zero": Decimal("-0.00"),
        "big": Decimal("1E+2"),
        "state": InvoiceState.APPROVED,
        "id": ident,
        "items": (1, Decimal("2.10"), None, True),
        "nan": float("nan"),
        3: "key made a string",
    }
    assert json_safe(value) == {
        "day": "2024-02-29",
        "at": "2024-02-29T12:30:00+00:00",
        "hours": "7.5",
        "zero": "0",
        "big": "100",
        "state": "Approved",
        "id": str(ident),
        "items": [1, "2.1", None, True],
        "nan": "nan",
        "3": "key made a string",
    }


async def test_snapshot_and_record_change(db: str) -> None:
    person = await Person.create(
        tenkfeet_id=1, guid="g-1", first_name="Ada", hire_date="2020-01-02"
    )
    before = snapshot(person, ("first_name", "hire_date", "archived"))
    assert before == {"first_name": "Ada", "hire_date": "2020-01-02", "archived": False}

    await record_change(
        actor="U123",
        entity="person",
        entity_id=person.id,
        action="update",
        before=before,
        after={**before, "archived": True},
        note="left the company",
    )

    row = await AuditLog.get()
    assert (row.actor, row.entity, row.entity_id, row.action, row.note) == (
        "U123",
        "person",
        str(person.id),
        "update",
        "left the company",
    )
    assert row.before == before
    assert row.after == {**before, "archived": True}
    assert row.created_at is not None


async def test_a_rolled_back_change_leaves_no_audit_row(db: str) -> None:
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await record_change(
                actor="web:alice",
                entity="group",
                entity_id="finance",
                action="create",
                before=None,
                after={"name": "finance"},
            )
            raise RuntimeError("the change itself failed")
    assert await AuditLog.all().count() == 0


@pytest.mark.parametrize(
    ("actor", "entity", "action"),
    [("", "group", "create"), ("me", "", "create"), ("me", "group", ""), ("me", "g", "x" * 17)],
)
async def test_an_incomplete_audit_row_is_refused(actor: str, entity: str, action: str) -> None:
    with pytest.raises(ValueError):
        await record_change(
            actor=actor, entity=entity, entity_id=1, action=action, before=None, after=None
        )
