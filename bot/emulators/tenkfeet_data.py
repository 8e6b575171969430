"""10000ft data for the emulator: upstream-shaped builders, a compact entry store, a generator.

- ``user()``, ``project()``, ``phase()``, ``leave_type()``, ``holiday()``, ``time_entry()``,
  ``approval()`` build dicts shaped exactly like 10000ft's JSON (its public API docs), for tests.
- ``TenkfeetData`` holds everything the emulator serves. Time entries live in
  ``TimeEntryStore``: generated entries are kept in typed arrays (about 40 bytes each, so half
  a million fit in ~20 MB) and rendered to JSON per page; entries added or changed by a test are
  kept as plain dicts that override the generated row.
- ``generate_company(people, years)`` makes a deterministic, realistic company.
"""

from __future__ import annotations

import json
import random
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
NO_APPROVAL, PENDING, APPROVED = 0, 1, 2


def timestamp(moment: datetime | date) -> str:
    """10000ft's UTC timestamp format: ``2024-01-02T15:04:05Z``."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, 12, tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def collection(items: list[dict[str, Any]], self_path: str = "") -> dict[str, Any]:
    """A nested ``{"data": [...], "paging": {...}}`` block (tags, approvals)."""
    return {
        "data": items,
        "paging": {
            "next": None,
            "previous": None,
            "self": self_path,
            "page": 1,
            "per_page": 20,
        },
    }


# Upstream-shaped builders -------------------------------------------------------------------


def user(
    id: int,
    first_name: str,
    last_name: str,
    email: str | None = None,
    *,
    archived: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    created = "2015-01-01T08:00:00Z"
    return {
        "id": id,
        "guid": f"00000000-0000-4000-8000-{id:012d}",
        "first_name": first_name,
        "last_name": last_name,
        "display_name": f"{first_name} {last_name}",
        "email": email,
        "archived": archived,
        "archived_at": "2020-01-01T00:00:00Z" if archived else None,
        "deleted": False,
        "deleted_at": None,
        "billable": True,
        "billrate": 100.0,
        "billability_target": 100.0,
        "hire_date": "2015-01-01",
        "termination_date": None,
        "role": "Consultant",
        "discipline": "Software",
        "mobile_phone": None,
        "office_phone": None,
        "thumbnail": None,
        "invitation_pending": False,
        "created_at": created,
        "updated_at": created,
        "account_owner": False,
        "employee_number": str(id),
        "has_login": True,
        "location": "Helsinki",
        "login_type": "default",
        "type": "User",
        "user_settings": 0,
        "user_type_id": 3,
        **extra,
    }


def project(
    id: int,
    name: str,
    client: str | None = None,
    *,
    tags: list[str] = (),  # type: ignore[assignment]
    project_state: str = "Confirmed",
    archived: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    created = "2016-01-01T08:00:00Z"
    return {
        "id": id,
        "guid": f"10000000-0000-4000-8000-{id:012d}",
        "parent_id": None,
        "name": name,
        "phase_name": None,
        "client": client,
        "project_state": project_state,
        "project_code": f"P{id}",
        "description": None,
        "starts_at": "2016-01-01",
        "ends_at": None,
        "archived": archived,
        "archived_at": "2020-01-01T00:00:00Z" if archived else None,
        "deleted_at": None,
        "created_at": created,
        "updated_at": created,
        "thumbnail": None,
        "tags": collection(
            [{"id": id * 100 + n, "value": value} for n, value in enumerate(tags)],
            f"/api/v1/projects/{id}/tags",
        ),
        "has_pending_updates": False,
        "secureurl": None,
        "secureurl_expiration": None,
        "settings": 0,
        "timeentry_lockout": -1,
        "type": "Project",
        "use_parent_bill_rates": False,
        **extra,
    }


def phase(id: int, parent: dict[str, Any], phase_name: str, **extra: Any) -> dict[str, Any]:
    """A phase of ``parent``: a project with ``parent_id`` and ``phase_name``."""
    body = project(
        id,
        parent["name"],
        parent["client"],
        project_state=parent["project_state"],
        archived=parent["archived"],
    )
    body.update(parent_id=parent["id"], phase_name=phase_name, **extra)
    return body


def leave_type(id: int, name: str, **extra: Any) -> dict[str, Any]:
    created = "2016-01-01T08:00:00Z"
    return {
        "id": id,
        "name": name,
        "description": None,
        "created_at": created,
        "updated_at": created,
        "deleted_at": None,
        **extra,
    }


def holiday(id: int, name: str, day: date, **extra: Any) -> dict[str, Any]:
    created = "2016-01-01T08:00:00Z"
    return {
        "id": id,
        "name": name,
        "date": day.isoformat(),
        "created_at": created,
        "updated_at": created,
        **extra,
    }


def approval(
    id: int,
    entry_id: int,
    status: str = "pending",
    *,
    submitted_by: int = 1,
    approved_by: int | None = None,
    updated_at: str = "2024-01-01T12:00:00Z",
    approved_at: str | None = None,
) -> dict[str, Any]:
    if status == "approved" and approved_at is None:
        approved_at = updated_at
    return {
        "id": id,
        "status": status,
        "approvable_id": entry_id,
        "approvable_type": "TimeEntry",
        "submitted_by": submitted_by,
        "submitted_at": updated_at,
        "approved_by": approved_by if status == "approved" else None,
        "approved_at": approved_at,
        "created_at": updated_at,
        "updated_at": updated_at,
    }


def time_entry(
    id: int,
    user_id: int,
    assignable_id: int,
    day: date,
    hours: float | str = 7.5,
    *,
    assignable_type: str = "Project",
    bill_rate: float | str = 100.0,
    notes: str | None = "Work",
    task: str | None = "Development",
    approvals: list[dict[str, Any]] = (),  # type: ignore[assignment]
    is_suggestion: bool = False,
    updated_at: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    stamp = updated_at or timestamp(day)
    return {
        "id": id,
        "user_id": user_id,
        "assignable_id": assignable_id,
        "assignable_type": assignable_type,
        "date": day.isoformat(),
        "hours": hours,
        "scheduled_hours": None,
        "bill_rate": bill_rate,
        "bill_rate_id": None,
        "notes": notes,
        "task": task,
        "is_suggestion": is_suggestion,
        "created_at": stamp,
        "updated_at": stamp,
        "approvals": collection(list(approvals), f"/api/v1/time_entries/{id}/approvals"),
        **extra,
    }


# The entry store ----------------------------------------------------------------------------


_ISO_DAYS: dict[int, str] = {}


def _iso_day(days_since_epoch: int) -> str:
    text = _ISO_DAYS.get(days_since_epoch)
    if text is None:
        text = date.fromordinal(days_since_epoch + EPOCH_ORDINAL).isoformat()
        _ISO_DAYS[days_since_epoch] = text
    return text


def _stamp(epoch: int) -> str:
    days, seconds = divmod(epoch, 86400)
    hours, rest = divmod(seconds, 3600)
    return f"{_iso_day(days)}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}Z"


def _money(centi: int) -> str:
    """Hundredths as a JSON number with two decimals (10000ft sends plain numbers)."""
    sign = "-" if centi < 0 else ""
    whole, frac = divmod(abs(centi), 100)
    return f"{sign}{whole}.{frac:02d}"


class TimeEntryStore:
    """Time entries by id; generated rows in arrays, test-made entries as dicts.

    Generated rows have consecutive ids starting at ``first_id`` and are appended in date
    order, so a date range is a slice found by bisection.
    """

    def __init__(self, notes: list[str | None], tasks: list[str | None]) -> None:
        self.first_id = 0
        self.notes = notes
        self.tasks = tasks
        self._user = array("i")
        self._assignable = array("i")
        self._is_leave = array("b")
        self._day = array("i")  # days since 1970-01-01
        self._hours = array("i")  # hundredths
        self._rate = array("i")  # hundredths
        self._note = array("H")
        self._task = array("H")
        self._state = array("b")  # NO_APPROVAL / PENDING / APPROVED
        self._suggestion = array("b")
        self._updated = array("q")  # epoch seconds
        self._approver = array("i")
        self._gone = bytearray()  # 1: deleted or replaced by an override dict
        self._overrides: dict[int, dict[str, Any]] = {}
        self._listed_on: dict[int, tuple[date, ...]] = {}  # override → days it is served for
        self.version = 0

    # Generated rows -------------------------------------------------------------------------

    def append_generated(
        self,
        user_id: int,
        assignable_id: int,
        is_leave: bool,
        day: int,
        hours_centi: int,
        rate_centi: int,
        note: int,
        task: int,
        state: int,
        suggestion: bool,
        updated: int,
        approver: int,
    ) -> None:
        self._user.append(user_id)
        self._assignable.append(assignable_id)
        self._is_leave.append(is_leave)
        self._day.append(day)
        self._hours.append(hours_centi)
        self._rate.append(rate_centi)
        self._note.append(note)
        self._task.append(task)
        self._state.append(state)
        self._suggestion.append(suggestion)
        self._updated.append(updated)
        self._approver.append(approver)
        self._gone.append(0)

    def _row(self, entry_id: int) -> int | None:
        row = entry_id - self.first_id
        if 0 <= row < len(self._day) and not self._gone[row]:
            return row
        return None

    def _row_json(self, row: int, with_approvals: bool) -> str:
        entry_id = self.first_id + row
        note = self.notes[self._note[row]]
        task = self.tasks[self._task[row]]
        updated = _stamp(self._updated[row])
        created = _stamp(self._day[row] * 86400 + 28800)
        leave = self._is_leave[row]
        text = (
            f'{{"id":{entry_id},"user_id":{self._user[row]},'
            f'"assignable_id":{self._assignable[row]},'
            f'"assignable_type":"{"LeaveType" if leave else "Project"}",'
            f'"date":"{_iso_day(self._day[row])}","hours":{_money(self._hours[row])},'
            f'"scheduled_hours":null,"bill_rate":{_money(self._rate[row])},'
            f'"bill_rate_id":null,"notes":{json.dumps(note)},"task":{json.dumps(task)},'
            f'"is_suggestion":{"true" if self._suggestion[row] else "false"},'
            f'"created_at":"{created}","updated_at":"{updated}"'
        )
        if not with_approvals:
            return text + "}"
        state = self._state[row]
        if state == NO_APPROVAL:
            items = ""
        else:
            approved = state == APPROVED
            approver = self._approver[row] if approved else "null"
            approved_at = f'"{updated}"' if approved else "null"
            items = (
                f'{{"id":{entry_id + 500_000_000},'
                f'"status":"{"approved" if approved else "pending"}",'
                f'"approvable_id":{entry_id},"approvable_type":"TimeEntry",'
                f'"submitted_by":{self._user[row]},"submitted_at":"{updated}",'
                f'"approved_by":{approver},"approved_at":{approved_at},'
                f'"created_at":"{updated}","updated_at":"{updated}"}}'
            )
        return (
            f'{text},"approvals":{{"data":[{items}],"paging":{{"next":null,"previous":null,'
            f'"self":"/api/v1/time_entries/{entry_id}/approvals","page":1,"per_page":20}}}}}}'
        )

    # Reading ----------------------------------------------------------------------------------

    def get(self, entry_id: int) -> dict[str, Any]:
        """The entry as 10000ft's JSON object (a copy: change it with ``update``)."""
        if entry_id in self._overrides:
            return json.loads(json.dumps(self._overrides[entry_id]))
        row = self._row(entry_id)
        if row is None:
            raise KeyError(entry_id)
        return json.loads(self._row_json(row, with_approvals=True))

    def __contains__(self, entry_id: object) -> bool:
        if not isinstance(entry_id, int):
            return False
        return entry_id in self._overrides or self._row(entry_id) is not None

    def __len__(self) -> int:
        return len(self._day) - sum(self._gone) + len(self._overrides)

    def select(self, start: date | None, end: date | None, with_suggestions: bool) -> array[int]:
        """Ids of entries dated start..end (inclusive), ordered by (date, id)."""
        lo_day = -(10**9) if start is None else start.toordinal() - EPOCH_ORDINAL
        hi_day = 10**9 if end is None else end.toordinal() - EPOCH_ORDINAL
        lo = bisect_left(self._day, lo_day)
        hi = bisect_right(self._day, hi_day)
        picked: list[tuple[int, int]] = []
        for entry_id, body in self._overrides.items():
            listed = self._listed_on.get(entry_id) or (date.fromisoformat(body["date"]),)
            for listed_day in listed:
                day = listed_day.toordinal() - EPOCH_ORDINAL
                if lo_day <= day <= hi_day and (with_suggestions or not body.get("is_suggestion")):
                    picked.append((day, entry_id))
        picked.sort()
        gone, suggestion, days, first = self._gone, self._suggestion, self._day, self.first_id
        ids = array("q")
        extra = iter(picked)
        pending = next(extra, None)
        for row in range(lo, hi):
            if gone[row] or (suggestion[row] and not with_suggestions):
                continue
            while pending is not None and pending < (days[row], first + row):
                ids.append(pending[1])
                pending = next(extra, None)
            ids.append(first + row)
        while pending is not None:
            ids.append(pending[1])
            pending = next(extra, None)
        return ids

    def render(self, entry_id: int, with_approvals: bool) -> str:
        body = self._overrides.get(entry_id)
        if body is not None:
            if not with_approvals:
                body = {k: v for k, v in body.items() if k != "approvals"}
            return json.dumps(body, separators=(",", ":"))
        row = self._row(entry_id)
        if row is None:
            raise KeyError(entry_id)
        return self._row_json(row, with_approvals)

    # Changing -----------------------------------------------------------------------------

    def add(
        self, body: dict[str, Any], *, listed_on: date | tuple[date, ...] | None = None
    ) -> None:
        """Add (or replace) an entry given as 10000ft's JSON object.

        ``listed_on`` serves it for that day (or each of those days) whatever its body says: an
        upstream fault (an entry whose ``date`` is outside the requested days, or not a date at
        all), or an entry listed twice, as paging can show one that moved while a client paged.
        """
        entry_id = body["id"]
        row = self._row(entry_id)
        if row is not None:
            self._gone[row] = 1
        self._overrides[entry_id] = body
        if listed_on is not None:
            self._listed_on[entry_id] = listed_on if isinstance(listed_on, tuple) else (listed_on,)
        else:
            self._listed_on.pop(entry_id, None)
        self.version += 1

    def update(self, entry_id: int, **changes: Any) -> dict[str, Any]:
        """Change fields of an entry (dates as ``date`` or ISO text); returns the new body."""
        body = self.get(entry_id)
        for key, value in changes.items():
            body[key] = value.isoformat() if isinstance(value, date) else value
        self.add(body, listed_on=self._listed_on.get(entry_id))
        return body

    def delete(self, entry_id: int) -> None:
        self._listed_on.pop(entry_id, None)
        if self._overrides.pop(entry_id, None) is None:
            row = self._row(entry_id)
            if row is None:
                raise KeyError(entry_id)
            self._gone[row] = 1
        self.version += 1

    def ids(self) -> Iterator[int]:
        yield from self.select(None, None, with_suggestions=True)


