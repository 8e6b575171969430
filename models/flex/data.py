"""Loading flex saldo inputs from the database in a constant number of queries.

One person or the whole company costs the same four queries: contracts, corrections (≤ L),
public holidays (≤ L), and the per-day sums precomputed per person and month
(``models.flex.sums``): about 36 rows for three years of one person instead of a row per
entry, parsed once per distinct month text and then served from an in-process cache.

This is the hot path of `/flex-hours` (answered within a few milliseconds), so the four reads
are plain SQL issued together (on PostgreSQL, for a few people, as one statement): building
Tortoise querysets and parsing their dates cost more than the reads themselves. Reading and
turning rows into inputs are separate steps (:func:`read_flex_rows`,
:func:`flex_inputs_from_rows`) so that a company-wide run can read on the event loop and parse
and compute in a worker process (``models.flex.company``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tortoise import connections

from core.settings import Settings
from models.flex.saldo import Contract, Correction, DayHours, FlexInput, FlexResult, compute_flex
from models.flex.sums import leave_treatment, unpack_days
from models.people import Person

__all__ = [
    "FlexRows",
    "flex_for_all",
    "flex_for_person",
    "flex_inputs_from_rows",
    "leave_treatment",
    "load_flex_inputs",
    "read_flex_rows",
    "read_flex_sums",
]

#: Above this many people, everyone's rows are read and the rest dropped (no huge IN lists).
MAX_FILTERED_PEOPLE = 2000

_CONTRACTS = (
    "SELECT person_id, start_date, end_date, worktime_percent, flex_enabled FROM work_contract"
)
_CORRECTIONS = (
    "SELECT person_id, date, adjust_by, set_to FROM flex_correction WHERE date <= {as_of}"
)
_HOLIDAYS = "SELECT date FROM public_holiday WHERE date <= {as_of}"
_SUMS = "SELECT person_id, month, days FROM flex_month_sums WHERE month <= {as_of}"
_ALL_AT_ONCE = """SELECT
 (SELECT json_agg(json_build_array(person_id, start_date, end_date, worktime_percent,
  flex_enabled)) FROM work_contract WHERE person_id = ANY($2::int[])),
 (SELECT json_agg(json_build_array(person_id, date, adjust_by, set_to)) FROM flex_correction
  WHERE date <= $1 AND person_id = ANY($2::int[])),
 (SELECT json_agg(json_build_array(date)) FROM public_holiday WHERE date <= $1),
 (SELECT json_agg(json_build_array(person_id, month, days)) FROM flex_month_sums
  WHERE month <= $1 AND person_id = ANY($2::int[]))"""
"""The four reads above for a few people in one PostgreSQL round trip, each as a JSON array
of rows in the same column order: `/flex-hours` made four queries (and took four pool
connections) per answer, a third of its CPU at 200 answers a second (benchmarks/load.py)."""


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _as_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


async def _select(
    conn: Any, sql: str, as_of: dt.date | None, filter_ids: Sequence[int] | None
) -> list[Any]:
    """Runs one of the reads above with the dialect's placeholders; rows index by position."""
    postgres = _is_postgres(conn)
    values: list[Any] = []
    if as_of is not None:
        values.append(as_of if postgres else as_of.isoformat())
        sql = sql.format(as_of="$1" if postgres else "?")
    if filter_ids is not None:
        joiner = " AND " if " WHERE " in sql else " WHERE "
        if postgres:
            values.append(list(filter_ids))
            sql += f"{joiner}person_id = ANY(${len(values)}::int[])"
        else:
            values.extend(filter_ids)
            sql += f"{joiner}person_id IN ({','.join('?' * len(filter_ids))})"
    _, rows = await conn.execute_query(sql, values)
    return list(rows)


def _days_by_person(rows: list[Any], as_of: dt.date) -> dict[int, dict[dt.date, DayHours]]:
    result: dict[int, dict[dt.date, DayHours]] = {}
    for row in rows:
        per_day = result.setdefault(row[0], {})
        for hours in unpack_days(_as_date(row[1]), row[2]):
            if hours.date <= as_of:
                per_day[hours.date] = hours
    return result


@dataclass(frozen=True)
class FlexRows:
    """The four reads behind flex saldos as plain tuples, in the column order of the SQL above.

    Plain tuples (not the drivers' row objects) so the rows can be handed to a worker
    process: the company-wide computation parses and computes them away from the event loop.
    """

    contracts: list[tuple[Any, ...]]
    corrections: list[tuple[Any, ...]]
    holidays: list[tuple[Any, ...]]
    sums: list[tuple[Any, ...]]


