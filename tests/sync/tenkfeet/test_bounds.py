"""Upstream payloads are bounded: an item that does not fit what the database stores is skipped
and recorded (which item, which field, what kind of value, never the value), and the rest of the
run goes on. Through the 10000ft emulator, the real client and both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from bot.emulators.tenkfeet_data import holiday, leave_type, time_entry, user
from models import (
    Event,
    HourDayChecksum,
    HourEntry,
    HourWindowChecksum,
    LeaveType,
    Person,
    Phase,
    PublicHoliday,
    SyncRun,
)
from sync.runs import sync_run
from sync.tenkfeet.hours import sync_hours
from sync.tenkfeet.reference import (
    sync_holidays,
    sync_leave_types,
    sync_projects,
    sync_users,
)
from sync.tenkfeet.schema import TimeEntry, parse_page
from tests.support.sync_company import ACME_DEV, ALICE, BOB, DAY2, client_for, running_emulator

START = date(2024, 3, 1)
END = date(2024, 4, 30)
BAD = 77
SECRET = "confidential-" * 30  # 390 characters that must never be echoed whole


async def hours_run(emulator: Any) -> SyncRun:
    """Reference data, then one recorded hours run (as `financebot sync hours` runs it)."""
    async with client_for(emulator) as client:
        await sync_users(client)
        await sync_projects(client)
        await sync_leave_types(client)
        async with sync_run("hours", START, END) as run:
            run.counts = await sync_hours(client, START, END)
    return run.record


def bad_entries() -> dict[str, tuple[dict[str, Any], str, str]]:
    """name → (entry body, field named, kind named)."""
    base = {"day": DAY2, "hours": "2"}
    return {
        "300-character task": (
            time_entry(BAD, ALICE, ACME_DEV, **base, task="t" * 300),
            "task",
            "text of 300 characters",
        ),
        "hours out of range": (
            time_entry(BAD, ALICE, ACME_DEV, DAY2, 25),
            "hours",
            "a number with 2 digits",
        ),
        "negative hours": (
            time_entry(BAD, ALICE, ACME_DEV, DAY2, -3),
            "hours",
            "a number with 1 digit",
        ),
        "hours with 5 decimals": (
            time_entry(BAD, ALICE, ACME_DEV, DAY2, 1.12345),
            "hours",
            "a number with 6 digits",
        ),
        "bill rate with too many digits": (
            time_entry(BAD, ALICE, ACME_DEV, **base, bill_rate=123456789012345.5),
            "bill_rate",
            "a number with 16 digits",
        ),
        "over-long notes": (
            time_entry(BAD, ALICE, ACME_DEV, **base, notes=SECRET * 30),
            "notes",
            "text of 11700 characters",
        ),
        "user id beyond the column": (
            time_entry(BAD, 2**40, ACME_DEV, DAY2, "2"),
            "user_id",
            "a number with 13 digits",
        ),
    }


@pytest.mark.parametrize("case", list(bad_entries()))
async def test_an_invalid_entry_is_skipped_recorded_and_the_rest_stored(db: str, case: str) -> None:
    body, field, kind = bad_entries()[case]
    async with running_emulator() as emulator:
        emulator.data.time_entries.add(body)
        run = await hours_run(emulator)
    assert run.status == "succeeded", run.error
    assert (run.added, run.invalid) == (5, 1)
    assert run.skipped == 1  # a first sync: every day written, only the invalid entry skipped
    assert await HourEntry.filter(tenkfeet_id=BAD).count() == 0
    assert await HourEntry.all().count() == 5
    events = await Event.filter(kind="sync.hours.invalid")
    assert len(events) == 1
    event = events[0]
    assert event.data["id"] == BAD and event.data["field"] == field
    assert event.data["kind"] == kind
    assert f"time entry {BAD} skipped: {field} is {kind}" in event.message
    assert "confidential-confidential" not in f"{event.message} {event.data}"


async def test_a_far_future_date_is_skipped_and_recorded(db: str) -> None:
    async with running_emulator() as emulator:
        far = time_entry(BAD, ALICE, ACME_DEV, date(2999, 3, 5), "2")
        emulator.data.time_entries.add(far, listed_on=DAY2)  # served among March's entries
        near = time_entry(78, BOB, ACME_DEV, date(2024, 6, 3), "2")
        emulator.data.time_entries.add(near, listed_on=DAY2)  # a real date, but not asked for
        run = await hours_run(emulator)
    assert run.status == "succeeded" and (run.added, run.invalid) == (5, 2)
    assert await HourEntry.filter(tenkfeet_id__in=[BAD, 78]).count() == 0
    recorded = {
        e.data["id"]: (e.data["field"], e.data["kind"])
        for e in await Event.filter(kind="sync.hours.invalid")
    }
    assert recorded == {
        BAD: ("date", "text of 10 characters"),
        78: ("date", "a date outside the requested days"),
    }


async def test_the_skip_stays_visible_until_upstream_fixes_the_entry(db: str) -> None:
    async with running_emulator() as emulator:
        emulator.data.time_entries.add(time_entry(BAD, ALICE, ACME_DEV, DAY2, "2", task="t" * 300))
        await hours_run(emulator)
        # Nothing changed upstream: the window is parsed again and the entry reported again,
        # while its day, whose stored rows are right, is not rewritten.
        async with client_for(emulator) as client:
            async with sync_run("hours", START, END) as again:
                again.counts = await sync_hours(client, START, END)
        assert (again.record.invalid, again.record.added, again.record.updated) == (1, 0, 0)
        assert await Event.filter(kind="sync.hours.invalid").count() == 2
        assert await HourWindowChecksum.all().count() == 0

        emulator.data.time_entries.update(BAD, task="Development")
        async with client_for(emulator) as client:
            fixed = await sync_hours(client, START, END)
    assert (fixed.added, fixed.invalid) == (1, 0)
    assert (await HourEntry.get(tenkfeet_id=BAD)).category == "Development"
    assert await HourWindowChecksum.all().count() == 1
    assert await HourDayChecksum.filter(date=DAY2).count() == 1


async def test_an_entry_that_turns_invalid_keeps_its_stored_row(db: str) -> None:
    """Skipped means left as it was: the last valid version stays while upstream is wrong."""
    async with running_emulator() as emulator:
        emulator.data.time_entries.add(time_entry(BAD, ALICE, ACME_DEV, DAY2, "2"))
        await hours_run(emulator)
        store = emulator.data.time_entries
        store.update(BAD, task="t" * 300)
        store.update(3, hours="4")  # another entry of the same day changes too
        async with client_for(emulator) as client:
            counts = await sync_hours(client, START, END)
    assert (counts.updated, counts.deleted, counts.invalid) == (1, 0, 1)
    kept = await HourEntry.get(tenkfeet_id=BAD)
    assert kept.hours == Decimal("2") and kept.category == "Development"
    assert (await HourEntry.get(tenkfeet_id=3)).hours == Decimal("4")


async def test_an_over_long_user_name_skips_that_user_only(db: str) -> None:
    async with running_emulator() as emulator:
        emulator.data.users.append(user(5, "N" * 300, "Long", "long@example.com"))
        emulator.data.users.append(
            user(6, "Hired", "Later", "later@example.com", hire_date="3000-01-01")
        )
        async with client_for(emulator) as client, sync_run("users") as run:
            run.counts = await sync_users(client)
    assert run.record.status == "succeeded"
    assert (run.record.added, run.record.invalid, run.record.skipped) == (4, 2, 2)
    assert await Person.filter(tenkfeet_id__in=[5, 6]).count() == 0
    recorded = {
        e.data["id"]: (e.data["field"], e.data["kind"])
        for e in await Event.filter(kind="sync.users.invalid")
    }
    assert recorded == {
        5: ("first_name", "text of 300 characters"),
        6: ("hire_date", "text of 10 characters"),
    }


async def test_invalid_phases_leave_types_and_holidays_are_skipped(db: str) -> None:
    async with running_emulator() as emulator:
        data = emulator.data
        data.projects[2]["phase_name"] = "p" * 256  # ACME_DEV
        data.leave_types.append(leave_type(60, "l" * 1000))
        async with client_for(emulator) as client:
            projects = await sync_projects(client)
            leave_types = await sync_leave_types(client)
            await sync_holidays(client)
            # A stored holiday that turns invalid upstream is kept, not deleted as gone.
            data.holidays[0]["date"] = "2999-01-01"
            data.holidays.append(holiday(3, "h" * 300, date(2024, 6, 21)))
            holidays = await sync_holidays(client)
    assert (projects.invalid, leave_types.invalid, holidays.invalid) == (1, 1, 2)
    assert await Phase.filter(tenkfeet_id=ACME_DEV).count() == 0
    assert await Phase.all().count() == 2
    assert await LeaveType.filter(tenkfeet_id=60).count() == 0
    assert await PublicHoliday.filter(tenkfeet_id=1, date=date(2024, 1, 1)).count() == 1
    assert await PublicHoliday.filter(tenkfeet_id=3).count() == 0
    kinds = set(await Event.all().values_list("kind", flat=True))
    assert kinds == {
        "sync.projects.invalid",
        "sync.leave-types.invalid",
        "sync.holidays.invalid",
    }


def test_a_valid_page_is_validated_whole_and_an_invalid_one_item_by_item() -> None:
    good = time_entry(1, ALICE, ACME_DEV, DAY2, "7.5")
    bad = time_entry(2, ALICE, ACME_DEV, DAY2, "7.5", task="t" * 256)

    def page(*items: dict[str, Any]) -> bytes:
        import json

        return json.dumps({"data": list(items), "paging": {"next": None}}).encode()

    whole = parse_page(page(good, good), TimeEntry)
    assert [e.id for e in whole.items] == [1, 1] and whole.invalid == []
    mixed = parse_page(page(good, bad, {"id": "x"}), TimeEntry)
    assert [e.id for e in mixed.items] == [1]
    assert [(i.item_id, i.field, i.kind) for i in mixed.invalid] == [
        (2, "task", "text of 256 characters"),
        (None, "id", "text of 1 character"),
    ]