@dataclass
class TenkfeetData:
    """Everything a 10000ft account holds that Finance Bot reads."""

    users: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)  # projects and phases
    leave_types: list[dict[str, Any]] = field(default_factory=list)
    holidays: list[dict[str, Any]] = field(default_factory=list)
    time_entries: TimeEntryStore = field(
        default_factory=lambda: TimeEntryStore(notes=[None], tasks=[None])
    )
    approval_ids: Iterator[int] = field(default_factory=lambda: iter(range(900_000_000, 10**12)))


# The generator ------------------------------------------------------------------------------

_FIRST_NAMES = (
    "Aino Eino Helmi Onni Lilja Väinö Ella Leo Sofia Elias Olivia Oliver Aada Toivo Emma "
    "Niilo Venla Eetu Iida Juho Kerttu Lauri Siiri Matias Hilla Veeti Minea Otso Nelli Arttu"
).split()
_LAST_NAMES = (
    "Korhonen Virtanen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen Järvinen "
    "Lehtonen Lehtinen Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen Salonen Turunen"
).split()
_CLIENT_NAMES = [
    "Acme Oy",
    "Globex Ab",
    "Initech Oyj",
    "Umbrella Finland",
    "Hooli Nordic",
    "Stark Industries",
    "Wayne Enterprises",
    "Soylent Oy",
    "Tyrell Ab",
    "Cyberdyne Oy",
]
_PHASES = ("Development", "Design", "Maintenance", "Overtime", "Non-billable meetings")
ENTRY_TASKS: list[str | None] = [
    None,
    "Development",
    "Design",
    "Meetings",
    "Testing",
    "No category",
]
"""Task categories entries carry (None: no task), shared with the demo company."""
ENTRY_NOTES: list[str | None] = [
    None,
    "",
    "Feature work",
    "Code review",
    "Sprint planning",
    "Bug fixes",
    "Customer workshop",
    "Deployment",
]
"""Entry notes (None and empty ones too); the demo company adds its own to these."""
LEAVE_TYPE_NAMES = (
    "Flex time Leave",
    "Unpaid leave",
    "Vacation",
    "Sick leave",
    "Parental leave",
    "Child's sickness",
)
_FIXED_HOLIDAYS = (
    (1, 1, "New Year's Day"),
    (1, 6, "Epiphany"),
    (5, 1, "May Day"),
    (12, 6, "Independence Day"),
    (12, 24, "Christmas Eve"),
    (12, 25, "Christmas Day"),
    (12, 26, "Boxing Day"),
)


