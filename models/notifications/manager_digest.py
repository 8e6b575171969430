"""What the weekly manager digest tells each project admin (docs/domain-rules.md,
"Notifications").

Per project, three things may wait for its admins:

- its *unapproved hours* of the reminder period, counted exactly as the unapproved-hours
  reminder counts them (:func:`models.notifications.unapproved.unapproved_hours`);
- its *invoices waiting for approval*: closed months' client invoices with hours still
  Created, or approved once and changed since (:mod:`models.invoices.waiting`);
- the *people with unsubmitted hours* on it: the entries the unsubmitted-hours reminder
  counts (:func:`models.notifications.unsubmitted.is_reminded`: Unsubmitted, more than 0 hours,
  in the period) of non-archived people, per person their count and hours on that project.

A project with none of these is left out, and each of its admins (the non-archived people its
tags name) gets one digest of all their projects with something waiting; an admin with
nothing waiting gets none. Archived projects are not left out: the unapproved rule does not
exclude them. The selection is pure; :func:`load_manager_digests` reads everything in four
queries, whatever the number of admins and projects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from models.invoices.waiting import WaitingInvoice, invoices_waiting_for_approval
from models.notifications.periods import DayRange
from models.notifications.unapproved import (
    AdminInfo,
    ProjectInfo,
    UnapprovedHours,
    load_projects,
    load_unapproved_entries,
    project_order,
    unapproved_hours,
)
from models.notifications.unsubmitted import (
    EntryInfo,
    PersonInfo,
    is_reminded,
    load_unsubmitted,
)


@dataclass(frozen=True, slots=True)
class UnsubmittedPerson:
    """Someone's unsubmitted entries on one project: how many, how many hours."""

    person: PersonInfo
    count: int
    hours: Decimal


@dataclass(frozen=True, slots=True)
class ProjectWaiting:
    """Everything waiting on one project (``unapproved`` None: all its hours are approved)."""

    project: ProjectInfo
    unapproved: UnapprovedHours | None = None
    invoices: tuple[WaitingInvoice, ...] = ()
    unsubmitted: tuple[UnsubmittedPerson, ...] = ()


@dataclass(frozen=True, slots=True)
class ManagerDigest:
    """One admin's digest: their projects with something waiting, by client and name."""

    admin: AdminInfo
    projects: tuple[ProjectWaiting, ...]


def unsubmitted_people(
    people: Iterable[PersonInfo], entries: Iterable[EntryInfo], period: DayRange
) -> dict[int, tuple[UnsubmittedPerson, ...]]:
    """Per project id, the non-archived people with entries the unsubmitted reminder counts
    there, by name; leave (no project) is nobody's project and left out."""
    by_id = {person.id: person for person in people}
    counted: dict[int, dict[int, list[EntryInfo]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        person = by_id.get(entry.person_id)
        if entry.project_id is None or person is None or person.archived:
            continue
        if is_reminded(entry, period):
            counted[entry.project_id][entry.person_id].append(entry)
    return {
        project_id: tuple(
            sorted(
                (
                    UnsubmittedPerson(
                        by_id[person_id], len(found), sum((e.hours for e in found), Decimal(0))
                    )
                    for person_id, found in per_person.items()
                ),
                key=lambda u: (u.person.name.lower(), u.person.guid),
            )
        )
        for project_id, per_person in counted.items()
    }


def waiting_per_project(
    projects: Mapping[int, ProjectInfo],
    unapproved: Iterable[UnapprovedHours],
    invoices: Iterable[WaitingInvoice],
    unsubmitted: Mapping[int, Sequence[UnsubmittedPerson]],
) -> list[ProjectWaiting]:
    """The projects with anything waiting, by client and name (invoices oldest month first)."""
    by_project: dict[int, UnapprovedHours] = {
        u.project.id: u for u in unapproved if u.project is not None
    }
    waiting_invoices: dict[int, list[WaitingInvoice]] = defaultdict(list)
    for invoice in invoices:
        if invoice.project_id is not None:
            waiting_invoices[invoice.project_id].append(invoice)
    ids = set(by_project) | set(waiting_invoices) | {i for i, p in unsubmitted.items() if p}
    found = [
        ProjectWaiting(
            project=projects[project_id],
            unapproved=by_project.get(project_id),
            invoices=tuple(sorted(waiting_invoices[project_id], key=lambda i: i.period)),
            unsubmitted=tuple(unsubmitted.get(project_id, ())),
        )
        for project_id in ids
        if project_id in projects
    ]
    found.sort(key=lambda w: project_order(w.project))
    return found


def manager_digests(waiting: Iterable[ProjectWaiting]) -> list[ManagerDigest]:
    """One digest per admin of a project in ``waiting``, by admin name: each of their projects
    there, in the order given. Admins are told apart by their guid."""
    admins: dict[str, AdminInfo] = {}
    theirs: dict[str, list[ProjectWaiting]] = defaultdict(list)
    for project in waiting:
        for admin in project.project.admins:
            admins.setdefault(admin.guid, admin)
            theirs[admin.guid].append(project)
    digests = [ManagerDigest(admins[guid], tuple(projects)) for guid, projects in theirs.items()]
    digests.sort(key=lambda d: (d.admin.name.lower(), d.admin.guid))
    return digests


# --- loading -------------------------------------------------------------------------------


async def load_manager_digests(
    period: DayRange, today: date, hours_currency: str
) -> list[ManagerDigest]:
    """The digests of ``period`` (invoices of the months closed by ``today``): four queries,
    the period's entries not approved, its unsubmitted entries with their people, the invoices
    waiting for approval, and the projects of all of them with their admins."""
    entries = await load_unapproved_entries(period)
    people, unsubmitted_entries = await load_unsubmitted(period)
    invoices = await invoices_waiting_for_approval(today, hours_currency)
    unsubmitted = unsubmitted_people(people, unsubmitted_entries, period)
    ids = {e.project_id for e in entries if e.project_id is not None}
    ids |= {i.project_id for i in invoices if i.project_id is not None}
    ids |= set(unsubmitted)
    projects = await load_projects(sorted(ids))
    per_project, _leave = unapproved_hours(entries, projects, period)
    return manager_digests(waiting_per_project(projects, per_project, invoices, unsubmitted))
