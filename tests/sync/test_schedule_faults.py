"""A `serve` replica killed (SIGKILL, its whole process group) in the middle of its hours
sync: nothing half-written stays, the next run takes the dead run's lock over (at once when
its process was on this host, within the lock's expiry when it was elsewhere) and completes
the hours, each entry once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.emulators.slack import SlackEmulator
from bot.emulators.tenkfeet import DEFAULT_TOKEN, TenkfeetEmulator
from bot.emulators.tenkfeet_data import generate_company
from core.clock import company_today
from core.settings import load_settings
from models import HourEntry, SyncLock, SyncRun
from tests.support.faults import Replica
from tests.support.processes import serve_env, start_cli

PAGES_BEFORE_THE_KILL = 6
ANOTHER_HOST = "another-host:4242:0123456789abcdef.4026531836:deadbeef"
"""A lock holder on another machine: its process cannot be seen from here, only its expiry."""
LOCK_LEFT = timedelta(seconds=15)


async def sync_hours_cli(env: dict[str, str]) -> str:
    """`financebot sync hours` (the last 60 days, as serve's) with ``env``; its output."""
    process = await start_cli("sync", "hours", env=env)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    return out.decode()


@pytest.mark.parametrize("holder", ["this host", "another host"])
async def test_a_replica_killed_mid_sync_leaves_nothing_half_done_and_the_next_run_completes(
    db: str, slack_emulator: SlackEmulator, holder: str
) -> None:
    today = company_today(load_settings({}))
    data = generate_company(30, 0.3, start=today - timedelta(days=100))
    async with TenkfeetEmulator(data) as tenkfeet:
        env = serve_env(
            slack_emulator,
            db,
            TENKFEET_API_URL=tenkfeet.base_url,
            TENKFEET_AUTH=DEFAULT_TOKEN,
            SYNC_LOCK_SECONDS="600",
            SYNC_RETRY_SECONDS="1",
        )
        held = tenkfeet.hold_matching("/time_entries", after=PAGES_BEFORE_THE_KILL)
        async with await Replica.start(env) as first:
            await asyncio.wait_for(held.reached.wait(), 120)  # mid-fetch of the hours
            await first.killed()
        # Nothing of the hours was written; the dead run is still "running", holding its lock.
        assert await HourEntry.all().count() == 0
        dead = await SyncRun.get(kind="hours")
        assert dead.status == "running"
        lock = await SyncLock.get(kind="hours")
        if holder == "another host":
            # It renewed its lock just before it died: still good for a while after the next
            # replica is up, which must wait for it to lapse.
            lock.holder, lock.expires_at = ANOTHER_HOST, datetime.now(UTC) + LOCK_LEFT
            await lock.save()
        held.release()

        async with await Replica.start(env) as second:
            await second.wait_for_line("scheduled hours sync: added", 120)
            await second.stop()
        runs = await SyncRun.filter(kind="hours").order_by("id")
        assert [(run.status, run.error) for run in runs] == [
            ("failed", "abandoned: the process running it stopped"),
            ("succeeded", ""),
        ]
        taken_over = runs[1].started_at
        if holder == "this host":
            assert taken_over < lock.expires_at  # not left to expire: its process was gone
        else:
            assert "another run holds the lock" in second.log
            lapse = lock.expires_at
            assert lapse <= taken_over <= lapse + timedelta(seconds=30), (lapse, taken_over)
        assert not await SyncLock.filter(kind="hours").exists()

        stored = await HourEntry.all().count()
        assert stored == runs[1].added > 0
        ids = await HourEntry.all().values_list("tenkfeet_id", flat=True)
        assert len(set(ids)) == stored  # nothing twice
        # Nothing missing either: a run right after finds upstream and storage equal.
        cli_env = {k: v for k, v in env.items() if not k.startswith(("SLACK_", "WEB_"))}
        again = await sync_hours_cli(cli_env)
    assert "added 0, updated 0, deleted 0" in again, again
