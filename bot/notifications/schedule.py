"""Scheduled notification jobs for `serve`.

Each kind (bot/notifications/registry.py) is a cron job with a fixed id (``notify-KIND``) at its
NOTIFY_*_AT time in ``TIME_ZONE`` on its day: unsubmitted hours, the manager digest and the
contract report on Mondays, unapproved hours on Tuesdays, flex saldos on the month's first
Wednesday, invoice review requests on the 2nd (for the month before).

Every run first claims ``(job, period)`` in the database (models/job_claims.py), so of several
replicas one sends, and a period is sent once. A run missed while no replica was up is made up
for: a catch-up job (at start, then every ``CATCH_UP_MINUTES``) runs each kind whose send time
in the current period has passed and whose period no run has finished; a run that died half-way
is taken over once its claim expires, and the ledger keeps it from sending anything twice.
Changed-since-approval notices run on the hours sync's interval (the ledger sends each change
once, whichever replica runs).

Without ``SLACK_BOT_TOKEN`` no notification job is scheduled.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections import Counter
from collections.abc import Iterable
from typing import Any

from bot.notifications.batch import BatchReport, send_batch
from bot.notifications.invoices import NoticeResult, send_change_notices, send_review_requests
from bot.notifications.registry import KINDS, NotificationKind, plan, scheduled_kinds
from core.clock import company_now
from core.settings import Settings
from models.flex.company import RunOffLoop
from models.invoices.review_requests import previous_month
from models.job_claims import claim_job_run, finish_job_run, job_run_finished
from sync.slack_client import build_notification_client

log = logging.getLogger(__name__)

REVIEW_JOB = KINDS["invoices"].job_id
CHANGES_JOB = "notify-invoice-changes"
CATCH_UP_JOB = "notify-catch-up"
CATCH_UP_MINUTES = 10


def holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def tally(results: list[NoticeResult]) -> str:
    counts = Counter(result.status for result in results)
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing to send"


async def run_review_requests(settings: Settings, today: dt.date | None = None) -> bool:
    """The monthly job body; False when another replica (or run) has the month."""
    today = today or company_now(settings).date()
    year, month = previous_month(today)
    period = f"{year:04d}-{month:02d}"
    if not await _claim(settings, REVIEW_JOB, period):
        log.info("invoice review requests for %s: already claimed", period)
        return False
    try:
        results = await send_review_requests(
            settings, build_notification_client(settings), year, month
        )
    except Exception:
        log.exception("invoice review requests for %s failed", period)
        return True
    await finish_job_run(REVIEW_JOB, period)
    log.info("invoice review requests for %s: %s", period, tally(results))
    for result in results:
        if result.status == "failed":
            log.warning("invoice review request not sent: %s", result.line())
    return True


async def run_notification_kind(
    settings: Settings,
    kind: str,
    today: dt.date | None = None,
    *,
    run: RunOffLoop | None = None,
) -> BatchReport | None:
    """One scheduled run of ``kind`` (not ``invoices``): claim the period, plan (heavy work
    with ``run``, `serve`'s worker process), send, finish. None when another replica or run
    has the period, or the run failed (logged)."""
    notification_kind = KINDS[kind]
    today = today or company_now(settings).date()
    period = notification_kind.period(today)
    if not await _claim(settings, notification_kind.job_id, period):
        log.info("%s for %s: already claimed", kind, period)
        return None
    try:
        batch = await plan(kind, settings, today, run=run)
        report = await send_batch(
            build_notification_client(settings),
            batch,
            send_rate=settings.notification_schedule.send_rate,
            lease=settings.notification_schedule.claim_lease,
        )
    except Exception:
        log.exception("%s for %s failed; a later run takes it over", kind, period)
        return None
    await finish_job_run(notification_kind.job_id, period)
    log.info("%s %s: %s", kind, period, report.tally())
    for outcome in report.outcomes:
        if outcome.status == "failed":
            log.warning("%s not sent: %s", kind, outcome.line())
    return report


async def _claim(settings: Settings, job: str, period: str) -> bool:
    lease = dt.timedelta(minutes=settings.notification_schedule.claim_minutes)
    return await claim_job_run(job, period, holder(), lease=lease)


def due_kinds(
    kinds: Iterable[NotificationKind], settings: Settings, now: dt.datetime
) -> list[NotificationKind]:
    """The kinds whose send time in the period holding ``now`` (company time) has passed."""
    due = []
    for kind in kinds:
        hour, minute = kind.at(settings.notification_schedule)
        send_at = dt.datetime.combine(kind.send_day(now.date()), dt.time(hour, minute), now.tzinfo)
        if send_at <= now:
            due.append(kind)
    return due


async def catch_up(settings: Settings, *, run: RunOffLoop | None = None) -> list[str]:
    """Runs every kind that is due and whose period no run has finished; returns their names."""
    now = company_now(settings)
    ran = []
    for kind in due_kinds(scheduled_kinds(), settings, now):
        if await job_run_finished(kind.job_id, kind.period(now.date())):
            continue
        ran.append(kind.name)
        if kind.name == "invoices":
            await run_review_requests(settings, now.date())
        else:
            await run_notification_kind(settings, kind.name, now.date(), run=run)
    return ran


async def run_catch_up(settings: Settings, run: RunOffLoop | None = None) -> None:
    try:
        ran = await catch_up(settings, run=run)
    except Exception:
        log.exception("notification catch-up failed")
        return
    log.info("notification catch-up done: %s", ", ".join(ran) or "nothing due")


async def run_change_notices(settings: Settings) -> None:
    """The interval job body: tell admins about invoices changed since approval."""
    try:
        results = await send_change_notices(settings, build_notification_client(settings))
    except Exception:
        log.exception("changed-since-approval notices failed")
        return
    if results:
        log.info("changed-since-approval notices: %s", tally(results))
    for result in results:
        if result.status == "failed":
            log.warning("changed-since-approval notice not sent: %s", result.line())


def register_notification_jobs(
    scheduler: Any, settings: Settings, *, run: RunOffLoop | None = None
) -> None:
    """Every notification job; ``run`` (`serve`'s worker process) computes the company-wide
    flex batch of the flex saldo message and the contract report off the event loop."""
    if not settings.slack_bot_token:
        return
    options: dict[str, Any] = {"max_instances": 1, "coalesce": True, "replace_existing": True}
    for kind in scheduled_kinds():
        hour, minute = kind.at(settings.notification_schedule)
        kwargs: dict[str, Any] = {}
        if kind.name == "invoices":
            func: Any = run_review_requests
            args: tuple[Any, ...] = (settings,)
        else:
            func, args, kwargs = run_notification_kind, (settings, kind.name), {"run": run}
        scheduler.add_job(
            func,
            "cron",
            **kind.cron_fields(),
            hour=hour,
            minute=minute,
            timezone=settings.tz,
            args=args,
            kwargs=kwargs,
            id=kind.job_id,
            name=f"notify {kind.name}",
            **options,
        )
    scheduler.add_job(
        run_catch_up,
        "interval",
        minutes=CATCH_UP_MINUTES,
        next_run_time=company_now(settings),
        args=(settings, run),
        id=CATCH_UP_JOB,
        name="notify catch-up",
        **options,
    )
    scheduler.add_job(
        run_change_notices,
        "interval",
        minutes=settings.sync_schedule.hours_minutes,
        args=(settings,),
        id=CHANGES_JOB,
        name="notify invoice changes",
        **options,
    )
