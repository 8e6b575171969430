"""The precomputed per-day flex sums always equal a recount from hour_entry, after every write.

Each test changes hours the way the product does (hours sync, submitting hours, leave type
sync, single ORM writes) and then compares the stored sums with a from-scratch rebuild.
"""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest
from tortoise.transactions import in_transaction

from bot.emulators.tenkfeet_data import approval, time_entry
from models import FlexMonthSums, HourEntry, LeaveType, WorkContract
from models.flex.data import load_flex_inputs
from models.flex.sums import MonthSums, rebuild_all_flex_sums, refresh_flex_sums
from models.unsubmitted_hours import mark_pending_approval
from sync.tenkfeet.hours import sync_hours
from sync.tenkfeet.reference import sync_leave_types, sync_projects, sync_users
from tests.conftest import TEST_DB
from tests.support.flex_people import add_entry, make_person
from tests.support.sync_company import ACME_DEV, ALICE, VACATION, client_for, running_emulator


async def stored_sums() -> dict[tuple[int, date], str]:
    rows = await FlexMonthSums.all().values_list("person_id", "month", "days")
    return {(person_id, month): days for person_id, month, days in rows}


async def assert_sums_match_a_recount() -> dict[tuple[int, date], str]:
    before = await stored_sums()
    await rebuild_all_flex_sums()
    assert before == await stored_sums()
    return before


async def test_sums_follow_every_hours_sync(db: str) -> None:
    approved = [approval(9100, 100, "approved", updated_at="2024-04-10T10:00:00Z")]
    async with running_emulator() as emulator:
        store = emulator.data.time_entries
        store.add(time_entry(100, ALICE, ACME_DEV, date(2024, 4, 10), "4", approvals=approved))
        store.add(
            time_entry(
                101,
                ALICE,
                VACATION,
                date(2024, 3, 7),
                "7.5",
                assignable_type="LeaveType",
                approvals=[approval(9101, 101, "approved", updated_at="2024-03-08T10:00:00Z")],
            )
        )
        async with client_for(emulator) as client:
            await sync_users(client)
            await sync_projects(client)
            await sync_leave_types(client)
            await sync_hours(client, date(2024, 3, 1), date(2024, 4, 30))
            first = await assert_sums_match_a_recount()
            assert any(month == date(2024, 4, 1) for _, month in first)

            # Changed, emptied and moved days; then an entry moved in from outside the range.
            store.update(1, date=date(2024, 3, 6))
            store.delete(101)
            await sync_hours(client, date(2024, 3, 1), date(2024, 4, 30))
            await assert_sums_match_a_recount()
            store.update(100, date=date(2024, 3, 12))  # April → March, April not synced
            await sync_hours(client, date(2024, 3, 1), date(2024, 3, 31))
            last = await assert_sums_match_a_recount()
    assert not any(month == date(2024, 4, 1) for _, month in last), "April lost its only hours"


async def test_submitting_hours_makes_them_count(db: str) -> None:
    person = await make_person("Sam", "Submitter", "U0SAM")
    await WorkContract.create(person=person, start_date=date(2024, 1, 1), worktime_percent=100)
    entry = await add_entry(person, date(2024, 1, 2), "7.5", status="Unsubmitted")
    as_of = date(2024, 1, 2)

    before = (await load_flex_inputs([person.id], as_of))[person.id]
    assert date(2024, 1, 2) not in before.days  # unsubmitted hours are not counted
    assert await mark_pending_approval(person.id, [entry.tenkfeet_id]) == 1
    after = (await load_flex_inputs([person.id], as_of))[person.id]
    assert after.days[date(2024, 1, 2)].work == Decimal("7.5")
    await assert_sums_match_a_recount()


async def test_leave_type_sync_recounts_leave(db: str) -> None:
    person = await make_person("Lea", "Leaver", "U0LEA")
    await add_entry(person, date(2024, 3, 4), "7.5", leave_type="Parental leave")
    day = date(2024, 3, 4)
    counted = (await load_flex_inputs([person.id], day))[person.id].days[day]
    assert (counted.leave, counted.unpaid) == (Decimal("7.5"), Decimal(0))

    # An admin marks the type unpaid; the next leave type sync that changes anything recounts.
    await LeaveType.create(tenkfeet_id=555, name="Parental leave", flex_treatment="unpaid")
    async with running_emulator() as emulator, client_for(emulator) as client:
        await sync_leave_types(client)
    recounted = (await load_flex_inputs([person.id], day))[person.id].days[day]
    assert (recounted.leave, recounted.unpaid) == (Decimal(0), Decimal("7.5"))
    await assert_sums_match_a_recount()


