"""The weekly contract-problems report (Mondays) to the notifications admins: as of yesterday,
every non-archived person's hours without a contract, gaps between contracts, corrections
outside every contract and saldos that cannot be computed, with the reason.

The problems come with the company-wide flex batch, computed by ``run`` (`serve` passes its
worker process; the CLI runs it inline). A report longer than one Slack message (50 blocks)
is sent in parts, each a message of its own; no problems: nothing is sent.

The notifications admins in HR (who fix contracts and may read corrections' hours) get the
report with links to the contracts; the others get it without those links and hours, told that
HR fixes them (handlers/notifications/contract_blocks.py).

Ledger: type ``contracts``, period the ISO week the batch runs in, recipient the conversation
of the HR notifications admins or of the others, subject ``part-1``, ``part-2``, …
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.notifications.batch import Batch, Outgoing
from core.off_loop import run_inline
from core.settings import Settings
from handlers.flex.blocks import MESSAGE_BLOCK_LIMIT, Block, in_parts
from handlers.notifications.contract_blocks import (
    REPORT_FRAME_BLOCKS,
    about_text,
    person_blocks,
    report_message,
)
from handlers.notifications.wording import people_text
from models.flex.company import RunOffLoop, everyone_flex
from models.notifications.contract_report import PersonProblems, problems_by_person
from models.notifications.kinds import NotificationType
from models.notifications.periods import week_key
from models.notifications.recipients import conversations_for
from models.permissions import Actor, Capability, actors_by_slack_id, allows
from sync.slack_delivery import Notice

KIND = "contracts"
Part = list[tuple[PersonProblems, list[Block]]]  # people with their blocks: one message
NOBODY = "SLACK_NOTIFICATIONS_ADMIN is empty"


def reads_as_hr(actor: Actor | None) -> bool:
    """May fix contracts and read everyone's flex figures: the report with links and hours."""
    return allows(actor, Capability.EDIT_CONTRACTS) and allows(actor, Capability.SEE_FLEX_OF_OTHERS)


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
    admins = settings.slack_notifications_admin
    if not admins:
        parts = _parts(report, settings, hr=True)
        nobody = [
            f"{about_text(_people(part), n, len(parts), hr=True)}: {NOBODY}"
            for n, part in enumerate(parts, start=1)
        ]
        return Batch(KIND, period, (), tuple(nobody), covers)
    viewers = await actors_by_slack_id(admins)
    hr = [admin for admin in admins if reads_as_hr(viewers.get(admin))]
    messages: list[Outgoing] = []
    for as_hr, audience in ((True, hr), (False, [a for a in admins if a not in hr])):
        conversations = conversations_for([], audience)
        if not conversations:
            continue
        parts = _parts(report, settings, hr=as_hr)
        for number, part in enumerate(parts, start=1):
            message = report_message(
                part, number, len(parts), len(report), as_of, settings, hr=as_hr
            )
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
                    about_text(_people(part), number, len(parts), hr=as_hr),
                )
                for conversation in conversations
            ]
    return Batch(KIND, period, tuple(messages), (), covers)


def _parts(report: list[PersonProblems], settings: Settings, *, hr: bool) -> list[Part]:
    """The people of ``report`` with their blocks, packed into messages."""
    items = [(found, person_blocks(found, settings, hr=hr)) for found in report]
    return in_parts(items, lambda item: len(item[1]), MESSAGE_BLOCK_LIMIT - REPORT_FRAME_BLOCKS)


def _people(part: Part) -> list[PersonProblems]:
    return [found for found, _ in part]
