"""The weekly manager digest (Mondays): one DM per project admin with everything waiting for
them (models/notifications/manager_digest.py), copies to the notifications admins, and the
digest of an admin without a Slack account to the notifications admins instead.

Ledger: type ``manager-digest``, period the ISO week the batch runs in, recipient the admin's
DM, subject "" (a digest split into several messages: ``part-2``, ``part-3``… for the parts
after the first); the digest of an admin without Slack is subject ``no-slack:<guid>`` (and
``…:part-2``) to the notifications admins' conversation; copies are kept apart by their
original's subject and recipient (bot/notifications/batch.py ``copies_for_admins``).
"""

from __future__ import annotations

from datetime import date

from bot.notifications.batch import SUBJECT_MAX, Batch, Outgoing, copies_for_admins
from core.settings import Settings
from handlers.notifications.manager_digest_blocks import digest_messages, digest_summary
from models.flex.company import RunOffLoop
from models.notifications.kinds import NotificationType
from models.notifications.manager_digest import ManagerDigest, load_manager_digests
from models.notifications.periods import DayRange, reminder_period, week_key
from models.notifications.recipients import Conversation, conversations_for
from sync.slack_delivery import Notice

KIND = "manager-digest"
NOBODY = "no Slack account and SLACK_NOTIFICATIONS_ADMIN is empty"


def _part_subject(base: str, number: int) -> str:
    part = f"part-{number}" if number > 1 else ""
    return ":".join(s for s in (base, part) if s)[:SUBJECT_MAX]


def _part_about(about: str, number: int, parts: int) -> str:
    return f"{about} (part {number} of {parts})" if parts > 1 else about


async def plan_manager_digest(
    settings: Settings, today: date, *, run: RunOffLoop | None = None
) -> Batch:
    """The digests of ``today``'s week (see the module docstring); ``run`` is not needed:
    the selection is light."""
    period = reminder_period(today)
    ledger_period = week_key(today)
    digests = await load_manager_digests(period, today, settings.hours_currency)
    messages: list[Outgoing] = []
    unreachable: list[str] = []
    for digest in digests:
        if digest.admin.slack_id:
            messages += _to_admin(digest, period, ledger_period, settings)
        else:
            found, nobody = _about_admin_without_slack(digest, period, ledger_period, settings)
            messages += found
            unreachable += nobody
    return Batch(KIND, ledger_period, tuple(messages), tuple(unreachable), str(period))


def _to_admin(
    digest: ManagerDigest, period: DayRange, ledger_period: str, settings: Settings
) -> list[Outgoing]:
    admin = digest.admin
    assert admin.slack_id is not None
    about = f"{admin.name}: {digest_summary(digest.projects)}"
    parts = digest_messages(digest.projects, period, settings)
    messages: list[Outgoing] = []
    for number, message in enumerate(parts, start=1):
        outgoing = Outgoing(
            Notice(
                NotificationType.MANAGER_DIGEST,
                ledger_period,
                Conversation((admin.slack_id,)),
                message,
                summary=f"{admin.name}: {message.text}"[:500],
                subject=_part_subject("", number),
            ),
            _part_about(about, number, len(parts)),
        )
        messages.append(outgoing)
        messages += copies_for_admins(outgoing, settings.slack_notifications_admin, admin.name)
    return messages


def _about_admin_without_slack(
    digest: ManagerDigest, period: DayRange, ledger_period: str, settings: Settings
) -> tuple[list[Outgoing], list[str]]:
    admin = digest.admin
    about = f"{admin.name}: {digest_summary(digest.projects)}"
    conversations = conversations_for([], settings.slack_notifications_admin)
    if not conversations:
        return [], [f"{about}: {NOBODY}"]
    parts = digest_messages(digest.projects, period, settings, without_slack=admin)
    messages = [
        Outgoing(
            Notice(
                NotificationType.MANAGER_DIGEST,
                ledger_period,
                conversation,
                message,
                summary=message.text[:500],
                subject=_part_subject(f"no-slack:{admin.guid}", number),
            ),
            _part_about(f"{about} (no Slack: told the notifications admins)", number, len(parts)),
        )
        for conversation in conversations
        for number, message in enumerate(parts, start=1)
    ]
    return messages, []
