"""The weekly unapproved-hours reminder (Tuesdays): per project, one message to its admins
(a DM for one, a group DM for two to eight, split beyond eight), or to the notifications
admins when no admin has Slack; unapproved leave in one message of its own to them; copies
of each project's message to the notifications admins who did not get it.

Ledger: type ``unapproved``, period the ISO week the batch runs in, recipient the
conversation, subject the project's guid (``leave`` for leave); copies
are kept apart by project (bot/notifications/batch.py ``copies_for_admins``).
"""

from __future__ import annotations

from datetime import date

from bot.notifications.batch import Batch, Outgoing, copies_for_admins
from core.settings import Settings
from handlers.notifications.unapproved_blocks import (
    figures_text,
    leave_message,
    project_title,
    unapproved_message,
    why_admins,
)
from models.flex.company import RunOffLoop
from models.notifications.kinds import NotificationType
from models.notifications.periods import reminder_week
from models.notifications.recipients import Conversation, conversations_for
from models.notifications.unapproved import ProjectInfo, load_unapproved, unapproved_hours
from sync.slack_delivery import Notice, SlackMessage

KIND = "unapproved"
LEAVE = "leave"
NOBODY = "SLACK_NOTIFICATIONS_ADMIN is empty"


def _sent_to(project: ProjectInfo, conversation: Conversation) -> str:
    names = [a.name for a in project.admins if a.slack_id in conversation.users]
    return ", ".join(names) or conversation.key


def _notice(period: str, conversation: Conversation, message: SlackMessage, subject: str) -> Notice:
    return Notice(
        NotificationType.UNAPPROVED,
        period,
        conversation,
        message,
        summary=message.text,
        subject=subject,
    )


async def plan_unapproved(
    settings: Settings, today: date, *, run: RunOffLoop | None = None
) -> Batch:
    """See the module docstring (``run`` is not needed: the selection is light)."""
    period, ledger_period = reminder_week(today)
    admins = settings.slack_notifications_admin
    currency = settings.hours_currency
    entries, projects = await load_unapproved(period)
    per_project, leave = unapproved_hours(entries, projects, period)
    messages: list[Outgoing] = []
    unreachable: list[str] = []
    for unapproved in per_project:
        project = unapproved.project
        assert project is not None  # per_project holds projects only
        about = f"{project_title(project)}: {figures_text(unapproved, currency)}"
        conversations = conversations_for(project.admin_slack_ids, admins)
        if not conversations:
            unreachable.append(f"{about}: {why_admins(project)} and {NOBODY}")
            continue
        for conversation in conversations:
            message = unapproved_message(
                unapproved, project, period, settings, for_admins=conversation.for_admins
            )
            note = f" (notifications admins: {why_admins(project)})"
            outgoing = Outgoing(
                _notice(ledger_period, conversation, message, project.guid),
                about + (note if conversation.for_admins else ""),
            )
            messages.append(outgoing)
            if not conversation.for_admins:
                messages += copies_for_admins(outgoing, admins, _sent_to(project, conversation))
    if leave is not None:
        about = f"Leave: {figures_text(leave, currency)}"
        conversations = conversations_for([], admins)
        if not conversations:
            unreachable.append(f"{about}: {NOBODY}")
        message = leave_message(leave, period, settings)
        messages += [
            Outgoing(
                _notice(ledger_period, conversation, message, LEAVE),
                about + " (notifications admins)",
            )
            for conversation in conversations
        ]
    return Batch(KIND, ledger_period, tuple(messages), tuple(unreachable), str(period))
