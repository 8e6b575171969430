"""What follows a recorded check or a change: the invoice's messages updated in place, and the
people whose flagged entries need fixing told so."""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from core.settings import Settings
from handlers.invoices.blocks import (
    CHANGED_HEADING,
    REVIEW_HEADING,
    changes_requested_message,
    invoice_message,
)
from models.invoices.approval import RecordedReview
from models.invoices.flagged_entries import load_people_to_tell
from models.invoices.review import InvoiceSummary
from models.notifications.kinds import NotificationType
from models.notifications.ledger import posted_messages
from models.notifications.recipients import conversations_for
from models.people import Person
from sync.slack_client import build_notification_client
from sync.slack_delivery import Delivery, Notice, deliver, update_message

log = logging.getLogger(__name__)

#: The messages about an invoice that show its state, and their headings.
INVOICE_MESSAGES = {
    NotificationType.INVOICE_REVIEW: REVIEW_HEADING,
    NotificationType.INVOICE_CHANGED: CHANGED_HEADING,
}


async def update_invoice_messages(
    client: AsyncWebClient, invoice: InvoiceSummary, settings: Settings
) -> int:
    """Every message sent about ``invoice`` shows its state now; returns how many."""
    updated = 0
    for kind, heading in INVOICE_MESSAGES.items():
        message = invoice_message(invoice, settings, heading)
        for posted in await posted_messages(kind, str(invoice.id)):
            if await update_message(client, posted.channel, posted.ts, message) is None:
                updated += 1
    return updated


async def tell_people_about_changes(
    invoice: InvoiceSummary,
    recorded: RecordedReview,
    requester: Person,
    settings: Settings,
) -> list[Delivery]:
    """One DM to each person whose entries are behind a flagged check, with those entries and
    the reason; people without Slack (or archived): to the notifications admins.

    Sent with the notification client, not Bolt's: Bolt's retries a 5xx, which may come after
    Slack posted the DM, so the DM could arrive twice; ``deliver`` looks such a post up instead."""
    client = build_notification_client(settings)
    people = await load_people_to_tell(
        invoice.id,
        recorded.before.figures.flagged(),
        rate_min=settings.bill_rate_min,
        rate_max=settings.bill_rate_max,
    )
    deliveries: list[Delivery] = []
    for someone in people:
        admins = settings.slack_notifications_admin
        for conversation in conversations_for([someone.slack_id], admins):
            message = changes_requested_message(
                invoice,
                someone,
                recorded.outcome.changes_requested,
                requester.full_name,
                settings,
                for_admins=conversation.for_admins,
            )
            notice = Notice(
                type=NotificationType.INVOICE_CHANGES_REQUESTED,
                period=f"check-{recorded.check_id}",
                conversation=conversation,
                message=message,
                summary=f"{invoice.project_name} {invoice.period}: "
                f"{len(someone.entries)} flagged entries of {someone.name}",
                subject=f"{invoice.id}:{someone.person_id}",
            )
            delivery = await deliver(client, notice)
            if delivery.status == "failed":
                log.warning(
                    "changes-requested DM to %s not sent: %s", conversation.key, delivery.error
                )
            deliveries.append(delivery)
    return deliveries
