"""Sending one notification over Slack, through the ledger (models/notifications/ledger.py).

:func:`deliver` claims the ledger row first, opens the conversation (``conversations.open``
with the users: a DM for one, a group DM for two to eight; only the first time, since the
ledger remembers where earlier messages to the same people went, which keeps weekly batches
clear of that Tier 3 method's limit), posts the message and records
where it went; a Slack error (or an unreachable Slack) is recorded as ``failed`` with its
reason and returned, never raised (nor logged: the caller reports it), so a batch goes on
with the next message. :func:`deliver_to_channel` does the same for a post to a channel.
Every message has a plain-text ``text`` besides its blocks: Slack shows it in
notifications and where blocks cannot be shown.

Exactly once. A post whose answer is lost (a 5xx, a dropped connection, a timeout) may have
been posted: it is recorded ``unknown``, never retried blindly (the notification client
retries only 429s, ``sync/slack_client.py``). Every message carries Slack message metadata
naming its ledger row (:func:`metadata_of`), and the channel is recorded before the post, so
a row in doubt (``unknown``, or ``sending`` past its lease because its run stopped) is
settled by looking for that metadata in the conversation's history since the row was
claimed (``conversations.history``, :func:`settle`): found, it is marked sent and not posted
again; not found (or never posted: no channel recorded), it is marked failed and sent by the
claim that follows. :func:`settle_in_doubt` does this for a whole type and period before a
batch decides who still needs a message.

Each delivery that posted (or tried to) is counted in the metrics by type and outcome.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import ClientConnectorError, ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.observability.metrics import observe_notification
from core.settings import NotificationSchedule
from models.bookkeeping import Notification
from models.notifications.ledger import (
    FAILED,
    SENT,
    UNKNOWN,
    LedgerKey,
    claim,
    in_doubt,
    known_channel,
    mark_failed,
    mark_posting,
    mark_sent,
    mark_unknown,
    row_in_doubt,
    take_over,
)
from models.notifications.recipients import Conversation

log = logging.getLogger(__name__)

#: The ``event_type`` of the metadata every notification is posted with.
EVENT_TYPE = "financebot_notification"
#: How long a ``sending`` row is left to its run before it counts as stopped: the
#: notification schedule's claim lease (``NOTIFY_CLAIM_MINUTES``) by default.
DEFAULT_LEASE = NotificationSchedule().claim_lease
#: Looked-up history starts this long before the claim: our clock and Slack's may differ.
CLOCK_SKEW = dt.timedelta(minutes=1)
HISTORY_PAGE = 200
NOT_CHECKED = "in doubt, not checked in Slack"
SLACK_ERRORS = (SlackApiError, ClientError, OSError, TimeoutError)


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """A message as chat.postMessage / chat.update take it."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification for one conversation, and what the ledger calls it."""

    type: str
    period: str
    conversation: Conversation
    message: SlackMessage
    summary: str
    subject: str = ""

    @property
    def key(self) -> LedgerKey:
        return LedgerKey(self.type, self.period, self.conversation.key, self.subject)


DeliveryStatus = Literal["sent", "failed", "unknown", "already sent"]


@dataclass(frozen=True, slots=True)
class Delivery:
    notice: Notice
    status: DeliveryStatus
    channel: str = ""
    ts: str = ""
    error: str = ""


def slack_error(exc: Exception) -> str:
    """Slack's error code (``channel_not_found``), or what kept us from reaching Slack."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or exc)
    return f"{type(exc).__name__}: {exc}".strip()


def maybe_posted(exc: Exception) -> bool:
    """Whether a post that raised ``exc`` may still have reached Slack: a 5xx, a dropped
    connection or a timeout may come after Slack handled the request; Slack's own refusal
    (an ``ok: false`` answer, a 429) and a connection never made do not."""
    if isinstance(exc, SlackApiError):
        return exc.response.status_code >= 500
    return not isinstance(exc, ClientConnectorError)


def metadata_of(key: LedgerKey) -> dict[str, Any]:
    """The Slack message metadata a notification is posted with: its ledger row's key."""
    return {
        "event_type": EVENT_TYPE,
        "event_payload": {
            "type": key.type,
            "period": key.period,
            "subject": key.subject,
            "recipient": key.recipient,
        },
    }


