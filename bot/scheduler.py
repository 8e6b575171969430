"""The in-process APScheduler for `serve`: syncs and notifications run on the bot's event loop."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.settings import Settings
from sync.schedule import register_sync_jobs


def build_scheduler(settings: Settings) -> AsyncIOScheduler:
    """A scheduler in TIME_ZONE with every job registered (not started).

    A late or overlapping run is coalesced into one; jobs still claim their run in the
    database, since several replicas each have a scheduler.
    """
    scheduler = AsyncIOScheduler(
        timezone=settings.tz,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 15 * 60},
    )
    register_sync_jobs(scheduler, settings)
    return scheduler