def generate_company(
    people: int,
    years: float,
    *,
    seed: int = 1,
    start: date = date(2022, 1, 3),
    projects: int | None = None,
) -> TenkfeetData:
    """A deterministic company: ``people`` users logging hours for ``years`` from ``start``.

    About 1.6 entries per person and workday: mostly project work on phases (some on the
    project itself, some "Overtime" or "Non-billable ..." phases, an internal project), about
    6 % leave (vacation, sick leave, flex time leave, unpaid leave), a few zero-hour entries
    and suggestions; approvals in every state (recent entries are more often unsubmitted),
    some empty or null notes and null tasks. Ids: users 1.., projects 1000.., phases after
    them, leave types 50.., holidays 1.., entries 1_000_000...
    """
    rng = random.Random(seed)
    data = TenkfeetData(
        time_entries=TimeEntryStore(notes=list(ENTRY_NOTES), tasks=list(ENTRY_TASKS))
    )
    end = start + timedelta(days=round(years * 365.25) - 1)

    for n in range(people):
        first = _FIRST_NAMES[n % len(_FIRST_NAMES)]
        last = _LAST_NAMES[(n // len(_FIRST_NAMES) + n) % len(_LAST_NAMES)]
        if n >= len(_FIRST_NAMES) * len(_LAST_NAMES) // 2:
            last = f"{last}-{n}"
        email: str | None = f"{first}.{last}@example.com".lower()
        if n % 7 == 3:
            email = email.title() if email else email  # mixed case upstream
        if n % 50 == 49:
            email = None
        data.users.append(user(n + 1, first, last, email, archived=(n % 20 == 19)))

    active = [u for u in data.users if not u["archived"]]
    project_count = projects if projects is not None else max(3, people // 4)
    phase_id = 1000 + project_count
    work_targets: list[tuple[int, int]] = []  # (assignable id, rate in hundredths)
    for n in range(project_count):
        project_id = 1000 + n
        internal = n == 0
        admins = [active[(n * 3 + k) % len(active)] for k in range(1 + n % 2)] if active else []
        tags = [f"{a['first_name']} {a['last_name']}" for a in admins]
        if n % 5 == 2 and tags:
            tags[0] = tags[0].lower()  # tags match case-insensitively
        tags.append("fixed-price" if n % 3 == 0 else "agile")
        body = project(
            project_id,
            "Internal work" if internal else f"Project {n:03d}",
            None if internal else _CLIENT_NAMES[n % len(_CLIENT_NAMES)],
            tags=tags,
            project_state="Internal" if internal else ("Tentative" if n % 9 == 8 else "Confirmed"),
            archived=(n % 11 == 10),
        )
        data.projects.append(body)
        rate = 0 if internal else 9000 + (n % 9) * 1000
        work_targets.append((project_id, rate))  # non-phase-specific entries
        for name in _PHASES[: 2 + n % 4]:
            data.projects.append(phase(phase_id, body, name))
            phase_rate = 0 if name.startswith("Non-billable") else rate
            phase_rate = phase_rate * 3 // 2 if name == "Overtime" else phase_rate
            work_targets.append((phase_id, phase_rate))
            phase_id += 1

    for n, name in enumerate(LEAVE_TYPE_NAMES):
        data.leave_types.append(leave_type(50 + n, name))

    holidays: set[date] = set()
    for year in range(start.year, end.year + 1):
        for month, day_of_month, name in _FIXED_HOLIDAYS:
            when = date(year, month, day_of_month)
            holidays.add(when)
            data.holidays.append(holiday(len(data.holidays) + 1, name, when))

    store = data.time_entries
    store.first_id = 1_000_000
    last_day = end.toordinal()
    leave_ids = [lt["id"] for lt in data.leave_types]
    # Each person works mostly on a few assignables.
    person_targets = [
        [work_targets[(p * 7 + k * 13) % len(work_targets)] for k in range(3)]
        for p in range(people)
    ]
    approvers = [u["id"] for u in active] or [1]
    append = store.append_generated
    for ordinal in range(start.toordinal(), last_day + 1):
        day = date.fromordinal(ordinal)
        if day.weekday() >= 5 or day in holidays:
            continue
        days = ordinal - EPOCH_ORDINAL
        age = last_day - ordinal  # recent entries are less often approved
        for p in range(people):
            roll = rng.random()
            user_id = p + 1
            noon = days * 86400 + 43200 + p
            if roll < 0.06:  # a leave day
                leave = leave_ids[int(roll * 1000) % len(leave_ids)]
                state = _state(roll * 16.6, age)
                append(user_id, leave, True, days, 750, 0, 0, 0, state, False, noon, 1)
                continue
            targets = person_targets[p]
            split = int(roll * 1000) % 5
            first_hours = 750 if split < 2 else 450 + split * 25
            parts = ((targets[0], first_hours), (targets[1 + split % 2], 750 - first_hours))
            for k, ((assignable, rate), hours) in enumerate(parts):
                if hours == 0:
                    continue
                if split == 4 and k == 1 and roll > 0.97:
                    hours = 0  # a zero-hour entry: skipped by the sync
                state = _state((roll * 7919 + k * 0.37) % 1.0, age)
                suggestion = roll > 0.995 and k == 1
                note = int(roll * 104729 + k) % len(ENTRY_NOTES)
                task = int(roll * 7907 + k * 3) % len(ENTRY_TASKS)
                approver = approvers[(p + k) % len(approvers)]
                append(
                    user_id,
                    assignable,
                    False,
                    days,
                    hours,
                    rate,
                    note,
                    task,
                    state,
                    suggestion,
                    noon + k,
                    approver,
                )
    return data


def _state(roll: float, age_days: int) -> int:
    if age_days < 14:
        return NO_APPROVAL if roll < 0.5 else (PENDING if roll < 0.8 else APPROVED)
    if age_days < 60:
        return NO_APPROVAL if roll < 0.05 else (PENDING if roll < 0.25 else APPROVED)
    return NO_APPROVAL if roll < 0.01 else (PENDING if roll < 0.04 else APPROVED)
