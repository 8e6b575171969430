"""Per-day flex sums, precomputed per person and month, so a saldo reads ~36 rows, not ~1,000.

docs/domain-rules.md rule 4 splits a day's counted hours (status other than Unsubmitted) into work,
leave, unpaid and overtime. Summing those from ``hour_entry`` on every `/flex-hours` costs a
row per entry; here each (person, month) keeps its days' sums packed in one text row, in
integer units of 1/10000 h (the ``hours`` column's scale, so exact on both databases), with
leave already split by each leave type's flex treatment.

Whoever changes ``hour_entry`` in bulk refreshes the months it touched in the same
transaction: the hours sync (changed days; loading an empty table, it folds the rows it inserts
with ``MonthSums`` instead of reading them back), submitting hours (status changes), and the
leave type sync (treatments). Single-row ORM saves and deletes refresh through model signals.
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
#: Names as written, as the older system compared them.
DEFAULT_TREATMENTS = {"Flex time Leave": "flex", "Unpaid leave": "unpaid"}
_SLOT_OF_TREATMENT = {"leave": 1, "unpaid": 2}  # "flex" consumes flex: not counted
#: PostgreSQL advisory lock serialising refreshes of the sums (an arbitrary, fixed number).
REFRESH_LOCK_KEY = 0x666C6578

# Per person, day and leave type (mostly one group per person and day): the counted units,
# and of them those on an overtime phase (which only work entries have).
_SUMS_SQL = """
SELECT person_id, date, leave_type,
       SUM(CAST(ROUND(hours * 10000) AS BIGINT)) AS units,
       SUM(CASE WHEN LOWER(phase_name) LIKE '%overtime%'
                THEN CAST(ROUND(hours * 10000) AS BIGINT) ELSE 0 END) AS overtime
FROM hour_entry
WHERE status <> {status} AND date >= {first} AND date <= {last}{people}
GROUP BY person_id, date, leave_type
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
    """ "leave", "unpaid" or "flex" for a leave type name: its LeaveType row, else the default.

    Names are compared as written (rule 4 names the types exactly, and the older system
    matched them so): a type named "unpaid LEAVE" is another type, counted as leave unless
    an admin configures it otherwise."""
    if name in configured:
        return configured[name]
    return DEFAULT_TREATMENTS.get(name, "leave")


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


class MonthSums:
    """Counted hours folded into per-day slots, per person and month, as FlexMonthSums keeps
    them. ``refresh_flex_sums`` feeds it the groups its query sums; the hours sync, loading
    an empty table, feeds it the rows it inserts (``add_rows``), the same rules in Python."""

    def __init__(self, treatments: dict[str, str]) -> None:
        self._treatments = treatments
        self._slot_of_leave: dict[str, int | None] = {}
        # (person, month) → day of month → [work, leave, unpaid, overtime]
        self._sums: dict[tuple[int, dt.date], dict[int, list[int]]] = {}
        self._places: dict[Any, tuple[dt.date, int]] = {}  # a date value → (month, day)
        self._units: dict[str, int] = {}  # hours text → units
        self._overtime: dict[str, bool] = {}  # phase name → is it an overtime phase

    def add(self, person_id: int, day: Any, leave_type: str, units: int, overtime: int) -> None:
        """One group: a person's ``units`` on ``day`` (a date, or its ISO text) of one leave
        type ("" for work), ``overtime`` of them on overtime phases."""
        place = self._places.get(day)
        if place is None:
            as_date = _as_date(day)
            place = self._places[day] = (as_date.replace(day=1), as_date.day)
        key = (person_id, place[0])
        days = self._sums.get(key)
        if days is None:
            days = self._sums[key] = {}
        day_sums = days.get(place[1])
        if day_sums is None:
            day_sums = days[place[1]] = [0, 0, 0, 0]
        if not leave_type:
            day_sums[0] += units - overtime
            day_sums[3] += overtime
            return
        slot = self._slot_of_leave.get(leave_type, -1)
        if slot == -1:
            treatment = leave_treatment(leave_type, self._treatments)
            slot = self._slot_of_leave[leave_type] = _SLOT_OF_TREATMENT.get(treatment)
        if slot is not None:
            day_sums[slot] += units

    def add_rows(self, rows: Iterable[Sequence[Any]], columns: Sequence[str]) -> None:
        """``hour_entry`` rows given as sequences in ``columns`` order: what ``_SUMS_SQL``
        counts (status other than Unsubmitted, hours in units of 1/10000, overtime phases)."""
        person = columns.index("person_id")
        day = columns.index("date")
        leave = columns.index("leave_type")
        phase = columns.index("phase_name")
        hours = columns.index("hours")
        status = columns.index("status")
        unsubmitted = HourStatus.UNSUBMITTED.value
        units_of, overtime_of, places, sums = self._units, self._overtime, self._places, self._sums
        for row in rows:  # add(), inlined: this runs for every row of a first load
            if row[status] == unsubmitted:
                continue
            text = str(row[hours])
            units = units_of.get(text)
            if units is None:
                units = units_of[text] = round(Decimal(text) * 10000)
            leave_type = row[leave]
            if leave_type:
                self.add(row[person], row[day], leave_type, units, 0)
                continue
            name = row[phase]
            is_overtime = overtime_of.get(name)
            if is_overtime is None:
                is_overtime = overtime_of[name] = "overtime" in name.lower()
            place = places.get(row[day])
            if place is None:
                as_date = _as_date(row[day])
                place = places[row[day]] = (as_date.replace(day=1), as_date.day)
            key = (row[person], place[0])
            person_days = sums.get(key)
            if person_days is None:
                person_days = sums[key] = {}
            day_sums = person_days.get(place[1])
            if day_sums is None:
                day_sums = person_days[place[1]] = [0, 0, 0, 0]
            day_sums[3 if is_overtime else 0] += units

    def merge(self, other: MonthSums) -> None:
        """Add what ``other`` folded (with the same treatments), taking over its lists."""
        sums = self._sums
        for key, days in other._sums.items():
            mine = sums.get(key)
            if mine is None:
                sums[key] = days
                continue
            for day, day_sums in days.items():
                have = mine.get(day)
                if have is None:
                    mine[day] = day_sums
                else:
                    for slot, units in enumerate(day_sums):
                        have[slot] += units

    def packed(self, postgres: bool) -> list[list[Any]]:
        """(person id, month, packed days) rows, the month as the database takes it."""
        return [
            [person_id, month if postgres else month.isoformat(), pack_days(days)]
            for (person_id, month), days in self._sums.items()
        ]


