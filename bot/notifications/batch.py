"""One batch of notifications: what a kind's planner decides, and how it is sent.

A planner (one module per kind in this package) loads what it needs, selects who gets what
with the pure functions of ``models/notifications``, builds the messages (``handlers``) and
returns a :class:`Batch`: the period, every :class:`Outgoing` message with a line for the
operator, and :attr:`Batch.unreachable` lines for the people nobody could be told about
(no Slack account and no ``SLACK_NOTIFICATIONS_ADMIN``).

:func:`send_batch` sends it through the ledger (``sync/slack_delivery.py``): each message is
claimed before it goes out and marked sent or failed after, so a re-run within the period
sends nothing (``force`` sends again) and a run that crashed half-way is resumed without
doubles. Messages are paced to ``NOTIFY_SEND_RATE``; Slack's 429s are waited out (the client's
rate-limit handler honours Retry-After) and any other error is recorded for its recipient
while the batch goes on. ``dry_run`` reads the ledger to say what would be sent and writes
nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from aiolimiter import AsyncLimiter
from slack_sdk.web.async_client import AsyncWebClient

from core.slack_text import escape_mrkdwn
from models.notifications.ledger import FAILED, SENDING, SENT, existing_statuses
from models.notifications.recipients import Conversation
from sync.slack_delivery import Notice, SlackMessage, deliver

SUBJECT_MAX = 64  # the ledger's subject column
SUMMARY_MAX = 500  # what the ledger keeps of a message's text
PER_TURN = 50  # messages a planner builds between two turns of the event loop
T = TypeVar("T")
WOULD_SEND = "would send"
ALREADY_SENT = "already sent"
IN_FLIGHT = "left unsent"  # claimed by a run that stopped before sending: sent at most once


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message of a batch for one conversation; ``about`` is the operator's line for it
    (who it is for and its figures, e.g. ``Aino Korhonen: 3 entries, 12.50h``)."""

    notice: Notice
    about: str


@dataclass(frozen=True, slots=True)
class Batch:
    kind: str
    period: str
    messages: tuple[Outgoing, ...] = ()
    unreachable: tuple[str, ...] = ()
    covers: str = ""  # e.g. the days counted: "2026-09-30..2026-11-29"


@dataclass(frozen=True, slots=True)
class Outcome:
    outgoing: Outgoing
    status: str  # sent / failed / already sent / left unsent / would send
    error: str = ""

    def line(self) -> str:
        conversation = self.outgoing.notice.conversation
        line = f"{self.status:<12} {self.outgoing.about} -> {conversation.kind} {conversation.key}"
        return f"{line}: {self.error}" if self.error else line


@dataclass(frozen=True, slots=True)
class BatchReport:
    batch: Batch
    outcomes: tuple[Outcome, ...] = field(default=())

    @property
    def failed(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == FAILED)

    def tally(self) -> str:
        counts = Counter(outcome.status for outcome in self.outcomes)
        parts = [f"{n} {status}" for status, n in sorted(counts.items())]
        if self.batch.unreachable:
            parts.append(f"{len(self.batch.unreachable)} nobody could be told about")
        return ", ".join(parts) or "nothing to send"

    def lines(self) -> list[str]:
        lines = [outcome.line() for outcome in self.outcomes]
        lines += [f"{'not sent':<12} {line}" for line in self.batch.unreachable]
        covers = f" ({self.batch.covers})" if self.batch.covers else ""
        lines.append(f"{self.batch.kind} {self.batch.period}{covers}: {self.tally()}")
        return lines


async def in_turns(items: Iterable[T], per_turn: int = PER_TURN) -> AsyncIterator[T]:
    """``items``, giving the event loop a turn after every ``per_turn``: building a thousand
    messages in one go held `/flex-hours` acks for a third of a second
    (``benchmarks/notifications.py``)."""
    for n, item in enumerate(items, start=1):
        yield item
        if n % per_turn == 0:
            await asyncio.sleep(0)


@dataclass(frozen=True, slots=True)
class Withheld:
    """A message with figures that only some readers may see (a person's flex saldo: that
    person and HR): ``readers`` are the notifications admins (Slack ids) who may; the copy of
    any other admin is ``instead`` (who it was sent to, without the figures)."""

    readers: frozenset[str]
    instead: SlackMessage


