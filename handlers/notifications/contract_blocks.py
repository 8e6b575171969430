"""Block Kit for the weekly contract-problems report to the notifications admins.

Pure functions from domain data to :class:`SlackMessage`. Each person's problems are a few
sections of their own (their name, escaped, linking to their contracts on the admin site, then
one line per problem); the planner packs people into as many messages as Slack's 50 blocks
allow (:data:`REPORT_FRAME_BLOCKS` of each are the header, the context and the button), and
:func:`report_message` frames one part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from urllib.parse import quote

from core.settings import Settings
from core.slack_text import cut_mrkdwn, escape_mrkdwn
from handlers.flex.blocks import Block, context, sections_of, url_button
from handlers.notifications.wording import people_text
from handlers.slack_ids import ActionId
from models.notifications.contract_report import PersonProblems
from sync.slack_delivery import SlackMessage

HEADING = "Contract problems"
REPORT_FRAME_BLOCKS = 3
TEXT_LIMIT = 3000


def person_contracts_url(found: PersonProblems, settings: Settings) -> str:
    return settings.public_link(f"/contracts/{quote(found.person.guid, safe='')}")


def person_blocks(found: PersonProblems, settings: Settings) -> list[Block]:
    """One person's name (linked to their contracts) and each problem, as sections."""
    name = escape_mrkdwn(found.person.full_name)
    lines = [f"*<{person_contracts_url(found, settings)}|{name}>*"]
    lines += [f"• {escape_mrkdwn(reason)}" for reason in found.reasons]
    return sections_of(lines)


def about_text(part: Sequence[PersonProblems], number: int, parts: int) -> str:
    """The operator's line: ``part 1 of 2: 3 people, 5 problems`` (plain)."""
    problems = sum(len(found.problems) for found in part)
    return (
        f"part {number} of {parts}: {people_text(len(part))}, "
        f"{problems} problem{'' if problems == 1 else 's'}"
    )


def report_message(
    part: Sequence[tuple[PersonProblems, list[Block]]],
    number: int,
    parts: int,
    total_people: int,
    as_of: dt.date,
    settings: Settings,
) -> SlackMessage:
    """Part ``number`` of ``parts`` of the report, with its people's blocks."""
    title = HEADING if parts == 1 else f"{HEADING} ({number}/{parts})"
    which = "" if parts == 1 else f" Part {number} of {parts}."
    intro = (
        f"As of {as_of.isoformat()}, {people_text(total_people)} "
        f"{'has' if total_people == 1 else 'have'} contract problems HR should fix: hours on "
        "days without a contract, gaps between contracts, corrections outside every contract, "
        f"or a flex saldo that cannot be computed.{which}"
    )
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": title}},
        context(intro),
    ]
    for _, person in part:
        blocks += person
    blocks.append(
        {
            "type": "actions",
            "elements": [
                url_button(
                    "Contracts on the admin site",
                    settings.public_link("/contracts"),
                    ActionId.CONTRACT_REPORT_OPEN,
                    style="primary",
                )
            ],
        }
    )
    plain = " ".join(f"{found.person.full_name}: {' '.join(found.reasons)}" for found, _ in part)
    text = f"{HEADING} as of {as_of.isoformat()}{f' ({number}/{parts})' if parts > 1 else ''}: "
    return SlackMessage(text=cut_mrkdwn(text + escape_mrkdwn(plain), TEXT_LIMIT), blocks=blocks)
