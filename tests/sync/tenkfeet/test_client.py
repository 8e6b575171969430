"""The 10000ft client against the local 10000ft emulator, over real HTTP."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bot.emulators.tenkfeet import DEFAULT_TOKEN, TenkfeetEmulator
from bot.emulators.tenkfeet_data import (
    TenkfeetData,
    approval,
    holiday,
    leave_type,
    phase,
    project,
    time_entry,
    user,
)
from sync.retry_budget import RetryBudget
from sync.tenkfeet.client import RawPage, TenkfeetClient, TenkfeetError
from sync.tenkfeet.schema import TimeEntry, parse_page

MONDAY = date(2024, 3, 4)


class RecordedSleeps:
    """The client's wait between attempts: records each delay instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def company(users: int = 250, entries_per_day: int = 30, days: int = 10) -> TenkfeetData:
    data = TenkfeetData(
        users=[
            user(n, f"First{n}", f"Last{n}", f"Person{n}@Example.com") for n in range(1, users + 1)
        ],
        leave_types=[leave_type(1, "Vacation")],
        holidays=[holiday(1, "May Day", date(2024, 5, 1))],
    )
    acme = project(100, "Website", "Acme Oy", tags=["First1 Last1"])
    data.projects = [acme, phase(101, acme, "Development"), project(200, "Old", archived=True)]
    entry_id = 1
    for offset in range(days):
        for n in range(entries_per_day):
            data.time_entries.add(
                time_entry(entry_id, 1 + n % users, 101, MONDAY + timedelta(days=offset), 1.5)
            )
            entry_id += 1
    return data


@pytest.fixture
async def emulator() -> AsyncIterator[TenkfeetEmulator]:
    async with TenkfeetEmulator(company(), max_per_page=100) as running:
        yield running


def client_for(emulator: TenkfeetEmulator, **options: Any) -> TenkfeetClient:
    options.setdefault("sleep", RecordedSleeps())
    options.setdefault("timeout", 5.0)
    return TenkfeetClient(emulator.base_url, DEFAULT_TOKEN, **options)


async def all_pages(pages: AsyncIterator[RawPage]) -> list[RawPage]:
    return [page async for page in pages]


async def test_every_request_sends_the_token_in_the_auth_header(
    emulator: TenkfeetEmulator,
) -> None:
    async with client_for(emulator) as client:
        await client.users()
        await client.projects()
        await client.holidays()
        await client.leave_types()
        await all_pages(client.time_entry_pages(MONDAY, MONDAY + timedelta(days=9)))
    assert len(emulator.requests) >= 7
    for request in emulator.requests:
        assert request.headers.get("auth") == DEFAULT_TOKEN
        assert DEFAULT_TOKEN not in request.path
        assert "auth" not in request.query


async def test_paging_is_followed_to_the_end_when_the_server_caps_per_page(
    emulator: TenkfeetEmulator,
) -> None:
    async with client_for(emulator, per_page=1000) as client:
        users = (await client.users()).items
    assert sorted(u.id for u in users) == list(range(1, 251))
    assert [r.query.get("page", "1") for r in emulator.requests] == ["1", "2", "3"]
    assert emulator.requests[0].query["per_page"] == "1000"
    assert emulator.requests[0].query["with_archived"] == "true"


async def test_the_query_of_next_is_kept_on_every_page(emulator: TenkfeetEmulator) -> None:
    start, end = MONDAY + timedelta(days=2), MONDAY + timedelta(days=6)
    async with client_for(emulator) as client:
        pages = await all_pages(client.time_entry_pages(start, end))
    entries = [e for page in pages for e in parse_page(page.body, TimeEntry).items]
    assert len(entries) == 5 * 30
    assert {e.date for e in entries} == {start + timedelta(days=n) for n in range(5)}
    assert len(emulator.requests) == 2
    for request in emulator.requests:
        assert request.query["from"] == start.isoformat()
        assert request.query["to"] == end.isoformat()
        assert request.query["fields"] == "approvals"
    assert [page.path for page in pages] == [r.path for r in emulator.requests]
    assert "page=2" in pages[1].path


