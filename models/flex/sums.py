"""Per-day flex sums, precomputed per person and month, so a saldo reads ~36 rows, not ~1,000.

docs/domain-rules.md rule 4 splits a day's counted hours (status other than Unsubmitted) into work,
leave, unpaid and overtime. Summing those from ``hour_entry`` on every `/flex-hours` costs a
row per entry; here each (person, month) keeps its days' sums packed in one text row, in
integer units of 1/10000 h (the ``hours`` column's scale, so exact on both databases), with
leave already split by each leave type's flex treatment.

Whoever changes ``hour_entry`` in bulk refreshes the months it touched in the same
transaction: the hours sync (changed days), submitting hours (status changes), and the leave
type sync (treatments). Single-row ORM saves and deletes refresh through model signals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from tortoise import connections, fields
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.models import Model
from tortoise.signals import post_delete, post_save
from tortoise.transactions import in_transaction

from models.flex.saldo import DayHours
from models.hours import HourEntry, HourStatus
from models.projects import LeaveType

if TYPE_CHECKING:
    from models.people import Person

#: How leave types count when no LeaveType row names them (docs/domain-rules.md rule 4 defaults).
DEFAULT_TREATMENTS = {"flex time leave": "flex", "unpaid leave": "unpaid"}
_SLOT_OF_TREATMENT = {"leave": 1, "unpaid": 2}  # "flex" consumes flex: not counted
#: PostgreSQL advisory lock serialising refreshes of the sums (an arbitrary, fixed number).
REFRESH_LOCK_KEY = 0x666C6578

_SUMS_SQL = """
SELECT person_id, date, leave_type,
       CASE WHEN leave_type = '' AND LOWER(phase_name) LIKE '%overtime%' THEN 1 ELSE 0 END
           AS is_overtime,
       SUM(CAST(ROUND(hours * 10000) AS BIGINT)) AS units
FROM hour_entry
WHERE status <> {status} AND date >= {first} AND date <= {last}{people}
GROUP BY person_id, date, leave_type,
         CASE WHEN leave_type = '' AND LOWER(phase_name) LIKE '%overtime%' THEN 1 ELSE 0 END
"""


class FlexMonthSums(Model):
    """One person's counted hours of one month, per day, packed (see this module's docstring)."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "financebot.Person", related_name="flex_month_sums", on_delete=fields.CASCADE
    )
    month = fields.DateField()
    # "DAY:WORK:LEAVE:UNPAID:OVERTIME" per day with counted entries, space-separated, in units.
    days = fields.TextField()

    class Meta:
        table = "flex_month_sums"
        unique_together = (("person", "month"),)


def leave_treatment(name: str, configured: dict[str, str]) -> str:
    """ "leave", "unpaid" or "flex" for a leave type name: its LeaveType row, else the default."""
    if name in configured:
        return configured[name]
    folded = name.strip().lower()
    for key, treatment in configured.items():
        if key.strip().lower() == folded:
            return treatment
    return DEFAULT_TREATMENTS.get(folded, "leave")


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def pack_days(days: dict[int, list[int]]) -> str:
    return " ".join(
        f"{day}:{s[0]}:{s[1]}:{s[2]}:{s[3]}" for day, s in sorted(days.items(), key=lambda i: i[0])
    )


def _is_postgres(conn: Any) -> bool:
    return "sqlite" not in type(conn).__module__


