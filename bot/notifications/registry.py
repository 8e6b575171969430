"""Every kind of scheduled notification: what it is, when it goes out, who plans its batch.

`financebot notify WHAT`, the scheduler and the admin site's "send now" all start here, so a
kind is named, described and planned in one place. ``invoices`` (review requests for a month)
has its own sender (bot/notifications/invoices.py) and is listed for its name and schedule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

from bot.notifications.batch import Batch
from bot.notifications.contracts import plan_contracts
from bot.notifications.flex_saldo import plan_flex_saldo
from bot.notifications.manager_digest import plan_manager_digest
from bot.notifications.unapproved import plan_unapproved
from bot.notifications.unsubmitted import plan_unsubmitted
from core.settings import NotificationSchedule, Settings
from models.flex.company import RunOffLoop
from models.notifications.periods import (
    first_weekday_of_month,
    month_key,
    previous_month_end,
    week_key,
    week_start,
)


class Planner(Protocol):
    """Plans one kind's batch for ``today``. ``run`` computes heavy pure work off the event
    loop (`serve` passes its worker process); None runs it inline (the CLI, tests)."""

    def __call__(
        self, settings: Settings, today: dt.date, *, run: RunOffLoop | None = None
    ) -> Awaitable[Batch]: ...


MONDAY, TUESDAY, WEDNESDAY = 0, 1, 2


@dataclass(frozen=True, slots=True)
class NotificationKind:
    """One kind: ``name`` as `notify` takes it, what it is, and when it is sent.

    Weekly kinds go out on ``weekday``; monthly ones on the ``weekday``'s first occurrence in
    the month or, with ``month_day``, on that day of the month.
    """

    name: str
    description: str
    weekday: int | None = None
    monthly: bool = False
    month_day: int | None = None

    @property
    def job_id(self) -> str:
        return f"notify-{self.name}"

    def at(self, schedule: NotificationSchedule) -> tuple[int, int]:
        return getattr(schedule, self.name.replace("-", "_"))  # type: ignore[no-any-return]

    def period(self, today: dt.date) -> str:
        """The period a run on ``today`` covers, as the ledger and the run's claim name it:
        the ISO week for weekly kinds, the month before for monthly ones."""
        if self.monthly:
            return month_key(previous_month_end(today))
        return week_key(today)

    def send_day(self, today: dt.date) -> dt.date:
        """The day of ``today``'s period (week or month) on which the kind is sent."""
        if self.month_day is not None:
            return today.replace(day=self.month_day)
        assert self.weekday is not None
        if self.monthly:
            return first_weekday_of_month(today.year, today.month, self.weekday)
        return week_start(today) + dt.timedelta(days=self.weekday)

    def cron_fields(self) -> dict[str, object]:
        """APScheduler cron fields of the send day (the time comes from the settings)."""
        if self.month_day is not None:
            return {"day": self.month_day}
        days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        assert self.weekday is not None
        if self.monthly:
            return {"day": f"1st {days[self.weekday]}"}
        return {"day_of_week": days[self.weekday]}


KINDS: dict[str, NotificationKind] = {
    kind.name: kind
    for kind in (
        NotificationKind(
            "unsubmitted",
            "the unsubmitted hours reminder: to each person with unsubmitted hours",
            weekday=MONDAY,
        ),
        NotificationKind(
            "unapproved",
            "the unapproved hours reminder: to each project's admins",
            weekday=TUESDAY,
        ),
        NotificationKind(
            "flex-saldo",
            "the monthly flex saldo message: to each person whose saldo needs a word",
            weekday=WEDNESDAY,
            monthly=True,
        ),
        NotificationKind(
            "manager-digest",
            "the manager digest: to each project admin with something waiting",
            weekday=MONDAY,
        ),
        NotificationKind(
            "contracts",
            "the contract problems report: to the notifications admins",
            weekday=MONDAY,
        ),
        NotificationKind(
            "invoices",
            "the invoice review requests of last month's client invoices with hours",
            monthly=True,
            month_day=2,
        ),
    )
}

PLANNERS: dict[str, Planner] = {
    "unsubmitted": plan_unsubmitted,
    "unapproved": plan_unapproved,
    "manager-digest": plan_manager_digest,
    "flex-saldo": plan_flex_saldo,
    "contracts": plan_contracts,
}
"""The planner of every kind but ``invoices``."""


async def plan(
    kind: str, settings: Settings, today: dt.date, *, run: RunOffLoop | None = None
) -> Batch:
    return await PLANNERS[kind](settings, today, run=run)


def scheduled_kinds() -> list[NotificationKind]:
    """The kinds with a sender: ``invoices`` and every kind in :data:`PLANNERS`, which is every
    kind (tests/bot/notifications/test_registry.py); the scheduler's tests narrow
    :data:`PLANNERS` to the kinds they fake, and this keeps the others out of their runs."""
    return [kind for kind in KINDS.values() if kind.name == "invoices" or kind.name in PLANNERS]
