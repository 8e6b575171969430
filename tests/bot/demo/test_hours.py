"""The sample company's hours: deterministic, following contracts, leaves and approvals."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any, NamedTuple

import pytest

from bot.demo.company import (
    DATA_PLATFORM,
    LEAVE_TYPES,
    PARENTAL_LEAVE,
    PROJECTS,
    UNPAID_LEAVE,
    DemoPerson,
    demo_people,
    first_day,
)
from bot.demo.hours import company_hours
from bot.emulators.tenkfeet_data import TimeEntryStore

TODAY = dt.date(2025, 3, 12)  # a Wednesday
STARTED = first_day(TODAY)
PROJECT_OF = {
    assignable: project.tenkfeet_id
    for project in PROJECTS
    for assignable in (project.tenkfeet_id, *(phase for phase, _ in project.phases))
}


class Company(NamedTuple):
    people: dict[str, DemoPerson]
    store: TimeEntryStore
    entries: list[dict[str, Any]]  # the store's entries as 10000ft's JSON


@pytest.fixture(scope="module")
def company() -> Company:
    people = {p.handle: p for p in demo_people(STARTED)}
    store = company_hours(list(people.values()), {}, STARTED, TODAY)
    return Company(people, store, [store.get(entry_id) for entry_id in store.ids()])


def status(entry: dict[str, Any]) -> str:
    approvals = entry["approvals"]["data"]
    return str(approvals[0]["status"]) if approvals else "unsubmitted"


def test_a_days_entries_stay_the_same_when_the_history_grows(
    company: Company,
) -> None:
    people, now = company.people, company.store
    later = company_hours(list(people.values()), {}, STARTED, TODAY + dt.timedelta(days=40))
    assert len(later) > len(now) > 20000
    old_ids = list(now.select(None, TODAY - dt.timedelta(days=90), with_suggestions=True))
    for entry_id in old_ids[::97]:
        before, after = now.get(entry_id), later.get(entry_id)
        before.pop("approvals"), after.pop("approvals")
        assert before == after  # same person, day, project, hours; only approvals move on


def test_hours_follow_contracts_and_states_follow_age(
    company: Company,
) -> None:
    people = company.people
    helmi = people["helmi.makinen"].tenkfeet_id
    part_time_start = people["helmi.makinen"].contracts[1].start
    work_by_day: dict[str, float] = {}
    states: dict[int, set[str]] = {}
    for entry in company.entries:
        day = dt.date.fromisoformat(entry["date"])
        states.setdefault((TODAY - day).days // 30, set()).add(status(entry))
        if entry["user_id"] == helmi and day >= part_time_start:
            work_by_day[entry["date"]] = work_by_day.get(entry["date"], 0) + float(entry["hours"])
    average = sum(work_by_day.values()) / len(work_by_day)
    assert 4.3 < average < 4.8  # 60 % of 7.5 h, give or take her extra minutes
    assert states[0] >= {"unsubmitted", "pending", "approved"}
    assert states[12] <= {"pending", "approved"}


def test_nobody_logs_hours_on_a_break_and_long_leaves_fill_their_days(
    company: Company,
) -> None:
    people = company.people
    by_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for entry in company.entries:
        by_person[entry["user_id"]].append(entry)
    for handle in ("toivo.tuominen", "minea.rantanen"):
        person = people[handle]
        (away,) = person.breaks
        days = [dt.date.fromisoformat(e["date"]) for e in by_person[person.tenkfeet_id]]
        assert days and not [d for d in days if away.holds(d)], handle
        assert [d for d in days if d > away.end], handle  # back at work after it

    juho = people["juho.karjalainen"]
    ((period, leave),) = juho.long_leaves
    assert leave == PARENTAL_LEAVE
    during = [
        e for e in by_person[juho.tenkfeet_id] if period.holds(dt.date.fromisoformat(e["date"]))
    ]
    assert len(during) > 60 and {e["assignable_id"] for e in during} == {PARENTAL_LEAVE}
    kerttu = people["kerttu.salonen"]
    unpaid = [e for e in by_person[kerttu.tenkfeet_id] if e["assignable_id"] == UNPAID_LEAVE]
    assert len(unpaid) >= 9  # two weeks of unpaid leave, 80 % days
    assert {float(e["hours"]) for e in unpaid} == {6.0}


def test_every_leave_type_and_overtime_appear(
    company: Company,
) -> None:
    kinds = Counter(
        e["assignable_id"] if e["assignable_type"] == "LeaveType" else "overtime"
        for e in company.entries
        if e["assignable_type"] == "LeaveType" or float(e["bill_rate"]) in (157.5, 165.0, 180.0)
    )
    assert set(LEAVE_TYPES) <= set(kinds)
    assert kinds["overtime"] > 50


def test_one_projects_admin_approves_late(
    company: Company,
) -> None:
    waiting: Counter[bool] = Counter()
    for entry in company.entries:
        age = (TODAY - dt.date.fromisoformat(entry["date"])).days
        if entry["assignable_type"] == "Project" and 35 <= age < 70 and status(entry) == "pending":
            waiting[PROJECT_OF[entry["assignable_id"]] == DATA_PLATFORM] += 1
    assert waiting[True] > 50 and waiting[True] > 5 * waiting[False]
