"""One batch of notifications: what a kind's planner decides, and how it is sent.

A planner (one module per kind in this package) loads what it needs, selects who gets what
with the pure functions of ``models/notifications``, builds the messages (``handlers``) and
returns a :class:`Batch`: the period, every :class:`Outgoing` message with a line for the
operator, and :attr:`Batch.unreachable` lines for the people nobody could be told about
(no Slack account and no ``SLACK_NOTIFICATIONS_ADMIN``).

:func:`send_batch` sends it through the ledger (``sync/slack_delivery.py``): each message is
claimed before it goes out and marked sent or failed after, so a re-run within the period
sends nothing (``force`` sends again) and a run that crashed half-way is resumed without
doubles: rows in doubt (a post whose answer was lost, or one claimed by a run that stopped)
are first settled against Slack, then each message goes only to the people it has not
reached yet (``models/notifications/ledger.py`` ``narrowed``: a project admin added since
the last run gets it alone), and a copy for the notifications admins goes with the message
it copies. Messages are paced to ``NOTIFY_SEND_RATE`` in all and ``NOTIFY_CONVERSATION_RATE``
into any one conversation; Slack's 429s are waited out (the client's rate-limit handler honours
Retry-After) and any other error is recorded for its recipient while the batch goes on.
``dry_run`` reads the ledger to say what would be sent and writes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import heapq
import re
from collections import Counter, deque
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from aiolimiter import AsyncLimiter
from slack_sdk.web.async_client import AsyncWebClient

from core.observability.logs import new_run_id, run_context
from core.slack_text import escape_mrkdwn
from models.notifications.ledger import (
    FAILED,
    SENDING,
    SENT,
    UNKNOWN,
    LedgerKey,
    MessageKey,
    message_statuses,
    narrowed,
    reached_users,
)
from models.notifications.recipients import Conversation
from sync.slack_delivery import (
    DEFAULT_LEASE,
    NOT_CHECKED,
    Notice,
    SlackMessage,
    deliver,
    settle_in_doubt,
)

SUBJECT_MAX = 64  # the ledger's subject column
SUMMARY_MAX = 500  # what the ledger keeps of a message's text
PER_TURN = 50  # messages a planner builds between two turns of the event loop
T = TypeVar("T")
WOULD_SEND = "would send"
ALREADY_SENT = "already sent"
IN_DOUBT = "in doubt"  # a dry run: its post may have gone out; a run looks it up in Slack first
#: Claimed by another run within the lease: that run may still post it, or may have died
#: before it could; a later run looks it up in Slack once the lease has passed.
IN_FLIGHT = "in flight"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message of a batch for one conversation; ``about`` is the operator's line for it
    (who it is for and its figures, e.g. ``Aino Korhonen: 3 entries, 12.50h``)."""

    notice: Notice
    about: str
    copy_of: LedgerKey | None = None  # a copy for a notifications admin: its original's key


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
    status: str  # sent / failed / unknown / already sent / in doubt / would send
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
        """Messages not known to be sent: refused, or posted with a lost answer (unknown)."""
        return sum(1 for outcome in self.outcomes if outcome.status in (FAILED, UNKNOWN))

    @property
    def in_flight(self) -> int:
        """Messages another run had claimed within the lease: not known to be sent yet."""
        return sum(1 for outcome in self.outcomes if outcome.status == IN_FLIGHT)

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
                copy_of=notice.key,
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
    lease: dt.timedelta = DEFAULT_LEASE,
    conversation_rate: float = 1.0,
) -> BatchReport:
    """Sends ``batch`` (or, ``dry_run`` or no client, says what it would send): at most
    ``send_rate`` messages a second in all and ``conversation_rate`` into one conversation
    (:func:`in_order_of_readiness`); the report lists them in the batch's order. ``lease``:
    how long a message claimed by another run is left to it (``NOTIFY_CLAIM_MINUTES``).
    Its log lines carry a ``run_id`` (the scheduled job's, when a job sends it)."""
    with run_context(new_run_id(f"notify-{batch.kind}"), keep_outer=True):
        sending = not dry_run and client is not None
        if sending:
            assert client is not None
            for type_, period in {(m.notice.type, m.notice.period) for m in batch.messages}:
                await settle_in_doubt(client, type_, period, lease=lease)
        statuses = await message_statuses(m.notice.key for m in batch.messages)
        plan = _still_to_send(batch.messages, statuses, force=force)
        if not sending:
            outcomes = [
                Outcome(target or message, _dry_run_status(message, target, statuses, force))
                for message, target in plan
            ]
            return BatchReport(batch, tuple(outcomes))
        assert client is not None
        workspace = AsyncLimiter(max(send_rate, 0.1), 1)
        results: dict[int, Outcome] = {}
        targets: list[Outgoing] = []
        places: list[int] = []
        for index, (message, target) in enumerate(plan):
            if target is None:
                results[index] = _not_sent_now(message, statuses)
            else:
                targets.append(target)
                places.append(index)
        async for number in in_order_of_readiness(targets, conversation_rate):
            target = targets[number]
            async with workspace:
                delivery = await deliver(client, target.notice, force=force, lease=lease)
            results[places[number]] = Outcome(target, delivery.status, delivery.error)
        return BatchReport(batch, tuple(results[index] for index in range(len(plan))))


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


