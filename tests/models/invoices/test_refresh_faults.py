"""A `serve` replica killed (SIGKILL, its whole process group) in the middle of an invoice
refresh: the refresh is one transaction, so none of it stays; the next start finds the
figures still stale and recomputes them all, each invoice once.

`serve` refreshes every invoice at start when the invoice settings changed (here
BILL_RATE_MAX), before it connects to Slack. The test waits until that refresh is under way:
on PostgreSQL, until serve's connection holds the refresh's advisory lock; on SQLite, until
the file's write lock is taken (nothing else writes at that point of the start).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import asyncpg

from bot.emulators.slack import SlackEmulator
from bot.emulators.tenkfeet import DEFAULT_TOKEN, TenkfeetEmulator
from bot.emulators.tenkfeet_data import generate_company
from models import Invoice
from models.invoices.figures import InvoiceRules
from models.invoices.refresh import REFRESH_LOCK_KEY, refresh_all_invoice_figures
from tests.conftest import TEST_DB
from tests.support.faults import Replica
from tests.support.processes import serve_env, start_cli

START = date(2024, 1, 1)
NEW_RATE_MAX = "171"
NEW_RULES = InvoiceRules("EUR", Decimal(50), Decimal(NEW_RATE_MAX))


async def cli(*args: str, env: dict[str, str]) -> str:
    process = await start_cli(*args, env=env)
    out, err = await asyncio.wait_for(process.communicate(), 300)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_a_replica_killed_mid_refresh_changes_nothing_and_the_next_start_recomputes(
    db: str, slack_emulator: SlackEmulator
) -> None:
    data = generate_company(60, 1.5, start=START)
    async with TenkfeetEmulator(data, max_per_page=1000) as tenkfeet:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEB_"))},
            "DATABASE_URL": db,
            "TENKFEET_API_URL": tenkfeet.base_url,
            "TENKFEET_AUTH": DEFAULT_TOKEN,
        }
        end = date(START.year + 1, 6, 30).isoformat()
        await cli("sync", "hours", "--start-date", START.isoformat(), "--end-date", end, env=env)
    invoices = await Invoice.all().count()
    assert invoices > 100
    assert not await Invoice.filter(figures_rules=NEW_RULES.fingerprint).exists()

    # New invoice settings: serve recomputes every invoice before it connects.
    replica_env = serve_env(slack_emulator, db, BILL_RATE_MAX=NEW_RATE_MAX)
    async with await Replica.start(replica_env) as first:
        await asyncio.wait_for(_refresh_under_way(db), 120)
        await first.killed()
    assert "admin site at" not in first.log  # it died before it was up
    assert not await Invoice.filter(figures_rules=NEW_RULES.fingerprint).exists()

    async with await Replica.start(replica_env) as second:
        await second.web_url(120)
        await second.stop()
    assert await Invoice.all().count() == invoices
    assert await Invoice.filter(figures_rules=NEW_RULES.fingerprint).count() == invoices
    # Every stored figure is what a computation from scratch gives: nothing left to change.
    assert await refresh_all_invoice_figures(rules=NEW_RULES) == []


async def _refresh_under_way(db: str) -> None:
    """Returns once another process is inside an invoice refresh's transaction (asked every
    few milliseconds: no event announces it)."""
    check = await _pg_refresh_check(db) if TEST_DB == "postgres" else _sqlite_write_check(db)
    while True:
        if await check():
            return
        await asyncio.sleep(0.005)


async def _pg_refresh_check(db: str) -> Callable[[], Awaitable[bool]]:
    conn = await asyncpg.connect(db.replace("postgres://", "postgresql://", 1))

    async def holds_the_refresh_lock() -> bool:
        held = await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND objid = $1 AND pid <> pg_backend_pid()",
            REFRESH_LOCK_KEY,
        )
        if held:
            await conn.close()
        return bool(held)

    return holds_the_refresh_lock


def _sqlite_write_check(db: str) -> Callable[[], Awaitable[bool]]:
    path = Path(db.removeprefix("sqlite://"))

    async def writing() -> bool:
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            return "locked" in str(exc)
        else:
            probe.execute("ROLLBACK")
            return False
        finally:
            probe.close()

    return writing
