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
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from models.notifications.ledger import LedgerKey, claim, known_channel, mark_failed, mark_sent
from models.notifications.recipients import Conversation

log = logging.getLogger(__name__)


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


DeliveryStatus = Literal["sent", "failed", "already sent"]


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


async def deliver(client: AsyncWebClient, notice: Notice, *, force: bool = False) -> Delivery:
    """Claims, sends and records ``notice``; see the module docstring."""

    async def open_conversation() -> str:
        channel = await known_channel(notice.conversation.key)
        if not channel:
            opened = await client.conversations_open(users=notice.conversation.key)
            channel = str((opened.get("channel") or {}).get("id") or "")
        return channel

    return await _claim_post_and_record(client, notice, open_conversation, force=force)


async def deliver_to_channel(
    client: AsyncWebClient, notice: Notice, *, force: bool = False
) -> Delivery:
    """:func:`deliver` for a post to a channel: ``notice.conversation`` names the channel (its
    one member is the channel's id, which is also the ledger's recipient). A channel needs no
    ``conversations.open`` (that takes users): the message is posted to it directly."""

    async def the_channel() -> str:
        return notice.conversation.key

    return await _claim_post_and_record(client, notice, the_channel, force=force)


async def _claim_post_and_record(
    client: AsyncWebClient,
    notice: Notice,
    find_channel: Callable[[], Awaitable[str]],
    *,
    force: bool,
) -> Delivery:
    """What :func:`deliver` and :func:`deliver_to_channel` share: claim the ledger row, find
    the channel (a Slack error there fails the notice like one from the post), post, and
    record the outcome."""
    claimed = await claim(notice.key, force=force)
    if claimed is None:
        return Delivery(notice, "already sent")
    try:
        channel = await find_channel()
        posted = await client.chat_postMessage(
            channel=channel,
            text=notice.message.text,
            blocks=notice.message.blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
    except (SlackApiError, ClientError, OSError, TimeoutError) as exc:
        error = slack_error(exc)
        await mark_failed(claimed, error, notice.summary)
        return Delivery(notice, "failed", error=error)
    ts = str(posted.get("ts") or "")
    channel = str(posted.get("channel") or channel)
    await mark_sent(claimed, channel, ts, notice.summary)
    return Delivery(notice, "sent", channel=channel, ts=ts)


async def update_message(
    client: AsyncWebClient, channel: str, ts: str, message: SlackMessage
) -> str | None:
    """Replaces a posted message in place (``chat.update``); Slack's error, or None."""
    try:
        await client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)
    except (SlackApiError, ClientError, OSError, TimeoutError) as exc:
        error = slack_error(exc)
        log.warning("message %s in %s not updated: %s", ts, channel, error)
        return error
    return None