def _not_sent_now(message: Outgoing, statuses: dict[MessageKey, dict[str, str]]) -> Outcome:
    """A message that reached everybody already, or whose post is still in doubt (Slack
    could not be asked about it: counted with the failures, so the period is tried again),
    or that another run claimed within the lease (in flight: not counted as sent, so the
    period is not closed on a post that may never have been made)."""
    notice = message.notice
    status = statuses.get(_message_key(notice), {}).get(notice.conversation.key)
    if status == UNKNOWN:
        return Outcome(message, UNKNOWN, NOT_CHECKED)
    if status == SENDING:
        return Outcome(message, IN_FLIGHT)
    return Outcome(message, ALREADY_SENT)


def _message_key(notice: Notice) -> MessageKey:
    return (notice.type, notice.period, notice.subject)


def _still_to_send(
    messages: Sequence[Outgoing], statuses: dict[MessageKey, dict[str, str]], *, force: bool
) -> list[tuple[Outgoing, Outgoing | None]]:
    """Each of ``messages`` with what to send of it now: for the people it has not reached
    yet (``statuses``: the ledger's rows of each message), or None. A copy goes with its
    original: none when the original reaches nobody new (unless the copy itself failed
    before), and keyed by whom the original goes to now."""
    reached: dict[MessageKey, frozenset[str]] = {}

    def reached_by(notice: Notice) -> frozenset[str]:
        key = _message_key(notice)
        if key not in reached:
            reached[key] = reached_users(statuses.get(key, {}))
        return reached[key]

    originals: dict[LedgerKey, Notice | None] = {}
    plan: list[tuple[Outgoing, Outgoing | None]] = []
    for message in messages:
        notice = message.notice
        if message.copy_of in originals and not force:
            original = originals[message.copy_of]
            if original is None:
                own = statuses.get(_message_key(notice), {}).get(notice.conversation.key)
                if own != FAILED:
                    plan.append((message, None))
                    continue
            elif original.key != message.copy_of:
                notice = replace(notice, subject=_copy_subject(original))
        conversation = narrowed(notice.conversation, reached_by(notice), force=force)
        target = None
        if conversation is not None:
            target = replace(message, notice=replace(notice, conversation=conversation))
        if message.copy_of is None:
            originals[message.notice.key] = target.notice if target else None
        plan.append((message, target))
    return plan


def _dry_run_status(
    message: Outgoing,
    target: Outgoing | None,
    statuses: dict[MessageKey, dict[str, str]],
    force: bool,
) -> str:
    """What a run would do: send, or nothing (already sent), or first look the message up
    in Slack (its row is in doubt: a run settles it, then sends it if it was not posted)."""
    if force:
        return WOULD_SEND
    notice = message.notice
    existing = statuses.get(_message_key(notice), {}).get(notice.conversation.key)
    if existing in (SENDING, UNKNOWN):
        return IN_DOUBT
    return ALREADY_SENT if target is None else WOULD_SEND


__all__ = [
    "ALREADY_SENT",
    "IN_DOUBT",
    "IN_FLIGHT",
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