async def test_projects_include_phases_and_archived_ones(emulator: TenkfeetEmulator) -> None:
    async with client_for(emulator) as client:
        projects = (await client.projects()).items
    by_id = {p.id: p for p in projects}
    assert set(by_id) == {100, 101, 200}
    assert by_id[101].parent_id == 100 and by_id[101].phase_name == "Development"
    assert by_id[200].archived is True
    assert [t.value for t in by_id[100].tags] == ["First1 Last1"]


async def test_a_500_is_retried_and_the_sync_goes_on(emulator: TenkfeetEmulator) -> None:
    sleeps = RecordedSleeps()
    emulator.fail_request(2)
    async with client_for(emulator, sleep=sleeps, backoff=0.25) as client:
        users = (await client.users()).items
    assert len(users) == 250
    assert len(emulator.requests) == 4
    assert emulator.requests[1].path == emulator.requests[2].path
    assert sleeps.delays == [0.25]


async def test_backoff_grows_exponentially(emulator: TenkfeetEmulator) -> None:
    sleeps = RecordedSleeps()
    for n in (1, 2, 3):
        emulator.fail_request(n, status=503)
    async with client_for(emulator, sleep=sleeps, backoff=0.5, max_retries=3) as client:
        await client.leave_types()
    assert sleeps.delays == [0.5, 1.0, 2.0]


async def test_500_beyond_max_retries_names_the_path_and_status(
    emulator: TenkfeetEmulator,
) -> None:
    for n in (2, 3, 4):
        emulator.fail_request(n, message="Database on fire")
    async with client_for(emulator, max_retries=2) as client:
        with pytest.raises(TenkfeetError) as failure:
            await client.users()
    message = str(failure.value)
    assert message.startswith("GET /api/v1/users?")
    assert "page=2" in message
    assert "HTTP 500: Database on fire" in message
    assert "3 attempts" in message
    assert DEFAULT_TOKEN not in message
    assert "\n" not in message
    assert len(emulator.requests) == 4


async def test_other_4xx_fail_at_once(emulator: TenkfeetEmulator) -> None:
    emulator.fail_request(1, status=403, message="Forbidden for this token")
    async with client_for(emulator) as client:
        with pytest.raises(TenkfeetError, match="HTTP 403: Forbidden for this token"):
            await client.holidays()
    assert len(emulator.requests) == 1


async def test_a_wrong_token_is_refused_without_leaking_it(emulator: TenkfeetEmulator) -> None:
    async with TenkfeetClient(emulator.base_url, "wrong-secret-token") as client:
        with pytest.raises(TenkfeetError) as failure:
            await client.users()
    assert "HTTP 401" in str(failure.value)
    assert "wrong-secret-token" not in str(failure.value)
    assert len(emulator.requests) == 1


async def test_a_refused_token_names_the_host_and_tenkfeet_auth(
    emulator: TenkfeetEmulator,
) -> None:
    host = emulator.base_url.removeprefix("http://")
    async with TenkfeetClient(emulator.base_url, "wrong-secret-token") as client:
        with pytest.raises(TenkfeetError) as failure:
            await client.holidays()
    assert str(failure.value) == (
        "GET /api/v1/holidays?per_page=1000 (page 1): HTTP 401: Invalid or missing auth token; "
        f"10000ft at {host} did not accept the token: check TENKFEET_AUTH"
    )


async def test_a_forbidden_request_names_the_host_and_tenkfeet_auth(
    emulator: TenkfeetEmulator,
) -> None:
    host = emulator.base_url.removeprefix("http://")
    emulator.fail_request(1, status=403, message="Forbidden for this token")
    async with client_for(emulator) as client:
        with pytest.raises(TenkfeetError) as failure:
            await client.holidays()
    assert str(failure.value).endswith(
        f"HTTP 403: Forbidden for this token; 10000ft at {host} does not let this token do "
        "that: check TENKFEET_AUTH"
    )


async def test_a_missing_path_names_the_host_and_tenkfeet_api_url(
    emulator: TenkfeetEmulator,
) -> None:
    host = emulator.base_url.removeprefix("http://")
    emulator.fail_request(1, status=404, message="Not found")
    async with client_for(emulator) as client:
        with pytest.raises(TenkfeetError) as failure:
            await client.holidays()
    assert str(failure.value).endswith(
        f"HTTP 404: Not found; 10000ft at {host} has no such path: check that "
        "TENKFEET_API_URL is the API's origin"
    )


