"""One batch of notifications: what a kind's planner decides, and how it is sent.

A planner (one module per kind in this package) loads what it needs, selects who gets what
with the pure functions of ``models/notifications``, builds the messages (``handlers``) and
returns a :class:`Batch`: the period, every :class:`Outgoing` message with a line for the
operator, and :attr:`Batch.unreachable` lines for the people nobody could be told about
(no Slack account and no ``SLACK_NOTIFICATIONS_ADMIN``).

:func:`send_batch` sends it through the ledger (``sync/slack_delivery.py``): each message is
claimed before it goes out and marked sent or failed after, so a re-run within the period
sends nothing (``force`` sends again) and a run that crashed half-way is resumed without
doubles. Messages are paced to ``NOTIFY_SEND_RATE`` in all and ``NOTIFY_CONVERSATION_RATE``
into any one conversation; Slack's 429s are waited out (the client's rate-limit handler honours
Retry-After) and any other error is recorded for its recipient while the batch goes on.
``dry_run`` reads the ledger to say what would be sent and writes nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from aiolimiter import AsyncLimiter
from slack_sdk.web.async_client import AsyncWebClient

from core.slack_text import escape_mrkdwn
from models.notifications.ledger import FAILED, SENDING, SENT, existing_statuses
from models.notifications.recipients import Conversation
from sync.slack_delivery import Notice, SlackMessage, deliver

SUBJECT_MAX = 64  # the ledger's subject column
PER_TURN = 50  # messages a planner builds between two turns of the event loop
MESSAGE_BLOCKS = 50  # Slack's limit of blocks in one message
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


def copies_for_admins(outgoing: Outgoing, admins: Iterable[str], sent_to: str) -> list[Outgoing]:
    """Copies of a reminder for the notifications admins who did not get it themselves, each
    headed "This was sent to NAME:", with its link buttons but not its action buttons (those
    act for the recipient only).

    The ledger keeps each copy apart by its subject: ``copy:`` and the original's subject and
    recipient (hashed when that would not fit the column), so copies of two messages to the
    same people (two projects with the same admins) are two copies.
    """
    notice = outgoing.notice
    receivers = set(notice.conversation.users)
    heading = f"This was sent to {escape_mrkdwn(sent_to)}:"
    message = SlackMessage(
        text=f"{heading} {notice.message.text}",
        blocks=[
            {"type": "context", "elements": [{"type": "mrkdwn", "text": heading}]},
            *_without_actions(notice.message.blocks),
        ],
    )
    subject = _copy_subject(notice)
    return [
        Outgoing(
            replace(
                notice,
                conversation=Conversation((admin,), for_admins=True),
                message=message,
                subject=subject,
            ),
            f"copy of {outgoing.about}",
        )
        for admin in sorted(set(admins))
        if admin not in receivers
    ]


def _copy_subject(notice: Notice) -> str:
    original = (
        f"{notice.subject}:{notice.conversation.key}" if notice.subject else notice.conversation.key
    )
    subject = f"copy:{original}"
    if len(subject) <= SUBJECT_MAX:
        return subject
    return "copy:" + hashlib.sha256(original.encode()).hexdigest()[:32]


def _without_actions(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``blocks`` with only the link buttons left in their actions blocks (and accessories)."""
    kept: list[dict[str, Any]] = []
    for block in blocks:
        if block.get("type") == "actions":
            links = [element for element in block.get("elements", []) if element.get("url")]
            if links:
                kept.append({**block, "elements": links})
            continue
        accessory = block.get("accessory")
        if accessory is not None and accessory.get("type") == "button" and not accessory.get("url"):
            block = {key: value for key, value in block.items() if key != "accessory"}
        kept.append(block)
    return kept


