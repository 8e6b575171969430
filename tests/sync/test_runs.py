"""Sync runs are recorded and runs of one kind never overlap (in a process and across them)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from models import SyncLock, SyncRun
from sync import runs
from sync.counts import SyncCounts
from sync.runs import (
    SyncAlreadyRunning,
    SyncLockLost,
    _pid_namespace,
    _process_space,
    renew_lock,
    sync_run,
)
from tests.support.processes import ROOT, kill_if_running


async def test_successful_run_is_recorded_with_counts(db: str) -> None:
    async with sync_run("hours", date(2024, 1, 1), date(2024, 1, 31), forced=True) as run:
        assert await SyncLock.filter(kind="hours").count() == 1
        run.counts = SyncCounts(added=3, updated=2, deleted=1, skipped=7)

    record = await SyncRun.get(kind="hours")
    assert record.status == "succeeded"
    assert (record.added, record.updated, record.deleted, record.skipped) == (3, 2, 1, 7)
    assert record.start_date == date(2024, 1, 1) and record.end_date == date(2024, 1, 31)
    assert record.forced is True
    assert record.finished_at is not None and record.finished_at >= record.started_at
    assert record.error == ""
    assert await SyncLock.filter(kind="hours").count() == 0


async def test_failed_run_records_error_and_releases_lock(db: str) -> None:
    with pytest.raises(RuntimeError, match="upstream broke"):
        async with sync_run("users") as run:
            run.counts.added = 2
            raise RuntimeError("upstream broke\nsecond line is not kept")

    record = await SyncRun.get(kind="users")
    assert record.status == "failed"
    assert record.error == "upstream broke"
    assert record.added == 2
    assert record.finished_at is not None
    assert await SyncLock.filter(kind="users").count() == 0


async def test_concurrent_runs_of_one_kind_exactly_one_runs(db: str) -> None:
    inside = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with sync_run("projects"):
            inside.set()
            await asyncio.wait_for(release.wait(), 10)

    holder = asyncio.create_task(first())
    await asyncio.wait_for(inside.wait(), 10)
    with pytest.raises(SyncAlreadyRunning, match="projects sync is already running"):
        async with sync_run("projects"):
            pytest.fail("a second run of the same kind must not start")
    # Another kind is not blocked.
    async with sync_run("users"):
        pass
    release.set()
    await asyncio.wait_for(holder, 10)

    assert await SyncRun.filter(kind="projects").count() == 1
    async with sync_run("projects"):  # free again once the first finished
        pass
    assert await SyncRun.filter(kind="projects", status="succeeded").count() == 2


async def test_gathered_runs_one_wins(db: str) -> None:
    started = 0
    gate = asyncio.Event()

    async def attempt() -> str:
        nonlocal started
        try:
            async with sync_run("holidays"):
                started += 1
                await asyncio.wait_for(gate.wait(), 10)
                return "ran"
        except SyncAlreadyRunning:
            gate.set()
            return "refused"

    results = await asyncio.gather(attempt(), attempt())
    assert sorted(results) == ["ran", "refused"]
    assert started == 1


async def test_expired_lock_is_taken_over(db: str) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    await SyncLock.create(
        kind="hours", holder="crashed", acquired_at=past, expires_at=past + timedelta(minutes=10)
    )
    async with sync_run("hours"):
        lock = await SyncLock.get(kind="hours")
        assert lock.holder != "crashed"
        assert lock.expires_at > datetime.now(UTC)
        assert await renew_lock("hours", "crashed") is False
    assert await SyncLock.filter(kind="hours").count() == 0


async def test_live_lock_is_not_taken_over(db: str) -> None:
    now = datetime.now(UTC)
    await SyncLock.create(
        kind="hours", holder="alive", acquired_at=now, expires_at=now + timedelta(minutes=10)
    )
    with pytest.raises(SyncAlreadyRunning):
        async with sync_run("hours"):
            pass
    assert (await SyncLock.get(kind="hours")).holder == "alive"
    assert await SyncRun.filter(kind="hours").count() == 0


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from core.db import open_database
    from sync.runs import sync_run

    async def main(url):
        async with open_database(url):
            async with sync_run("hours"):
                print("held", flush=True)
                await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        print("released", flush=True)

    asyncio.run(main(sys.argv[1]))
    """
)