def copies_for_admins(
    outgoing: Outgoing, admins: Iterable[str], sent_to: str, *, withheld: Withheld | None = None
) -> list[Outgoing]:
    """Copies of a message for the notifications admins who did not get it themselves, each
    headed "This was sent to NAME:".

    A copy is for reading: it carries no buttons and no links. They act or open pages for the
    recipient, which the admin may not use (someone else's flex page, a project's page that
    needs its admins or finance, "your hours" that opens the admin's own). With ``withheld``,
    an admin who may not see the message's figures gets ``withheld.instead``.

    The ledger keeps each copy apart by its subject: ``copy:`` and the original's subject and
    recipient (hashed when that would not fit the column), so copies of two messages to the
    same people (two projects with the same admins) are two copies.
    """
    notice = outgoing.notice
    receivers = set(notice.conversation.users)
    heading = f"This was sent to {escape_mrkdwn(sent_to)}:"
    full = _copy(heading, notice.message)
    short = full if withheld is None else _copy(heading, withheld.instead)
    subject = _copy_subject(notice)
    copies = []
    for admin in sorted(set(admins) - receivers):
        sees = withheld is None or admin in withheld.readers
        message = full if sees else short
        copies.append(
            Outgoing(
                replace(
                    notice,
                    conversation=Conversation((admin,), for_admins=True),
                    message=message,
                    subject=subject,
                    summary=notice.summary if sees else message.text[:SUMMARY_MAX],
                ),
                f"copy of {outgoing.about}" + ("" if sees else " (without the figures)"),
            )
        )
    return copies


def _copy(heading: str, message: SlackMessage) -> SlackMessage:
    return SlackMessage(
        text=f"{heading} {message.text}",
        blocks=[
            {"type": "context", "elements": [{"type": "mrkdwn", "text": heading}]},
            *_for_reading(message.blocks),
        ],
    )


def _copy_subject(notice: Notice) -> str:
    original = (
        f"{notice.subject}:{notice.conversation.key}" if notice.subject else notice.conversation.key
    )
    subject = f"copy:{original}"
    if len(subject) <= SUBJECT_MAX:
        return subject
    return "copy:" + hashlib.sha256(original.encode()).hexdigest()[:32]


_LINK = re.compile(r"<(?:https?|mailto):[^<>|]*\|([^<>]*)>")


def _for_reading(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``blocks`` without actions blocks and accessories, and with each ``<url|label>`` in
    their mrkdwn shown as its label."""
    return [
        _unlinked({key: value for key, value in block.items() if key != "accessory"})
        for block in blocks
        if block.get("type") != "actions"
    ]


def _unlinked(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            return {**value, "text": _LINK.sub(r"\1", value["text"])}
        return {key: _unlinked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unlinked(item) for item in value]
    return value


async def send_batch(
    client: AsyncWebClient | None,
    batch: Batch,
    *,
    force: bool = False,
    dry_run: bool = False,
    send_rate: float = 5.0,
) -> BatchReport:
    """Sends ``batch`` (or, ``dry_run`` or no client, says what it would send)."""
    if dry_run or client is None:
        existing = await existing_statuses([m.notice.key for m in batch.messages])
        outcomes = [
            Outcome(message, _dry_run_status(existing.get(message.notice.key), force))
            for message in batch.messages
        ]
        return BatchReport(batch, tuple(outcomes))
    limiter = AsyncLimiter(max(send_rate, 0.1), 1)
    results: list[Outcome] = []
    for message in batch.messages:
        async with limiter:
            delivery = await deliver(client, message.notice, force=force)
        results.append(Outcome(message, delivery.status, delivery.error))
    return BatchReport(batch, tuple(results))


def _dry_run_status(existing: str | None, force: bool) -> str:
    if existing is None or existing == FAILED or force:
        return WOULD_SEND
    return IN_FLIGHT if existing == SENDING else ALREADY_SENT


__all__ = [
    "ALREADY_SENT",
    "SENT",
    "Batch",
    "BatchReport",
    "Outcome",
    "Outgoing",
    "Withheld",
    "copies_for_admins",
    "in_turns",
    "send_batch",
]
