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

Retries (:class:`SyncRetries`): a scheduled run that failed (10000ft or the database out of
reach, say) is tried again ``SYNC_RETRY_SECONDS`` later, twice as long after each further
failure, unless the kind's next regular run comes sooner: a daily sync that fails at 03:30
does not wait for tomorrow. A run that could not record its own failure (the database was
out of reach) is recorded before the retry. A run that found the lock taken looks again when
that lock would lapse, and runs then unless a run of the kind has succeeded meanwhile: a
holder that died on another host is taken over within the lock's expiry
(``SYNC_LOCK_SECONDS``), not at the next regular run.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from core.clock import company_now
from core.db import is_unreachable
from core.settings import Settings, SyncSchedule
from models.job_claims import (
    claim_job_run,
    finish_job_run,
    forget_job_runs,
    release_job_run,
    unfinished_claim,
)
from sync.dispatch import AfterSync, missing_configuration
from sync.own_process import SyncFailed, run_sync_in_own_process
from sync.runs import (
    OUT_OF_REACH,
    SyncAlreadyRunning,
    describe_error,
    finished_since,
    holder_is_gone,
    holder_name,
    lock_in_use,
    record_failed_attempt,
)

log = logging.getLogger(__name__)


PERIOD_ANCHOR = dt.datetime(2000, 1, 3, tzinfo=dt.UTC)
"""Interval syncs run at this moment plus whole intervals, on every replica alike."""
CLAIMS_KEPT = dt.timedelta(days=8)
"""A sync job's claims are deleted after this: longer than the longest interval (7 days), so
only claims of periods long past go."""
REFERENCE_KINDS = ("users", "projects", "leave-types")
DAILY_KINDS = ("holidays", "slack-users", "slack-channels", "aws-billing")
AT_START_JOB = "sync-hours-at-start"
"""The one-off job that `serve` runs at once on start: fresh hours (it syncs people and
projects it finds missing) without waiting for the next interval."""

Status = Literal["finished", "not configured", "held elsewhere", "failed"]


def interval_of(kind: str, schedule: SyncSchedule) -> dt.timedelta | None:
    """How often ``kind`` is synced, or None for a daily kind."""
    if kind == "hours":
        return dt.timedelta(minutes=schedule.hours_minutes)
    if kind in REFERENCE_KINDS:
        return dt.timedelta(minutes=schedule.reference_minutes)
    return None


def sync_period(kind: str, settings: Settings, now: dt.datetime) -> str:
    """The period a scheduled run of ``kind`` at ``now`` belongs to, the same on every replica:
    the interval that holds ``now`` (counted from :data:`PERIOD_ANCHOR`, named by its start
    in UTC, e.g. ``2026-12-01T06:15Z``), or, for a daily kind, the day in ``TIME_ZONE``."""
    every = interval_of(kind, settings.sync_schedule)
    if every is None:
        return now.astimezone(settings.tz).date().isoformat()
    start = PERIOD_ANCHOR + (now - PERIOD_ANCHOR) // every * every
    return start.strftime("%Y-%m-%dT%H:%MZ")


async def run_sync_job(
    kind: str,
    settings: Settings,
    after: AfterSync | None = None,
    *,
    body: Callable[[str], Awaitable[Status]] | None = None,
    claim_held: Callable[[str, str, str], Awaitable[None]] | None = None,
) -> None:
    """A regular scheduled run: ``body`` (default :func:`run_scheduled_sync`), if this replica
    is the first to claim the period (:func:`sync_period`); a failed run gives the period back,
    for a replica starting within it to try again. ``claim_held(kind, job, period)`` follows
    when another run has the period."""
    now = company_now(settings)
    job, period = f"sync-{kind}", sync_period(kind, settings, now)
    try:
        claimed = await claim_job_run(
            job, period, holder_name(), lease=settings.sync_schedule.lock_ttl
        )
    except Exception as exc:
        if not is_unreachable(exc):
            raise
        # An outage: one line, not a traceback per replica per job while it lasts.
        log.warning("scheduled %s sync: could not claim %s: %s", kind, period, describe_error(exc))
        if body is not None:  # its retries: the database may be back soon
            await body(kind)
        return
    if not claimed:
        log.info("scheduled %s sync skipped: another run has the period %s", kind, period)
        if claim_held is not None:
            await claim_held(kind, job, period)
        return
    try:
        if body is None:
            status = (await run_scheduled_sync(kind, settings, after)).status
        else:
            status = await body(kind)
    except asyncio.CancelledError:  # stopped at shutdown: a replica starting now may run it
        with contextlib.suppress(Exception):
            await asyncio.shield(release_job_run(job, period))
        raise
    try:
        if status == "failed":
            await release_job_run(job, period)
        else:
            await finish_job_run(job, period)
        await forget_job_runs(job, before=now - CLAIMS_KEPT)
    except Exception:
        log.exception("scheduled %s sync: could not record the end of %s", kind, period)


