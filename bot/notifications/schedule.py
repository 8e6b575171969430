"""Scheduled notification jobs for `serve`.

- Invoice review requests: the 2nd of each month at 09:00 in ``TIME_ZONE``, for the month
  before. The run claims ``(notify-invoices, YYYY-MM)`` in the database first, so of several
  replicas one sends (the ledger would keep a second from sending twice anyway). A run
  missed while no replica was up is not made up for: `financebot notify invoices` sends it.
- Changed since approval: on the hours sync's interval, tell the admins of any approved
  invoice a sync changed (the ledger sends each change once, whichever replica runs).

Without ``SLACK_BOT_TOKEN`` no notification job is scheduled.
"""

from __future__ import annotations

import logging
import os
import socket
from collections import Counter
from datetime import date
from typing import Any

from bot.notifications.invoices import NoticeResult, send_change_notices, send_review_requests
from core.clock import company_today
from core.settings import Settings
from models.invoices.review_requests import previous_month
from models.job_claims import claim_job_run
from sync.slack_client import build_web_client

log = logging.getLogger(__name__)

REVIEW_JOB = "notify-invoices"
CHANGES_JOB = "notify-invoice-changes"


def holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def tally(results: list[NoticeResult]) -> str:
    counts = Counter(result.status for result in results)
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing to send"


async def run_review_requests(settings: Settings, today: date | None = None) -> bool:
    """The monthly job body; False when another replica (or run) claimed the month first."""
    year, month = previous_month(today or company_today(settings))
    period = f"{year:04d}-{month:02d}"
    if not await claim_job_run(REVIEW_JOB, period, holder()):
        log.info("invoice review requests for %s: already claimed", period)
        return False
    try:
        results = await send_review_requests(settings, build_web_client(settings), year, month)
    except Exception:
        log.exception("invoice review requests for %s failed", period)
        return True
    log.info("invoice review requests for %s: %s", period, tally(results))
    for result in results:
        if result.status == "failed":
            log.warning("invoice review request not sent: %s", result.line())
    return True


async def run_change_notices(settings: Settings) -> None:
    """The interval job body: tell admins about invoices changed since approval."""
    try:
        results = await send_change_notices(settings, build_web_client(settings))
    except Exception:
        log.exception("changed-since-approval notices failed")
        return
    if results:
        log.info("changed-since-approval notices: %s", tally(results))
    for result in results:
        if result.status == "failed":
            log.warning("changed-since-approval notice not sent: %s", result.line())


def register_notification_jobs(scheduler: Any, settings: Settings) -> None:
    if not settings.slack_bot_token:
        return
    options: dict[str, Any] = {"max_instances": 1, "coalesce": True, "replace_existing": True}
    scheduler.add_job(
        run_review_requests,
        "cron",
        day=2,
        hour=9,
        minute=0,
        timezone=settings.tz,
        args=(settings,),
        id=REVIEW_JOB,
        name="notify invoices",
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
