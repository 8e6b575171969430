"""A message for one person: a DM to them with copies to the notifications admins or, when
they have no Slack account, a report about them to the notifications admins instead; nobody
at all when there are no notifications admins either.

The unsubmitted-hours reminder, the flex saldo message and the manager digest go this way.
A message may come in parts (a long digest). Ledger subjects: the DM's parts ``""``,
``part-2``, …; the report's ``no-slack:<guid>``, ``no-slack:<guid>:part-2``, …; copies are
kept apart by their original (bot/notifications/batch.py ``copies_for_admins``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.notifications.batch import SUBJECT_MAX, SUMMARY_MAX, Outgoing, Withheld, copies_for_admins
from models.notifications.kinds import NotificationType
from models.notifications.recipients import Conversation, conversations_for
from sync.slack_delivery import Notice, SlackMessage

NOBODY = "no Slack account and SLACK_NOTIFICATIONS_ADMIN is empty"
REPORTED = "no Slack: told the notifications admins"


@dataclass(frozen=True, slots=True)
class Addressee:
    """Whom a message is for: their name, 10000ft guid and Slack id (None: no Slack)."""

    name: str
    guid: str
    slack_id: str | None


@dataclass(frozen=True, slots=True)
class Personal:
    """What one person's message adds to a batch."""

    messages: tuple[Outgoing, ...] = ()
    unreachable: tuple[str, ...] = ()


def part_subject(base: str, number: int) -> str:
    part = f"part-{number}" if number > 1 else ""
    return ":".join(s for s in (base, part) if s)[:SUBJECT_MAX]


def part_about(about: str, number: int, parts: int) -> str:
    return f"{about} (part {number} of {parts})" if parts > 1 else about


def to_person(
    type_: NotificationType,
    period: str,
    person: Addressee,
    about: str,
    parts: Sequence[SlackMessage],
    admins: Sequence[str],
    *,
    reported: str = REPORTED,
    withheld: Withheld | None = None,
) -> Personal:
    """``parts`` to ``person``'s DM, each with its copies (``withheld``: see
    :func:`copies_for_admins`) when they have Slack; else ``parts`` is the report about them,
    to the notifications admins. ``about`` is the operator's line (``reported`` is added to it
    for a report)."""
    if person.slack_id:
        messages: list[Outgoing] = []
        for number, message in enumerate(parts, start=1):
            outgoing = Outgoing(
                Notice(
                    type_,
                    period,
                    Conversation((person.slack_id,)),
                    message,
                    summary=f"{person.name}: {message.text}"[:SUMMARY_MAX],
                    subject=part_subject("", number),
                ),
                part_about(about, number, len(parts)),
            )
            messages.append(outgoing)
            messages += copies_for_admins(outgoing, admins, person.name, withheld=withheld)
        return Personal(tuple(messages))
    conversations = conversations_for([], admins)
    if not conversations:
        return Personal(unreachable=(f"{about}: {NOBODY}",))
    return Personal(
        tuple(
            Outgoing(
                Notice(
                    type_,
                    period,
                    conversation,
                    message,
                    summary=message.text[:SUMMARY_MAX],
                    subject=part_subject(f"no-slack:{person.guid}", number),
                ),
                part_about(f"{about} ({reported})", number, len(parts)),
            )
            for conversation in conversations
            for number, message in enumerate(parts, start=1)
        )
    )
