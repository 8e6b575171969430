"""`serve` while its database is out of reach, and after: requests get a short apology within
Slack's 3 s, the scheduled sync that the outage broke is recorded as failed and tried again,
and once the database is back everything works again without a restart.

PostgreSQL: `serve` reaches the server through a TCP proxy that the test cuts and restores
(tests/support/tcp_proxy.py), either refusing (a server down or restarting) or blackholing
(a network partition: nothing answers at all). The outage lasts ``FINANCEBOT_TEST_OUTAGE_SECONDS``
(default 6; the code paths are the same for 30, which that variable can ask for).

SQLite: the file is not out of reach but can be locked by another process's write (a backup,
a CLI command): reads never wait for it, so `/flex-hours` answers with the numbers, and the
sync's write waits for the lock and completes.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.emulators.slack import Ack, SlackEmulator
from bot.emulators.tenkfeet import DEFAULT_TOKEN, TenkfeetEmulator
from bot.emulators.tenkfeet_data import TenkfeetData, generate_company
from core.clock import company_today
from core.settings import load_settings
from handlers.error_replies import OUTAGE_APOLOGY
from models import HourEntry, SyncRun
from tests.conftest import TEST_DB
from tests.support.faults import Replica
from tests.support.flex_people import full_month_history, make_person
from tests.support.processes import serve_env
from tests.support.tcp_proxy import Cut, TcpProxy
from web.monitoring import HEALTH_TIMEOUT

OUTAGE_SECONDS = float(os.environ.get("FINANCEBOT_TEST_OUTAGE_SECONDS", "6"))
SLACK_ACK_LIMIT = 3.0
SALDO = "Flex saldo for Jane Doe is "


async def flex_hours(emulator: SlackEmulator) -> Ack:
    ack = await emulator.send_slash_command("/flex-hours", user_id="U0JANE", timeout=10)
    assert ack.latency < SLACK_ACK_LIMIT, ack
    assert ack.payload is not None
    return ack


async def health(web_url: str) -> tuple[int, str]:
    """``/healthz``'s status and text; it must answer within its own deadline and a second."""
    async with aiohttp.ClientSession() as session:
        async with asyncio.timeout(HEALTH_TIMEOUT + 1):
            async with session.get(f"{web_url}/healthz") as response:
                return response.status, await response.text()


def answered_with_numbers(ack: Ack) -> bool:
    return str((ack.payload or {}).get("text", "")).startswith(SALDO)


def company() -> TenkfeetData:
    """A few people with hours in the days `serve`'s start-up sync fetches."""
    return generate_company(4, 0.25, start=company_today(load_settings({})) - timedelta(days=80))


async def synced_entries(data: TenkfeetData, run: SyncRun) -> int:
    """How many of the company's entries are stored; checks that it is what ``run`` added."""
    users = [user["id"] for user in data.users]
    stored = await HourEntry.filter(person__tenkfeet_id__in=users).count()
    ids = await HourEntry.filter(person__tenkfeet_id__in=users).values_list(
        "tenkfeet_id", flat=True
    )
    assert len(set(ids)) == stored == run.added > 0
    return stored


