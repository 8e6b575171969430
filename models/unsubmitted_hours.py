"""A person's unsubmitted hours: what is waiting, and which entries may be submitted from Slack.

An entry may be submitted to 10000ft from Slack when it is recent (within
``SUBMIT_WINDOW_DAYS`` of today, not in the future) and complete: a project entry needs notes,
a real phase (not "[Non Phase Specific]") and a category (not empty, "[none]" or
"No category"). Leave entries have no notes, phase or category by nature, so only the date
window applies to them.

The weekly reminder's button takes the days its DM listed instead of that window (``days``,
from last Sunday − 60 days: older than the App Home's window by up to a week), so a click
submits what the person was shown, as it stands at the click.

The selection is pure (plain data in, plain data out); the two database functions at the end
load a person's entries and record what 10000ft accepted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from tortoise.transactions import in_transaction

from models.flex.sums import refresh_flex_sums
from models.hours import NON_PHASE_SPECIFIC, HourEntry, HourStatus
from models.invoices.refresh import refresh_invoice_months
from models.notifications.periods import DayRange

SUBMIT_WINDOW_DAYS = 60
NO_CATEGORY_VALUES = frozenset({"", "[none]", "no category"})


@dataclass(frozen=True)
class UnsubmittedEntry:
    tenkfeet_id: int
    date: date
    hours: Decimal
    project_name: str = ""
    phase_name: str = ""
    category: str = ""
    notes: str = ""
    leave_type: str = ""
    upstream_updated_at: str = ""

    @property
    def is_leave(self) -> bool:
        return bool(self.leave_type)


def missing_for_submission(
    entry: UnsubmittedEntry, today: date, days: DayRange | None = None
) -> list[str]:
    """Why ``entry`` cannot be submitted from Slack (empty list: it can); ``days``: the days
    that may be (default: the last ``SUBMIT_WINDOW_DAYS`` up to today)."""
    missing: list[str] = []
    if entry.date > today:
        missing.append("in the future")
    elif days is None and entry.date < today - timedelta(days=SUBMIT_WINDOW_DAYS):
        missing.append(f"older than {SUBMIT_WINDOW_DAYS} days")
    elif days is not None and entry.date not in days:
        missing.append(f"not dated {days.first.isoformat()} … {days.last.isoformat()}")
    if entry.is_leave:
        # Submittable means notes, phase and category present (issue 4): leave has no phase
        # or category, so it is submitted in 10000ft itself.
        missing.append("leave (submit it in 10000ft)")
        return missing
    if not entry.notes.strip():
        missing.append("no notes")
    phase = entry.phase_name.strip()
    if not phase or phase == NON_PHASE_SPECIFIC:
        missing.append("no phase")
    if entry.category.strip().lower() in NO_CATEGORY_VALUES:
        missing.append("no category")
    return missing


def is_submittable(entry: UnsubmittedEntry, today: date, days: DayRange | None = None) -> bool:
    return not missing_for_submission(entry, today, days)


@dataclass(frozen=True)
class UnsubmittedHours:
    """All unsubmitted entries of a person up to today, split into submittable and the rest."""

    entries: tuple[UnsubmittedEntry, ...] = ()
    submittable: tuple[UnsubmittedEntry, ...] = ()
    blocked: tuple[tuple[UnsubmittedEntry, tuple[str, ...]], ...] = field(default=())

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def hours(self) -> Decimal:
        return sum((e.hours for e in self.entries), Decimal(0))

    @property
    def oldest(self) -> date | None:
        return min((e.date for e in self.entries), default=None)

    @property
    def submittable_hours(self) -> Decimal:
        return sum((e.hours for e in self.submittable), Decimal(0))


def summarize_unsubmitted(
    entries: Iterable[UnsubmittedEntry], today: date, days: DayRange | None = None
) -> UnsubmittedHours:
    """Entries dated up to ``today`` (and in ``days``, when given), oldest first; future
    entries are not waiting yet."""
    waiting = sorted(
        (e for e in entries if e.date <= today and (days is None or e.date in days)),
        key=lambda e: (e.date, e.tenkfeet_id),
    )
    submittable: list[UnsubmittedEntry] = []
    blocked: list[tuple[UnsubmittedEntry, tuple[str, ...]]] = []
    for entry in waiting:
        missing = missing_for_submission(entry, today, days)
        if missing:
            blocked.append((entry, tuple(missing)))
        else:
            submittable.append(entry)
    return UnsubmittedHours(tuple(waiting), tuple(submittable), tuple(blocked))


async def load_unsubmitted_entries(
    person_id: int, today: date, days: DayRange | None = None
) -> list[UnsubmittedEntry]:
    """The person's Unsubmitted entries dated up to ``today`` (and in ``days``), one query."""
    dated = (
        {"date__lte": today}
        if days is None
        else {
            "date__gte": days.first,
            "date__lte": min(days.last, today),
        }
    )
    rows = (
        await HourEntry.filter(person_id=person_id, status=HourStatus.UNSUBMITTED.value, **dated)
        .order_by("date", "tenkfeet_id")
        .values(
            "tenkfeet_id",
            "date",
            "hours",
            "project__name",
            "phase_name",
            "category",
            "notes",
            "leave_type",
            "upstream_updated_at",
        )
    )
    return [
        UnsubmittedEntry(
            tenkfeet_id=int(row["tenkfeet_id"]),
            date=row["date"],
            hours=Decimal(str(row["hours"])),
            project_name=row["project__name"] or "",
            phase_name=row["phase_name"] or "",
            category=row["category"] or "",
            notes=row["notes"] or "",
            leave_type=row["leave_type"] or "",
            upstream_updated_at=row["upstream_updated_at"] or "",
        )
        for row in rows
    ]


async def unsubmitted_hours_of(
    person_id: int, today: date, days: DayRange | None = None
) -> UnsubmittedHours:
    """What waits of the person's (``days``: of those days only, as a reminder listed them)."""
    entries = await load_unsubmitted_entries(person_id, today, days)
    return summarize_unsubmitted(entries, today, days)


async def mark_pending_approval(person_id: int, tenkfeet_ids: Sequence[int]) -> int:
    """Record that 10000ft accepted these entries for approval; returns rows changed.

    Only the person's own entries that are still Unsubmitted locally change; the next hours
    sync brings the authoritative status (and the new upstream ``updated_at``).
    """
    if not tenkfeet_ids:
        return 0
    async with in_transaction():
        submitted = HourEntry.filter(
            person_id=person_id,
            tenkfeet_id__in=list(tenkfeet_ids),
            status=HourStatus.UNSUBMITTED.value,
        )
        places = await submitted.values_list("date", "project_id")
        changed = await submitted.update(status=HourStatus.PENDING.value)
        # Pending hours count for flex and on invoices: recount the months they are in.
        await refresh_flex_sums([day for day, _ in places], [person_id])
        await refresh_invoice_months(
            {(project, day.year, day.month) for day, project in places if project is not None}
        )
    return changed
