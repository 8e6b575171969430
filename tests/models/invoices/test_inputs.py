"""The database sums an invoice's entries exactly as the entry rules in figures.py would."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from tortoise import connections

from models.invoices.figures import InvoiceEntry, notes_are_blank, tally_entries
from models.invoices.inputs import (
    InvoiceKey,
    Scope,
    _Query,
    month_index,
    read_tallies,
)
from tests.support.invoices import person, project, row, store_entries

TRICKY_NOTES = ["", " ", "\t", "\n\r\n", "\x0b\x0c ", " x ", "\u00a0", "Work", "\t.\t"]
TRICKY_CATEGORIES = ["", "  ", "[none]", "[NONE]", " No category ", "no CATEGORY", "None", "Design"]
TRICKY_PHASES = [
    "Development",
    "Non-billable meetings",
    " non billable travel",
    "NON-BILLABLE",
    "Nonbillable",
    "[Non Phase Specific]",
    "[non phase specific]",
    "",
]
STATUSES = ["Approved", "Pending Approval", "Unsubmitted"]
HOURS = ["7.5", "0.25", "0", "-1", "0.0001", "12"]
RATES = ["50", "50.00", "99.99", "170", "0", "120.5"]


@pytest.mark.parametrize("text", TRICKY_NOTES)
async def test_the_blank_notes_rule_reads_the_same_in_sql(db: str, text: str) -> None:
    conn = connections.get("default")
    query = _Query(conn)
    value = query.param(text) + ("::text" if query.postgres else "")
    sql = f"SELECT CASE WHEN {query.blank(value)} THEN 1 ELSE 0 END AS blank"
    _, rows = await conn.execute_query(sql, query.values)
    assert bool(rows[0][0]) is notes_are_blank(text), repr(text)


async def test_database_tallies_equal_the_rules_entry_by_entry(db: str) -> None:
    ada = await person()
    acme = await project(1, "Acme portal")
    internal = await project(2, "Internal work", None, "Internal")
    rows = []
    n = 0
    for place, day in ((acme, "2024-12-31"), (acme, "2025-01-01"), (internal, "2025-01-15")):
        for status in STATUSES:
            for phase in TRICKY_PHASES:
                n += 1
                rows.append(
                    row(
                        place,
                        day,
                        HOURS[n % len(HOURS)],
                        RATES[n % len(RATES)],
                        phase,
                        TRICKY_CATEGORIES[n % len(TRICKY_CATEGORIES)],
                        TRICKY_NOTES[n % len(TRICKY_NOTES)],
                        status,
                    )
                )
    rows.append(row(None, "2025-01-02", "7.5", "0", "", "", "", "Approved", leave_type="Vacation"))
    await store_entries(ada, rows)

    expected: dict[InvoiceKey, list[InvoiceEntry]] = defaultdict(list)
    for r in rows:
        if r["project"] is not None:
            key = InvoiceKey(r["project"].id, r["date"].year, r["date"].month)
            expected[key].append(
                InvoiceEntry(
                    r["hours"],
                    r["bill_rate"],
                    r["phase_name"],
                    r["category"],
                    r["notes"],
                    r["status"],
                )
            )
    conn = connections.get("default")
    tallies = await read_tallies(conn, Scope())
    assert set(tallies) == set(expected)
    for key, entries in expected.items():
        assert merged(tallies[key]) == merged(tally_entries(entries)), key

    # A scope of one project and one month reads just that.
    january = month_index(2025, 1)
    only = await read_tallies(conn, Scope(frozenset({acme.id}), january, january))
    assert set(only) == {InvoiceKey(acme.id, 2025, 1)}


def merged(tallies: list) -> dict[Decimal, tuple]:
    """Tallies by rate value ("50" and "50.00" are one rate; SQLite may keep them apart)."""
    result: dict[Decimal, list] = {}
    for t in tallies:
        values = [
            t.entries,
            t.hours,
            t.non_billable_phase_entries,
            t.non_billable_phase_hours,
            t.non_phase_specific,
            t.not_approved,
            t.empty_notes,
            t.no_category,
        ]
        if t.bill_rate in result:
            result[t.bill_rate] = [a + b for a, b in zip(result[t.bill_rate], values, strict=True)]
        else:
            result[t.bill_rate] = values
    return {rate: tuple(values) for rate, values in result.items()}