async def test_429_waits_as_long_as_retry_after_says(emulator: TenkfeetEmulator) -> None:
    sleeps = RecordedSleeps()
    emulator.rate_limit_request(2, retry_after=7)
    async with client_for(emulator, sleep=sleeps, backoff=0.1) as client:
        users = (await client.users()).items
    assert len(users) == 250
    assert sleeps.delays == [7.0]
    assert len(emulator.requests) == 4


async def test_retry_after_is_capped(emulator: TenkfeetEmulator) -> None:
    sleeps = RecordedSleeps()
    emulator.rate_limit_request(1, retry_after=3600)
    async with client_for(emulator, sleep=sleeps, retry_after_cap=60.0) as client:
        await client.leave_types()
    assert sleeps.delays == [60.0]


async def test_429_really_waits_with_the_default_sleep(emulator: TenkfeetEmulator) -> None:
    loop_time = asyncio.get_running_loop().time
    emulator.rate_limit_request(1, retry_after=1)
    async with TenkfeetClient(emulator.base_url, DEFAULT_TOKEN, retry_after_cap=0.05) as client:
        began = loop_time()
        await client.leave_types()
        waited = loop_time() - began
    assert waited >= 0.05
    assert len(emulator.requests) == 2


async def test_429_beyond_max_retries_fails(emulator: TenkfeetEmulator) -> None:
    for n in (1, 2):
        emulator.rate_limit_request(n, retry_after=1)
    async with client_for(emulator, max_retries=1) as client:
        with pytest.raises(TenkfeetError, match=r"HTTP 429: Rate limit exceeded"):
            await client.holidays()


async def test_a_timeout_is_retried(emulator: TenkfeetEmulator) -> None:
    sleeps = RecordedSleeps()
    held = emulator.slow_request(1, seconds=30)
    async with client_for(emulator, sleep=sleeps, timeout=1.0) as client:
        leave_types = (await client.leave_types()).items
    held.set()
    assert [lt.name for lt in leave_types] == ["Vacation"]
    assert len(emulator.requests) == 2
    assert len(sleeps.delays) == 1


async def test_timeouts_beyond_max_retries_fail(emulator: TenkfeetEmulator) -> None:
    held = [emulator.slow_request(n, seconds=30) for n in (1, 2)]
    async with client_for(emulator, timeout=1.0, max_retries=1) as client:
        with pytest.raises(TenkfeetError, match=r"GET /api/v1/holidays.*timed out"):
            await client.holidays()
    for event in held:
        event.set()
    assert len(emulator.requests) == 2


async def test_connection_errors_are_retried_then_fail() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = RecordedSleeps()
    async with TenkfeetClient(
        f"http://127.0.0.1:{port}", DEFAULT_TOKEN, max_retries=2, sleep=sleeps
    ) as client:
        with pytest.raises(TenkfeetError, match="ConnectError") as failure:
            await client.users()
    assert len(sleeps.delays) == 2
    assert str(failure.value).endswith(
        f"(gave up after 3 attempts); cannot reach 10000ft at 127.0.0.1:{port}: "
        "check TENKFEET_API_URL"
    )


async def test_a_host_that_does_not_resolve_names_tenkfeet_api_url() -> None:
    async with TenkfeetClient(
        "http://tenkfeet.invalid", DEFAULT_TOKEN, max_retries=0, sleep=RecordedSleeps()
    ) as client:
        with pytest.raises(TenkfeetError) as failure:
            await client.users()
    assert str(failure.value).endswith(
        "cannot reach 10000ft at tenkfeet.invalid: check TENKFEET_API_URL"
    )


async def test_credentials_in_the_url_are_not_named_with_the_host() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with TenkfeetClient(
        f"http://robot:pw-SECRET@127.0.0.1:{port}", "t", max_retries=0, sleep=RecordedSleeps()
    ) as client:
        with pytest.raises(TenkfeetError) as failure:
            await client.users()
    assert f"cannot reach 10000ft at 127.0.0.1:{port}" in str(failure.value)
    assert "SECRET" not in str(failure.value)


