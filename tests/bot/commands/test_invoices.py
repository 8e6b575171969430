"""`financebot invoices`, run as a real process against invoices synced from the 10000ft
emulator and worked out by hand (tests/support/invoices.py, ``invoice_company``)."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from models import Invoice, Project, ProjectFixedRow
from tests.support.invoices import ACME, INTERNAL, invoice_company, sync_company
from tests.support.processes import start_cli
from tests.support.sync_company import running_emulator

D = Decimal
KEYS = {
    "uuid",
    "project_guid",
    "project",
    "client",
    "month",
    "state",
    "hours",
    "billable_hours",
    "money",
    "average_rate",
    "billable_share",
    "checks",
    "incorrect_entries",
    "previous_month",
}
ACME_GUID = f"10000000-0000-4000-8000-{ACME:012d}"
INTERNAL_GUID = f"10000000-0000-4000-8000-{INTERNAL:012d}"


@dataclass
class Outcome:
    code: int
    out: str
    err: str


async def financebot(database_url: str, *args: str, **env: str) -> Outcome:
    proc = await start_cli(
        "invoices", *args, env={**os.environ, "DATABASE_URL": database_url, **env}
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return Outcome(proc.returncode, out.decode(), err.decode())


async def listed(database_url: str, *args: str) -> list[dict[str, Any]]:
    result = await financebot(database_url, "--json", *args)
    assert (result.code, result.err) == (0, "")
    data: list[dict[str, Any]] = json.loads(result.out)
    return data


def failure(result: Outcome, fragment: str) -> None:
    assert result.code == 1
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("financebot: "), result.err
    assert fragment in lines[0]


@pytest.fixture
async def synced(db: str) -> str:
    async with running_emulator(invoice_company()) as emulator:
        await sync_company(emulator)
    return db


async def test_json_gives_every_invoice_in_the_documented_shape(synced: str) -> None:
    invoices = await listed(synced)
    assert [(i["month"], i["project"]) for i in invoices] == [
        ("2025-01", "Internal work"),  # no client sorts first
        ("2025-01", "Acme portal"),
        ("2024-12", "Acme portal"),
    ]
    assert all(set(i) == KEYS for i in invoices)
    internal, january, december = invoices

    stored = await Invoice.get(project__tenkfeet_id=ACME, year=2025, month=1)
    assert january == {
        "uuid": str(stored.id),
        "project_guid": ACME_GUID,
        "project": "Acme portal",
        "client": "Acme Oy",
        "month": "2025-01",
        "state": "Created",
        "hours": "19.75",
        "billable_hours": "14.75",
        "money": {"EUR": "1494.9775"},
        "average_rate": "75.695063",
        "billable_share": "0.746835",
        "checks": {
            "odd_rate": 2,
            "non_billable": 2,
            "non_phase_specific": 1,
            "not_approved": 2,
            "empty_notes": 2,
            "no_category": 4,
        },
        "incorrect_entries": 13,
        "previous_month": {
            "hours": {"diff": "9.75", "percentage": "97.50"},
            "average_rate": {"diff": "-24.304937", "percentage": "-24.304937"},
            "money": {"diff": "494.9775", "percentage": "49.49775"},
            "remarkable": True,
        },
    }
    assert december["previous_month"] is None
    assert (december["hours"], december["money"], december["average_rate"]) == (
        "10.00",
        {"EUR": "1000.00"},
        "100.00",
    )
    assert december["billable_share"] == "1.00"
    assert internal["client"] is None and internal["project_guid"] == INTERNAL_GUID
    assert (internal["hours"], internal["money"], internal["billable_share"]) == (
        "3.00",
        {"EUR": "0.00"},
        "0.00",
    )
    assert internal["checks"]["non_billable"] == 1 and internal["incorrect_entries"] == 1


async def test_month_and_project_filter(synced: str) -> None:
    assert [i["month"] for i in await listed(synced, "--month", "2024-12")] == ["2024-12"]
    assert len(await listed(synced, "--month", "2025-01")) == 2
    assert [i["month"] for i in await listed(synced, "--project", ACME_GUID)] == [
        "2025-01",
        "2024-12",
    ]
    both = await listed(synced, "--month", "2025-01", "--project", INTERNAL_GUID)
    assert [i["project"] for i in both] == ["Internal work"]
    assert await listed(synced, "--month", "2023-05") == []


async def test_money_in_several_currencies(synced: str) -> None:
    acme = await Project.get(tenkfeet_id=ACME)
    await ProjectFixedRow.create(project=acme, description="Hosting", price=D("500"))
    await ProjectFixedRow.create(
        project=acme, description="Licence", price=D("9.9"), currency="USD"
    )
    january, december = await listed(synced, "--project", ACME_GUID)
    assert january["money"] == {"EUR": "1994.9775", "USD": "9.90"}
    assert december["money"] == {"EUR": "1500.00", "USD": "9.90"}
    # The average rate and the comparison are of the hour money alone.
    assert january["average_rate"] == "75.695063"
    assert january["previous_month"]["money"] == {"diff": "494.9775", "percentage": "49.49775"}


async def test_the_table(synced: str) -> None:
    result = await financebot(synced, "--project", ACME_GUID)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "Invoices, project Acme portal (2)"
    january = next(line for line in lines if "2025-01" in line)
    for text in ("Acme Oy", "Acme portal", "Created", "19.75", "14.75", "1494.98 EUR", "75.70"):
        assert text in january
    assert "2 odd rate, 2 non-billable, 1 non phase specific" in january
    assert "+9.75h (+97.50%)" in january
    assert january.startswith("!")  # remarkable
    assert "Totals of Acme portal (2 invoices):" in result.out
    assert "hours          29.75" in result.out
    assert "money          2494.98 EUR" in result.out


@pytest.mark.parametrize("month", ["2025-13", "2025-00", "2025-1", "January", "2025-01-01", " "])
async def test_a_malformed_month_is_one_line(synced: str, month: str) -> None:
    failure(await financebot(synced, "--month", month), "--month must be a month as YYYY-MM")


async def test_a_malformed_or_unknown_project_is_one_line(synced: str) -> None:
    failure(await financebot(synced, "--project", "x'; drop"), "--project must be")
    failure(await financebot(synced, "--project", ""), "--project must be")
    failure(await financebot(synced, "--project", "a" * 65), "--project must be")
    failure(await financebot(synced, "--project", "no-such-guid"), "no project with GUID")


async def test_stale_figures_are_recomputed_before_they_are_printed(synced: str) -> None:
    fresh = json.loads((await financebot(synced, "--json")).out)
    await Invoice.filter(year=2024).update(figures_rules="EUR|60|160", hours=999, odd_rate_count=99)
    result = await financebot(synced, "--json")
    assert result.code == 0
    assert "recomputed them with today's first" in result.err
    assert json.loads(result.out) == fresh
    again = await financebot(synced, "--json")
    assert again.err == "" and json.loads(again.out) == fresh


async def test_an_empty_database_says_what_to_run(db: str) -> None:
    failure(await financebot(db), "no invoices in the database yet: run `financebot sync hours`")


async def test_a_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "financebot.sqlite3"
    failure(await financebot(f"sqlite://{path}", "--json"), "run `financebot migrate` first")
    assert not path.exists()


async def test_a_database_without_our_tables_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER)")
    failure(await financebot(f"sqlite://{path}"), "has no Finance Bot tables")
    with sqlite3.connect(path) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["notes"]
