"""10000ft reference data into the database: people, projects/phases/clients/admins, leave types,
public holidays.

Each sync fetches everything first (a failed fetch changes nothing), then upserts by
``tenkfeet_id`` in one transaction. Rows that vanished upstream are kept (people and projects
carry hours and invoices), except public holidays, which are deleted so flex stops counting them.
An item that fails validation (schema.py) is skipped: its stored row, if any, stays as it was
(a holiday too), it counts as skipped and invalid, and it is recorded as an event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from tortoise.models import Model
from tortoise.transactions import in_transaction

from models import Client, LeaveType, Person, Phase, Project, PublicHoliday
from models.flex.sums import leave_treatment, rebuild_all_flex_sums
from models.invoices.refresh import refresh_project_invoices
from models.people_directory import link_people_to_slack_users
from sync.counts import SyncCounts
from sync.tenkfeet import schema as api
from sync.tenkfeet.client import Fetched, TenkfeetClient
from sync.tenkfeet.invalid import record_invalid
from sync.tenkfeet.mapping import (
    leave_type_name,
    normalize_email,
    person_tag_name,
    project_admin_names,
)


def default_flex_treatment(leave_type_name: str) -> str:
    """A new leave type's flex treatment (docs/domain-rules.md rule 4); admins may change it."""
    return leave_treatment(leave_type_name, {})


M = TypeVar("M", bound=Model)


async def _upsert(
    model: type[M],
    existing: dict[int, M],
    tenkfeet_id: int,
    values: Mapping[str, Any],
    counts: SyncCounts,
    create_only: Mapping[str, Any] | None = None,
) -> M:
    """Create the row for ``tenkfeet_id`` or update the changed fields; counts either.

    ``create_only`` values are set on a new row and never overwritten (admin-owned fields).
    """
    row = existing.get(tenkfeet_id)
    if row is None:
        row = await model.create(tenkfeet_id=tenkfeet_id, **values, **(create_only or {}))
        existing[tenkfeet_id] = row
        counts.added += 1
    elif _apply(row, values):
        await row.save(update_fields=list(values))
        counts.updated += 1
    else:
        counts.skipped += 1
    return row


async def _skip_invalid(sync_kind: str, fetched: Fetched[Any], counts: SyncCounts) -> None:
    """Count and record the items that failed validation (call inside the transaction)."""
    counts.skipped += len(fetched.invalid)
    counts.invalid += len(fetched.invalid)
    await record_invalid(sync_kind, fetched.invalid)