async def start_lock_holder(db: str) -> asyncio.subprocess.Process:
    """Another process that takes the hours lock, says "held", and lets go on a line of input."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        db,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )


async def test_lock_holds_across_processes(db: str) -> None:
    child = await start_lock_holder(db)
    assert child.stdin is not None and child.stdout is not None
    try:
        line = await asyncio.wait_for(child.stdout.readline(), 60)
        assert line.strip() == b"held"
        with pytest.raises(SyncAlreadyRunning):
            async with sync_run("hours"):
                pytest.fail("the other process holds the hours lock")
        child.stdin.write(b"go\n")
        await child.stdin.drain()
        assert (await asyncio.wait_for(child.stdout.readline(), 60)).strip() == b"released"
        assert await asyncio.wait_for(child.wait(), 60) == 0
    finally:
        await kill_if_running(child)
    async with sync_run("hours"):
        pass
    statuses = sorted(await SyncRun.filter(kind="hours").values_list("status", flat=True))
    assert statuses == ["succeeded", "succeeded"]


async def test_lock_of_a_killed_process_is_taken_over_at_once(db: str) -> None:
    """A run killed mid-way (SIGKILL: no cleanup) does not block its kind until expiry."""
    child = await start_lock_holder(db)
    assert child.stdout is not None
    try:
        assert (await asyncio.wait_for(child.stdout.readline(), 60)).strip() == b"held"
    finally:
        child.kill()
        await child.wait()
    lock = await SyncLock.get(kind="hours")
    assert lock.expires_at > datetime.now(UTC)  # not expired: only the dead holder frees it
    async with sync_run("hours"):
        assert (await SyncLock.get(kind="hours")).holder != lock.holder
    runs = await SyncRun.filter(kind="hours").order_by("id").values_list("status", "error")
    assert runs[0] == ("failed", "abandoned: the process running it stopped")
    assert runs[1] == ("succeeded", "")


@pytest.mark.parametrize(
    "holder",
    [
        f"{socket.gethostname()}:{os.getppid()}:{_process_space()}:abcd",  # our parent: alive
        # A dead pid, but in another pid space (a container sharing the hostname): not ours
        # to judge, so only expiry frees it.
        f"{socket.gethostname()}:999999999:other-pid-space:abcd",
        # A dead pid in a pid space with our namespace's inode, but on another machine that
        # shares our hostname (another boot id): never ours to judge either.
        f"{socket.gethostname()}:999999999:0123456789abcdef.{_pid_namespace()}:abcd",
    ],
)
async def test_lock_whose_holder_may_be_alive_is_not_taken_over(db: str, holder: str) -> None:
    now = datetime.now(UTC)
    await SyncLock.create(
        kind="hours", holder=holder, acquired_at=now, expires_at=now + timedelta(minutes=10)
    )
    with pytest.raises(SyncAlreadyRunning):
        async with sync_run("hours"):
            pass


async def test_a_run_whose_lock_was_taken_over_stops(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs, "RENEW_EVERY", timedelta(milliseconds=5))
    never = asyncio.Event()
    with pytest.raises(SyncLockLost):
        async with sync_run("hours"):
            # Another replica takes the (expired) lock over while this run is still working.
            await SyncLock.filter(kind="hours").update(holder="someone-else")
            await asyncio.wait_for(never.wait(), 30)
    run = await SyncRun.get(kind="hours")
    assert (run.status, run.error) == ("failed", "stopped: another run took over its expired lock")
    assert (await SyncLock.get(kind="hours")).holder == "someone-else"  # theirs, untouched


def test_the_holder_names_this_boot_of_this_machine() -> None:
    space = _process_space()
    boot = Path("/proc/sys/kernel/random/boot_id")
    if boot.exists():
        assert space.startswith(boot.read_text().strip().replace("-", "") + ".")
    assert space.endswith("." + _pid_namespace())


def test_two_hosts_with_one_hostname_never_judge_each_others_locks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Host A holds a lock as pid 999999999 (alive there); host B, same hostname and the same
    initial pid namespace, has no such pid, but must not call A's holder gone."""
    monkeypatch.setattr(runs, "_boot_id", lambda: "boot-of-host-a")
    holder_on_a = f"{socket.gethostname()}:999999999:{_process_space()}:abcd"
    assert runs.holder_is_gone(holder_on_a)  # on A itself a dead pid is judged gone
    monkeypatch.setattr(runs, "_boot_id", lambda: "boot-of-host-b")
    assert not runs.holder_is_gone(holder_on_a)