async def leave_treatments(conn: BaseDBAsyncClient) -> dict[str, str]:
    """Leave type name → flex treatment, as configured."""
    return {lt.name: lt.flex_treatment for lt in await LeaveType.all().using_db(conn)}


async def store_month_sums(
    months: Iterable[dt.date],
    rows: list[list[Any]],
    conn: BaseDBAsyncClient,
    person_ids: Sequence[int] | None = None,
) -> None:
    """Replace the stored sums of ``months`` (first days; of ``person_ids``, None = everyone)
    with ``rows`` (``MonthSums.packed``), which must hold everything counted in them."""
    stale = FlexMonthSums.filter(month__in=list(months)).using_db(conn)
    if person_ids is not None:
        stale = stale.filter(person_id__in=list(person_ids))
    await stale.delete()
    postgres = _is_postgres(conn)
    if rows:
        await conn.execute_many(_INSERT_SQL_PG if postgres else _INSERT_SQL_SQLITE, rows)


async def lock_month_sums(conn: BaseDBAsyncClient) -> None:
    """On PostgreSQL, serialise refreshes of the sums until ``conn``'s transaction ends: two
    transactions refreshing one month would each delete the rows they see and insert their
    own (duplicate key), or write a sum read before the other committed. (SQLite serialises
    writers by itself.)"""
    if _is_postgres(conn):
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [REFRESH_LOCK_KEY])


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
    await lock_month_sums(conn)
    treatments = await leave_treatments(conn)
    # One query per run of up to MONTHS_PER_QUERY consecutive months: fewer round trips than
    # one per month, and a bounded number of rows in memory.
    for first_month, last_month in _month_runs(targets):
        last = month_end(last_month)
        values: list[Any]
        if postgres:
            values = [HourStatus.UNSUBMITTED.value, first_month, last]
            people = " AND person_id = ANY($4::int[])" if person_ids is not None else ""
            sql = _SUMS_SQL.format(status="$1", first="$2", last="$3", people=people)
        else:
            values = [HourStatus.UNSUBMITTED.value, first_month.isoformat(), last.isoformat()]
            people = ""
            if person_ids is not None:
                people = " AND person_id IN (" + ",".join("?" * len(person_ids)) + ")"
            sql = _SUMS_SQL.format(status="?", first="?", last="?", people=people)
        if person_ids is not None:
            values.extend([list(person_ids)] if postgres else list(person_ids))
        _, rows = await conn.execute_query(sql, values)
        sums = MonthSums(treatments)
        for person_id, day, leave_type, units, overtime in rows:  # _SUMS_SQL's columns
            sums.add(person_id, day, leave_type, int(units), int(overtime))
        run_months = [m for m in targets if first_month <= m <= last_month]
        await store_month_sums(run_months, sums.packed(postgres), conn, person_ids)


_INSERT_SQL_SQLITE = 'INSERT INTO "flex_month_sums" ("person_id", "month", "days") VALUES (?, ?, ?)'
_INSERT_SQL_PG = 'INSERT INTO "flex_month_sums" ("person_id", "month", "days") VALUES ($1, $2, $3)'


MONTHS_PER_QUERY = 4


def _month_runs(months: Sequence[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted first-of-month dates grouped into runs of at most ``MONTHS_PER_QUERY``
    consecutive months."""
    runs: list[tuple[dt.date, dt.date]] = []
    for month in months:
        if (
            runs
            and month_end(runs[-1][1]) + dt.timedelta(days=1) == month
            and (month.year - runs[-1][0].year) * 12 + month.month - runs[-1][0].month
            < MONTHS_PER_QUERY
        ):
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return runs


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
