"""Submitting a person's unsubmitted hours to 10000ft for approval (the App Home button).

Only the submittable entries (models.unsubmitted_hours) are sent, each with the upstream
``updated_at`` we stored, so 10000ft leaves alone any entry changed since our last sync. Local
statuses change only for the entries 10000ft answered with an approval; everything else stays
as it was and the next hours sync brings the authoritative state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.settings import Settings
from models.notifications.periods import DayRange
from models.people import Person
from models.unsubmitted_hours import (
    UnsubmittedEntry,
    mark_pending_approval,
    unsubmitted_hours_of,
)
from sync.tenkfeet.client import TenkfeetClient, TenkfeetError

log = logging.getLogger(__name__)

#: A person is waiting on the other end of a button: fail fast rather than retry for long.
INTERACTIVE_TIMEOUT = 10.0
INTERACTIVE_RETRIES = 2


@dataclass(frozen=True)
class SubmissionOutcome:
    attempted: tuple[UnsubmittedEntry, ...] = ()
    accepted: tuple[UnsubmittedEntry, ...] = ()
    error: str = ""

    @property
    def not_accepted(self) -> tuple[UnsubmittedEntry, ...]:
        accepted = {e.tenkfeet_id for e in self.accepted}
        return tuple(e for e in self.attempted if e.tenkfeet_id not in accepted)

    @property
    def accepted_hours(self) -> Decimal:
        return sum((e.hours for e in self.accepted), Decimal(0))


async def submit_unsubmitted_hours(
    person: Person, today: date, settings: Settings, days: DayRange | None = None
) -> SubmissionOutcome:
    """Sends the person's submittable entries (``days``: of those days, as a reminder listed
    them; default the App Home's window) to 10000ft and records what it accepted."""
    unsubmitted = await unsubmitted_hours_of(person.id, today, days)
    attempted = unsubmitted.submittable
    if not attempted:
        return SubmissionOutcome()
    if not settings.tenkfeet_auth:
        return SubmissionOutcome(attempted, error="10000ft is not configured (no TENKFEET_AUTH)")
    try:
        async with TenkfeetClient(
            settings.tenkfeet_api_url,
            settings.tenkfeet_auth,
            timeout=INTERACTIVE_TIMEOUT,
            max_retries=INTERACTIVE_RETRIES,
        ) as client:
            approvals = await client.submit_for_approval(
                [(e.tenkfeet_id, e.upstream_updated_at) for e in attempted]
            )
    except TenkfeetError as exc:
        log.warning("submitting %d entries of %s failed: %s", len(attempted), person.guid, exc)
        return SubmissionOutcome(attempted, error=str(exc))
    approved_ids = {
        a.approvable_id
        for a in approvals
        if a.approvable_id is not None and (a.approvable_type or "TimeEntry") == "TimeEntry"
    }
    accepted = tuple(e for e in attempted if e.tenkfeet_id in approved_ids)
    await mark_pending_approval(person.id, [e.tenkfeet_id for e in accepted])
    return SubmissionOutcome(attempted, accepted)
