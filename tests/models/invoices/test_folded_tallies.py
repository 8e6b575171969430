"""Tallies folded from rows on their way in equal what the database sums from them."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from tortoise import connections

from models.invoices.folded_tallies import TallyFold
from models.invoices.inputs import Scope, is_postgres, read_tallies
from tests.models.invoices.test_inputs import (
    HOURS,
    RATES,
    STATUSES,
    TRICKY_CATEGORIES,
    TRICKY_NOTES,
    TRICKY_PHASES,
)
from tests.support.invoices import person, project

# The columns the hours sync writes, in its order (sync/tenkfeet/hours.py, COLUMNS).
COLUMNS = (
    "tenkfeet_id",
    "date",
    "person_id",
    "project_id",
    "client_name",
    "phase_name",
    "leave_type",
    "category",
    "notes",
    "hours",
    "bill_rate",
    "money",
    "status",
    "upstream_updated_at",
)


async def insert_as_the_sync_does(rows: list[tuple[Any, ...]]) -> None:
    """Plain INSERTs of decimal text, dates as ISO text on SQLite: what the hours sync sends."""
    conn = connections.get("default")
    postgres = is_postgres(conn)
    marks = ", ".join(f"${i}" if postgres else "?" for i in range(1, len(COLUMNS) + 1))
    columns = ", ".join(f'"{c}"' for c in COLUMNS)
    sql = f'INSERT INTO "hour_entry" ({columns}) VALUES ({marks})'
    await conn.execute_many(sql, [list(r) for r in rows])


async def test_folded_tallies_equal_the_database_sums_on_tricky_rows(db: str) -> None:
    postgres = is_postgres(connections.get("default"))
    ada = await person()
    acme = await project(1, "Acme portal")
    internal = await project(2, "Internal work", None, "Internal")
    days = [date(2024, 12, 31), date(2025, 1, 1), date(2025, 1, 15), date(2025, 2, 28)]
    ids = itertools.count(1)
    rows = []
    for n, (place, day, status, phase) in enumerate(
        itertools.product((acme, internal), days, STATUSES, TRICKY_PHASES)
    ):
        for rate in (RATES[n % len(RATES)], RATES[(n + 1) % len(RATES)]):
            hours = HOURS[(n + len(rate)) % len(HOURS)]
            rows.append(
                (
                    next(ids),
                    day if postgres else day.isoformat(),
                    ada.id,
                    place.id,
                    "Acme Oy",
                    phase,
                    "",
                    TRICKY_CATEGORIES[n % len(TRICKY_CATEGORIES)],
                    TRICKY_NOTES[n % len(TRICKY_NOTES)],
                    hours,
                    rate,
                    "0",
                    status,
                    "",
                )
            )
    leave_day = date(2025, 1, 2)
    rows.append(
        (
            next(ids),
            leave_day if postgres else leave_day.isoformat(),
            ada.id,
            None,
            "",
            "",
            "Vacation",
            "",
            "",
            "7.5",
            "0",
            "0",
            "Approved",
            "",
        )
    )
    await insert_as_the_sync_does(rows)

    fold = TallyFold(postgres)
    fold.add_rows(rows[: len(rows) // 3], COLUMNS)  # in batches, as the sync adds them
    fold.add_rows(rows[len(rows) // 3 :], COLUMNS)
    read = await read_tallies(connections.get("default"), Scope())
    folded = fold.tallies()
    assert len(folded) == 6  # two projects × three months
    assert sum(len(t) for t in folded.values()) > 20
    # The same tallies, with the same decimals (exponents included), whatever order the
    # database listed each invoice's rates in (SQLite keeps "50" and "50.00" apart).
    for tallies in read.values():
        tallies.sort(key=lambda t: (t.bill_rate, str(t.bill_rate)))
    as_text = {key: [repr(t) for t in tallies] for key, tallies in read.items()}
    assert {key: [repr(t) for t in tallies] for key, tallies in folded.items()} == as_text
    # Folded in parts (as the staging workers fold their windows) and merged: the same.
    merged = TallyFold(postgres)
    for part in (rows[::3], rows[1::3], rows[2::3]):
        part_fold = TallyFold(postgres)
        part_fold.add_rows(part, COLUMNS)
        merged.merge(part_fold)
    assert {k: [repr(t) for t in v] for k, v in merged.tallies().items()} == as_text


async def test_no_rows_fold_to_no_tallies(db: str) -> None:
    assert TallyFold(False).tallies() == {}
    assert TallyFold(True).tallies() == {}
