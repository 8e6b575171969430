"""Syncs that `serve` starts run in a process of their own, against the same database."""

from __future__ import annotations

import asyncio
import os

import pytest

from bot.emulators.tenkfeet import DEFAULT_TOKEN
from core.off_loop import WORKER_NICENESS
from core.settings import Settings
from models import PublicHoliday, SyncLock, SyncRun
from sync.own_process import SyncFailed, run_sync_in_own_process
from sync.runs import SyncAlreadyRunning, acquire_lock
from sync.schedule import run_scheduled_sync
from tests.support.sync_company import SignallingEmulator, running_emulator

WAIT = 30.0  # a child process starts in about a second; a busy machine takes longer


def settings_for(url: str, token: str = DEFAULT_TOKEN) -> Settings:
    return Settings(tenkfeet_api_url=url, tenkfeet_auth=token)


async def test_a_scheduled_sync_runs_in_another_process(db: str) -> None:
    emulator = SignallingEmulator()
    await emulator.start()
    try:
        release = emulator.slow_request(1)
        job = asyncio.create_task(run_scheduled_sync("holidays", settings_for(emulator.base_url)))
        await asyncio.wait_for(emulator.arrived.wait(), WAIT)
        # Held at its first request to 10000ft: the lock names the process running it.
        lock = await SyncLock.get(kind="holidays")
        pid = int(lock.holder.split(":")[1])
        assert pid != os.getpid()
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, pid) == min(ours + WORKER_NICENESS, 19)
        release.set()
        await asyncio.wait_for(job, WAIT)
    finally:
        await emulator.stop()
    assert await SyncRun.filter(kind="holidays").values_list("status", flat=True) == ["succeeded"]
    assert await PublicHoliday.all().count() == len(emulator.data.holidays)
    assert await SyncLock.all().count() == 0


async def test_the_finished_run_comes_back(db: str) -> None:
    async with running_emulator() as emulator:
        run = await asyncio.wait_for(
            run_sync_in_own_process("users", settings_for(emulator.base_url)), WAIT
        )
    assert (run.kind, run.status, run.added) == ("users", "succeeded", 4)
    assert run.id == (await SyncRun.get(kind="users")).id


async def test_a_run_elsewhere_comes_back_as_already_running(db: str) -> None:
    await acquire_lock("holidays", "other-host:1:1:abcd")
    async with running_emulator() as emulator:
        with pytest.raises(SyncAlreadyRunning, match="a holidays sync is already running"):
            await asyncio.wait_for(
                run_sync_in_own_process("holidays", settings_for(emulator.base_url)), WAIT
            )
        assert emulator.requests == []
    assert await SyncRun.all().count() == 0


async def test_a_failed_sync_comes_back_as_one_line_and_is_recorded(db: str) -> None:
    async with running_emulator() as emulator:
        with pytest.raises(SyncFailed) as failed:
            await asyncio.wait_for(
                run_sync_in_own_process("users", settings_for(emulator.base_url, "wrong")), WAIT
            )
    run = await SyncRun.get(kind="users")
    assert run.status == "failed"
    assert str(failed.value) == run.error
    assert "\n" not in run.error and run.error
    assert await SyncLock.all().count() == 0


async def test_a_cancelled_wait_stops_the_process_which_records_the_run(db: str) -> None:
    emulator = SignallingEmulator()
    await emulator.start()
    try:
        emulator.slow_request(1)  # never released: only the cancellation ends the run
        job = asyncio.create_task(
            run_sync_in_own_process("holidays", settings_for(emulator.base_url))
        )
        await asyncio.wait_for(emulator.arrived.wait(), WAIT)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(job, WAIT)
    finally:
        await emulator.stop()
    run = await SyncRun.get(kind="holidays")
    assert (run.status, run.error) == ("failed", "cancelled")
    assert await SyncLock.all().count() == 0
    assert await PublicHoliday.all().count() == 0
