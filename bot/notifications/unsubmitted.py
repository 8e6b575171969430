"""The weekly unsubmitted-hours reminder (Mondays): one DM per person, copies to the
notifications admins, and a word to them about each person without a Slack account.

Ledger: type ``unsubmitted``, period the ISO week the batch runs in, recipient the person's
DM (subject ""); the report about someone without Slack is subject ``no-slack:<guid>`` to
each notifications admins' conversation; copies are ``copy:<recipient>``.
"""

from __future__ import annotations

from datetime import date

from bot.notifications.batch import Batch, Outgoing, copies_for_admins, in_turns
from core.settings import Settings
from handlers.notifications.unsubmitted_blocks import no_slack_message, reminder_message
from handlers.notifications.wording import entries_text, hours_text
from models.flex.company import RunOffLoop
from models.notifications.kinds import NotificationType
from models.notifications.periods import reminder_period, week_key
from models.notifications.recipients import Conversation, conversations_for
from models.notifications.unsubmitted import load_unsubmitted, unsubmitted_reminders
from sync.slack_delivery import Notice

KIND = "unsubmitted"
NOBODY = "no Slack account and SLACK_NOTIFICATIONS_ADMIN is empty"


async def plan_unsubmitted(
    settings: Settings, today: date, *, run: RunOffLoop | None = None
) -> Batch:
    """The reminders of ``today``'s week (see the module docstring); ``run`` is not needed:
    nothing here computes long enough to leave the loop."""
    period = reminder_period(today)
    ledger_period = week_key(today)
    admins = settings.slack_notifications_admin
    people, entries = await load_unsubmitted(period)
    messages: list[Outgoing] = []
    unreachable: list[str] = []
    async for reminder in in_turns(unsubmitted_reminders(people, entries, period)):
        person = reminder.person
        about = f"{person.name}: {entries_text(reminder.count)}, {hours_text(reminder.hours)}"
        if person.slack_id:
            message = reminder_message(reminder, period, today, settings)
            outgoing = Outgoing(
                Notice(
                    NotificationType.UNSUBMITTED,
                    ledger_period,
                    Conversation((person.slack_id,)),
                    message,
                    summary=f"{person.name}: {message.text}"[:500],
                ),
                about,
            )
            messages.append(outgoing)
            messages += copies_for_admins(outgoing, admins, person.name)
            continue
        report = no_slack_message(reminder, period)
        conversations = conversations_for([], admins)
        if not conversations:
            unreachable.append(f"{about}: {NOBODY}")
        messages += [
            Outgoing(
                Notice(
                    NotificationType.UNSUBMITTED,
                    ledger_period,
                    conversation,
                    report,
                    summary=report.text[:500],
                    subject=f"no-slack:{person.guid}"[:64],
                ),
                f"{about} (no Slack: told the notifications admins)",
            )
            for conversation in conversations
        ]
    return Batch(KIND, ledger_period, tuple(messages), tuple(unreachable), str(period))
