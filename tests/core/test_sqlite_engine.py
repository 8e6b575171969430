"""Our SQLite engine: reads never wait for a write, and writers in other processes wait
for each other instead of failing. The `/flex-hours` test runs on both databases."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime

import pytest
from tortoise.transactions import in_transaction

from core.sqlite_engine import BUSY_TIMEOUT_MS, reads_only
from models import Event, Person
from tests.conftest import TEST_DB, BotUnderTest
from tests.support.flex_people import full_month_history, make_person

WAIT = 10.0
sqlite_only = pytest.mark.skipif(TEST_DB != "sqlite", reason="about the SQLite engine")


def test_only_a_plain_select_counts_as_a_read() -> None:
    assert reads_only('SELECT "id" FROM "person"')
    assert reads_only('  \n select count(*) from "person"')
    assert reads_only("/* a comment */ -- and another\n SELECT 1")
    assert not reads_only('UPDATE "person" SET "archived" = 1')
    assert not reads_only('INSERT INTO "event" ("kind") VALUES (?)')
    assert not reads_only("WITH gone AS (SELECT 1) DELETE FROM event")
    assert not reads_only("PRAGMA table_info(person)")
    assert not reads_only("SELECTED_FROM_NOWHERE")


@sqlite_only
async def test_a_read_goes_on_while_a_write_transaction_is_open(db: str) -> None:
    await Event.create(kind="before", message="committed before")
    written = asyncio.Event()
    read_done = asyncio.Event()

    async def writer() -> None:
        async with in_transaction():
            await Event.create(kind="during", message="not committed yet")
            written.set()
            # The transaction stays open until the read outside it has finished.
            await asyncio.wait_for(read_done.wait(), WAIT)

    task = asyncio.create_task(writer())
    await asyncio.wait_for(written.wait(), WAIT)
    seen = await asyncio.wait_for(Event.all().values_list("kind", flat=True), WAIT)
    read_done.set()
    await asyncio.wait_for(task, WAIT)
    assert seen == ["before"]  # the last committed state, not the open transaction's
    assert sorted(await Event.all().values_list("kind", flat=True)) == ["before", "during"]


@sqlite_only
async def test_a_transaction_holds_the_write_lock_from_its_start(db: str) -> None:
    """Another writer (a sync in its own process) that committed after this transaction
    had read would make this transaction's first write fail at once with "database is
    locked" (a deferred BEGIN); with BEGIN IMMEDIATE the other writer waits instead, for
    up to the busy timeout."""
    path = db[len("sqlite://") :]

    def write_without_waiting() -> None:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute(
                'INSERT INTO "event" ("created_at", "kind", "message", "data") '
                "VALUES (?, 'other', 'from another connection', '{}')",
                (datetime.now(UTC).isoformat(),),
            )
        finally:
            other.close()

    async with in_transaction() as conn:
        assert await Person.all().count() == 0  # only read so far
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await asyncio.to_thread(write_without_waiting)
        await Event.create(kind="ours", message="our write")
        _, rows = await conn.execute_query("PRAGMA busy_timeout")
        assert list(rows[0]) == [BUSY_TIMEOUT_MS]
    await asyncio.to_thread(write_without_waiting)  # free again once we committed
    assert sorted(await Event.all().values_list("kind", flat=True)) == ["other", "ours"]


async def test_flex_hours_is_answered_while_a_write_transaction_is_open(
    running_bot: BotUnderTest,
) -> None:
    """A long write (an hours sync run by the CLI, or any write of this process waiting for
    the file) must not hold `/flex-hours`: the answer comes in the ack while it is open."""
    person = await make_person("Wanda", "Waiting", "U0WANDA")
    history = await full_month_history(person, running_bot.settings)
    async with in_transaction():
        await Event.create(kind="sync.hours.write", message="a long write is going on")
        ack = await running_bot.emulator.send_slash_command(
            "/flex-hours", user_id="U0WANDA", timeout=WAIT
        )
        # Still inside the transaction: the answer did not wait for it to end.
        answer = (ack.payload or {}).get("text", "")
        assert answer.startswith(f"Flex saldo for Wanda Waiting is +{history.saldo}h")
