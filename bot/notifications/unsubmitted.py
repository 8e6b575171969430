"""The weekly unsubmitted-hours reminder (Mondays): one DM per person, copies to the
notifications admins, and a word to them about each person without a Slack account.

Ledger: type ``unsubmitted``, period the ISO week the batch runs in, recipient the person's
DM (subject ""); the report about someone without Slack is subject ``no-slack:<guid>`` to
the notifications admins' conversation; copies are ``copy:<recipient>``
(bot/notifications/personal.py).
"""

from __future__ import annotations

from datetime import date

from bot.notifications.batch import Batch, Outgoing, in_turns
from bot.notifications.personal import Addressee, to_person
from core.settings import Settings
from handlers.notifications.unsubmitted_blocks import no_slack_message, reminder_message
from handlers.notifications.wording import entries_text, hours_text
from models.flex.company import RunOffLoop
from models.notifications.kinds import NotificationType
from models.notifications.periods import reminder_week
from models.notifications.unsubmitted import load_unsubmitted, unsubmitted_reminders

KIND = "unsubmitted"


async def plan_unsubmitted(
    settings: Settings, today: date, *, run: RunOffLoop | None = None
) -> Batch:
    """See the module docstring (``run`` is not needed: the selection is light)."""
    period, ledger_period = reminder_week(today)
    people, entries = await load_unsubmitted(period)
    messages: list[Outgoing] = []
    unreachable: list[str] = []
    async for reminder in in_turns(unsubmitted_reminders(people, entries, period)):
        person = reminder.person
        message = (
            reminder_message(reminder, period, today, settings)
            if person.slack_id
            else no_slack_message(reminder, period)
        )
        personal = to_person(
            NotificationType.UNSUBMITTED,
            ledger_period,
            Addressee(person.name, person.guid, person.slack_id),
            f"{person.name}: {entries_text(reminder.count)}, {hours_text(reminder.hours)}",
            [message],
            settings.slack_notifications_admin,
        )
        messages += personal.messages
        unreachable += personal.unreachable
    return Batch(KIND, ledger_period, tuple(messages), tuple(unreachable), str(period))
