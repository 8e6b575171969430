"""How 10000ft data becomes Finance Bot's rows: pure functions, no database, no HTTP.

The rules follow the older system (solinor-invoice-checking) where docs/domain-rules.md agrees:
- an entry's status comes from its approvals: none → Unsubmitted; the most recently updated
  approval decides (docs/domain-rules.md; the old system read only the first one): ``approved_at``
  set → Approved, otherwise Pending Approval;
- zero-hour entries and suggestions are not stored;
- a leave entry (assignable is a leave type) carries the leave type's name, bill rate and money
  0, and no project, client, phase or category (docs/domain-rules.md; the old system put "[none]"
  and a "[Leave Type]" pseudo-project there);
- a project entry carries its project, client, phase (the phase's name, "[Non Phase Specific]"
  when the entry is on the project itself or the phase has no name) and category (the task,
  "[none]" when null or empty); money = bill rate × hours, exact;
- e-mails are compared lower-cased; project admins are the non-archived people whose
  "First Last" equals one of the project's tags, case-insensitively.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NamedTuple

from sync.tenkfeet.schema import Approval, LeaveType, Project, Tag, TimeEntry, User

UNSUBMITTED = "Unsubmitted"
PENDING_APPROVAL = "Pending Approval"
APPROVED = "Approved"
NON_PHASE_SPECIFIC = "[Non Phase Specific]"
NO_CATEGORY = "[none]"

_NEVER = datetime.min.replace(tzinfo=UTC)


def normalize_email(email: str | None) -> str | None:
    """Trimmed and lower-cased; empty → None."""
    if email is None:
        return None
    email = email.strip().lower()
    return email or None


def hour_status(approvals: Sequence[Approval]) -> str:
    if not approvals:
        return UNSUBMITTED
    latest = max(approvals, key=lambda a: (a.updated_at or _NEVER, a.id))
    return APPROVED if latest.approved_at is not None else PENDING_APPROVAL


@dataclass(frozen=True)
class ProjectRef:
    """What an entry's assignable id resolves to: its top-level project and phase."""

    tenkfeet_id: int
    name: str
    client_name: str
    phase_name: str


def assignable_index(projects: Sequence[Project]) -> dict[int, ProjectRef]:
    """Project id → (itself, "[Non Phase Specific]"); phase id → (its project, phase name).

    A phase whose project is missing from ``projects`` resolves to its ``parent_id`` with the
    phase's own name and client (10000ft copies both onto phases).
    """
    tops = {p.id: p for p in projects if p.parent_id is None}
    index: dict[int, ProjectRef] = {}
    for item in projects:
        if item.parent_id is None:
            index[item.id] = ProjectRef(
                item.id, item.name or "", item.client or "", NON_PHASE_SPECIFIC
            )
            continue
        parent = tops.get(item.parent_id, item)
        index[item.id] = ProjectRef(
            item.parent_id,
            parent.name or "",
            parent.client or "",
            item.phase_name or NON_PHASE_SPECIFIC,
        )
    return index


class HourRow(NamedTuple):
    """One ``hour_entry`` row; the column order is the insertion order."""

    tenkfeet_id: int
    date: date
    person_tenkfeet_id: int
    project_tenkfeet_id: int | None
    client_name: str
    phase_name: str
    leave_type: str
    category: str
    notes: str
    hours: Decimal
    bill_rate: Decimal
    money: Decimal
    status: str
    upstream_updated_at: str


_ZERO = Decimal(0)


def leave_type_name(leave_type: LeaveType) -> str:
    """A leave type's name; a nameless one gets a stable stand-in (entries store the name)."""
    return leave_type.name or f"Leave type {leave_type.id}"


def unknown_leave_type(leave_type_id: int) -> str:
    """The name given to leave of a type 10000ft did not list (never empty: it is leave)."""
    return f"[unknown leave type {leave_type_id}]"


def map_time_entry(
    entry: TimeEntry,
    assignables: Mapping[int, ProjectRef],
    leave_types: Mapping[int, str],
) -> HourRow | None:
    """The stored row of one entry, or None when it is not stored (zero hours, suggestion).

    An entry on an assignable missing from ``assignables`` keeps ``assignable_id`` as its
    project id with no client and "[Non Phase Specific]": the sync sees the unknown project.
    """
    if entry.is_suggestion or entry.hours == 0:
        return None
    status = hour_status(entry.approvals)
    notes = entry.notes or ""
    if entry.assignable_type == "LeaveType":
        name = leave_types.get(entry.assignable_id) or unknown_leave_type(entry.assignable_id)
        return HourRow(
            entry.id,
            entry.date,
            entry.user_id,
            None,
            "",
            "",
            name,
            "",
            notes,
            entry.hours,
            _ZERO,
            _ZERO,
            status,
            entry.updated_at or "",
        )
    ref = assignables.get(entry.assignable_id)
    if ref is None:
        ref = ProjectRef(entry.assignable_id, "", "", NON_PHASE_SPECIFIC)
    bill_rate = entry.bill_rate if entry.bill_rate is not None else _ZERO
    return HourRow(
        entry.id,
        entry.date,
        entry.user_id,
        ref.tenkfeet_id,
        ref.client_name,
        ref.phase_name,
        "",
        entry.task or NO_CATEGORY,
        notes,
        entry.hours,
        bill_rate,
        bill_rate * entry.hours,
        status,
        entry.updated_at or "",
    )


def person_tag_name(first_name: str | None, last_name: str | None) -> str:
    """A person's name as tags are matched: "first last", lower-cased, single spaces."""
    return " ".join(f"{first_name or ''} {last_name or ''}".split()).lower()


def project_admin_names(tags: Sequence[Tag]) -> set[str]:
    """Lower-cased tag values (single spaces); compare with ``person_tag_name``."""
    return {" ".join(tag.value.split()).lower() for tag in tags if tag.value}


def project_admin_ids(tags: Sequence[Tag], users: Sequence[User]) -> list[int]:
    """10000ft ids of the non-archived users named by ``tags``, in ``users`` order."""
    names = project_admin_names(tags)
    return [
        u.id
        for u in users
        if not u.archived and person_tag_name(u.first_name, u.last_name) in names
    ]
