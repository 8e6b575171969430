"""The notification ledger: a message is claimed in the database before it is sent.

A row per type + period + recipient + subject (``models.bookkeeping.Notification``) is
inserted with status ``sending`` before the message goes out, then marked ``sent`` (with the
channel and timestamp of the posted message, so it can be updated later) or ``failed`` (with
Slack's error). The unique key makes the claim atomic: of several replicas (or runs) trying
the same message, one inserts the row and the others leave it. A failed message is claimed
again by the next run (a conditional update, atomic too). ``force`` claims whatever is there:
the operator asked to send again.

A crash between claiming and sending leaves the row ``sending``: the message is not sent
again (sent at most once), and the row shows what happened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.bookkeeping import Notification

SENDING, SENT, FAILED = "sending", "sent", "failed"
SUMMARY_MAX = 2000


@dataclass(frozen=True, slots=True)
class LedgerKey:
    type: str
    period: str
    recipient: str
    subject: str = ""


async def claim(key: LedgerKey, *, force: bool = False) -> Notification | None:
    """The ledger row for ``key``, now ``sending`` and ours; None when it is taken (sent,
    or being sent) and ``force`` is off."""
    try:
        async with in_transaction():  # a refused insert must not spoil an outer transaction
            return await Notification.create(
                type=key.type,
                period=key.period,
                recipient=key.recipient,
                subject=key.subject,
                status=SENDING,
            )
    except IntegrityError:
        pass
    query = Notification.filter(
        type=key.type, period=key.period, recipient=key.recipient, subject=key.subject
    )
    if not force:
        query = query.filter(status=FAILED)
    taken = await query.update(status=SENDING, error="", sent_at=dt.datetime.now(dt.UTC))
    if not taken:
        return None
    return await Notification.get(
        type=key.type, period=key.period, recipient=key.recipient, subject=key.subject
    )


async def mark_sent(notification: Notification, channel: str, ts: str, summary: str) -> None:
    await Notification.filter(id=notification.id).update(
        status=SENT, channel=channel, message_ts=ts, summary=summary[:SUMMARY_MAX], error=""
    )


async def mark_failed(notification: Notification, error: str, summary: str) -> None:
    await Notification.filter(id=notification.id).update(
        status=FAILED, error=error[:SUMMARY_MAX], summary=summary[:SUMMARY_MAX]
    )


async def statuses(type: str, period: str, subject: str = "") -> dict[str, str]:
    """Recipient → status of every row of one type, period and subject (one query)."""
    rows = await Notification.filter(type=type, period=period, subject=subject).values_list(
        "recipient", "status"
    )
    return {str(recipient): str(status) for recipient, status in rows}


async def existing_statuses(keys: Iterable[LedgerKey]) -> dict[LedgerKey, str]:
    """The ledger status of each of ``keys`` that has a row (one query per type and period)."""
    wanted = set(keys)
    found: dict[LedgerKey, str] = {}
    for type_, period in {(key.type, key.period) for key in wanted}:
        rows = await Notification.filter(type=type_, period=period).values_list(
            "recipient", "subject", "status"
        )
        for recipient, subject, status in rows:
            key = LedgerKey(type_, period, str(recipient), str(subject))
            if key in wanted:
                found[key] = str(status)
    return found


def recipients_to_send(
    wanted: Iterable[str], existing: Mapping[str, str], *, force: bool = False
) -> list[str]:
    """Which of the ``wanted`` recipients of one message to send to now.

    Nothing sent yet: all of them. Otherwise the message counts as sent (e.g. once per
    invoice, even if its audience changed since): only the recipients whose earlier try
    failed get it again. ``force``: all of them.
    """
    wanted = list(wanted)
    if force or not existing:
        return wanted
    return [key for key in wanted if existing.get(key) == FAILED]


@dataclass(frozen=True, slots=True)
class PostedMessage:
    channel: str
    ts: str


async def posted_messages(type: str, subject: str) -> list[PostedMessage]:
    """Where the sent messages of ``type`` about ``subject`` are (any period), oldest first."""
    rows = (
        await Notification.filter(type=type, subject=subject, status=SENT)
        .exclude(message_ts="")
        .order_by("sent_at", "id")
        .values_list("channel", "message_ts")
    )
    return [PostedMessage(str(channel), str(ts)) for channel, ts in rows]


async def known_channel(recipient: str) -> str:
    """The channel a message to ``recipient`` (a conversation's key) went to before, or ""."""
    channel = (
        await Notification.filter(recipient=recipient, status=SENT)
        .exclude(channel="")
        .order_by("-sent_at")
        .first()
        .values_list("channel", flat=True)
    )
    return str(channel or "")
