"""Scheduled sync jobs for `serve`.

Defaults (docs/domain-rules.md, "Syncs"): hours of the last 60 days every 15 minutes; users,
projects and leave types hourly; holidays and the Slack directory daily. Each can be tuned from the
environment (validated with the other settings, ``Settings.sync_schedule``):

- ``SYNC_HOURS_INTERVAL_MINUTES`` (default 15)
- ``SYNC_REFERENCE_INTERVAL_MINUTES`` (default 60): users, projects, leave types
- ``SYNC_DAILY_AT`` (default ``03:30``, HH:MM in TIME_ZONE): holidays, Slack users and channels,
  and AWS billing (the current month, and the previous one until the 5th: ``sync.aws.billing``)

A finished run is followed by the ``after`` hook the bot gives (posts about new projects).

Replicas may all schedule the same jobs: a run takes its kind's database lock first, and a
replica that finds it taken lets the run go quietly (``SyncAlreadyRunning``). Each run goes
to a process of its own (``sync.own_process``), so that the bot's event loop stays free.
"""

from __future__ import annotations

import logging
from typing import Any

from core.settings import Settings
from sync.dispatch import AfterSync, missing_configuration
from sync.own_process import SyncFailed, run_sync_in_own_process
from sync.runs import SyncAlreadyRunning

log = logging.getLogger(__name__)


async def run_scheduled_sync(kind: str, settings: Settings, after: AfterSync | None = None) -> None:
    """A job body: run one sync, quietly yielding to a run elsewhere, logging failures;
    then ``after`` when the run finished."""
    note = missing_configuration(kind, settings)
    if note:
        log.debug("scheduled %s sync skipped: %s", kind, note)
        return
    try:
        run = await run_sync_in_own_process(kind, settings)
    except SyncAlreadyRunning:
        log.info("scheduled %s sync skipped: another run holds the lock", kind)
    except SyncFailed as exc:  # its process has logged the details
        log.error("scheduled %s sync failed: %s", kind, exc)
    except Exception:
        log.exception("scheduled %s sync failed", kind)
    else:
        log.info(
            "scheduled %s sync: added %d, updated %d, deleted %d, skipped %d",
            kind,
            run.added,
            run.updated,
            run.deleted,
            run.skipped,
        )
        if after is not None:
            await run_after_sync(after, kind, settings)


async def run_after_sync(after: AfterSync, kind: str, settings: Settings) -> None:
    """``after`` for a finished ``kind`` run; a failure is logged, never raised."""
    try:
        lines = await after(kind, settings)
    except Exception:
        log.exception("after the %s sync: the follow-up failed", kind)
        return
    for line in lines:
        log.info("after the %s sync: %s", kind, line)


def register_sync_jobs(
    scheduler: Any, settings: Settings, *, after: AfterSync | None = None
) -> None:
    """Adds the periodic sync jobs to the AsyncIOScheduler (unconfigured kinds get none);
    ``after`` follows each finished run."""
    schedule = settings.sync_schedule
    options: dict[str, Any] = {"max_instances": 1, "coalesce": True, "replace_existing": True}

    def add_interval(kind: str, minutes: int) -> None:
        if missing_configuration(kind, settings):
            return
        scheduler.add_job(
            run_scheduled_sync,
            "interval",
            minutes=minutes,
            args=(kind, settings, after),
            id=f"sync-{kind}",
            name=f"sync {kind}",
            **options,
        )

    def add_daily(kind: str) -> None:
        if missing_configuration(kind, settings):
            return
        scheduler.add_job(
            run_scheduled_sync,
            "cron",
            hour=schedule.daily_hour,
            minute=schedule.daily_minute,
            timezone=settings.tz,
            args=(kind, settings, after),
            id=f"sync-{kind}",
            name=f"sync {kind}",
            **options,
        )

    add_interval("hours", schedule.hours_minutes)
    for kind in ("users", "projects", "leave-types"):
        add_interval(kind, schedule.reference_minutes)
    for kind in ("holidays", "slack-users", "slack-channels", "aws-billing"):
        add_daily(kind)
