"""Block Kit for the weekly contract-problems report to the notifications admins.

Pure functions from domain data to :class:`SlackMessage`. Each person's problems are a few
sections of their own (their name, escaped, then one line per problem, at most
:data:`PROBLEMS_SHOWN`); the planner packs people into as many messages as Slack's 50 blocks
allow (:data:`REPORT_FRAME_BLOCKS` of each are the header, the intro and the closing block),
and :func:`report_message` frames one part.

Contracts and corrections are HR's (``EDIT_CONTRACTS``), and a correction's hours are flex
figures, seen by HR only. So a report *for HR* links each name to the person's contracts and
ends with a button to the contracts page; the report for any other notifications admin says
who fixes the problems ("HR, on the admin site's Contracts page") without links they could not
open, and leaves out the corrections' hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from urllib.parse import quote

from core.settings import Settings
from core.slack_text import cut_mrkdwn, escape_mrkdwn
from handlers.flex.blocks import Block, context, sections_of, url_button
from handlers.notifications.wording import people_text, plural
from handlers.slack_ids import ActionId
from models.notifications.contract_report import PersonProblems
from sync.slack_delivery import SlackMessage

HEADING = "Contract problems"
REPORT_FRAME_BLOCKS = 3
TEXT_LIMIT = 3000
PROBLEMS_SHOWN = 20  # per person: at most two sections, so a person always fits a message
NOT_HR = "HR fixes these on the admin site's Contracts page; corrections' hours are for HR only."


def person_contracts_url(found: PersonProblems, settings: Settings) -> str:
    return settings.public_link(f"/contracts/{quote(found.person.guid, safe='')}")


def person_blocks(found: PersonProblems, settings: Settings, *, hr: bool) -> list[Block]:
    """One person's name and each problem, as sections; for ``hr``, the name links to their
    contracts and the reasons keep their figures."""
    name = escape_mrkdwn(found.person.full_name)
    lines = [f"*<{person_contracts_url(found, settings)}|{name}>*" if hr else f"*{name}*"]
    reasons = found.reasons_for(hr=hr)
    lines += [f"• {escape_mrkdwn(reason)}" for reason in reasons[:PROBLEMS_SHOWN]]
    if len(reasons) > PROBLEMS_SHOWN:
        lines.append(f"• … and {len(reasons) - PROBLEMS_SHOWN} more")
    return sections_of(lines)


def about_text(part: Sequence[PersonProblems], number: int, parts: int, *, hr: bool) -> str:
    """The operator's line: ``part 1 of 2: 3 people, 5 problems (HR)`` (plain)."""
    problems = sum(len(found.problems) for found in part)
    audience = "HR" if hr else "not HR: no links, no corrections' hours"
    return (
        f"part {number} of {parts}: {people_text(len(part))}, "
        f"{plural(problems, 'problem', 'problems')} ({audience})"
    )


def report_message(
    part: Sequence[tuple[PersonProblems, list[Block]]],
    number: int,
    parts: int,
    total_people: int,
    as_of: dt.date,
    settings: Settings,
    *,
    hr: bool,
) -> SlackMessage:
    """Part ``number`` of ``parts`` of the report, with its people's blocks (made by
    :func:`person_blocks` with the same ``hr``)."""
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
    if hr:
        button = url_button(
            "Contracts on the admin site",
            settings.public_link("/contracts"),
            ActionId.CONTRACT_REPORT_OPEN,
            style="primary",
        )
        blocks.append({"type": "actions", "elements": [button]})
    else:
        blocks.append(context(NOT_HR))
    # The fallback text (also the ledger's summary, which every admin reads on the admin
    # site) carries no flex figures, whoever the report is for.
    plain = " ".join(
        f"{found.person.full_name}: {' '.join(found.reasons_for(hr=False))}" for found, _ in part
    )
    text = f"{HEADING} as of {as_of.isoformat()}{f' ({number}/{parts})' if parts > 1 else ''}: "
    return SlackMessage(text=cut_mrkdwn(text + escape_mrkdwn(plain), TEXT_LIMIT), blocks=blocks)
