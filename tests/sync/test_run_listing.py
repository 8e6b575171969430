"""What the admin site reads about syncs: the latest run per kind, and locks in use."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

from models import SyncLock, SyncRun
from sync.runs import _process_space, latest_runs, lock_in_use, recent_runs, sync_run


async def lock(holder: str, expires_in: timedelta) -> None:
    now = datetime.now(UTC)
    await SyncLock.create(kind="hours", holder=holder, acquired_at=now, expires_at=now + expires_in)


async def test_latest_run_per_kind_and_recent_runs(db: str) -> None:
    for kind, status in (("users", "failed"), ("hours", "succeeded"), ("users", "succeeded")):
        await SyncRun.create(kind=kind, status=status)
    latest = await latest_runs(("users", "hours", "projects"))
    assert {kind: run.status for kind, run in latest.items()} == {
        "users": "succeeded",
        "hours": "succeeded",
    }
    assert [run.kind for run in await recent_runs(2)] == ["users", "hours"]


async def test_a_running_sync_holds_its_lock(db: str) -> None:
    assert await lock_in_use("hours") is None
    async with sync_run("hours"):
        held = await lock_in_use("hours")
        assert held is not None and held.kind == "hours"
    assert await lock_in_use("hours") is None


async def test_a_lock_elsewhere_counts_until_it_expires(db: str) -> None:
    await lock("other-host:1:1:abcd", timedelta(minutes=5))
    assert await lock_in_use("hours") is not None
    await SyncLock.all().delete()
    await lock("other-host:1:1:abcd", timedelta(minutes=-1))
    assert await lock_in_use("hours") is None


async def test_a_lock_of_a_stopped_process_here_does_not_count(db: str) -> None:
    await lock(f"{socket.gethostname()}:999999999:{_process_space()}:abcd", timedelta(minutes=5))
    assert await lock_in_use("hours") is None