async def deliver(
    client: AsyncWebClient,
    notice: Notice,
    *,
    force: bool = False,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> Delivery:
    """Claims, sends and records ``notice``; see the module docstring."""

    async def open_conversation() -> str:
        channel = await known_channel(notice.conversation.key)
        if not channel:
            opened = await client.conversations_open(users=notice.conversation.key)
            channel = str((opened.get("channel") or {}).get("id") or "")
        return channel

    return _counted(await _claim_post_and_record(client, notice, open_conversation, force, lease))


async def deliver_to_channel(
    client: AsyncWebClient,
    notice: Notice,
    *,
    force: bool = False,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> Delivery:
    """:func:`deliver` for a post to a channel: ``notice.conversation`` names the channel (its
    one member is the channel's id, which is also the ledger's recipient). A channel needs no
    ``conversations.open`` (that takes users): the message is posted to it directly."""

    async def the_channel() -> str:
        return notice.conversation.key

    return _counted(await _claim_post_and_record(client, notice, the_channel, force, lease))


def _counted(delivery: Delivery) -> Delivery:
    """Counts a message sent, failed or in doubt (unknown) in the metrics, by its type; one
    already sent is not counted again."""
    if delivery.status != "already sent":
        observe_notification(delivery.notice.type, delivery.status)
    return delivery


async def _claim_post_and_record(
    client: AsyncWebClient,
    notice: Notice,
    find_channel: Callable[[], Awaitable[str]],
    force: bool,
    lease: dt.timedelta,
) -> Delivery:
    """What :func:`deliver` and :func:`deliver_to_channel` share: claim the ledger row (a row
    in doubt is settled first), find the channel (a Slack error there fails the notice like a
    refused post), record it, post, and record the outcome."""
    claimed = await claim(notice.key, force=force)
    if claimed is None:
        doubtful = await row_in_doubt(notice.key, lease=lease)
        settled = None if doubtful is None else await settle(client, doubtful, lease=lease)
        if settled == UNKNOWN:
            return Delivery(notice, "unknown", error=NOT_CHECKED)
        if settled != FAILED:
            return Delivery(notice, "already sent")
        claimed = await claim(notice.key)
        if claimed is None:
            return Delivery(notice, "already sent")
    try:
        channel = await find_channel()
    except SLACK_ERRORS as exc:
        error = slack_error(exc)
        await mark_failed(claimed, error, notice.summary)
        return Delivery(notice, "failed", error=error)
    await mark_posting(claimed, channel)
    try:
        posted = await client.chat_postMessage(
            channel=channel,
            text=notice.message.text,
            blocks=notice.message.blocks,
            metadata=metadata_of(notice.key),
            unfurl_links=False,
            unfurl_media=False,
        )
    except SLACK_ERRORS as exc:
        error = slack_error(exc)
        if maybe_posted(exc):
            await mark_unknown(claimed, error, notice.summary)
            return Delivery(notice, "unknown", channel=channel, error=error)
        await mark_failed(claimed, error, notice.summary)
        return Delivery(notice, "failed", error=error)
    ts = str(posted.get("ts") or "")
    channel = str(posted.get("channel") or channel)
    await mark_sent(claimed, channel, ts, notice.summary)
    return Delivery(notice, "sent", channel=channel, ts=ts)


async def settle(client: AsyncWebClient, row: Notification, *, lease: dt.timedelta) -> str | None:
    """Settles a row in doubt (see the module docstring): ``sent`` (found in Slack),
    ``failed`` (not posted), ``unknown`` (Slack could not be asked; the next run asks again),
    or None when another run is settling it (or already did)."""
    if not await take_over(row, lease=lease):
        return None
    if not row.channel:
        await mark_failed(row, "not posted: its run stopped before posting", row.summary)
        return FAILED
    key = LedgerKey(row.type, row.period, row.recipient, row.subject)
    try:
        ts = await find_posted(client, row.channel, key, since=row.sent_at)
    except SLACK_ERRORS as exc:
        await mark_unknown(row, f"{NOT_CHECKED}: {slack_error(exc)}", row.summary)
        return UNKNOWN
    if ts:
        await mark_sent(row, row.channel, ts, row.summary)
        return SENT
    why = row.error or "its run stopped"
    await mark_failed(row, f"not found in Slack ({why})", row.summary)
    return FAILED


async def settle_in_doubt(
    client: AsyncWebClient, type: str, period: str, *, lease: dt.timedelta = DEFAULT_LEASE
) -> dict[str, int]:
    """Settles every row in doubt of one type and period; how many ended how."""
    ended: dict[str, int] = {}
    for row in await in_doubt(type, period, lease=lease):
        status = await settle(client, row, lease=lease)
        if status is not None:
            ended[status] = ended.get(status, 0) + 1
    if ended:
        log.info("%s %s: settled in doubt against Slack: %s", type, period, ended)
    return ended


async def find_posted(
    client: AsyncWebClient, channel: str, key: LedgerKey, *, since: dt.datetime
) -> str | None:
    """The ts of the message in ``channel`` posted with ``key``'s metadata since ``since``
    (a minute of clock skew allowed), or None."""
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    oldest = f"{(since - CLOCK_SKEW).timestamp():.6f}"
    wanted = metadata_of(key)
    cursor = ""
    while True:
        page = await client.conversations_history(
            channel=channel,
            oldest=oldest,
            include_all_metadata=True,
            limit=HISTORY_PAGE,
            cursor=cursor or None,
        )
        for message in page.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (metadata.get("event_type"), metadata.get("event_payload")) == (
                wanted["event_type"],
                wanted["event_payload"],
            ):
                return str(message.get("ts") or "")
        cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            return None


async def update_message(
    client: AsyncWebClient, channel: str, ts: str, message: SlackMessage
) -> str | None:
    """Replaces a posted message in place (``chat.update``); Slack's error, or None."""
    try:
        await client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)
    except SLACK_ERRORS as exc:
        error = slack_error(exc)
        log.warning("message %s in %s not updated: %s", ts, channel, error)
        return error
    return None
