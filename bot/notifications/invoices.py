"""Invoice notifications: "ready for review" to each project's admins, and "changed since
approval" when a sync moves an approved invoice's hours or money.

Review requests: for each client project whose invoice of the month has hours, one message
to its admins (a DM for one, a group DM for two to eight, split beyond eight; the
notifications admins when no admin has Slack), once per invoice and person through the ledger
(type ``invoice-review``, period the month, subject the invoice; an admin added later gets
it alone, ``models/notifications/ledger.py`` ``narrowed``; ``force`` sends again). A failed
send is recorded and the batch goes on; the next run tries it again, after settling the
posts in doubt against Slack (``sync/slack_delivery.py``).

Change notices: every invoice marked changed since approval whose current figures its admins
have not been told about yet (ledger period ``change-<fingerprint>``: once per change), and
its review messages updated in place to show the change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from slack_sdk.web.async_client import AsyncWebClient

from bot.notifications.batch import IN_FLIGHT
from core.settings import Settings
from handlers.invoices.blocks import changed_since_approval_message, invoice_message, title_text
from handlers.invoices.follow_up import update_invoice_messages
from models.invoices.after_approval import invoices_changed_since_approval
from models.invoices.records import Invoice
from models.invoices.review import InvoiceSummary, load_invoice_summary
from models.invoices.review_requests import admin_slack_ids, invoices_to_review
from models.notifications.kinds import NotificationType
from models.notifications.ledger import SENDING, narrowed, reached_users, statuses
from models.notifications.recipients import Conversation, conversations_for
from sync.slack_delivery import DEFAULT_LEASE, Notice, SlackMessage, deliver, settle_in_doubt

#: What a dry run, or a message not needed, reports instead of a delivery status.
WOULD_SEND, NO_RECIPIENT = "would send", "no recipient"


@dataclass(frozen=True, slots=True)
class NoticeResult:
    """What happened to one invoice's message for one conversation."""

    invoice: InvoiceSummary
    conversation: Conversation | None
    status: str  # sent / failed / unknown / in flight / already sent / would send / no recipient
    error: str = ""

    def line(self) -> str:
        """One line for the operator: ``sent  Apollo (Acme), … → group DM U1,U2``."""
        what = title_text(self.invoice)
        if self.conversation is None:
            why = "no admin has Slack and SLACK_NOTIFICATIONS_ADMIN is empty"
            return f"{self.status:<13} {what}: {why}"
        who = self.conversation.kind + " " + self.conversation.key
        if self.conversation.for_admins:
            who += " (notifications admins: no project admin has Slack)"
        line = f"{self.status:<13} {what} -> {who}"
        return f"{line}: {self.error}" if self.error else line


async def _send(
    client: AsyncWebClient | None,
    invoice: InvoiceSummary,
    notices: list[Notice],
    *,
    force: bool,
    dry_run: bool,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> list[NoticeResult]:
    """Sends ``notices`` (one message, several conversations) to the people it has not
    reached yet."""
    if not notices:
        return [NoticeResult(invoice, None, NO_RECIPIENT)]
    first = notices[0]
    rows = await statuses(first.type, first.period, first.subject)
    reached = reached_users(rows)
    results = []
    for notice in notices:
        conversation = narrowed(notice.conversation, reached, force=force)
        if conversation is None and rows.get(notice.conversation.key) == SENDING:
            # claimed by another run within the lease: not known to be posted yet
            results.append(NoticeResult(invoice, notice.conversation, IN_FLIGHT))
        elif conversation is None:
            results.append(NoticeResult(invoice, notice.conversation, "already sent"))
        elif dry_run or client is None:
            results.append(NoticeResult(invoice, conversation, WOULD_SEND))
        else:
            notice = replace(notice, conversation=conversation)
            delivery = await deliver(client, notice, force=force, lease=lease)
            results.append(NoticeResult(invoice, conversation, delivery.status, delivery.error))
    return results


def _notices(
    kind: NotificationType,
    period: str,
    invoice: InvoiceSummary,
    conversations: list[Conversation],
    message: SlackMessage,
) -> list[Notice]:
    summary = f"{title_text(invoice)}: {message.text[:200]}"
    return [
        Notice(kind, period, conversation, message, summary, subject=str(invoice.id))
        for conversation in conversations
    ]


async def send_review_requests(
    settings: Settings,
    client: AsyncWebClient | None,
    year: int,
    month: int,
    *,
    force: bool = False,
    dry_run: bool = False,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> list[NoticeResult]:
    """The month's review requests (``dry_run`` or no client: only says what it would do);
    ``lease``: how long a request claimed by another run is left to it."""
    results: list[NoticeResult] = []
    if client is not None and not dry_run:
        period = f"{year:04d}-{month:02d}"
        await settle_in_doubt(client, NotificationType.INVOICE_REVIEW, period, lease=lease)
    for audience in await invoices_to_review(year, month, settings.hours_currency):
        invoice = audience.invoice
        if invoice.review_version:  # reviewed before: show who did what
            invoice = await load_invoice_summary(invoice.id, settings.hours_currency) or invoice
        conversations = conversations_for(
            audience.admin_slack_ids, settings.slack_notifications_admin
        )
        notices = _notices(
            NotificationType.INVOICE_REVIEW,
            invoice.period,
            invoice,
            conversations,
            invoice_message(invoice, settings),
        )
        sent = await _send(client, invoice, notices, force=force, dry_run=dry_run, lease=lease)
        results += sent
        if any(result.status == "sent" for result in sent):
            await Invoice.filter(id=invoice.id).update(review_requested_at=dt.datetime.now(dt.UTC))
    return results


async def send_change_notices(
    settings: Settings,
    client: AsyncWebClient | None,
    *,
    dry_run: bool = False,
) -> list[NoticeResult]:
    """Tells the admins of every invoice changed since approval, once per change."""
    changed = await invoices_changed_since_approval(settings.hours_currency)
    admins = await admin_slack_ids(invoice.project_id for invoice in changed)
    results: list[NoticeResult] = []
    for marked in changed:
        invoice = await load_invoice_summary(marked.id, settings.hours_currency) or marked
        conversations = conversations_for(
            admins.get(invoice.project_id, ()), settings.slack_notifications_admin
        )
        notices = _notices(
            NotificationType.INVOICE_CHANGED,
            f"change-{invoice.fingerprint}",
            invoice,
            conversations,
            changed_since_approval_message(invoice, settings),
        )
        sent = await _send(client, invoice, notices, force=False, dry_run=dry_run)
        results += sent
        if client is not None and any(result.status == "sent" for result in sent):
            await update_invoice_messages(client, invoice, settings)
    return results
