"""Scheduled notification jobs for `serve`.

Each kind (bot/notifications/registry.py) is a cron job with a fixed id (``notify-KIND``) at its
NOTIFY_*_AT time in ``TIME_ZONE`` on its day: unsubmitted hours, the manager digest and the
contract report on Mondays, unapproved hours on Tuesdays, flex saldos on the month's first
Wednesday, invoice review requests on the 2nd (for the month before).

Every run first claims ``(job, period)`` in the database (models/job_claims.py), so of several
replicas one sends, and a period is sent once. A run missed while no replica was up is made up
for: a catch-up job (at start, then every ``CATCH_UP_MINUTES``) runs each kind whose send time
in the current period has passed and whose period no run has finished; a run that died half-way
is taken over once its claim expires (the catch-up comes back at that moment), and the ledger
keeps it from sending anything twice. Messages the dead run had claimed but may not have posted
are "in flight" until their lease has passed: the period stays open (its claim lapsing then),
and the next run looks each up in Slack, marks it sent if it was posted, and sends it if not.

A run that leaves recipients failed does not finish its period either: it lets the next
catch-up take over at once, which sends to the failed recipients only (the ledger has the
rest as sent), up to ``RUN_ATTEMPTS`` runs; after that the failures stay failed for the period,
logged as an error (`financebot notify` sends them by hand).

Every kind reads what the 10000ft syncs bring (hours, people, invoices), so no run claims its
period before an hours sync has completed once: on a new or restored database `serve`'s
start-up sync comes first, and the catch-up runs again as soon as it has finished
(:func:`catch_up_after_hours_sync`) instead of closing the period on an empty database.
Changed-since-approval notices run on the hours sync's interval (the ledger sends each change
once, whichever replica runs).

Without ``SLACK_BOT_TOKEN`` no notification job is scheduled.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import socket
from collections import Counter
from collections.abc import Iterable
from typing import Any

from bot.notifications.batch import IN_FLIGHT, BatchReport, send_batch
from bot.notifications.invoices import NoticeResult, send_change_notices, send_review_requests
from bot.notifications.registry import KINDS, NotificationKind, plan, scheduled_kinds
from core.clock import company_now
from core.settings import Settings
from models.flex.company import RunOffLoop
from models.flex.report import hours_ever_synced
from models.invoices.review_requests import previous_month
from models.job_claims import (
    claim_job_run,
    finish_job_run,
    job_run_attempts,
    job_run_finished,
    next_claim_lapse,
    release_job_run,
)
from models.notifications.kinds import NotificationType
from models.notifications.ledger import in_flight_until
from sync.dispatch import AfterSync
from sync.retry_budget import RetryBudget
from sync.slack_client import build_notification_client, run_budget

log = logging.getLogger(__name__)

REVIEW_JOB = KINDS["invoices"].job_id
CHANGES_JOB = "notify-invoice-changes"
CATCH_UP_JOB = "notify-catch-up"
CATCH_UP_MINUTES = 10
LAPSE_MARGIN = dt.timedelta(seconds=1)
"""How long after a held claim lapses the catch-up comes back for it (clocks differ a little)."""
RUN_ATTEMPTS = 4
"""Runs of one (job, period) that try its failed recipients: the scheduled run and three
catch-ups, ``CATCH_UP_MINUTES`` apart."""
WAITING = "waiting for the first hours sync"


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
    what = f"invoice review requests for {period}"
    if not await hours_ever_synced():
        log.info("%s: %s", what, WAITING)
        return False
    if not await _claim(settings, REVIEW_JOB, period):
        log.info("%s: already claimed", what)
        return False
    lease = settings.notification_schedule.claim_lease
    budget = run_budget(settings)
    try:
        results = await send_review_requests(
            settings, build_notification_client(settings, budget), year, month, lease=lease
        )
    except Exception:
        log.exception("%s failed; a later run takes it over", what)
        return True
    log.info("%s: %s", what, tally(results))
    _log_retries(what, budget)
    failed = [result for result in results if result.status in ("failed", "unknown")]
    for result in failed:
        log.warning("invoice review request not sent: %s", result.line())
    in_flight = None
    if any(result.status == IN_FLIGHT for result in results):
        in_flight = await in_flight_until(NotificationType.INVOICE_REVIEW, period, lease=lease)
    await _end_run(
        REVIEW_JOB,
        period,
        what,
        f"{len(failed)} not sent" if failed else "",
        in_flight_until=in_flight,
    )
    return True


async def run_notification_kind(
    settings: Settings,
    kind: str,
    today: dt.date | None = None,
    *,
    run: RunOffLoop | None = None,
) -> BatchReport | None:
    """One scheduled run of ``kind`` (not ``invoices``): claim the period, plan (heavy work
    with ``run``, `serve`'s worker process), send, finish (or, with recipients failed, leave
    them to the next run). None when no hours sync has completed yet, another replica or run
    has the period, or the run failed (logged)."""
    notification_kind = KINDS[kind]
    job = notification_kind.job_id
    today = today or company_now(settings).date()
    period = notification_kind.period(today)
    if not await hours_ever_synced():
        log.info("%s for %s: %s", kind, period, WAITING)
        return None
    if not await _claim(settings, job, period):
        log.info("%s for %s: already claimed", kind, period)
        return None
    budget = run_budget(settings)
    try:
        batch = await plan(kind, settings, today, run=run)
        pace = settings.notification_schedule
        report = await send_batch(
            build_notification_client(settings, budget),
            batch,
            send_rate=pace.send_rate,
            conversation_rate=pace.conversation_rate,
            lease=settings.notification_schedule.claim_lease,
        )
    except Exception:
        log.exception("%s for %s failed; a later run takes it over", kind, period)
        return None
    log.info("%s %s: %s", kind, period, report.tally())
    _log_retries(f"{kind} {period}", budget)
    for outcome in report.outcomes:
        if outcome.status == "failed":
            log.warning("%s not sent: %s", kind, outcome.line())
    in_flight = None
    if report.in_flight:
        in_flight = await in_flight_until(batch.kind, batch.period, lease=pace.claim_lease)
    await _end_run(
        job,
        period,
        f"{kind} {period}",
        f"{report.failed} not sent" if report.failed else "",
        in_flight_until=in_flight,
    )
    return report


async def _end_run(
    job: str,
    period: str,
    what: str,
    trouble: str,
    *,
    in_flight_until: dt.datetime | None = None,
) -> None:
    """Finishes the period, or, with ``trouble`` (recipients not sent) and attempts left, lets
    the next catch-up take it over at once. Messages in flight (another run claimed them
    within the lease and may have died before posting) keep the period open until they come
    into doubt at ``in_flight_until``: then the next run looks them up in Slack and sends
    those never posted. (A run that raised keeps its claim until the lease runs out, as a
    crashed one does.)"""
    if in_flight_until is not None:
        await release_job_run(job, period, at=in_flight_until)
        log.warning(
            "%s: messages claimed by a run that stopped are looked up in Slack after %s",
            what,
            in_flight_until.isoformat(timespec="seconds"),
        )
        return
    if not trouble:
        await finish_job_run(job, period)
        return
    attempts = await job_run_attempts(job, period)
    if attempts < RUN_ATTEMPTS:
        await release_job_run(job, period)
        log.warning(
            "%s: %s; the next catch-up tries again (attempt %d of %d)",
            what,
            trouble,
            attempts,
            RUN_ATTEMPTS,
        )
        return
    await finish_job_run(job, period)
    log.error(
        "%s: %s after %d attempts; not tried again this period (`financebot notify` can)",
        what,
        trouble,
        attempts,
    )


def _log_retries(what: str, budget: RetryBudget) -> None:
    """Says how often Slack was asked again, and how long the run waited for it."""
    if budget.retries:
        log.warning("%s: %s", what, budget.describe("Slack"))


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
    """Runs every kind that is due and whose period no run has finished; returns their names
    (none while no hours sync has completed: they wait, unclaimed)."""
    now = company_now(settings)
    due = [
        kind
        for kind in due_kinds(scheduled_kinds(), settings, now)
        if not await job_run_finished(kind.job_id, kind.period(now.date()))
    ]
    if due and not await hours_ever_synced():
        log.info("notification catch-up: %s %s", ", ".join(k.name for k in due), WAITING)
        return []
    ran = []
    for kind in due:
        ran.append(kind.name)
        if kind.name == "invoices":
            await run_review_requests(settings, now.date())
        else:
            await run_notification_kind(settings, kind.name, now.date(), run=run)
    return ran


async def run_catch_up(
    settings: Settings, run: RunOffLoop | None = None, scheduler: Any = None
) -> None:
    """The catch-up job body; with the ``scheduler``, it comes back as soon as a period held
    by another run (one that died, say) can be taken over, not at its next regular turn."""
    try:
        ran = await catch_up(settings, run=run)
        lapse = await wake_catch_up_at_lapse(scheduler, settings) if scheduler else None
    except Exception:
        log.exception("notification catch-up failed")
        return
    log.info("notification catch-up done: %s", ", ".join(ran) or "nothing run")
    if lapse is not None:
        log.info(
            "notification catch-up: a claimed period lapses at %s; running again then",
            lapse.isoformat(timespec="seconds"),
        )


async def wake_catch_up_at_lapse(scheduler: Any, settings: Settings) -> dt.datetime | None:
    """Moves the catch-up job to the moment the first held claim of a due, unfinished period
    lapses, when that comes before its next run; returns that moment, or None."""
    job = scheduler.get_job(CATCH_UP_JOB)
    if job is None:
        return None
    now = company_now(settings)
    claims = [
        (kind.job_id, kind.period(now.date()))
        for kind in due_kinds(scheduled_kinds(), settings, now)
    ]
    lapse = await next_claim_lapse(claims)
    if lapse is None:
        return None
    wake = lapse + LAPSE_MARGIN
    if job.next_run_time is not None and job.next_run_time <= wake:
        return None
    scheduler.modify_job(CATCH_UP_JOB, next_run_time=wake)
    return wake


def catch_up_after_hours_sync(scheduler: Any, after: AfterSync) -> AfterSync:
    """``after`` (the bot's follow-up of a finished sync), then, after an hours sync, the
    catch-up at once when a due kind has not been tried yet (it was waiting for the data)."""

    @functools.wraps(after)
    async def after_then_catch_up(kind: str, settings: Settings) -> list[str]:
        lines = list(await after(kind, settings))
        if kind == "hours" and await wake_catch_up_if_waiting(scheduler, settings):
            lines.append("notifications waiting for the hours: catch-up started")
        return lines

    return after_then_catch_up


async def wake_catch_up_if_waiting(scheduler: Any, settings: Settings) -> bool:
    """Runs the catch-up job now when a due kind has no run yet in its period; True if so."""
    if scheduler.get_job(CATCH_UP_JOB) is None:
        return False
    now = company_now(settings)
    for kind in due_kinds(scheduled_kinds(), settings, now):
        if not await job_run_attempts(kind.job_id, kind.period(now.date())):
            scheduler.modify_job(CATCH_UP_JOB, next_run_time=now)
            return True
    return False


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
        args=(settings, run, scheduler),
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
