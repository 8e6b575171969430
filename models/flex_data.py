"""Loading flex saldo inputs from the database in a constant number of queries.

One person or the whole company costs the same five queries: contracts, corrections (≤ L),
public holidays (≤ L), leave types, and the hour entries summed per person, day and category
in SQL (GROUP BY), so no entry row crosses the wire. Hours are summed as integer units of
1/10000 h (the column's scale): exact on PostgreSQL and on SQLite, which keeps decimals as text
and would otherwise sum them as floats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from tortoise import connections

from bot.settings import Settings
from models.contracts import FlexCorrection, WorkContract
from models.flex_saldo import (
    ZERO,
    Contract,
    Correction,
    DayHours,
    FlexInput,
    FlexResult,
    compute_flex,
)
from models.hours import HourStatus, PublicHoliday
from models.people import Person
from models.projects import LeaveType

#: How leave types count when no LeaveType row names them (DESIGN.md rule 4 defaults).
DEFAULT_TREATMENTS = {"flex time leave": "flex", "unpaid leave": "unpaid"}
#: Above this many people the loader reads everyone's rows instead of an IN list.
MAX_FILTERED_PEOPLE = 2000
#: Where each treatment's hours go in a day's [work, leave, unpaid, overtime]; flex: nowhere.
_LEAVE_SLOTS: dict[str, int | None] = {"work": 0, "leave": 1, "unpaid": 2, "flex": None}

_HOURS_SQL = """
SELECT person_id, date, leave_type,
       CASE WHEN leave_type = '' AND LOWER(phase_name) LIKE '%overtime%' THEN 1 ELSE 0 END
           AS is_overtime,
       CAST(SUM(CAST(ROUND(hours * 10000) AS BIGINT)) AS BIGINT) AS units
FROM hour_entry
WHERE status <> {status} AND date <= {as_of}{people}
GROUP BY person_id, date, leave_type,
         CASE WHEN leave_type = '' AND LOWER(phase_name) LIKE '%overtime%' THEN 1 ELSE 0 END
