"""The monthly flex saldo message (the first Wednesday): rule 8 as of the last day of the month
before, one DM per person who has one, copies to the notifications admins, and a word to them
(a name, no figures) about each person without a Slack account.

The whole company's saldos are computed in one batch by ``run`` (`serve` passes its worker
process, so the event loop stays free; the CLI runs it inline).

Ledger: type ``flex-saldo``, period the month of L (``2026-10`` for a run in November),
recipient the person's DM (subject ""); the word about someone without Slack is subject
``no-slack:<guid>`` to the notifications admins' conversation; copies are ``copy:<recipient>``.
"""

from __future__ import annotations

from datetime import date

from bot.notifications.batch import Batch, Outgoing, copies_for_admins, in_turns
from core.off_loop import run_inline
from core.settings import Settings
from handlers.notifications.flex_saldo_blocks import (
    about_text,
    flex_saldo_message,
    no_slack_message,
)
from models.flex.company import RunOffLoop, everyone_flex
from models.flex.saldo import previous_month_end
from models.notifications.flex_saldo import flex_saldo_notices
from models.notifications.kinds import NotificationType
from models.notifications.periods import month_key
from models.notifications.recipients import Conversation, conversations_for
from sync.slack_delivery import Notice

KIND = "flex-saldo"
NOBODY = "no Slack account and SLACK_NOTIFICATIONS_ADMIN is empty"


async def plan_flex_saldo(
    settings: Settings, today: date, *, run: RunOffLoop | None = None
) -> Batch:
    """The messages of the month before ``today``'s (see the module docstring)."""
    as_of = previous_month_end(today)
    period = month_key(as_of)
    admins = settings.slack_notifications_admin
    people, company = await everyone_flex(as_of, settings.workday_hours, run or run_inline)
    notices = flex_saldo_notices(
        people, company.saldos, as_of, settings.flex_max_minus, settings.flex_max_plus
    )
    messages: list[Outgoing] = []
    unreachable: list[str] = []
    async for notice in in_turns(notices):
        person = notice.person
        about = about_text(notice)
        if person.slack_id:
            message = flex_saldo_message(notice, settings)
            outgoing = Outgoing(
                Notice(
                    NotificationType.FLEX_SALDO,
                    period,
                    Conversation((person.slack_id,)),
                    message,
                    summary=f"{person.full_name}: {message.text}"[:500],
                ),
                about,
            )
            messages.append(outgoing)
            messages += copies_for_admins(outgoing, admins, person.full_name)
            continue
        report = no_slack_message(notice)
        conversations = conversations_for([], admins)
        if not conversations:
            unreachable.append(f"{person.full_name}: {NOBODY}")
        messages += [
            Outgoing(
                Notice(
                    NotificationType.FLEX_SALDO,
                    period,
                    conversation,
                    report,
                    summary=report.text[:500],
                    subject=f"no-slack:{person.guid}"[:64],
                ),
                f"{person.full_name} (no Slack: told the notifications admins, no figures)",
            )
            for conversation in conversations
        ]
    return Batch(KIND, period, tuple(messages), tuple(unreachable), f"as of {as_of.isoformat()}")
