"""The weekly manager digest (Mondays): one DM per project admin with everything waiting for
them (models/notifications/manager_digest.py), copies to the notifications admins, and the
digest of an admin without a Slack account to the notifications admins instead.

Ledger: type ``manager-digest``, period the ISO week the batch runs in, recipient the admin's
DM, subject "" (a digest split into several messages: ``part-2``, ``part-3``… for the parts
after the first); the digest of an admin without Slack is subject ``no-slack:<guid>`` (and
``…:part-2``) to the notifications admins' conversation; copies are kept apart by their
original's subject and recipient (bot/notifications/personal.py).
"""

from __future__ import annotations

from datetime import date

from bot.notifications.batch import Batch, Outgoing
from bot.notifications.personal import Addressee, to_person
from core.settings import Settings
from handlers.notifications.manager_digest_blocks import digest_messages, digest_summary
from models.flex.company import RunOffLoop
from models.notifications.kinds import NotificationType
from models.notifications.manager_digest import load_manager_digests
from models.notifications.periods import reminder_week

KIND = "manager-digest"


async def plan_manager_digest(
    settings: Settings, today: date, *, run: RunOffLoop | None = None
) -> Batch:
    """See the module docstring (``run`` is not needed: the selection is light)."""
    period, ledger_period = reminder_week(today)
    digests = await load_manager_digests(period, today, settings.hours_currency)
    messages: list[Outgoing] = []
    unreachable: list[str] = []
    for digest in digests:
        admin = digest.admin
        without_slack = None if admin.slack_id else admin
        personal = to_person(
            NotificationType.MANAGER_DIGEST,
            ledger_period,
            Addressee(admin.name, admin.guid, admin.slack_id),
            f"{admin.name}: {digest_summary(digest.projects)}",
            digest_messages(digest.projects, period, settings, without_slack=without_slack),
            settings.slack_notifications_admin,
        )
        messages += personal.messages
        unreachable += personal.unreachable
    return Batch(KIND, ledger_period, tuple(messages), tuple(unreachable), str(period))
