"""Which notification kinds can be planned, by name: `financebot notify WHAT`, the scheduler
and the admin site's "Send now" find a kind's planner here.

A planner loads what its kind needs and returns the :class:`Batch` of messages for the
company's ``today`` (the day the batch runs); it sends nothing (``send_batch`` does). Only the
kinds that exist are registered. The invoice review requests predate batches: the admin
site reaches them through :mod:`bot.notifications.web_notifier`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from bot.notifications.batch import Batch
from core.settings import Settings

Planner = Callable[[Settings, date], Awaitable[Batch]]

#: Kind → planner, for "unsubmitted", "unapproved", "flex-saldo", "manager-digest",
#: "contracts" as each comes into being.
PLANNERS: dict[str, Planner] = {}


class UnknownKind(LookupError):
    """No planner is registered under that name (the message is one line)."""


async def plan(kind: str, settings: Settings, today: date) -> Batch:
    """The batch of ``kind`` for ``today``; raises :class:`UnknownKind` for an unknown kind."""
    planner = PLANNERS.get(kind)
    if planner is None:
        known = ", ".join(sorted(PLANNERS)) or "none yet"
        raise UnknownKind(f"no notifications of kind {kind!r} (known: {known})")
    return await planner(settings, today)
