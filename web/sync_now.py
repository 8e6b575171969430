"""Sync now on the admin site: a sync of one kind, run in the background, never twice at once.

A press starts the sync as an asyncio task kept here (one per kind), which runs it in a process
of its own (``sync.own_process``), and answers at once; the run records itself (``sync_run``:
lock + run record), so the page shows its progress from the database. A second press while a
run of that kind is going on, whether started here, by the scheduler, by the CLI or by another
replica (the database lock), is answered "already running" and starts nothing. Closing cancels
the tasks and waits for them: the processes are stopped, and ``sync_run`` records the runs as
failed ("cancelled") and releases their locks. A finished run is followed by the ``after``
hook the bot gives (posts about new projects), in the same background task.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from core.settings import Settings
from sync.dispatch import AfterSync, missing_configuration
from sync.own_process import SyncFailed, run_sync_in_own_process
from sync.runs import SyncAlreadyRunning, lock_in_use
from sync.schedule import run_after_sync

log = logging.getLogger(__name__)

Outcome = Literal["started", "already running", "not available"]
SyncRunner = Callable[[str, Settings], Awaitable[Any]]


def unavailable_reason(kind: str, settings: Settings) -> str | None:
    """Why ``kind`` cannot be started with these settings, or None when it can."""
    return missing_configuration(kind, settings)


async def default_runner(kind: str, settings: Settings) -> Any:
    return await run_sync_in_own_process(kind, settings)


@dataclass(frozen=True)
class StartResult:
    outcome: Outcome
    detail: str = ""  # when it is already running, or why it cannot run


class SyncNow:
    """The background syncs of one admin site."""

    def __init__(
        self,
        settings: Settings,
        runner: SyncRunner = default_runner,
        after: AfterSync | None = None,
    ) -> None:
        self._settings = settings
        self._runner = runner
        self._after = after
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._closed = False

    def running_here(self, kind: str) -> bool:
        task = self._tasks.get(kind)
        return task is not None and not task.done()

    def task(self, kind: str) -> asyncio.Task[None] | None:
        """The background task of ``kind`` started here, while it runs (tests wait on it)."""
        task = self._tasks.get(kind)
        return task if task is not None and not task.done() else None

    async def start(self, kind: str) -> StartResult:
        """Starts a run of ``kind`` in the background unless one is going on or it cannot run."""
        reason = unavailable_reason(kind, self._settings)
        if reason is not None:
            return StartResult("not available", reason)
        if self._closed:
            return StartResult("not available", "the site is shutting down")
        if self.running_here(kind):
            return StartResult("already running", "started from this site")
        lock = await lock_in_use(kind)
        # Checked again after the await, and the task registered without another await in
        # between, so two presses cannot both get past this point.
        if self.running_here(kind):
            return StartResult("already running", "started from this site")
        if lock is not None:
            since = lock.acquired_at.astimezone(self._settings.tz).strftime("%Y-%m-%d %H:%M")
            return StartResult("already running", f"started {since}")
        self._tasks[kind] = asyncio.create_task(self._run(kind), name=f"sync-now-{kind}")
        return StartResult("started")

    async def _run(self, kind: str) -> None:
        try:
            await self._runner(kind, self._settings)
        except SyncAlreadyRunning as exc:  # another process took the lock just before us
            log.info("sync now: %s", exc)
        except asyncio.CancelledError:
            raise
        except SyncFailed as exc:  # recorded on the run; its process logged the details
            log.error("sync now: the %s sync failed: %s", kind, exc)
        except Exception:  # recorded on the run as failed; logged here with the traceback
            log.exception("sync now: the %s sync failed", kind)
        else:
            if self._after is not None:
                await run_after_sync(self._after, kind, self._settings)

    async def close(self) -> None:
        """Cancels the running syncs and waits until they have recorded it."""
        self._closed = True
        tasks = [task for task in self._tasks.values() if not task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
