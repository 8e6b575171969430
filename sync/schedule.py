"""Scheduled sync jobs for `serve`.

Defaults (docs/domain-rules.md, "Syncs"): hours of the last 60 days every 15 minutes; users,
projects and leave types hourly; holidays and the Slack directory daily. Each can be tuned from the
environment (validated with the other settings, ``Settings.sync_schedule``):

- ``SYNC_HOURS_INTERVAL_MINUTES`` (default 15)
- ``SYNC_REFERENCE_INTERVAL_MINUTES`` (default 60): users, projects, leave types
- ``SYNC_DAILY_AT`` (default ``03:30``, HH:MM in TIME_ZONE): holidays, Slack users and channels,
  and AWS billing (the current month, and the previous one until the 5th: ``sync.aws.billing``)

A finished run is followed by the ``after`` hook the bot gives (posts about new projects).

Replicas all schedule the same jobs, and each kind is synced once per period however many
run: the jobs fire at the same moments on every replica (an interval counts from
:data:`PERIOD_ANCHOR`, a daily job runs at ``SYNC_DAILY_AT``), and a run first claims its
kind's period in ``job_claim`` (models/job_claims.py; the period is the interval that holds
the moment, or the day), so one replica syncs and the others let it go. The run itself still
takes its kind's database lock, so it never overlaps a run started elsewhere (*Sync now*, the
CLI): finding it taken, the run lets go quietly (``SyncAlreadyRunning``). A failed run gives
its period back, for a replica starting within it to try again. Each run goes to a process of
its own (``sync.own_process``), so that the bot's event loop stays free.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from core.clock import company_now
from core.settings import Settings, SyncSchedule
from models.job_claims import claim_job_run, finish_job_run, forget_job_runs, release_job_run
from sync.dispatch import AfterSync, missing_configuration
from sync.own_process import SyncFailed, run_sync_in_own_process
from sync.runs import LOCK_TTL, SyncAlreadyRunning

log = logging.getLogger(__name__)

PERIOD_ANCHOR = datetime(2000, 1, 3, tzinfo=UTC)
"""Interval syncs run at this moment plus whole intervals, on every replica alike."""
CLAIMS_KEPT = timedelta(days=8)
"""A sync job's claims are deleted after this: longer than the longest interval (7 days), so
only claims of periods long past go."""
REFERENCE_KINDS = ("users", "projects", "leave-types")
DAILY_KINDS = ("holidays", "slack-users", "slack-channels", "aws-billing")
AT_START_JOB = "sync-hours-at-start"
"""The one-off job that `serve` runs at once on start: fresh hours (it syncs people and
projects it finds missing) without waiting for the next interval."""

Outcome = Literal["finished", "already running", "failed", "not configured"]


def interval_of(kind: str, schedule: SyncSchedule) -> timedelta | None:
    """How often ``kind`` is synced, or None for a daily kind."""
    if kind == "hours":
        return timedelta(minutes=schedule.hours_minutes)
    if kind in REFERENCE_KINDS:
        return timedelta(minutes=schedule.reference_minutes)
    return None


def sync_period(kind: str, settings: Settings, now: datetime) -> str:
    """The period a scheduled run of ``kind`` at ``now`` belongs to, the same on every replica:
    the interval that holds ``now`` (counted from :data:`PERIOD_ANCHOR`, named by its start
    in UTC, e.g. ``2026-12-01T06:15Z``), or, for a daily kind, the day in ``TIME_ZONE``."""
    every = interval_of(kind, settings.sync_schedule)
    if every is None:
        return now.astimezone(settings.tz).date().isoformat()
    start = PERIOD_ANCHOR + (now - PERIOD_ANCHOR) // every * every
    return start.strftime("%Y-%m-%dT%H:%MZ")


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def run_sync_job(kind: str, settings: Settings, after: AfterSync | None = None) -> None:
    """The job the scheduler runs: :func:`run_scheduled_sync`, if this replica is the first
    to claim the period (:func:`sync_period`); a failed run gives the period back."""
    now = company_now(settings)
    job, period = f"sync-{kind}", sync_period(kind, settings, now)
    try:
        claimed = await claim_job_run(job, period, _holder(), lease=LOCK_TTL)
    except Exception:
        log.exception("scheduled %s sync: could not claim %s", kind, period)
        return
    if not claimed:
        log.info("scheduled %s sync skipped: another run has the period %s", kind, period)
        return
    try:
        outcome = await run_scheduled_sync(kind, settings, after)
    except asyncio.CancelledError:  # stopped at shutdown: a replica starting now may run it
        with contextlib.suppress(Exception):
            await asyncio.shield(release_job_run(job, period))
        raise
    try:
        if outcome == "failed":
            await release_job_run(job, period)
        else:
            await finish_job_run(job, period)
        await forget_job_runs(job, before=now - CLAIMS_KEPT)
    except Exception:
        log.exception("scheduled %s sync: could not record the end of %s", kind, period)


async def run_scheduled_sync(
    kind: str, settings: Settings, after: AfterSync | None = None
) -> Outcome:
    """One sync, quietly yielding to a run elsewhere, logging failures; then ``after`` when
    the run finished."""
    note = missing_configuration(kind, settings)
    if note:
        log.debug("scheduled %s sync skipped: %s", kind, note)
        return "not configured"
    try:
        run = await run_sync_in_own_process(kind, settings)
    except SyncAlreadyRunning:
        log.info("scheduled %s sync skipped: another run holds the lock", kind)
        return "already running"
    except SyncFailed as exc:  # its process has logged the details
        log.error("scheduled %s sync failed: %s", kind, exc)
        return "failed"
    except Exception:
        log.exception("scheduled %s sync failed", kind)
        return "failed"
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
        return "finished"


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
    scheduler: Any,
    settings: Settings,
    *,
    after: AfterSync | None = None,
    hours_at_start: bool = False,
) -> None:
    """Adds the periodic sync jobs to the AsyncIOScheduler (unconfigured kinds get none);
    ``after`` follows each finished run. ``hours_at_start``: the hours sync also runs as
    soon as the scheduler starts (:data:`AT_START_JOB`), claiming the period it starts in."""
    schedule = settings.sync_schedule
    options: dict[str, Any] = {"max_instances": 1, "coalesce": True, "replace_existing": True}

    def add_interval(kind: str, every: timedelta) -> None:
        if missing_configuration(kind, settings):
            return
        scheduler.add_job(
            run_sync_job,
            "interval",
            seconds=every.total_seconds(),
            start_date=PERIOD_ANCHOR,
            timezone=UTC,
            args=(kind, settings, after),
            id=f"sync-{kind}",
            name=f"sync {kind}",
            **options,
        )

    def add_daily(kind: str) -> None:
        if missing_configuration(kind, settings):
            return
        scheduler.add_job(
            run_sync_job,
            "cron",
            hour=schedule.daily_hour,
            minute=schedule.daily_minute,
            timezone=settings.tz,
            args=(kind, settings, after),
            id=f"sync-{kind}",
            name=f"sync {kind}",
            **options,
        )

    for kind in ("hours", *REFERENCE_KINDS):
        every = interval_of(kind, schedule)
        assert every is not None
        add_interval(kind, every)
    for kind in DAILY_KINDS:
        add_daily(kind)
    if hours_at_start and not missing_configuration("hours", settings):
        scheduler.add_job(
            run_sync_job,
            "date",
            run_date=company_now(settings),
            args=("hours", settings, after),
            id=AT_START_JOB,
            name="sync hours",
            **options,
        )