def _apply(obj: Model, values: Mapping[str, Any]) -> bool:
    """Set changed attributes on ``obj``; True when anything differed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _person_values(user: api.User) -> dict[str, Any]:
    return {
        "guid": user.guid or f"tenkfeet-user-{user.id}",
        "first_name": user.first_name or "",
        "last_name": user.last_name or "",
        "display_name": user.display_name or "",
        "email": normalize_email(user.email),
        "archived": bool(user.archived or user.deleted),
        "archived_at": user.archived_at,
        "billable": bool(user.billable),
        "billrate": user.billrate,
        "hire_date": user.hire_date,
        "termination_date": user.termination_date,
        "role": user.role or "",
        "discipline": user.discipline or "",
        "thumbnail": user.thumbnail,
        "upstream_updated_at": user.updated_at,
    }


async def sync_users(client: TenkfeetClient) -> SyncCounts:
    fetched = await client.users()
    counts = SyncCounts()
    async with in_transaction():
        await _skip_invalid("users", fetched, counts)
        existing = {p.tenkfeet_id: p for p in await Person.all()}
        for user in fetched.items:
            await _upsert(Person, existing, user.id, _person_values(user), counts)
        # A new or changed e-mail links (or unlinks) the person's Slack account now, not at
        # the next daily Slack directory sync.
        await link_people_to_slack_users()
    return counts


def _project_values(project: api.Project, client_ids: Mapping[str, int]) -> dict[str, Any]:
    return {
        "guid": project.guid or f"tenkfeet-project-{project.id}",
        "name": project.name or f"Project {project.id}",
        "client_id": client_ids.get(project.client) if project.client else None,
        "project_state": project.project_state or "",
        "project_code": project.project_code or "",
        "description": project.description or "",
        "starts_at": project.starts_at,
        "ends_at": project.ends_at,
        "archived": bool(project.archived) or project.deleted_at is not None,
        "archived_at": project.archived_at,
        "tags": [tag.value for tag in project.tags if tag.value],
        "upstream_updated_at": project.updated_at,
    }


def _phase_values(phase: api.Project, project_id: int) -> dict[str, Any]:
    return {
        "guid": phase.guid,
        "project_id": project_id,
        "name": phase.phase_name or phase.name or f"Phase {phase.id}",
        "archived": bool(phase.archived) or phase.deleted_at is not None,
    }


async def sync_projects(client: TenkfeetClient) -> SyncCounts:
    """Projects, phases, clients (by name) and admins (people named by a project's tags).

    A project created here when the table already had projects is left with
    ``new_project_announced`` off: news for the channels marked for new projects."""
    fetched = await client.projects()
    top = [p for p in fetched.items if p.parent_id is None]
    phases = [p for p in fetched.items if p.parent_id is not None]
    counts = SyncCounts()
    async with in_transaction():
        await _skip_invalid("projects", fetched, counts)
        client_ids = {c.name: c.id for c in await Client.all()}
        for name in sorted({p.client for p in top if p.client} - set(client_ids)):
            client_ids[name] = (await Client.create(name=name)).id

        existing = {p.tenkfeet_id: p for p in await Project.all()}
        states_before = {tid: p.project_state for tid, p in existing.items()}
        # A project created now is announced to the marked channels (bot/notifications/
        # new_projects.py), unless this is the first sync of an empty table: then every
        # project is "new" and none is news.
        new_project = {"new_project_announced": not existing}
        restated: list[int] = []
        for project in top:
            values = _project_values(project, client_ids)
            before = states_before.get(project.id)
            await _upsert(Project, existing, project.id, values, counts, create_only=new_project)
            if before is not None and before != values["project_state"]:
                restated.append(existing[project.id].id)

        existing_phases = {p.tenkfeet_id: p for p in await Phase.all()}
        for phase in phases:
            parent = existing.get(phase.parent_id or 0)
            if parent is None:  # a phase of a project 10000ft did not list
                counts.skipped += 1
                continue
            await _upsert(Phase, existing_phases, phase.id, _phase_values(phase, parent.id), counts)

        counts.updated += await _sync_admins(top, existing)
        # Internal or not decides what is billable: a project that changed state has every
        # invoice recomputed (its entries' days did not change, so the hours sync would not).
        await refresh_project_invoices(restated)
    return counts


async def _sync_admins(top: list[api.Project], rows: Mapping[int, Project]) -> int:
    """Set each project's admins from its tags; returns how many projects' admins changed."""
    by_name: dict[str, list[Person]] = {}
    for person in await Person.filter(archived=False):
        by_name.setdefault(person_tag_name(person.first_name, person.last_name), []).append(person)
    changed = 0
    for project in top:
        row = rows[project.id]
        wanted = {
            person.id: person
            for name in project_admin_names(project.tags)
            for person in by_name.get(name, [])
        }
        current = {person.id: person for person in await row.admins.all()}
        to_add = [wanted[i] for i in wanted.keys() - current.keys()]
        to_remove = [current[i] for i in current.keys() - wanted.keys()]
        if to_add:
            await row.admins.add(*to_add)
        if to_remove:
            await row.admins.remove(*to_remove)
        if to_add or to_remove:
            changed += 1
    return changed


async def sync_leave_types(client: TenkfeetClient) -> SyncCounts:
    """Leave types by tenkfeet_id; an existing type keeps its (admin-set) flex treatment."""
    fetched = await client.leave_types()
    counts = SyncCounts()
    async with in_transaction():
        await _skip_invalid("leave-types", fetched, counts)
        existing = {t.tenkfeet_id: t for t in await LeaveType.all()}
        for leave_type in fetched.items:
            values: dict[str, Any] = {
                "name": leave_type_name(leave_type),
                "description": leave_type.description or "",
            }
            treatment = default_flex_treatment(leave_type_name(leave_type))
            await _upsert(
                LeaveType,
                existing,
                leave_type.id,
                values,
                counts,
                create_only={"flex_treatment": treatment},
            )
        if counts.added or counts.updated:
            # Leave is split by treatment in the precomputed flex sums: recount them.
            await rebuild_all_flex_sums()
    return counts


async def sync_holidays(client: TenkfeetClient) -> SyncCounts:
    """Public holidays by tenkfeet_id; holidays no longer listed upstream are deleted.

    An invalid holiday is still listed: its stored row stays. When an invalid one has no
    usable id, nothing is deleted this time (it might be any of them)."""
    fetched = await client.holidays()
    counts = SyncCounts()
    async with in_transaction():
        await _skip_invalid("holidays", fetched, counts)
        existing: dict[int, PublicHoliday] = {
            h.tenkfeet_id: h
            for h in await PublicHoliday.filter(tenkfeet_id__isnull=False)
            if h.tenkfeet_id is not None
        }
        upstream = {holiday.id for holiday in fetched.items}
        upstream |= {item.item_id for item in fetched.invalid if item.item_id is not None}
        for holiday in fetched.items:
            values: dict[str, Any] = {"date": holiday.date, "name": holiday.name or "Holiday"}
            await _upsert(PublicHoliday, existing, holiday.id, values, counts)
        gone = [row.id for tenkfeet_id, row in existing.items() if tenkfeet_id not in upstream]
        if any(item.item_id is None for item in fetched.invalid):
            gone = []
        if gone:
            await PublicHoliday.filter(id__in=gone).delete()
            counts.deleted += len(gone)
    return counts