async def test_a_truncated_page_fails_and_is_not_handed_out(emulator: TenkfeetEmulator) -> None:
    emulator.truncate_request(2)
    got: list[RawPage] = []
    async with client_for(emulator) as client:
        with pytest.raises(TenkfeetError) as failure:
            async for page in client.time_entry_pages(MONDAY, MONDAY + timedelta(days=9)):
                got.append(page)
    assert len(got) == 1
    assert "invalid JSON" in str(failure.value)
    assert "page 2" in str(failure.value)


async def test_a_truncated_page_fails_a_collection(emulator: TenkfeetEmulator) -> None:
    emulator.truncate_request(1)
    async with client_for(emulator) as client:
        with pytest.raises(TenkfeetError, match="GET /api/v1/users"):
            await client.users()


async def test_an_invalid_item_is_left_out_and_described(emulator: TenkfeetEmulator) -> None:
    emulator.data.time_entries.add(time_entry(9001, 1, 101, MONDAY, "lots"))
    async with client_for(emulator) as client:
        pages = await all_pages(client.time_entry_pages(MONDAY, MONDAY))
    parsed = [parse_page(page.body, TimeEntry) for page in pages]
    assert sum(len(p.items) for p in parsed) == 30
    [invalid] = [item for p in parsed for item in p.invalid]
    assert invalid.describe() == (
        "time entry 9001 skipped: hours is text of 4 characters (Invalid decimal string)"
    )


async def test_an_invalid_user_is_left_out_of_users(emulator: TenkfeetEmulator) -> None:
    emulator.data.users[6]["archived"] = "perhaps"
    async with client_for(emulator) as client:
        users = await client.users()
    assert len(users.items) == 249 and 7 not in {u.id for u in users.items}
    assert [i.describe() for i in users.invalid] == [
        "user 7 skipped: archived is text of 7 characters (Expected `bool | null`, got `str`)"
    ]


async def test_submit_for_approval_with_current_and_stale_updated_at(
    emulator: TenkfeetEmulator,
) -> None:
    store = emulator.data.time_entries
    current = store.get(1)["updated_at"]
    stale_before = store.get(2)
    async with client_for(emulator) as client:
        made = await client.submit_for_approval([(1, current), (2, "2001-01-01T00:00:00Z")])
        again = await client.submit_for_approval([(1, current)])
    assert [(a.approvable_id, a.status) for a in made] == [(1, "pending")]
    assert made[0].approved_at is None
    assert again == []
    after = store.get(1)
    assert after["updated_at"] > current
    assert [a["status"] for a in after["approvals"]["data"]] == ["pending"]
    assert store.get(2) == stale_before
    posted = emulator.requests[0]
    assert posted.method == "POST" and posted.path == "/api/v1/approvals"
    assert posted.headers["auth"] == DEFAULT_TOKEN


async def test_submitting_nothing_sends_nothing(emulator: TenkfeetEmulator) -> None:
    async with client_for(emulator) as client:
        assert await client.submit_for_approval([]) == []
    assert emulator.requests == []


async def test_entries_carry_approvals_and_exact_decimals(emulator: TenkfeetEmulator) -> None:
    store = emulator.data.time_entries
    store.add(
        time_entry(
            9100,
            3,
            101,
            MONDAY,
            "7.35",
            bill_rate="123.45",
            approvals=[approval(77, 9100, "approved", approved_by=1)],
        )
    )
    store.add(time_entry(9101, 3, 101, MONDAY, 2, is_suggestion=True))
    async with client_for(emulator) as client:
        pages = await all_pages(client.time_entry_pages(MONDAY, MONDAY))
    entries = {e.id: e for p in pages for e in parse_page(p.body, TimeEntry).items}
    assert 9101 not in entries  # suggestions only with with_suggestions=true
    entry = entries[9100]
    assert (entry.hours, entry.bill_rate) == (Decimal("7.35"), Decimal("123.45"))
    assert [(a.id, a.status, a.approved_by) for a in entry.approvals] == [(77, "approved", 1)]


# Paging edge cases a real server could produce, through an httpx transport --------------


