"""The in-process APScheduler for `serve`: syncs and notifications run on the bot's event loop.

Stopping (:meth:`BotScheduler.stop`): no new job starts, running jobs get a grace period to
finish, the rest are cancelled and awaited, so that each records its own end (``sync_run``
marks a cancelled run failed with "cancelled" and releases its lock) before the database
closes. A job cancelled this way logs one line, not APScheduler's traceback.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.notifications.new_projects import after_sync
from bot.notifications.schedule import catch_up_after_hours_sync, register_notification_jobs
from core.observability.logs import new_run_id, run_context
from core.settings import Settings
from models.flex.company import RunOffLoop
from sync.schedule import SyncRetries, register_sync_jobs

log = logging.getLogger(__name__)


class BotScheduler(AsyncIOScheduler):
    """AsyncIOScheduler that knows its running jobs, so that it can stop gracefully.

    Every job function is wrapped (:meth:`add_job`): its task is tracked while it runs, its
    log lines carry a ``run_id`` (``job-``, the job's id and a random part; a sync run inside
    sets its own), and a cancellation at shutdown ends it with one warning line instead of a
    traceback.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.running_jobs: set[asyncio.Task[Any]] = set()
        self.sync_retries: SyncRetries | None = None  # the sync jobs' body

    def add_job(self, func: Any, *args: Any, **kwargs: Any) -> Job:  # type: ignore[override]
        if asyncio.iscoroutinefunction(func):
            name = str(kwargs.get("name") or getattr(func, "__name__", "job"))
            func = self._tracked(func, name, str(kwargs.get("id") or name).replace(" ", "-"))
        return super().add_job(func, *args, **kwargs)

    def _tracked(
        self, func: Callable[..., Awaitable[Any]], name: str, job_id: str
    ) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(func)
        async def tracked(*args: Any, **kwargs: Any) -> Any:
            task = asyncio.current_task()
            if task is not None:
                self.running_jobs.add(task)
            try:
                with run_context(new_run_id(f"job-{job_id}")):
                    return await func(*args, **kwargs)
            except asyncio.CancelledError:
                log.warning("job %r was stopped at shutdown before it finished", name)
                return None
            finally:
                if task is not None:
                    self.running_jobs.discard(task)

        return tracked

    async def stop(self, grace: float) -> int:
        """No new jobs; running ones get ``grace`` seconds, then are cancelled and awaited
        (again at most ``grace``). Returns how many were cancelled. Safe if never started."""
        if not self.running:
            return 0
        self.pause()
        cancelled = 0
        pending = {task for task in self.running_jobs if not task.done()}
        if pending:
            log.info("waiting up to %.0f s for %d running job(s)", grace, len(pending))
            _, still = await asyncio.wait(pending, timeout=grace)
            for task in still:
                task.cancel()
            if still:
                _, stuck = await asyncio.wait(still, timeout=grace)
                if stuck:
                    log.warning("%d job(s) did not wind down after being cancelled", len(stuck))
            cancelled = len(still)
        self.shutdown(wait=False)
        return cancelled


def build_scheduler(
    settings: Settings, *, sync_at_start: bool = False, run: RunOffLoop | None = None
) -> BotScheduler:
    """A scheduler in TIME_ZONE with every job registered (not started).

    A late or overlapping run is coalesced into one; jobs still claim their run in the
    database, since several replicas each have a scheduler. ``sync_at_start``: the hours
    sync (when configured) runs as soon as the scheduler starts, then on its interval.
    ``run`` computes the notifications' company-wide flex batch off the loop (`serve`'s
    worker process).
    """
    scheduler = BotScheduler(
        timezone=settings.tz,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 15 * 60},
    )
    scheduler.sync_retries = register_sync_jobs(
        scheduler,
        settings,
        after=catch_up_after_hours_sync(scheduler, after_sync),
        hours_at_start=sync_at_start,
    )
    register_notification_jobs(scheduler, settings, run=run)
    return scheduler
