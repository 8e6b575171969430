"""The 10000ft emulator and data generator behave like the API the syncs rely on."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import httpx

from bot.emulators.tenkfeet import DEFAULT_TOKEN, TenkfeetEmulator
from bot.emulators.tenkfeet_data import generate_company, time_entry
from sync.tenkfeet.client import TenkfeetClient
from sync.tenkfeet.mapping import assignable_index, hour_status, map_time_entry
from sync.tenkfeet.schema import TimeEntry, parse_item, parse_page


def test_the_generator_is_deterministic_and_varied() -> None:
    first = generate_company(20, 0.5, seed=3)
    second = generate_company(20, 0.5, seed=3)
    other = generate_company(20, 0.5, seed=4)
    ids = list(first.time_entries.ids())
    assert ids == list(second.time_entries.ids())
    sample = [first.time_entries.render(i, True) for i in ids[:: max(1, len(ids) // 50)]]
    assert sample == [second.time_entries.render(i, True) for i in ids[:: max(1, len(ids) // 50)]]
    assert sample != [other.time_entries.render(i, True) for i in ids[:: max(1, len(ids) // 50)]]
    assert 20 * 120 * 1.3 < len(first.time_entries) < 20 * 135 * 2

    entries = [parse_item(first.time_entries.get(i), TimeEntry) for i in first.time_entries.ids()]
    statuses = Counter(hour_status(e.approvals) for e in entries)
    assert set(statuses) == {"Unsubmitted", "Pending Approval", "Approved"}
    assert any(e.assignable_type == "LeaveType" for e in entries)
    assert any(e.task is None for e in entries) and any(e.notes in (None, "") for e in entries)
    assert any(e.hours == 0 for e in entries)
    assert all(e.date.weekday() < 5 for e in entries)
    phases = {p["phase_name"] for p in first.projects if p["parent_id"]}
    assert "Overtime" in phases and "Non-billable meetings" in phases
    assert any(p["project_state"] == "Internal" for p in first.projects)
    assert {lt["name"] for lt in first.leave_types} >= {
        "Flex time Leave",
        "Unpaid leave",
        "Vacation",
        "Sick leave",
    }
    assert any(u["email"] and u["email"] != u["email"].lower() for u in first.users)
    assert any(u["archived"] for u in first.users)


async def test_served_pages_parse_and_map_and_filter_by_date() -> None:
    data = generate_company(12, 0.25, seed=2)
    start = date(2022, 1, 10)
    end = start + timedelta(days=13)
    async with (
        TenkfeetEmulator(data, max_per_page=50) as emulator,
        TenkfeetClient(emulator.base_url, DEFAULT_TOKEN) as client,
    ):
        projects = (await client.projects()).items
        leave_types = {lt.id: lt.name for lt in (await client.leave_types()).items}
        pages = [page async for page in client.time_entry_pages(start, end)]
    entries = [e for page in pages for e in parse_page(page.body, TimeEntry).items]
    assert len(pages) > 2
    assert entries and all(start <= e.date <= end for e in entries)
    assert [(e.date, e.id) for e in entries] == sorted((e.date, e.id) for e in entries)
    expected = [
        i
        for i in data.time_entries.ids()
        if start.isoformat() <= data.time_entries.get(i)["date"] <= end.isoformat()
        and not data.time_entries.get(i)["is_suggestion"]
    ]
    assert [e.id for e in entries] == expected
    index = assignable_index(projects)
    rows = [map_time_entry(e, index, leave_types) for e in entries]
    assert all(r is None or r.project_tenkfeet_id in index or r.leave_type for r in rows)


async def test_filters_of_the_collections() -> None:
    data = generate_company(40, 0.1)
    day = date(2022, 1, 4)
    data.time_entries.add(time_entry(1, 1, 1001, day, 1, is_suggestion=True))
    async with (
        TenkfeetEmulator(data, max_per_page=1000) as emulator,
        httpx.AsyncClient(base_url=emulator.base_url, headers={"auth": DEFAULT_TOKEN}) as http,
    ):

        async def count(path: str) -> int:
            response = await http.get(path)
            assert response.status_code == 200
            return len(response.json()["data"])

        archived = sum(1 for u in data.users if u["archived"])
        assert archived > 0
        assert await count("/api/v1/users?per_page=1000") == 40 - archived
        assert await count("/api/v1/users?per_page=1000&with_archived=true") == 40
        phases = sum(1 for p in data.projects if p["parent_id"])
        tops = len(data.projects) - phases
        archived_tops = sum(1 for p in data.projects if p["archived"] and not p["parent_id"])
        assert await count("/api/v1/projects?with_archived=true&per_page=1000") == tops
        assert await count("/api/v1/projects?per_page=1000") == tops - archived_tops
        assert (
            await count("/api/v1/projects?with_archived=true&with_phases=true&per_page=1000")
            == tops + phases
        )
        one_day = f"/api/v1/time_entries?from={day}&to={day}&per_page=1000"
        without = await count(one_day)
        assert await count(one_day + "&with_suggestions=true") == without + 1
        plain = (await http.get(one_day)).json()["data"][0]
        assert "approvals" not in plain
        with_approvals = (await http.get(one_day + "&fields=approvals")).json()["data"][0]
        assert "data" in with_approvals["approvals"]
        refused = await http.get("/api/v1/users", headers={"auth": "nope"})
        assert refused.status_code == 401 and refused.json()["message"]
        by_query = await http.get(f"/api/v1/users?auth={DEFAULT_TOKEN}", headers={"auth": ""})
        assert by_query.status_code == 401