async def send_batch(
    client: AsyncWebClient | None,
    batch: Batch,
    *,
    force: bool = False,
    dry_run: bool = False,
    send_rate: float = 5.0,
    conversation_rate: float = 1.0,
) -> BatchReport:
    """Sends ``batch`` (or, ``dry_run`` or no client, says what it would send): at most
    ``send_rate`` messages a second in all and ``conversation_rate`` into one conversation
    (:func:`in_order_of_readiness`); the report lists them in the batch's order."""
    if dry_run or client is None:
        existing = await existing_statuses([m.notice.key for m in batch.messages])
        outcomes = [
            Outcome(message, _dry_run_status(existing.get(message.notice.key), force))
            for message in batch.messages
        ]
        return BatchReport(batch, tuple(outcomes))
    workspace = AsyncLimiter(max(send_rate, 0.1), 1)
    results: dict[int, Outcome] = {}
    async for index in in_order_of_readiness(batch.messages, conversation_rate):
        message = batch.messages[index]
        async with workspace:
            delivery = await deliver(client, message.notice, force=force)
        results[index] = Outcome(message, delivery.status, delivery.error)
    return BatchReport(batch, tuple(results[index] for index in range(len(batch.messages))))


# --- pacing per conversation ---------------------------------------------------------------

CONVERSATION_BURST = 3
"""Messages one conversation may take at once before the per-conversation rate holds it back
(Slack allows short bursts over its one message a second into a conversation)."""


async def in_order_of_readiness(
    messages: Sequence[Outgoing], conversation_rate: float
) -> AsyncIterator[int]:
    """The indexes of ``messages``, each once, paced per conversation: a conversation takes at
    most :data:`CONVERSATION_BURST` at once, then ``conversation_rate`` a second.

    Of the conversations that may take a message now, the one whose next message comes first
    in the batch goes first; only when none may does this wait (for the one that comes
    first). So the DMs of a batch, one to each person, go at the caller's pace while the
    copies for ``SLACK_NOTIFICATIONS_ADMIN``, all in one conversation, trickle along beside
    them instead of holding them up. The caller sends each index before asking for the next.
    """
    pending: dict[str, deque[int]] = {}
    for index, message in enumerate(messages):
        pending.setdefault(message.notice.conversation.key, deque()).append(index)
    rate = max(conversation_rate, 0.01)
    limiters = {key: AsyncLimiter(CONVERSATION_BURST, CONVERSATION_BURST / rate) for key in pending}
    # The conversations by their next message's place in the batch: a heap, so that finding
    # one that may take a message passes only the few held back (the admins'), never all.
    heap = [(indexes[0], key) for key, indexes in pending.items()]
    heapq.heapify(heap)
    while heap:
        held: list[tuple[int, str]] = []
        while heap and not limiters[heap[0][1]].has_capacity():
            held.append(heapq.heappop(heap))
        if heap:
            _, key = heapq.heappop(heap)
        else:
            _, key = held.pop(0)  # every one is held back: wait for the first in the batch
        for entry in held:
            heapq.heappush(heap, entry)
        await limiters[key].acquire()
        indexes = pending[key]
        yield indexes.popleft()
        if indexes:
            heapq.heappush(heap, (indexes[0], key))


def _dry_run_status(existing: str | None, force: bool) -> str:
    if existing is None or existing == FAILED or force:
        return WOULD_SEND
    return IN_FLIGHT if existing == SENDING else ALREADY_SENT


def conversation_of(users: Sequence[str], *, for_admins: bool = False) -> Conversation:
    return Conversation(tuple(sorted(set(users))), for_admins=for_admins)


def blocks_fit(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most 50 blocks, Slack's limit for a message (the last says how many were left out)."""
    if len(blocks) <= MESSAGE_BLOCKS:
        return blocks
    kept = blocks[: MESSAGE_BLOCKS - 1]
    left = len(blocks) - (MESSAGE_BLOCKS - 1)
    kept.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"… and {left} more"}]})
    return kept


def in_parts(items: Sequence[T], blocks_of: Callable[[T], int], room: int) -> list[list[T]]:
    """``items`` in order, packed into parts (one message each) whose blocks add up to at
    most ``room``; an item is never split across two parts (one bigger than ``room`` gets a
    part of its own, which :func:`blocks_fit` cuts). No items: no parts."""
    parts: list[list[T]] = []
    used = 0
    for item in items:
        size = blocks_of(item)
        if not parts or used + size > room:
            parts.append([])
            used = 0
        parts[-1].append(item)
        used += size
    return parts


__all__ = [
    "ALREADY_SENT",
    "MESSAGE_BLOCKS",
    "SENT",
    "Batch",
    "BatchReport",
    "Outcome",
    "Outgoing",
    "blocks_fit",
    "conversation_of",
    "copies_for_admins",
    "in_parts",
    "in_turns",
    "send_batch",
]
