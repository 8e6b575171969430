"""The notification ledger: a message is claimed in the database before it is sent.

A row per type + period + recipient + subject (``models.bookkeeping.Notification``) is
inserted with status ``sending`` before the message goes out, then marked ``sent`` (with the
channel and timestamp of the posted message, so it can be updated later) or ``failed`` (with
Slack's error: Slack refused it, or it never reached Slack). The unique key makes the claim
atomic: of several replicas (or runs) trying the same message, one inserts the row and the
others leave it. A failed message is claimed again by the next run (a conditional update,
atomic too). ``force`` claims whatever is there: the operator asked to send again.

A message is type + period + subject; its recipient is one conversation (the sorted user ids).
Each person gets a message once, whatever conversation it reached them in: when the audience
changes between two runs (a new project admin, another ``SLACK_NOTIFICATIONS_ADMIN``, another
split into group DMs), :func:`narrowed` leaves out the people it already reached, so only the
others get it, in a DM or a smaller group DM of their own.

Two outcomes leave a row *in doubt*: ``unknown`` (the post may have reached Slack: a 5xx, a
dropped connection or a timeout after the request went out) and ``sending`` past its lease
(the run stopped between claiming and recording). Before any resend the caller looks the
message up in Slack (``sync/slack_delivery.py``): it takes the row over with
:func:`take_over` (atomic: one run checks it), then marks it sent (found) or failed (not
found: the next claim sends it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models.bookkeeping import Notification
from models.notifications.recipients import Conversation

SENDING, SENT, FAILED, UNKNOWN = "sending", "sent", "failed", "unknown"
#: The statuses of a row whose message reached its recipients, or may have.
REACHED = frozenset({SENT, SENDING, UNKNOWN})
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


async def mark_posting(notification: Notification, channel: str) -> None:
    """Records where the message is about to be posted: a row left ``sending`` without a
    channel was never posted, one with a channel is looked up there."""
    await Notification.filter(id=notification.id).update(channel=channel)


async def mark_unknown(notification: Notification, error: str, summary: str) -> None:
    """The post may or may not have reached Slack (``error`` says what happened)."""
    await Notification.filter(id=notification.id).update(
        status=UNKNOWN, error=error[:SUMMARY_MAX], summary=summary[:SUMMARY_MAX]
    )


async def in_doubt(type: str, period: str, *, lease: dt.timedelta) -> list[Notification]:
    """The rows of one type and period whose message may or may not have been posted:
    ``unknown``, or ``sending`` for longer than ``lease`` (its run stopped)."""
    stale = dt.datetime.now(dt.UTC) - lease
    return await Notification.filter(
        Q(status=UNKNOWN) | Q(status=SENDING, sent_at__lt=stale), type=type, period=period
    ).order_by("id")


async def in_flight_until(type: str, period: str, *, lease: dt.timedelta) -> dt.datetime | None:
    """When the last row of one type and period that is ``sending`` within its ``lease`` (a
    post another run may still be making) comes into doubt; None when there is none."""
    stale = dt.datetime.now(dt.UTC) - lease
    latest = (
        await Notification.filter(type=type, period=period, status=SENDING, sent_at__gte=stale)
        .order_by("-sent_at")
        .first()
        .values_list("sent_at", flat=True)
    )
    if latest is None:
        return None
    assert isinstance(latest, dt.datetime)
    return latest + lease


async def row_in_doubt(key: LedgerKey, *, lease: dt.timedelta) -> Notification | None:
    """:func:`in_doubt` for one key."""
    stale = dt.datetime.now(dt.UTC) - lease
    return await Notification.filter(
        Q(status=UNKNOWN) | Q(status=SENDING, sent_at__lt=stale),
        type=key.type,
        period=key.period,
        recipient=key.recipient,
        subject=key.subject,
    ).first()


async def take_over(row: Notification, *, lease: dt.timedelta) -> bool:
    """Makes ``row`` (one of :func:`in_doubt`) ours to check, ``sending`` again with a fresh
    lease; False when another run took it first (or it is no longer in doubt). ``row`` keeps
    the old claim time: the message, if posted, is no older than that."""
    query = Notification.filter(id=row.id)
    if row.status == UNKNOWN:
        query = query.filter(status=UNKNOWN)
    else:
        query = query.filter(status=SENDING, sent_at__lt=dt.datetime.now(dt.UTC) - lease)
    return bool(await query.update(status=SENDING, sent_at=dt.datetime.now(dt.UTC)))


async def statuses(type: str, period: str, subject: str = "") -> dict[str, str]:
    """Recipient → status of every row of one type, period and subject (one query)."""
    rows = await Notification.filter(type=type, period=period, subject=subject).values_list(
        "recipient", "status"
    )
    return {str(recipient): str(status) for recipient, status in rows}


MessageKey = tuple[str, str, str]  # type, period, subject: one message, whoever gets it


async def message_statuses(keys: Iterable[LedgerKey]) -> dict[MessageKey, dict[str, str]]:
    """Recipient → status of every row of every message of the types and periods of
    ``keys`` (one query per type and period)."""
    found: dict[MessageKey, dict[str, str]] = {}
    for type_, period in {(key.type, key.period) for key in keys}:
        rows = await Notification.filter(type=type_, period=period).values_list(
            "recipient", "subject", "status"
        )
        for recipient, subject, status in rows:
            found.setdefault((type_, period, str(subject)), {})[str(recipient)] = str(status)
    return found


def reached_users(existing: Mapping[str, str]) -> frozenset[str]:
    """The users one message (``existing``: recipient → status of its rows) reached, or may
    have: those of its rows sent, being sent or in doubt, not those of failed rows."""
    return frozenset(
        user
        for recipient, status in existing.items()
        if status in REACHED
        for user in recipient.split(",")
    )


def narrowed(
    conversation: Conversation, reached: Set[str], *, force: bool = False
) -> Conversation | None:
    """Who of ``conversation`` to send a message to now, given the users it ``reached``
    (:func:`reached_users`): everybody when it reached none of them (a failed try included),
    None when it reached all of them, else the others in a conversation of their own (a new
    project admin alone gets a DM). ``force``: everybody."""
    if force:
        return conversation
    left = tuple(user for user in conversation.users if user not in reached)
    if len(left) == len(conversation.users):
        return conversation
    if not left:
        return None
    return Conversation(left, for_admins=conversation.for_admins)


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