@dataclass(frozen=True)
class ScheduledOutcome:
    """How one scheduled run ended."""

    status: Status
    started: dt.datetime
    error: str = ""
    held_until: dt.datetime | None = None  # "held elsewhere": when that run's lock lapses


async def run_scheduled_sync(
    kind: str, settings: Settings, after: AfterSync | None = None
) -> ScheduledOutcome:
    """A job body: run one sync, quietly yielding to a run elsewhere, logging failures;
    then ``after`` when the run finished. Never raises: the outcome says how it went."""
    started = dt.datetime.now(dt.UTC)
    note = missing_configuration(kind, settings)
    if note:
        log.debug("scheduled %s sync skipped: %s", kind, note)
        return ScheduledOutcome("not configured", started)
    try:
        run = await run_sync_in_own_process(kind, settings)
    except SyncAlreadyRunning:
        log.info("scheduled %s sync skipped: another run holds the lock", kind)
        return ScheduledOutcome("held elsewhere", started, held_until=await _lapse_of(kind))
    except SyncFailed as exc:  # its process has logged the details
        log.error("scheduled %s sync failed: %s", kind, exc)
        return ScheduledOutcome("failed", started, str(exc))
    except Exception as exc:
        log.exception("scheduled %s sync failed", kind)
        return ScheduledOutcome("failed", started, describe_error(exc))
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
    return ScheduledOutcome("finished", started)


async def _lapse_of(kind: str) -> dt.datetime | None:
    """When the lock that kept a run of ``kind`` out lapses (None: it is free already)."""
    try:
        lock = await lock_in_use(kind)
    except Exception as exc:
        if not is_unreachable(exc):
            raise
        return None
    return lock.expires_at if lock is not None else None


async def run_after_sync(after: AfterSync, kind: str, settings: Settings) -> None:
    """``after`` for a finished ``kind`` run; a failure is logged, never raised."""
    try:
        lines = await after(kind, settings)
    except Exception:
        log.exception("after the %s sync: the follow-up failed", kind)
        return
    for line in lines:
        log.info("after the %s sync: %s", kind, line)


