"""The admin site's "Send now", done by the bot (the site may not import the bot's planners).

:class:`BotNotifier` is the :class:`web.notify_now.Notifier` that `serve` hands the site:
every kind but ``invoices`` is planned by :data:`bot.notifications.registry.PLANNERS` and
sent with ``send_batch`` (a preview is its dry run); ``invoices`` are the review requests of last
month (``send_review_requests``, ``dry_run`` for the preview).
"""

from __future__ import annotations

from datetime import date

from bot.notifications.batch import BatchReport, send_batch
from bot.notifications.invoices import NO_RECIPIENT, NoticeResult, send_review_requests
from bot.notifications.registry import plan
from core.settings import Settings
from handlers.invoices.blocks import title_text
from models.flex.company import RunOffLoop
from models.invoices.review_requests import previous_month
from sync.slack_client import build_notification_client
from web.notify_now import KINDS, Plan, PlannedMessage

INVOICES = "invoices"


def plan_of_report(report: BatchReport) -> Plan:
    batch = report.batch
    return Plan(
        kind=batch.kind,
        period=batch.period,
        covers=batch.covers,
        messages=tuple(
            PlannedMessage(
                outcome.status,
                outcome.outgoing.about,
                outcome.outgoing.notice.conversation.key,
                outcome.error,
            )
            for outcome in report.outcomes
        ),
        unreachable=batch.unreachable,
    )


def plan_of_invoices(results: list[NoticeResult], period: str) -> Plan:
    messages = []
    unreachable = []
    for result in results:
        if result.conversation is None or result.status == NO_RECIPIENT:
            unreachable.append(result.line().removeprefix(result.status).strip())
            continue
        about = title_text(result.invoice)
        if result.conversation.for_admins:
            about += " (to the notifications admins: no project admin has Slack)"
        messages.append(PlannedMessage(result.status, about, result.conversation.key, result.error))
    return Plan(INVOICES, period, "review requests", tuple(messages), tuple(unreachable))


class BotNotifier:
    """See the module docstring."""

    def __init__(self, settings: Settings, *, run: RunOffLoop | None = None) -> None:
        self._settings = settings
        self._off_loop = run  # the site's worker process: the flex batch stays off the loop

    def unavailable(self, kind: str) -> str | None:
        return None if kind in KINDS else "no such kind"

    async def preview(self, kind: str, today: date) -> Plan:
        return await self._run(kind, today, dry_run=True)

    async def send(self, kind: str, today: date) -> Plan:
        return await self._run(kind, today, dry_run=False)

    async def _run(self, kind: str, today: date, *, dry_run: bool) -> Plan:
        settings = self._settings
        client = None if dry_run else build_notification_client(settings)
        try:
            if kind == INVOICES:
                year, month = previous_month(today)
                results = await send_review_requests(settings, client, year, month, dry_run=dry_run)
                return plan_of_invoices(results, f"{year:04d}-{month:02d}")
            batch = await plan(kind, settings, today, run=self._off_loop)
            report = await send_batch(
                client,
                batch,
                dry_run=dry_run,
                send_rate=settings.notification_schedule.send_rate,
                lease=settings.notification_schedule.claim_lease,
                conversation_rate=settings.notification_schedule.conversation_rate,
            )
            return plan_of_report(report)
        finally:
            session = getattr(client, "session", None)
            if session is not None and not session.closed:
                await session.close()
