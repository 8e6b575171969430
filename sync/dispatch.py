"""One sync of a named kind, as `financebot sync WHAT` and the scheduler run it.

Knows which kinds exist, what each needs configured, builds the upstream client from the
settings and runs the sync inside ``sync_run`` (lock + run record).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from core.clock import company_today
from core.settings import Settings
from models import SyncRun
from sync import slack_directory
from sync.aws.billing import AwsBillingFailed, billing_months, month_span, sync_aws_billing
from sync.counts import SyncCounts
from sync.retry_budget import RetryBudget
from sync.runs import sync_run
from sync.slack_client import build_web_client, run_budget
from sync.tenkfeet.client import TenkfeetClient
from sync.tenkfeet.hours import Progress, sync_hours
from sync.tenkfeet.reference import sync_holidays, sync_leave_types, sync_projects, sync_users

TENKFEET_KINDS = ("users", "projects", "leave-types", "holidays", "hours")
SLACK_KINDS = ("slack-users", "slack-channels")
ALL_KINDS = (*TENKFEET_KINDS, *SLACK_KINDS, "aws-billing")
"""Every kind, in the order `sync all` runs them (people before the hours that name them)."""

DEFAULT_HOURS_DAYS = 60

AfterSync = Callable[[str, Settings], Awaitable[Sequence[str]]]
"""What runs after a finished sync of a kind (the bot's: posts about new projects), given by
whoever runs syncs; its lines say what it did."""


class SyncUnavailable(RuntimeError):
    """The kind cannot run with these settings (a setting it needs is missing); the message
    is one line naming it."""


@dataclass(frozen=True)
class HoursRange:
    start: date
    end: date


def hours_range(settings: Settings, start: date | None, end: date | None) -> HoursRange:
    """The range to sync: given dates, else the last 60 days up to today (TIME_ZONE)."""
    today = company_today(settings)
    if end is None:
        end = today if start is None or start <= today else start
    if start is None:
        start = end - timedelta(days=DEFAULT_HOURS_DAYS - 1)
    return HoursRange(start, end)


def missing_configuration(kind: str, settings: Settings) -> str | None:
    """Why ``kind`` cannot run with these settings (a note for the operator), or None."""
    if kind in TENKFEET_KINDS and not settings.tenkfeet_auth:
        return "TENKFEET_AUTH is not set"
    if kind in SLACK_KINDS and not settings.slack_bot_token:
        return "SLACK_BOT_TOKEN is not set"
    if kind == "aws-billing" and not settings.aws_billing_bucket:
        return "AWS_BILLING_BUCKET is not set"
    return None


def tenkfeet_client(settings: Settings) -> TenkfeetClient:
    """A client for one run: its retries wait TENKFEET_RETRY_WAIT_SECONDS at most in all."""
    settings.require_tenkfeet()
    budget = RetryBudget(settings.tenkfeet_retry_wait)
    return TenkfeetClient(settings.tenkfeet_api_url, settings.tenkfeet_auth, budget=budget)


async def run_sync(
    kind: str,
    settings: Settings,
    *,
    start: date | None = None,
    end: date | None = None,
    force: bool = False,
    progress: Progress | None = None,
    missing_billing: list[str] | None = None,
) -> SyncRun:
    """Run one sync of ``kind`` under its lock; returns the finished run record.

    Raises SyncAlreadyRunning when another run of the kind holds the lock, and whatever the
    sync raised (the run is then recorded as failed). For AWS billing, ``start`` and ``end``
    name months (any day in them); without them, the current month and, until the 5th, the
    previous one; ``force`` replaces a month even when its files hash as at its last import;
    with ``missing_billing`` a month without files is noted there instead of failing the run.
    """
    if kind not in ALL_KINDS:
        raise ValueError(f"unknown sync kind {kind!r}")
    lock_ttl = settings.sync_schedule.lock_ttl
    if kind == "aws-billing":
        return await _run_aws_billing(settings, start, end, force=force, missing=missing_billing)
    if kind in SLACK_KINDS:
        return await _run_slack(kind, settings)

    if kind == "hours":
        span = hours_range(settings, start, end)
        client = tenkfeet_client(settings)
        async with (
            client,
            sync_run(
                kind,
                span.start,
                span.end,
                forced=force,
                ttl=lock_ttl,
                retries=lambda: client.budget.describe("10000ft"),
            ) as run,
        ):
            run.counts = await sync_hours(
                client, span.start, span.end, force=force, progress=progress
            )
        return run.record

    reference: dict[str, Callable[[TenkfeetClient], Awaitable[SyncCounts]]] = {
        "users": sync_users,
        "projects": sync_projects,
        "leave-types": sync_leave_types,
        "holidays": sync_holidays,
    }
    client = tenkfeet_client(settings)
    retries = client.budget.describe
    async with client, sync_run(kind, ttl=lock_ttl, retries=lambda: retries("10000ft")) as run:
        run.counts = await reference[kind](client)
    return run.record


async def _run_slack(kind: str, settings: Settings) -> SyncRun:
    if not settings.slack_bot_token:
        raise SyncUnavailable("SLACK_BOT_TOKEN is required for Slack directory syncs")
    budget = run_budget(settings)
    client = build_web_client(settings, budget=budget)  # waits out 429s, retries 5xx and resets
    sync = (
        slack_directory.sync_slack_users
        if kind == "slack-users"
        else slack_directory.sync_slack_channels
    )
    try:
        lock_ttl = settings.sync_schedule.lock_ttl
        async with sync_run(kind, ttl=lock_ttl, retries=lambda: budget.describe("Slack")) as run:
            run.counts = await sync(client)
    finally:
        session = getattr(client, "session", None)
        if session is not None and not session.closed:
            await session.close()
    return run.record


async def _run_aws_billing(
    settings: Settings,
    start: date | None,
    end: date | None,
    *,
    force: bool,
    missing: list[str] | None,
) -> SyncRun:
    if not settings.aws_billing_bucket:
        raise SyncUnavailable("AWS_BILLING_BUCKET is required for the AWS billing import")
    first, last = month_span(billing_months(company_today(settings), start, end))
    lock_ttl = settings.sync_schedule.lock_ttl
    async with sync_run("aws-billing", first, last, forced=force, ttl=lock_ttl) as run:
        try:
            run.counts = await sync_aws_billing(settings, first, last, force=force, missing=missing)
        except AwsBillingFailed as failed:
            run.counts = failed.counts  # the months that were imported
            raise
    return run.record
