"""The audit log: who changed what, when, with the values before and after.

Every change to contracts, corrections, invoice checks and groups goes through
:func:`record_change`, whoever makes it (CSV import, web panel, Slack). Values are stored as
JSON-safe data: dates and times in ISO form, decimals as exact strings.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from models.bookkeeping import AuditLog

_ACTOR_MAX = 255
_ENTITY_MAX = 64
_ACTION_MAX = 16


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON data; the same value always gives the same JSON.

    Decimals become their shortest exact string (``Decimal("2.5000")`` → ``"2.5"``), so a value
    read back from the database compares equal to the one that was written.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        if value.is_finite():
            return "0" if value == 0 else format(value.normalize(), "f")
        return str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Enum):
        return json_safe(value.value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(item) for item in value]
    return str(value)


def snapshot(instance: object, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of ``instance`` as JSON-safe data (use ``person_id`` for a FK)."""
    return {name: json_safe(getattr(instance, name)) for name in fields}


async def record_change(
    *,
    actor: str,
    entity: str,
    entity_id: str | int,
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    note: str = "",
) -> None:
    """Writes one audit row. Runs inside the caller's transaction when there is one.

    ``action`` is a short verb such as ``create``, ``update``, ``delete`` or ``approve``;
    ``before`` is None for a creation and ``after`` None for a deletion.
    """
    if not actor:
        raise ValueError("an audit row needs an actor")
    if not action or len(action) > _ACTION_MAX:
        raise ValueError(f"audit action must be 1-{_ACTION_MAX} characters, got {action!r}")
    if not entity or len(entity) > _ENTITY_MAX:
        raise ValueError(f"audit entity must be 1-{_ENTITY_MAX} characters, got {entity!r}")
    await AuditLog.create(
        actor=actor[:_ACTOR_MAX],
        entity=entity,
        entity_id=str(entity_id)[:_ENTITY_MAX],
        action=action,
        before=None if before is None else json_safe(before),
        after=None if after is None else json_safe(after),
        note=note,
    )