"""


def leave_treatment(name: str, configured: dict[str, str]) -> str:
    """ "leave", "unpaid" or "flex" for a leave type name: its LeaveType row, else the default."""
    if name in configured:
        return configured[name]
    folded = name.strip().lower()
    for key, treatment in configured.items():
        if key.strip().lower() == folded:
            return treatment
    return DEFAULT_TREATMENTS.get(folded, "leave")


def _is_sqlite(conn: Any) -> bool:
    return "sqlite" in type(conn).__module__


def _hours_query(
    person_ids: Sequence[int] | None, as_of: dt.date, sqlite: bool
) -> tuple[str, list]:
    if sqlite:
        values: list[Any] = [HourStatus.UNSUBMITTED.value, as_of.isoformat()]
        people = ""
        if person_ids is not None:
            people = " AND person_id IN (" + ",".join("?" * len(person_ids)) + ")"
            values.extend(person_ids)
        sql = _HOURS_SQL.format(status="?", as_of="?", people=people)
    else:
        values = [HourStatus.UNSUBMITTED.value, as_of]
        people = ""
        if person_ids is not None:
            people = " AND person_id = ANY($3::int[])"
            values.append(list(person_ids))
        sql = _HOURS_SQL.format(status="$1", as_of="$2", people=people)
    return sql, values


async def _load_days(
    person_ids: Sequence[int] | None, as_of: dt.date
) -> dict[int, dict[dt.date, DayHours]]:
    treatments = {lt.name: lt.flex_treatment for lt in await LeaveType.all()}
    conn = connections.get("default")
    sqlite = _is_sqlite(conn)
    sql, values = _hours_query(person_ids, as_of, sqlite)
    _, rows = await conn.execute_query(sql, values)

    # per person: day -> [work, leave, unpaid, overtime] in units of 1/10000 h
    sums: dict[int, dict[dt.date, list[int]]] = {}
    parsed_dates: dict[Any, dt.date] = {}
    slot_of_leave: dict[str, int | None] = {"": 0}
    for person_id, day_raw, leave_type, is_overtime, units in rows:
        day = parsed_dates.get(day_raw)
        if day is None:
            day = dt.date.fromisoformat(day_raw) if isinstance(day_raw, str) else day_raw
            parsed_dates[day_raw] = day
        slot = slot_of_leave.get(leave_type, -1)
        if slot == -1:
            slot = _LEAVE_SLOTS.get(leave_treatment(leave_type, treatments), 1)
            slot_of_leave[leave_type] = slot
        if slot == 0 and is_overtime:
            slot = 3
        per_day = sums.get(person_id)
        if per_day is None:
            per_day = sums[person_id] = {}
        day_sums = per_day.get(day)
        if day_sums is None:
            day_sums = per_day[day] = [0, 0, 0, 0]
        if slot is not None:
            day_sums[slot] += units

    decimals: dict[int, Decimal] = {0: ZERO}

    def hours(units: int) -> Decimal:
        value = decimals.get(units)
        if value is None:
            value = decimals[units] = Decimal(units).scaleb(-4)
        return value

    return {
        person_id: {
            day: DayHours(day, hours(w), hours(lv), hours(u), hours(o))
            for day, (w, lv, u, o) in per_day.items()
        }
        for person_id, per_day in sums.items()
    }


async def load_flex_inputs(
    person_ids: Sequence[int] | None, as_of: dt.date
) -> dict[int, FlexInput]:
    """Every input of rules 1–7 for the given people (None = everyone) as of L, in 5 queries.

    People without any row still get an (empty) FlexInput when named in ``person_ids``; for a
    long list everyone's rows are read (no huge IN lists) and the others dropped.
    """
    if person_ids is not None and not person_ids:
        return {}
    wanted = None if person_ids is None else set(person_ids)
    filter_ids = None if wanted is None or len(wanted) > MAX_FILTERED_PEOPLE else sorted(wanted)
    contract_q = WorkContract.all()
    correction_q = FlexCorrection.filter(date__lte=as_of)
    if filter_ids is not None:
        contract_q = contract_q.filter(person_id__in=filter_ids)
        correction_q = correction_q.filter(person_id__in=filter_ids)
    contract_rows = await contract_q.values_list(
        "person_id", "start_date", "end_date", "worktime_percent", "flex_enabled"
    )
    correction_rows = await correction_q.values_list("person_id", "date", "adjust_by", "set_to")
    holiday_rows = await PublicHoliday.filter(date__lte=as_of).values_list("date", flat=True)
    holidays: frozenset[dt.date] = frozenset(holiday_rows)  # type: ignore[arg-type]
    days = await _load_days(filter_ids, as_of)

    contracts: dict[int, list[Contract]] = {}
    for person_id, start, end, percent, flex_enabled in contract_rows:
        contracts.setdefault(person_id, []).append(
            Contract(start, end, int(percent), bool(flex_enabled))
        )
    corrections: dict[int, list[Correction]] = {}
    for person_id, day, adjust_by, set_to in correction_rows:
        corrections.setdefault(person_id, []).append(Correction(day, adjust_by, set_to))

    everyone = wanted if wanted is not None else set(contracts) | set(corrections) | set(days)
    return {
        person_id: FlexInput(
            contracts=contracts.get(person_id, []),
            corrections=corrections.get(person_id, []),
            days=days.get(person_id, {}),
            holidays=holidays,
        )
        for person_id in everyone
    }


async def flex_for_person(person: Person, as_of: dt.date, settings: Settings) -> FlexResult:
    """One person's flex saldo with the daily log (5 queries)."""
    inputs = await load_flex_inputs([person.id], as_of)
    return compute_flex(inputs[person.id], as_of, settings.workday_hours)


async def flex_for_all(as_of: dt.date, settings: Settings) -> list[tuple[Person, FlexResult]]:
    """Every non-archived person with an e-mail, in one batch (6 queries), without daily logs.

    Ordered by name; callers sort by saldo as they need.
    """
    people = await Person.filter(archived=False, email__isnull=False).exclude(email="")
    inputs = await load_flex_inputs([p.id for p in people], as_of)
    return [
        (person, compute_flex(inputs[person.id], as_of, settings.workday_hours, with_days=False))
        for person in people
    ]