class SyncRetries:
    """The scheduled syncs' job body, which tries a failed run again (module docstring).

    One retry job per kind at most (``retry-sync-KIND``); the regular job (claiming its period
    first, :meth:`run_claimed`) and the retry run the same :meth:`run`. The kind's lock keeps
    two of them from ever running at once.
    """

    def __init__(self, scheduler: Any, settings: Settings, after: AfterSync | None) -> None:
        self.scheduler = scheduler
        self.settings = settings
        self.after = after
        self.failures: dict[str, int] = {}
        self.unrecorded: dict[str, ScheduledOutcome] = {}

    async def run_claimed(self, kind: str) -> None:
        """The regular job: :meth:`run`, once per period across replicas (:func:`run_sync_job`)."""
        await run_sync_job(
            kind, self.settings, self.after, body=self.run, claim_held=self._claim_held
        )

    async def _claim_held(self, kind: str, job: str, period: str) -> None:
        """Another run has claimed the period. Its process gone from this host (a replica
        killed and started again): the period is taken over now. Otherwise this replica looks
        again when that run's lock lapses (or its claim, before it took the lock), and runs
        then unless a run of the kind has succeeded meanwhile."""
        now = dt.datetime.now(dt.UTC)
        try:
            claim = await unfinished_claim(job, period)
            if claim is None:  # finished meanwhile
                return
            if holder_is_gone(claim.holder):
                log.info("scheduled %s sync: the run that claimed %s is gone", kind, period)
                await release_job_run(job, period)
                await run_sync_job(kind, self.settings, self.after, body=self.run)
                return
            lock = await lock_in_use(kind)
        except Exception as exc:
            if not is_unreachable(exc):
                raise
            return  # the next regular run claims again
        lapse = lock.expires_at if lock is not None else claim.expires_at
        self._retry_at(kind, (lapse or now) + LAPSE_MARGIN, now)

    async def run(self, kind: str, waiting_since: dt.datetime | None = None) -> Status:
        """One run of ``kind``; ``waiting_since``: this retry waited for a lock held
        elsewhere since then, and is not needed if a run has succeeded since."""
        if not await self._record_unrecorded(kind):  # the database is still out of reach
            self.failures[kind] = self.failures.get(kind, 0) + 1
            self._retry_after_failure(kind)
            return "failed"
        if waiting_since is not None and await self._succeeded_since(kind, waiting_since):
            log.info("scheduled %s sync: the run that held the lock finished it", kind)
            return "finished"
        outcome = await run_scheduled_sync(kind, self.settings, self.after)
        if outcome.status == "failed":
            self.failures[kind] = self.failures.get(kind, 0) + 1
            self.unrecorded[kind] = outcome
            await self._record_unrecorded(kind)
            self._retry_after_failure(kind)
        elif outcome.status == "held elsewhere":
            lapse = outcome.held_until or dt.datetime.now(dt.UTC)
            self._retry_at(kind, lapse + LAPSE_MARGIN, waiting_since or outcome.started)
        else:
            self.failures.pop(kind, None)
        return outcome.status

    async def _record_unrecorded(self, kind: str) -> bool:
        """Records the last failed run of ``kind`` if it could not record itself; False when
        the database is still out of reach."""
        outcome = self.unrecorded.get(kind)
        if outcome is None:
            return True
        try:
            await record_failed_attempt(kind, outcome.started, outcome.error)
        except Exception as exc:
            if not is_unreachable(exc):
                raise
            log.warning("the failed %s sync is recorded later: %s", kind, describe_error(exc))
            if not outcome.error.startswith(OUT_OF_REACH):  # that is why it failed, too
                self.unrecorded[kind] = replace(outcome, error=OUT_OF_REACH + outcome.error)
            return False
        del self.unrecorded[kind]
        return True

    async def _succeeded_since(self, kind: str, moment: dt.datetime) -> bool:
        try:
            return await finished_since(kind, moment)
        except Exception as exc:
            if not is_unreachable(exc):
                raise
            return False

    def _retry_after_failure(self, kind: str) -> None:
        failures = max(self.failures.get(kind, 1), 1)
        delay = self.settings.sync_schedule.retry_seconds * 2 ** min(failures - 1, 20)
        when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay)
        if self._retry_at(kind, when, None):
            log.warning("scheduled %s sync: trying again in %d s", kind, delay)

    def _retry_at(self, kind: str, when: dt.datetime, waiting_since: dt.datetime | None) -> bool:
        """Schedules the retry of ``kind`` at ``when``, unless its regular run comes first."""
        regular = self.scheduler.get_job(f"sync-{kind}")
        upcoming = getattr(regular, "next_run_time", None) if regular is not None else None
        if upcoming is not None and upcoming <= when:
            return False
        self.scheduler.add_job(
            self.run,
            "date",
            run_date=when,
            args=(kind, waiting_since),
            id=f"retry-sync-{kind}",
            name=f"retry sync {kind}",
            replace_existing=True,
            misfire_grace_time=None,
        )
        return True


LAPSE_MARGIN = dt.timedelta(seconds=1)
"""How long after a lock held elsewhere lapses the retry looks again (clocks differ a little)."""


def register_sync_jobs(
    scheduler: Any,
    settings: Settings,
    *,
    after: AfterSync | None = None,
    hours_at_start: bool = False,
) -> SyncRetries:
    """Adds the periodic sync jobs to the AsyncIOScheduler (unconfigured kinds get none);
    ``after`` follows each finished run. ``hours_at_start``: the hours sync also runs as
    soon as the scheduler starts (:data:`AT_START_JOB`), claiming the period it starts in.
    Returns the jobs' body, which schedules retries."""
    schedule = settings.sync_schedule
    options: dict[str, Any] = {"max_instances": 1, "coalesce": True, "replace_existing": True}
    retries = SyncRetries(scheduler, settings, after)

    def add_interval(kind: str, every: dt.timedelta) -> None:
        if missing_configuration(kind, settings):
            return
        scheduler.add_job(
            retries.run_claimed,
            "interval",
            seconds=every.total_seconds(),
            start_date=PERIOD_ANCHOR,
            timezone=dt.UTC,
            args=(kind,),
            id=f"sync-{kind}",
            name=f"sync {kind}",
            **options,
        )

    def add_daily(kind: str) -> None:
        if missing_configuration(kind, settings):
            return
        scheduler.add_job(
            retries.run_claimed,
            "cron",
            hour=schedule.daily_hour,
            minute=schedule.daily_minute,
            timezone=settings.tz,
            args=(kind,),
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
            retries.run_claimed,
            "date",
            run_date=company_now(settings),
            args=("hours",),
            id=AT_START_JOB,
            name="sync hours",
            **options,
        )
    return retries