def scripted(pages: dict[str, dict[str, Any] | str]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        body = pages[path]
        if isinstance(body, str):
            return httpx.Response(200, text=body)
        return httpx.Response(200, json=body)

    return httpx.MockTransport(answer)


async def test_a_next_that_loops_fails_clearly() -> None:
    transport = scripted(
        {
            "/api/v1/leave_types?per_page=5": {"data": [], "paging": {"next": "/x?page=2"}},
            "/x?page=2": {"data": [], "paging": {"next": "/x?page=2"}},
        }
    )
    async with TenkfeetClient("http://tenkfeet.test", "t", per_page=5, transport=transport) as c:
        with pytest.raises(TenkfeetError, match=r"paging.next repeats /x\?page=2"):
            await c.leave_types()


async def test_paging_before_data_and_an_absolute_next_on_our_origin() -> None:
    transport = scripted(
        {
            "/api/v1/leave_types?per_page=5": (
                '{"paging": {"next": "http://tenkfeet.test/api/v1/leave_types?page=2&x=%2F"},'
                ' "data": [{"id": 1, "name": "Vacation"}]}'
            ),
            "/api/v1/leave_types?page=2&x=%2F": {
                "data": [{"id": 2, "name": "Sick leave", "paging": {"next": "/nowhere"}}],
                "paging": {"next": None},
            },
        }
    )
    async with TenkfeetClient("http://tenkfeet.test", "t", per_page=5, transport=transport) as c:
        leave_types = (await c.leave_types()).items
    assert [lt.name for lt in leave_types] == ["Vacation", "Sick leave"]


async def test_a_next_to_another_host_is_refused() -> None:
    transport = scripted(
        {"/api/v1/holidays?per_page=5": {"data": [], "paging": {"next": "http://evil.test/a"}}}
    )
    async with TenkfeetClient("http://tenkfeet.test", "t", per_page=5, transport=transport) as c:
        with pytest.raises(TenkfeetError, match=r"paging\.next points elsewhere: evil\.test"):
            await c.holidays()


# Storms: many 429s and 5xx in a row ------------------------------------------------------


async def test_a_503_that_says_when_to_come_back_is_waited_for(
    emulator: TenkfeetEmulator,
) -> None:
    sleeps = RecordedSleeps()
    emulator.storm("/leave_types", 2, status=503, retry_after=7, message="Maintenance")
    async with client_for(emulator, sleep=sleeps, backoff=0.1) as client:
        await client.leave_types()
        retries = client.budget.describe("10000ft")
    assert sleeps.delays == [7.0, 7.0]
    assert retries == "10000ft: 2 retries (HTTP 503 ×2), 14.0 s waited"


async def test_a_storm_is_waited_out_within_the_runs_budget_and_counted(
    emulator: TenkfeetEmulator,
) -> None:
    sleeps = RecordedSleeps()
    emulator.storm("/users", 3, status=429, retry_after=2)
    emulator.storm("/users", 1, status=502, retry_after=None)
    budget = RetryBudget(total=20)
    async with client_for(emulator, sleep=sleeps, backoff=0.5, budget=budget) as client:
        users = (await client.users()).items
    assert len(users) == 250
    assert sleeps.delays == [2.0, 2.0, 2.0, 4.0]  # Retry-After thrice, then the 4th backoff
    assert (
        budget.describe("10000ft") == "10000ft: 4 retries (HTTP 429 ×3, HTTP 502 ×1), 10.0 s waited"
    )


async def test_a_storm_longer_than_the_budget_fails_cleanly_without_waiting_it_out(
    emulator: TenkfeetEmulator,
) -> None:
    sleeps = RecordedSleeps()
    emulator.storm("/holidays", 10, status=429, retry_after=2)
    budget = RetryBudget(total=5)
    async with client_for(emulator, sleep=sleeps, max_retries=10, budget=budget) as client:
        with pytest.raises(TenkfeetError) as failure:
            await client.holidays()
    assert sleeps.delays == [2.0, 2.0]  # a third wait would take it past 5 s
    assert str(failure.value) == (
        "GET /api/v1/holidays?per_page=1000 (page 1): HTTP 429: Rate limit exceeded "
        "(gave up: retries of this run would wait more than 5 s in all)"
    )
    assert len(emulator.requests) == 3
    assert budget.describe("10000ft") == "10000ft: 2 retries (HTTP 429 ×2), 4.0 s waited"