async def refresh_flex_sums(
    months: Iterable[dt.date],
    person_ids: Sequence[int] | None = None,
    conn: BaseDBAsyncClient | None = None,
) -> None:
    """Recompute the sums of ``months`` (any day in them) for ``person_ids`` (None = everyone).

    Run it inside the transaction that changed the hours, passing its connection.
    """
    conn = conn or connections.get("default")
    targets = sorted({month_of(m) for m in months})
    if not targets or (person_ids is not None and not person_ids):
        return
    if not isinstance(conn, TransactionalDBClient):
        # Delete and re-insert must be one unit (and the lock below needs a transaction).
        async with in_transaction() as transaction:
            await refresh_flex_sums(targets, person_ids, transaction)
        return
    postgres = _is_postgres(conn)
    if postgres:
        # Two transactions refreshing one month would each delete the rows they see and insert
        # their own (duplicate key), or write a sum read before the other committed. Held until
        # the caller's transaction ends. (SQLite serialises writers by itself.)
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [REFRESH_LOCK_KEY])
    treatments = {lt.name: lt.flex_treatment for lt in await LeaveType.all().using_db(conn)}
    slot_of_leave: dict[str, int | None] = {}
    for month in targets:
        last = month_end(month)
        values: list[Any]
        if postgres:
            values = [HourStatus.UNSUBMITTED.value, month, last]
            people = " AND person_id = ANY($4::int[])" if person_ids is not None else ""
            sql = _SUMS_SQL.format(status="$1", first="$2", last="$3", people=people)
        else:
            values = [HourStatus.UNSUBMITTED.value, month.isoformat(), last.isoformat()]
            people = ""
            if person_ids is not None:
                people = " AND person_id IN (" + ",".join("?" * len(person_ids)) + ")"
            sql = _SUMS_SQL.format(status="?", first="?", last="?", people=people)
        if person_ids is not None:
            values.extend([list(person_ids)] if postgres else list(person_ids))
        _, rows = await conn.execute_query(sql, values)

        sums: dict[int, dict[int, list[int]]] = {}
        for row in rows:
            person_id, raw_day, leave_type, is_overtime, units = (
                row["person_id"],
                row["date"],
                row["leave_type"],
                row["is_overtime"],
                int(row["units"]),
            )
            day = raw_day.day if isinstance(raw_day, dt.date) else int(str(raw_day)[8:10])
            slot: int | None
            if leave_type:
                if leave_type not in slot_of_leave:
                    treatment = leave_treatment(leave_type, treatments)
                    slot_of_leave[leave_type] = _SLOT_OF_TREATMENT.get(treatment)
                slot = slot_of_leave[leave_type]
            else:
                slot = 3 if is_overtime else 0
            day_sums = sums.setdefault(person_id, {}).setdefault(day, [0, 0, 0, 0])
            if slot is not None:
                day_sums[slot] += units

        stale = FlexMonthSums.filter(month=month).using_db(conn)
        if person_ids is not None:
            stale = stale.filter(person_id__in=list(person_ids))
        await stale.delete()
        if sums:
            await FlexMonthSums.bulk_create(
                [
                    FlexMonthSums(person_id=person_id, month=month, days=pack_days(days))
                    for person_id, days in sums.items()
                ],
                using_db=conn,
            )


async def rebuild_all_flex_sums(conn: BaseDBAsyncClient | None = None) -> None:
    """Recompute every month (after leave type treatments changed), as one unit."""
    conn = conn or connections.get("default")
    if not isinstance(conn, TransactionalDBClient):
        async with in_transaction() as transaction:
            await rebuild_all_flex_sums(transaction)
        return
    await FlexMonthSums.all().using_db(conn).delete()
    dates = await HourEntry.all().using_db(conn).distinct().values_list("date", flat=True)
    await refresh_flex_sums({month_of(_as_date(d)) for d in dates}, None, conn)  # type: ignore[arg-type]


@lru_cache(maxsize=65536)
def hours_of_units(units: int) -> Decimal:
    return Decimal(units).scaleb(-4) if units else Decimal(0)


@lru_cache(maxsize=8192)
def unpack_days(month: dt.date, packed: str) -> tuple[DayHours, ...]:
    """The days of one packed month.

    Cached by content: the same text always means the same days, so the cache cannot go stale
    (DayHours is immutable, so sharing the objects is safe).
    """
    result = []
    for item in packed.split():
        day, work, leave, unpaid, overtime = item.split(":")
        result.append(
            DayHours(
                month.replace(day=int(day)),
                hours_of_units(int(work)),
                hours_of_units(int(leave)),
                hours_of_units(int(unpaid)),
                hours_of_units(int(overtime)),
            )
        )
    return tuple(result)


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


@post_save(HourEntry)
async def _entry_saved(
    sender: type[HourEntry],
    instance: HourEntry,
    created: bool,
    using_db: BaseDBAsyncClient | None,
    update_fields: list[str],
) -> None:
    person_id: int = instance.person_id  # type: ignore[attr-defined]
    await refresh_flex_sums([_as_date(instance.date)], [person_id], using_db)


@post_delete(HourEntry)
async def _entry_deleted(
    sender: type[HourEntry], instance: HourEntry, using_db: BaseDBAsyncClient | None
) -> None:
    person_id: int = instance.person_id  # type: ignore[attr-defined]
    await refresh_flex_sums([_as_date(instance.date)], [person_id], using_db)


@post_save(LeaveType)
async def _leave_type_saved(
    sender: type[LeaveType],
    instance: LeaveType,
    created: bool,
    using_db: BaseDBAsyncClient | None,
    update_fields: list[str],
) -> None:
    """An admin's change of a leave type's flex treatment recounts everyone's leave.

    The leave type sync saves names and descriptions only (it recounts once by itself)."""
    if not created and (not update_fields or "flex_treatment" in update_fields):
        await rebuild_all_flex_sums(using_db)
