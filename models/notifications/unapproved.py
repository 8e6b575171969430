"""What the weekly unapproved-hours reminder says, per project (docs/domain-rules.md,
"Notifications").

Per project: its entries dated in the reminder period whose status is not Approved (Pending
Approval and Unsubmitted alike, whatever their hours), their count, hours and money
(Σ bill rate × hours of all of them, billable or not). Leave entries (no project) that are
not approved are summed apart, with money 0.00. Archived projects and people are not left
out: the rule does not exclude them. Who gets each message is the project's admins (the
non-archived people its tags name); the selection is pure, and two queries load it all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from models.hours import HourEntry, HourStatus
from models.notifications.periods import DayRange
from models.notifications.unsubmitted import ENTRY_FIELDS, EntryInfo, entry_from_row
from models.people import full_name
from models.projects import Project


@dataclass(frozen=True, slots=True)
class AdminInfo:
    name: str
    slack_id: str | None = None
    guid: str = ""


@dataclass(frozen=True, slots=True)
class ProjectInfo:
    id: int
    guid: str
    tenkfeet_id: int
    name: str
    client_name: str = ""
    archived: bool = False
    admins: tuple[AdminInfo, ...] = ()

    @property
    def admin_slack_ids(self) -> tuple[str, ...]:
        return tuple(sorted({a.slack_id for a in self.admins if a.slack_id}))


@dataclass(frozen=True, slots=True)
class UnapprovedHours:
    """The not-approved entries of one project (``project`` None: the leave entries)."""

    project: ProjectInfo | None
    count: int
    hours: Decimal
    money: Decimal
    pending: int = 0
    unsubmitted: int = 0


def is_unapproved(entry: EntryInfo, period: DayRange) -> bool:
    return entry.status != HourStatus.APPROVED and entry.date in period


def unapproved_hours(
    entries: Iterable[EntryInfo], projects: Mapping[int, ProjectInfo], period: DayRange
) -> tuple[list[UnapprovedHours], UnapprovedHours | None]:
    """Per project (by client and project name) the entries not approved in ``period``, and
    the leave entries not approved (None when there are none)."""
    grouped: dict[int | None, list[EntryInfo]] = defaultdict(list)
    for entry in entries:
        if is_unapproved(entry, period):
            grouped[entry.project_id].append(entry)
    per_project = [
        _summed(projects[project_id], found)
        for project_id, found in grouped.items()
        if project_id is not None
    ]
    per_project.sort(key=lambda u: project_order(u.project))
    leave = grouped.get(None)
    return per_project, _summed(None, leave) if leave else None


def _summed(project: ProjectInfo | None, entries: list[EntryInfo]) -> UnapprovedHours:
    money = (
        sum((e.bill_rate * e.hours for e in entries), Decimal(0)) if project else Decimal("0.00")
    )
    return UnapprovedHours(
        project=project,
        count=len(entries),
        hours=sum((e.hours for e in entries), Decimal(0)),
        money=money,
        pending=sum(1 for e in entries if e.status == HourStatus.PENDING),
        unsubmitted=sum(1 for e in entries if e.status == HourStatus.UNSUBMITTED),
    )


def project_order(project: ProjectInfo | None) -> tuple[str, str, str]:
    """Projects by client and name (case-insensitive), then guid."""
    if project is None:
        return ("", "", "")
    return (project.client_name.lower(), project.name.lower(), project.guid)


# --- loading -------------------------------------------------------------------------------


async def load_unapproved(period: DayRange) -> tuple[list[EntryInfo], dict[int, ProjectInfo]]:
    """The period's entries that are not Approved and their projects with admins (2 queries)."""
    entries = await load_unapproved_entries(period)
    ids = sorted({e.project_id for e in entries if e.project_id is not None})
    return entries, await load_projects(ids)


async def load_unapproved_entries(period: DayRange) -> list[EntryInfo]:
    """The period's entries that are not Approved (one query)."""
    rows = (
        await HourEntry.filter(date__gte=period.first, date__lte=period.last)
        .exclude(status=HourStatus.APPROVED.value)
        .values(*ENTRY_FIELDS)
    )
    return [entry_from_row(row) for row in rows]


async def load_projects(ids: list[int]) -> dict[int, ProjectInfo]:
    """Projects by id with their non-archived admins (one query)."""
    if not ids:
        return {}
    rows = await Project.filter(id__in=ids).values(
        "id",
        "guid",
        "tenkfeet_id",
        "name",
        "archived",
        "client__name",
        "admins__id",
        "admins__guid",
        "admins__first_name",
        "admins__last_name",
        "admins__display_name",
        "admins__slack_id",
        "admins__archived",
    )
    admins: dict[int, dict[int, AdminInfo]] = defaultdict(dict)
    base: dict[int, dict[str, object]] = {}
    for row in rows:
        project_id = int(row["id"])
        base.setdefault(project_id, row)
        if row["admins__id"] is not None and not row["admins__archived"]:
            name = full_name(
                row["admins__first_name"] or "",
                row["admins__last_name"] or "",
                row["admins__display_name"] or "",
            )
            admin = AdminInfo(name, row["admins__slack_id"] or None, str(row["admins__guid"]))
            admins[project_id][int(row["admins__id"])] = admin
    return {
        project_id: ProjectInfo(
            id=project_id,
            guid=str(row["guid"]),
            tenkfeet_id=int(str(row["tenkfeet_id"])),
            name=str(row["name"]),
            client_name=str(row["client__name"] or ""),
            archived=bool(row["archived"]),
            admins=tuple(sorted(admins[project_id].values(), key=lambda a: a.name.lower())),
        )
        for project_id, row in base.items()
    }