async def read_flex_rows(
    person_ids: Sequence[int] | None, as_of: dt.date, *, with_sums: bool = True
) -> FlexRows:
    """The rows for the given people (None = everyone) as of L, in 4 queries (3 without the
    packed sums: a company-wide read takes those a slice of people at a time, with
    :func:`read_flex_sums`)."""
    wanted = None if person_ids is None else sorted(set(person_ids))
    if wanted is not None and not wanted:
        return FlexRows([], [], [], [])
    filter_ids = None if wanted is None or len(wanted) > MAX_FILTERED_PEOPLE else wanted
    conn = connections.get("default")
    if filter_ids is not None and with_sums and _is_postgres(conn):
        return await _read_at_once(conn, filter_ids, as_of)
    contract_rows, correction_rows, holiday_rows, sum_rows = await asyncio.gather(
        _select(conn, _CONTRACTS, None, filter_ids),
        _select(conn, _CORRECTIONS, as_of, filter_ids),
        _select(conn, _HOLIDAYS, as_of, None),
        _select(conn, _SUMS, as_of, filter_ids) if with_sums else _nothing(),
    )
    return FlexRows(
        contracts=[tuple(row) for row in contract_rows],
        corrections=[tuple(row) for row in correction_rows],
        holidays=[tuple(row) for row in holiday_rows],
        sums=[tuple(row) for row in sum_rows],
    )


async def _nothing() -> list[Any]:
    return []


def _is_postgres(conn: Any) -> bool:
    return "sqlite" not in type(conn).__module__


async def _read_at_once(conn: Any, person_ids: Sequence[int], as_of: dt.date) -> FlexRows:
    """:data:`_ALL_AT_ONCE`: the rows of :func:`read_flex_rows`, from one snapshot too."""
    _, rows = await conn.execute_query(_ALL_AT_ONCE, [as_of, list(person_ids)])

    def parsed(text: str | None, *date_columns: int) -> list[tuple[Any, ...]]:
        """JSON rows as the driver gives rows: dates as dates, numbers as Decimal."""
        found = []
        for row in json.loads(text, parse_float=Decimal) if text else []:
            for column in date_columns:
                if row[column] is not None:
                    row[column] = dt.date.fromisoformat(row[column])
            found.append(tuple(row))
        return found

    contracts, corrections, holidays, sums = rows[0]
    return FlexRows(
        contracts=parsed(contracts, 1, 2),
        corrections=parsed(corrections, 1),
        holidays=parsed(holidays, 0),
        sums=parsed(sums, 1),
    )


async def read_flex_sums(person_ids: Sequence[int], as_of: dt.date) -> list[tuple[Any, ...]]:
    """The packed sums (person id, month, days) of a few people as of L, in one query."""
    if not person_ids:
        return []
    rows = await _select(connections.get("default"), _SUMS, as_of, sorted(person_ids))
    return [tuple(row) for row in rows]


def flex_inputs_from_rows(
    rows: FlexRows, person_ids: Sequence[int] | None, as_of: dt.date
) -> dict[int, FlexInput]:
    """Every input of rules 1–7 per person from :func:`read_flex_rows`' rows (pure).

    People without any row still get an (empty) FlexInput when named in ``person_ids``; rows
    of other people are dropped.
    """
    wanted = None if person_ids is None else set(person_ids)
    holidays = frozenset(_as_date(row[0]) for row in rows.holidays)
    days = _days_by_person(rows.sums, as_of)

    contracts: dict[int, list[Contract]] = {}
    for person_id, start, end, percent, flex_enabled in rows.contracts:
        contracts.setdefault(person_id, []).append(
            Contract(
                _as_date(start),
                None if end is None else _as_date(end),
                int(percent),
                bool(flex_enabled),
            )
        )
    corrections: dict[int, list[Correction]] = {}
    for person_id, day, adjust_by, set_to in rows.corrections:
        corrections.setdefault(person_id, []).append(
            Correction(_as_date(day), _as_decimal(adjust_by), _as_decimal(set_to))
        )

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


async def load_flex_inputs(
    person_ids: Sequence[int] | None, as_of: dt.date
) -> dict[int, FlexInput]:
    """Every input of rules 1–7 for the given people (None = everyone) as of L, in 4 queries.

    People without any row still get an (empty) FlexInput when named in ``person_ids``; for a
    long list everyone's rows are read (no huge IN lists) and the others dropped.
    """
    if person_ids is not None and not person_ids:
        return {}
    return flex_inputs_from_rows(await read_flex_rows(person_ids, as_of), person_ids, as_of)


async def flex_for_person(person: Person, as_of: dt.date, settings: Settings) -> FlexResult:
    """One person's flex saldo with the daily log (4 queries)."""
    inputs = await load_flex_inputs([person.id], as_of)
    return compute_flex(inputs[person.id], as_of, settings.workday_hours)


async def flex_for_all(as_of: dt.date, settings: Settings) -> list[tuple[Person, FlexResult]]:
    """Every non-archived person with an e-mail, in one batch (5 queries), without daily logs.

    Ordered by name; callers sort by saldo as they need.
    """
    people = await Person.filter(archived=False, email__isnull=False).exclude(email="")
    inputs = await load_flex_inputs([p.id for p in people], as_of)
    return [
        (person, compute_flex(inputs[person.id], as_of, settings.workday_hours, with_days=False))
        for person in people
    ]
