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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, NamedTuple

from models.people import name_key
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
    if len(approvals) == 1:  # nearly every entry: no ordering needed
        latest = approvals[0]
    else:
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


StoredRow = tuple[Any, ...]
"""An entry as ``hour_entry`` stores it, in ``HourRow``'s column order, with the database ids
of its person and project, its day as ``day_value`` made it, and hours, bill rate and money as
exact decimal text (both databases take that; it pickles and hashes cheaply)."""


class Skipped(Enum):
    NOT_STORED = "zero hours or a suggestion"
    UNKNOWN = "names a person or project that is not stored"


def stored_row_maker(
    assignables: Mapping[int, ProjectRef],
    leave_types: Mapping[int, str],
    person_ids: Mapping[int, int],
    project_ids: Mapping[int, int],
    day_value: Callable[[date], Any],
) -> Callable[[TimeEntry], StoredRow | Skipped]:
    """The mapping rules (this module's docstring) for one run's context, as one function.

    The hours sync calls it for hundreds of thousands of entries, so it builds the stored row
    at once, without intermediate objects. ``person_ids``/``project_ids`` map 10000ft ids to
    database ids; an entry on an assignable missing from ``assignables`` keeps its
    ``assignable_id`` as its project's 10000ft id, with no client and "[Non Phase Specific]".
    """
    zero = _ZERO
    days: dict[date, Any] = {}  # one value per day, shared by its rows

    def stored_row(entry: TimeEntry) -> StoredRow | Skipped:
        hours = entry.hours
        if entry.is_suggestion or not hours:
            return Skipped.NOT_STORED
        person_id = person_ids.get(entry.user_id)
        if person_id is None:
            return Skipped.UNKNOWN
        approvals = entry.approval_collection
        if approvals is not None and not isinstance(approvals, list):
            approvals = approvals.data
        if not approvals:
            status = UNSUBMITTED
        elif len(approvals) == 1:  # nearly every entry
            status = PENDING_APPROVAL if approvals[0].approved_at is None else APPROVED
        else:
            status = hour_status(approvals)
        notes = entry.notes or ""
        stamp = entry.updated_at or ""
        if entry.assignable_type == "LeaveType":
            leave_id = entry.assignable_id
            name = leave_types.get(leave_id) or unknown_leave_type(leave_id)
            day = days.get(entry.date)
            if day is None:
                day = days[entry.date] = day_value(entry.date)
            return (
                entry.id,
                day,
                person_id,
                None,
                "",
                "",
                name,
                "",
                notes,
                str(hours),
                "0",
                "0",
                status,
                stamp,
            )
        ref = assignables.get(entry.assignable_id)
        if ref is None:
            ref = ProjectRef(entry.assignable_id, "", "", NON_PHASE_SPECIFIC)
        project_id = project_ids.get(ref.tenkfeet_id)
        if project_id is None:
            return Skipped.UNKNOWN
        rate = entry.bill_rate
        if rate is None:
            rate = zero
        day = days.get(entry.date)
        if day is None:
            day = days[entry.date] = day_value(entry.date)
        return (
            entry.id,
            day,
            person_id,
            project_id,
            ref.client_name,
            ref.phase_name,
            "",
            entry.task or NO_CATEGORY,
            notes,
            str(hours),
            str(rate),
            str(rate * hours),
            status,
            stamp,
        )

    return stored_row


class _SameId(dict[int, int]):
    """Maps every id to itself: rows keep 10000ft ids."""

    def get(self, key: int, default: Any = None) -> int:  # type: ignore[override]
        return key


def map_time_entry(
    entry: TimeEntry,
    assignables: Mapping[int, ProjectRef],
    leave_types: Mapping[int, str],
) -> HourRow | None:
    """The stored row of one entry with 10000ft ids and typed values, or None when it is not
    stored (zero hours, suggestion). The same rules as ``stored_row_maker``."""
    same = _SameId()
    row = stored_row_maker(assignables, leave_types, same, same, lambda day: day)(entry)
    if isinstance(row, Skipped):
        return None
    values = list(row)
    for decimal_column in (9, 10, 11):  # hours, bill rate, money
        values[decimal_column] = Decimal(values[decimal_column])
    return HourRow._make(values)


def person_tag_name(first_name: str | None, last_name: str | None) -> str:
    """A person's name as tags are matched: "first last", lower-cased, single spaces."""
    return name_key(first_name, last_name)


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