@pytest.mark.skipif(TEST_DB != "postgres", reason="an outage of a database server")
@pytest.mark.parametrize("cut", ["refuse", "blackhole"])
async def test_an_outage_is_answered_with_an_apology_and_recovered_from_without_a_restart(
    db: str, slack_emulator: SlackEmulator, cut: Cut
) -> None:
    jane = await make_person("Jane", "Doe", "U0JANE")
    await full_month_history(jane, load_settings({}))
    data = company()
    async with TenkfeetEmulator(data) as tenkfeet, TcpProxy("127.0.0.1", _pg_port(db)) as proxy:
        env = _env(slack_emulator, proxy.url_for(db), tenkfeet.base_url)
        held = tenkfeet.hold_matching("/time_entries")  # the start-up sync, mid-fetch
        async with await Replica.start(env) as replica:
            web_url = await replica.web_url()
            await slack_emulator.wait_for_connections(1, timeout=60)
            assert answered_with_numbers(await flex_hours(slack_emulator))
            assert await health(web_url) == (200, "ok")
            await asyncio.wait_for(held.reached.wait(), 60)

            proxy.cut(cut)
            held.release()  # the sync goes on to write: into a database out of reach
            loop = asyncio.get_running_loop()
            ends = loop.time() + OUTAGE_SECONDS
            answers = 0
            while loop.time() < ends:
                ack = await flex_hours(slack_emulator)
                assert ack.payload == {"response_type": "ephemeral", "text": OUTAGE_APOLOGY}
                answers += 1
                await asyncio.sleep(1)  # one a second, for as long as the outage lasts
            status, _ = await health(web_url)  # the health check says so, in time
            assert status == 503
            proxy.restore()

            # Back without a restart: the very next request is answered with the numbers.
            assert answered_with_numbers(await flex_hours(slack_emulator))
            assert await health(web_url) == (200, "ok")
            await replica.wait_for_line("scheduled hours sync: added", 120)
            await replica.stop()
    assert answers >= 2
    assert "scheduled hours sync failed" in replica.log
    assert "scheduled hours sync: trying again in" in replica.log
    # Each refused request is one warning line, not a bug's traceback.
    assert "Slack request not answered, database out of reach" in replica.log
    assert "Slack listener failed" not in replica.log
    failed, succeeded = await SyncRun.filter(kind="hours").order_by("id")
    assert (failed.status, succeeded.status) == ("failed", "succeeded")
    assert failed.error.startswith("database out of reach: "), failed.error
    assert failed.finished_at is not None
    assert await synced_entries(data, succeeded)


@pytest.mark.skipif(TEST_DB != "sqlite", reason="a SQLite file locked by another process")
async def test_a_locked_sqlite_file_keeps_answering_and_the_sync_waits_for_it(
    db: str, slack_emulator: SlackEmulator
) -> None:
    jane = await make_person("Jane", "Doe", "U0JANE")
    await full_month_history(jane, load_settings({}))
    path = Path(db.removeprefix("sqlite://"))
    data = company()
    async with TenkfeetEmulator(data) as tenkfeet:
        env = _env(slack_emulator, db, tenkfeet.base_url)
        held = tenkfeet.hold_matching("/time_entries")
        async with await Replica.start(env) as replica:
            await replica.web_url()
            await slack_emulator.wait_for_connections(1, timeout=60)
            await asyncio.wait_for(held.reached.wait(), 60)
            locker = sqlite3.connect(path, isolation_level=None)
            try:
                locker.execute("BEGIN IMMEDIATE")  # another process's write holds the file
                held.release()
                loop = asyncio.get_running_loop()
                ends = loop.time() + OUTAGE_SECONDS
                while loop.time() < ends:
                    assert answered_with_numbers(await flex_hours(slack_emulator))
                    await asyncio.sleep(1)
                assert not await SyncRun.filter(kind="hours").exclude(status="running").exists()
            finally:
                locker.execute("ROLLBACK")
                locker.close()
            await replica.wait_for_line("scheduled hours sync: added", 120)
            await replica.stop()
    (run,) = await SyncRun.filter(kind="hours")
    assert run.status == "succeeded"
    assert await synced_entries(data, run)


def _env(emulator: SlackEmulator, database_url: str, tenkfeet_url: str) -> dict[str, str]:
    return serve_env(
        emulator,
        database_url,
        TENKFEET_API_URL=tenkfeet_url,
        TENKFEET_AUTH=DEFAULT_TOKEN,
        SYNC_RETRY_SECONDS="1",
    )


def _pg_port(database_url: str) -> int:
    host_port = database_url.split("@", 1)[-1].split("/", 1)[0]
    return int(host_port.rsplit(":", 1)[1]) if ":" in host_port else 5432
