"""Who gets the weekly unsubmitted-hours reminder, with what (docs/domain-rules.md,
"Notifications").

Each non-archived person with Unsubmitted entries of more than 0 hours dated in the reminder
period gets one reminder: the count and hours of all those entries, and the entries listed,
except those of archived projects (counted, not listed). The selection is pure; the one
loading function reads every candidate entry with its person and project in one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from models.hours import HourEntry, HourStatus
from models.notifications.periods import DayRange
from models.people import full_name


@dataclass(frozen=True, slots=True)
class PersonInfo:
    """A 10000ft person as the reminders need them (``slack_id`` None: no Slack account)."""

    id: int
    guid: str
    name: str
    slack_id: str | None = None
    archived: bool = False


@dataclass(frozen=True, slots=True)
class EntryInfo:
    """One hour entry, flattened (``project_id`` None: a leave entry)."""

    tenkfeet_id: int
    person_id: int
    date: date
    hours: Decimal
    status: str
    project_id: int | None = None
    project_name: str = ""
    project_archived: bool = False
    client_name: str = ""
    phase_name: str = ""
    category: str = ""
    notes: str = ""
    leave_type: str = ""
    bill_rate: Decimal = Decimal(0)

    @property
    def is_leave(self) -> bool:
        return self.project_id is None


@dataclass(frozen=True, slots=True)
class UnsubmittedReminder:
    """One person's reminder: ``count``/``hours`` over all their entries of the period,
    ``listed`` those shown (oldest first), ``not_listed`` the entries of archived projects."""

    person: PersonInfo
    count: int
    hours: Decimal
    listed: tuple[EntryInfo, ...]

    @property
    def not_listed(self) -> int:
        return self.count - len(self.listed)


def is_reminded(entry: EntryInfo, period: DayRange) -> bool:
    """An entry the reminder counts: Unsubmitted, more than 0 hours, dated in the period."""
    return entry.status == HourStatus.UNSUBMITTED and entry.hours > 0 and entry.date in period


def unsubmitted_reminders(
    people: Iterable[PersonInfo], entries: Iterable[EntryInfo], period: DayRange
) -> list[UnsubmittedReminder]:
    """The reminders of ``period``, by person name; archived people get none."""
    waiting: dict[int, list[EntryInfo]] = defaultdict(list)
    for entry in entries:
        if is_reminded(entry, period):
            waiting[entry.person_id].append(entry)
    reminders = []
    for person in people:
        mine = waiting.get(person.id)
        if person.archived or not mine:
            continue
        mine.sort(key=lambda e: (e.date, e.tenkfeet_id))
        reminders.append(
            UnsubmittedReminder(
                person=person,
                count=len(mine),
                hours=sum((e.hours for e in mine), Decimal(0)),
                listed=tuple(e for e in mine if not e.project_archived),
            )
        )
    reminders.sort(key=lambda r: (r.person.name.lower(), r.person.guid))
    return reminders


# --- loading -------------------------------------------------------------------------------

ENTRY_FIELDS = (
    "tenkfeet_id",
    "person_id",
    "date",
    "hours",
    "status",
    "project_id",
    "project__name",
    "project__archived",
    "project__client__name",
    "client_name",
    "phase_name",
    "category",
    "notes",
    "leave_type",
    "bill_rate",
)


def entry_from_row(row: dict[str, object]) -> EntryInfo:
    """An :class:`EntryInfo` from a ``values(*ENTRY_FIELDS)`` row."""
    project_id = row["project_id"]
    return EntryInfo(
        tenkfeet_id=int(str(row["tenkfeet_id"])),
        person_id=int(str(row["person_id"])),
        date=row["date"],  # type: ignore[arg-type]
        hours=Decimal(str(row["hours"])),
        status=str(row["status"]),
        project_id=int(str(project_id)) if project_id is not None else None,
        project_name=str(row["project__name"] or ""),
        project_archived=bool(row["project__archived"]),
        client_name=str(row["project__client__name"] or row["client_name"] or ""),
        phase_name=str(row["phase_name"] or ""),
        category=str(row["category"] or ""),
        notes=str(row["notes"] or ""),
        leave_type=str(row["leave_type"] or ""),
        bill_rate=Decimal(str(row["bill_rate"] or 0)),
    )


async def load_unsubmitted(period: DayRange) -> tuple[list[PersonInfo], list[EntryInfo]]:
    """The period's Unsubmitted entries of more than 0 hours and their people (one query)."""
    rows = await HourEntry.filter(
        date__gte=period.first,
        date__lte=period.last,
        status=HourStatus.UNSUBMITTED.value,
        hours__gt=0,
    ).values(
        *ENTRY_FIELDS,
        "person__guid",
        "person__first_name",
        "person__last_name",
        "person__display_name",
        "person__slack_id",
        "person__archived",
    )
    people: dict[int, PersonInfo] = {}
    entries = []
    for row in rows:
        entry = entry_from_row(row)
        entries.append(entry)
        if entry.person_id not in people:
            people[entry.person_id] = PersonInfo(
                id=entry.person_id,
                guid=str(row["person__guid"]),
                name=full_name(
                    row["person__first_name"] or "",
                    row["person__last_name"] or "",
                    row["person__display_name"] or "",
                ),
                slack_id=row["person__slack_id"] or None,
                archived=bool(row["person__archived"]),
            )
    return list(people.values()), entries