async def test_single_orm_writes_keep_the_sums(db: str) -> None:
    person = await make_person("Oona", "Orm", "U0OONA")
    entry = await add_entry(person, date(2024, 5, 6), "6")
    assert await stored_sums() == {(person.id, date(2024, 5, 1)): "6:60000:0:0:0"}
    entry.hours = Decimal("6.25")
    await entry.save()
    assert await stored_sums() == {(person.id, date(2024, 5, 1)): "6:62500:0:0:0"}
    await entry.delete()
    assert await stored_sums() == {}


async def test_a_rolled_back_change_leaves_no_sums(db: str) -> None:
    person = await make_person("Rolf", "Rollback", "U0ROLF")
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await add_entry(person, date(2024, 5, 7), "3")
            assert await stored_sums()  # visible inside the transaction
            raise RuntimeError("abort")
    assert await HourEntry.all().count() == 0
    assert await stored_sums() == {}


async def _waiting_for_a_lock() -> None:
    """Returns once some other transaction waits for a lock (observed in pg_locks)."""
    from tortoise import connections

    conn = connections.get("default")
    async with asyncio.timeout(10):
        while True:
            _, rows = await conn.execute_query(
                "SELECT count(*) AS n FROM pg_locks WHERE NOT granted"
            )
            if rows[0]["n"]:
                return
            await asyncio.sleep(0.005)


@pytest.mark.skipif(TEST_DB != "postgres", reason="SQLite serialises writers by itself")
async def test_overlapping_refreshes_of_one_month_wait_for_each_other(db: str) -> None:
    person = await make_person("Ola", "Overlap", "U0OLA")
    await add_entry(person, date(2024, 3, 4), "7.5")
    go = asyncio.Event()

    async def refresh_in_own_transaction() -> None:
        await go.wait()
        async with in_transaction() as conn:
            await refresh_flex_sums([date(2024, 3, 1)], [person.id], conn)

    # Created outside the first transaction, so it does not inherit that transaction.
    second = asyncio.create_task(refresh_in_own_transaction())
    async with in_transaction() as conn:
        await refresh_flex_sums([date(2024, 3, 1)], None, conn)
        go.set()
        await _waiting_for_a_lock()
    await asyncio.wait_for(second, 10)  # no duplicate key: it waited, then saw our rows
    assert await stored_sums() == {(person.id, date(2024, 3, 1)): "4:75000:0:0:0"}


async def test_changing_a_leave_types_treatment_recounts(db: str) -> None:
    person = await make_person("Tara", "Treatment", "U0TARA")
    leave = await LeaveType.create(tenkfeet_id=556, name="Study leave")
    await add_entry(person, date(2024, 3, 5), "7.5", leave_type="Study leave")
    day = date(2024, 3, 5)
    assert (await load_flex_inputs([person.id], day))[person.id].days[day].leave == Decimal("7.5")
    leave.flex_treatment = "flex"  # an admin decides it consumes flex
    await leave.save()
    counted = (await load_flex_inputs([person.id], day))[person.id].days[day]
    assert (counted.leave, counted.unpaid) == (Decimal(0), Decimal(0))
    await assert_sums_match_a_recount()


def test_month_sums_folded_in_parts_and_merged_equal_one_fold() -> None:
    """The staging workers fold their windows apart; the sync adds them up."""
    columns = ("person_id", "date", "leave_type", "phase_name", "hours", "status")
    rows = [
        (1, "2024-01-31", "", "Development", "7.5", "Approved"),
        (1, "2024-01-31", "", "Overtime work", "1.25", "Pending approval"),
        (1, "2024-02-01", "", "Development", "8", "Approved"),
        (1, "2024-02-01", "Vacation", "", "7.5", "Approved"),
        (1, "2024-02-02", "Unpaid leave", "", "3", "Approved"),
        (2, "2024-02-01", "", "Development", "4", "Unsubmitted"),
        (2, "2024-02-01", "", "Development", "2.5", "Approved"),
    ]
    whole = MonthSums({})
    whole.add_rows(rows, columns)
    merged = MonthSums({})
    for part in (rows[:1], rows[1:4], rows[4:], []):  # a day split across parts, too
        fold = MonthSums({})
        fold.add_rows(part, columns)
        merged.merge(fold)
    assert sorted(merged.packed(False)) == sorted(whole.packed(False))
    assert sorted(whole.packed(False)) == [
        [1, "2024-01-01", "31:75000:0:0:12500"],
        [1, "2024-02-01", "1:80000:75000:0:0 2:0:0:30000:0"],
        [2, "2024-02-01", "1:25000:0:0:0"],
    ]
