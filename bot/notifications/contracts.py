"""The weekly contract-problems report (Mondays) to the notifications admins: as of yesterday,
every non-archived person's hours without a contract, gaps between contracts, corrections
outside every contract and saldos that cannot be computed, with the reason.

The problems come with the company-wide flex batch, computed by ``run`` (`serve` passes its
worker process; the CLI runs it inline). A report longer than one Slack message (50 blocks)
is sent in parts, each a message of its own; no problems: nothing is sent.

Ledger: type ``contracts``, period the ISO week the batch runs in, recipient the notifications
admins' conversation, subject ``part-1``, ``part-2``, …
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.notifications.batch import Batch, Outgoing
from core.off_loop import run_inline
from core.settings import Settings
from handlers.flex.blocks import MESSAGE_BLOCK_LIMIT, in_parts
from handlers.notifications.contract_blocks import (
    REPORT_FRAME_BLOCKS,
    about_text,
    person_blocks,
    report_message,
)
from handlers.notifications.wording import people_text
from models.flex.company import RunOffLoop, everyone_flex
from models.notifications.contract_report import problems_by_person
from models.notifications.kinds import NotificationType
from models.notifications.periods import week_key
from models.notifications.recipients import conversations_for
from sync.slack_delivery import Notice

KIND = "contracts"
NOBODY = "SLACK_NOTIFICATIONS_ADMIN is empty"


async def plan_contracts(
    settings: Settings, today: date, *, run: RunOffLoop | None = None
) -> Batch:
    """The report of ``today``'s week, as of yesterday (see the module docstring)."""
    as_of = today - timedelta(days=1)
    period = week_key(today)
    people, company = await everyone_flex(as_of, settings.workday_hours, run or run_inline)
    report = problems_by_person(people, company.problems)
    if not report:
        return Batch(KIND, period, covers=f"as of {as_of.isoformat()}: no contract problems")
    covers = f"as of {as_of.isoformat()}: {people_text(len(report))} with contract problems"
    items = [(found, person_blocks(found, settings)) for found in report]
    parts = in_parts(items, lambda item: len(item[1]), MESSAGE_BLOCK_LIMIT - REPORT_FRAME_BLOCKS)
    conversations = conversations_for([], settings.slack_notifications_admin)
    messages: list[Outgoing] = []
    unreachable: list[str] = []
    for number, part in enumerate(parts, start=1):
        about = about_text([found for found, _ in part], number, len(parts))
        if not conversations:
            unreachable.append(f"{about}: {NOBODY}")
            continue
        message = report_message(part, number, len(parts), len(report), as_of, settings)
        messages += [
            Outgoing(
                Notice(
                    NotificationType.CONTRACTS,
                    period,
                    conversation,
                    message,
                    summary=message.text[:500],
                    subject=f"part-{number}",
                ),
                about,
            )
            for conversation in conversations
        ]
    return Batch(KIND, period, tuple(messages), tuple(unreachable), covers)
