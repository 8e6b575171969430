"""The demo's menu in the emulated workspace: the bot's scheduled jobs, run now.

In production, time passes: reminders go out on Mondays, review requests on the 2nd, hours are
synced every 15 minutes. In the demo the person trying it should not wait for that, so the
workspace page (``bot/emulators/slack_workspace.py``) lists each scheduled notification kind
(``bot/notifications/registry.py``) and the hours sync as an action that runs it at once. A
notification kind is sent as ``financebot notify KIND`` sends it: through the ledger, so what
this period's run (or the catch-up at start) has already sent is not sent twice, and the
action's line says so ("3 already sent"). This stands in for the clock; it is no Slack path
(the messages themselves go out through the Web API as always).

The workspace is also told what the app's manifest would tell Slack: the slash command and
the domain whose links the bot unfurls (``PUBLIC_URL``'s host).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from urllib.parse import urlsplit

from bot.emulators.slack_workspace import SlackWorkspace
from bot.notifications.batch import send_batch
from bot.notifications.invoices import send_change_notices, send_review_requests
from bot.notifications.new_projects import after_sync
from bot.notifications.registry import KINDS, NotificationKind, plan, scheduled_kinds
from bot.notifications.schedule import tally
from core.clock import company_today
from core.settings import Settings
from handlers.flex.command import COMMAND as FLEX_COMMAND
from models.invoices.review_requests import previous_month
from sync.dispatch import run_sync
from sync.runs import SyncAlreadyRunning
from sync.slack_client import build_notification_client

FLEX_DESCRIPTION = "Show your flex-time balance"  # as manifest.json describes it
LABELS = {
    "unsubmitted": "unsubmitted hours reminders",
    "unapproved": "unapproved hours reminders",
    "manager-digest": "manager digests",
    "contracts": "contract problems report",
    "flex-saldo": "flex saldo messages",
    "invoices": "invoice review requests",
}
"""What the menu calls each kind (the registry's description follows it)."""
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def when_sent(kind: NotificationKind) -> str:
    """``Monday``, ``First Wednesday`` (of the month), ``2nd of the month``."""
    if kind.month_day is not None:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(kind.month_day, "th")
        return f"{kind.month_day}{suffix} of the month"
    assert kind.weekday is not None
    if kind.monthly:
        return f"First {DAYS[kind.weekday]}"
    return DAYS[kind.weekday]


async def send_kind_now(settings: Settings, kind: str) -> str:
    """One notification kind, sent now (as `financebot notify KIND`)."""
    client = build_notification_client(settings)
    today = company_today(settings)
    try:
        if kind == "invoices":
            year, month = previous_month(today)
            results = await send_review_requests(settings, client, year, month)
            return f"invoices {year:04d}-{month:02d}: {tally(results)}"
        batch = await plan(kind, settings, today)
        pace = settings.notification_schedule
        report = await send_batch(
            client,
            batch,
            send_rate=pace.send_rate,
            conversation_rate=pace.conversation_rate,
            lease=pace.claim_lease,
        )
        return f"{kind} {batch.period}: {report.tally()}"
    finally:
        await _close(client)


async def _close(client: object) -> None:
    session = getattr(client, "session", None)
    if session is not None and not session.closed:
        await session.close()


async def sync_hours_now(settings: Settings) -> str:
    """The scheduled hours sync and what follows it: new-project posts, changed-since-approval
    notices."""
    try:
        run = await run_sync("hours", settings)
    except SyncAlreadyRunning:
        return "another hours sync is running; try again in a moment"
    lines = [
        f"hours synced: {run.added} added, {run.updated} updated, {run.deleted} deleted",
        *await after_sync("hours", settings),
    ]
    client = build_notification_client(settings)
    try:
        changes = await send_change_notices(settings, client)
    finally:
        await _close(client)
    if changes:
        lines.append(f"changed since approval: {tally(changes)}")
    return "; ".join(lines)


Action = tuple[str, str, str, Callable[[], Awaitable[str]]]


def workspace_actions(settings: Settings) -> list[Action]:
    """(key, label, description, run) of every action: the weekly kinds by weekday, then the
    monthly ones, then the hours sync."""
    actions: list[Action] = []
    kinds = sorted(scheduled_kinds(), key=lambda k: (k.monthly, k.month_day or 0, k.weekday or 0))
    for kind in kinds:
        label = f"{when_sent(kind)}: {LABELS.get(kind.name, kind.name)}"
        description = KINDS[kind.name].description
        actions.append((kind.name, label, description, partial(send_kind_now, settings, kind.name)))
    actions.append(
        (
            "hours-sync",
            "Every 15 minutes: the hours sync from 10000ft",
            "then new-project posts and changed-since-approval notices",
            partial(sync_hours_now, settings),
        )
    )
    return actions


def set_up_workspace(workspace: SlackWorkspace, settings: Settings) -> None:
    """The demo's actions, slash command and unfurl domain on the emulated workspace."""
    workspace.commands[FLEX_COMMAND] = FLEX_DESCRIPTION
    host = urlsplit(settings.public_url).hostname
    if host:
        workspace.unfurl_domains.add(host.lower())
    for key, label, description, run in workspace_actions(settings):
        workspace.add_action(key, label, run, description)
