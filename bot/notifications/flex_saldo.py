"""The monthly flex saldo message (the first Wednesday): rule 8 as of the last day of the month
before, one DM per person who has one, copies to the notifications admins, and a word to them
(a name, no figures) about each person without a Slack account.

A person's flex figures are for them and HR (docs/domain-rules.md, "Privacy and
permissions"): a notifications admin in the HR group gets the full copy, any other only that a
message went to that person (handlers/notifications/flex_saldo_blocks.py ``copy_without_figures``).

The whole company's saldos are computed in one batch by ``run`` (`serve` passes its worker
process, so the event loop stays free; the CLI runs it inline).

Ledger: type ``flex-saldo``, period the month of L (``2026-10`` for a run in November),
recipient the person's DM (subject ""); the word about someone without Slack is subject
``no-slack:<guid>`` to the notifications admins' conversation; copies are ``copy:<recipient>``
(bot/notifications/personal.py).
"""

from __future__ import annotations

from datetime import date

from bot.notifications.batch import Batch, Outgoing, Withheld, in_turns
from bot.notifications.personal import Addressee, to_person
from core.off_loop import run_inline
from core.settings import Settings
from handlers.notifications.flex_saldo_blocks import (
    about_text,
    copy_without_figures,
    flex_saldo_message,
    no_slack_message,
)
from models.flex.company import RunOffLoop, everyone_flex
from models.flex.saldo import previous_month_end
from models.notifications.flex_saldo import flex_saldo_notices
from models.notifications.kinds import NotificationType
from models.notifications.periods import month_key
from models.permissions import actors_by_slack_id, may_see_flex

KIND = "flex-saldo"


async def plan_flex_saldo(
    settings: Settings, today: date, *, run: RunOffLoop | None = None
) -> Batch:
    """The messages of the month before ``today``'s (see the module docstring)."""
    as_of = previous_month_end(today)
    period = month_key(as_of)
    admins = settings.slack_notifications_admin
    viewers = await actors_by_slack_id(admins)
    people, company = await everyone_flex(as_of, settings.workday_hours, run or run_inline)
    notices = flex_saldo_notices(
        people, company.saldos, as_of, settings.flex_max_minus, settings.flex_max_plus
    )
    messages: list[Outgoing] = []
    unreachable: list[str] = []
    async for notice in in_turns(notices):
        person = notice.person
        if person.slack_id:
            readers = frozenset(a for a in admins if may_see_flex(viewers.get(a), person.id))
            withheld = Withheld(readers, copy_without_figures(notice))
            about, message = about_text(notice), flex_saldo_message(notice, settings)
        else:
            withheld, about, message = None, person.full_name, no_slack_message(notice)
        personal = to_person(
            NotificationType.FLEX_SALDO,
            period,
            Addressee(person.full_name, person.guid, person.slack_id or None),
            about,
            [message],
            admins,
            reported="no Slack: told the notifications admins, no figures",
            withheld=withheld,
        )
        messages += personal.messages
        unreachable += personal.unreachable
    return Batch(KIND, period, tuple(messages), tuple(unreachable), f"as of {as_of.isoformat()}")
