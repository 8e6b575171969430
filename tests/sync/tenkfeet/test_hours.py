"""Hours sync end to end: emulator → real httpx client → database."""

from __future__ import annotations

import asyncio
import os
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.emulators.tenkfeet import TenkfeetEmulator
from bot.emulators.tenkfeet_data import TenkfeetData, time_entry, user
from models import (
    Event,
    HourDayChecksum,
    HourEntry,
    HourWindowChecksum,
    Invoice,
    Person,
    Project,
    SyncRun,
)
from models.flex.sums import MonthSums
from sync.runs import SyncAlreadyRunning, sync_run
from sync.tenkfeet.client import TenkfeetClient, TenkfeetError
from sync.tenkfeet.hours import COLUMNS, EMPTY_DAY, HoursSyncError, sync_hours, windows
from sync.tenkfeet.reference import sync_leave_types, sync_projects, sync_users
from tests.conftest import TEST_DB
from tests.support.sync_company import (
    ACME,
    ACME_DEV,
    ALICE,
    APRIL_DAY,
    BOB,
    DAY1,
    DAY2,
    DAY3,
    INTERNAL,
    client_for,
    running_emulator,
)

START = date(2024, 3, 1)
END = date(2024, 4, 30)  # two windows: Mar 1..May 29 would be one; 61 days here
RANGE_DAYS = (END - START).days + 1


async def snapshot() -> list[tuple[Any, ...]]:
    """Every stored hour row (with its database id) and day checksum."""
    rows = (
        await HourEntry.all()
        .order_by("tenkfeet_id")
        .values_list("id", *(c for c in COLUMNS if c != "upstream_updated_at"))
    )
    sums = await HourDayChecksum.all().order_by("date").values_list("date", "checksum")
    return [*rows, *sums]


async def entry(tenkfeet_id: int) -> HourEntry:
    return await HourEntry.get(tenkfeet_id=tenkfeet_id).prefetch_related("person", "project")


async def synced(emulator: TenkfeetEmulator, **options: Any) -> None:
    async with client_for(emulator) as client:
        await sync_users(client)
        await sync_projects(client)
        await sync_leave_types(client)
        await sync_hours(client, START, END, **options)


def test_windows_are_at_most_90_days() -> None:
    parts = windows(date(2024, 1, 1), date(2024, 12, 31))
    assert parts[0] == (date(2024, 1, 1), date(2024, 3, 30))
    assert all((b - a).days + 1 <= 90 for a, b in parts)
    assert all(parts[i][1] + timedelta(days=1) == parts[i + 1][0] for i in range(len(parts) - 1))
    assert parts[-1][1] == date(2024, 12, 31)
    assert windows(date(2024, 1, 1), date(2024, 1, 1)) == [(date(2024, 1, 1), date(2024, 1, 1))]


async def test_mapping_rules_end_to_end(db: str) -> None:
    async with running_emulator(max_per_page=2) as emulator, client_for(emulator) as client:
        await sync_leave_types(client)
        # People and projects are unknown: the hours sync syncs them first.
        counts = await sync_hours(client, START, END)
    assert counts.added == 5 and counts.updated == 0 and counts.deleted == 0
    assert await SyncRun.filter(kind="users", status="succeeded").count() == 1
    assert await SyncRun.filter(kind="projects", status="succeeded").count() == 1

    approved = await entry(1)
    assert approved.date == DAY1
    assert approved.person.tenkfeet_id == ALICE
    assert approved.project is not None and approved.project.tenkfeet_id == ACME
    assert (approved.client_name, approved.phase_name) == ("Acme Oy", "Development")
    assert approved.category == "Development" and approved.leave_type == ""
    assert approved.hours == Decimal("7.5") and approved.bill_rate == Decimal("120.50")
    assert approved.money == Decimal("903.75")
    assert approved.status == "Approved"

    project_level = await entry(2)
    assert project_level.phase_name == "[Non Phase Specific]"
    assert project_level.category == "[none]" and project_level.notes == ""
    assert project_level.money == Decimal("224.9775")  # 2.25 × 99.99, exact
    assert project_level.status == "Pending Approval"

    leave = await entry(3)
    assert leave.leave_type == "Vacation" and leave.project is None
    assert (leave.client_name, leave.phase_name, leave.category) == ("", "", "")
    assert leave.bill_rate == 0 and leave.money == 0 and leave.hours == Decimal("7.5")
    assert leave.status == "Unsubmitted"

    assert await HourEntry.filter(tenkfeet_id=4).count() == 0  # zero hours: skipped
    assert (await entry(5)).status == "Pending Approval"  # the newest approval decides
    overtime = await entry(6)
    assert overtime.date == APRIL_DAY and overtime.phase_name == "Overtime"

    invoices = sorted(
        (p, y, m)
        for p, y, m in await Invoice.all().values_list("project__tenkfeet_id", "year", "month")
    )
    assert invoices == [(ACME, 2024, 3), (ACME, 2024, 4), (INTERNAL, 2024, 3)]


async def test_time_entry_requests_use_windows_of_at_most_90_days(db: str) -> None:
    async with running_emulator() as emulator:
        async with client_for(emulator) as client:
            await sync_hours(client, date(2024, 1, 1), date(2024, 7, 31))
        spans = sorted(  # windows are fetched a few at a time: requests interleave
            (date.fromisoformat(r.query["from"]), date.fromisoformat(r.query["to"]))
            for r in emulator.requests
            if r.path.startswith("/api/v1/time_entries") and "page" not in r.query
        )
    assert len(spans) == 3
    assert all((b - a).days + 1 <= 90 for a, b in spans)
    assert spans[0][0] == date(2024, 1, 1) and spans[-1][1] == date(2024, 7, 31)
    assert await HourEntry.all().count() == 5


async def test_unchanged_resync_skips_every_day(db: str) -> None:
    async with running_emulator() as emulator:
        await synced(emulator)
        before = await snapshot()
        async with client_for(emulator) as client:
            counts = await sync_hours(client, START, END)
        assert (counts.added, counts.updated, counts.deleted) == (0, 0, 0)
        assert counts.skipped == RANGE_DAYS
        assert await snapshot() == before
        assert await HourWindowChecksum.all().count() == 1  # 61 days: one window


async def test_hashes_of_an_older_algorithm_count_every_day_as_changed_once(db: str) -> None:
    """Hashes stored by a version that hashed otherwise (bare ``count:digest`` days, bare
    digest windows) vouch for nothing, even one whose digest happens to read the same: every
    day is rewritten once (here repairing a row that version stored otherwise), then skipped."""
    async with running_emulator() as emulator:
        await synced(emulator)
        notes = (await entry(3)).notes
        await HourEntry.filter(tenkfeet_id=3).update(notes="as an older version stored it")
        for stored_day in await HourDayChecksum.all():
            tag, rest = stored_day.checksum.split(":", 1)
            assert tag == "x3"
            await HourDayChecksum.filter(id=stored_day.id).update(checksum=rest)
        for stored_window in await HourWindowChecksum.all():
            tag, rest = stored_window.checksum.split(":", 1)
            assert tag == "x3"
            await HourWindowChecksum.filter(id=stored_window.id).update(checksum=rest)
        async with client_for(emulator) as client:
            counts = await sync_hours(client, START, END)
            assert (counts.added, counts.updated, counts.deleted, counts.skipped) == (0, 5, 0, 0)
            assert (await entry(3)).notes == notes
            assert all(
                c.startswith("x3:")
                for c in await HourDayChecksum.all().values_list("checksum", flat=True)
            )
            again = await sync_hours(client, START, END)
        assert (again.added, again.updated, again.deleted, again.skipped) == (0, 0, 0, RANGE_DAYS)


async def test_changed_day_is_replaced_and_others_untouched(db: str) -> None:
    async with running_emulator() as emulator:
        await synced(emulator)
        day1_ids = sorted(await HourEntry.filter(date=DAY1).values_list("id", flat=True))
        emulator.data.time_entries.update(3, hours="4", notes="half day")
        async with client_for(emulator) as client:
            counts = await sync_hours(client, START, END)
        assert (counts.added, counts.updated, counts.deleted) == (0, 1, 0)
        assert counts.skipped == RANGE_DAYS - 1
        assert sorted(await HourEntry.filter(date=DAY1).values_list("id", flat=True)) == day1_ids
        changed = await entry(3)
        assert changed.hours == Decimal("4") and changed.notes == "half day"


async def test_new_entry_added_and_entry_moved_between_days(db: str) -> None:
    async with running_emulator() as emulator:
        await synced(emulator)
        store = emulator.data.time_entries
        store.update(1, date=DAY3)
        store.add(time_entry(7, BOB, ACME_DEV, DAY2, "1"))
        async with client_for(emulator) as client:
            counts = await sync_hours(client, START, END)
        # Days 1, 2, 3 changed: entries 2, 3, 5 rewritten, entry 1 moved (rewritten), 7 new.
        assert (counts.added, counts.updated, counts.deleted) == (1, 4, 0)
        assert counts.skipped == RANGE_DAYS - 3
        assert (await entry(1)).date == DAY3
        assert await HourEntry.filter(date=DAY1).count() == 1
        assert await HourEntry.filter(tenkfeet_id=7, date=DAY2).count() == 1


async def test_entry_moved_in_from_outside_the_range(db: str) -> None:
    async with running_emulator() as emulator:
        await synced(emulator)
        emulator.data.time_entries.update(6, date=DAY2)  # April → March
        async with client_for(emulator) as client:
            counts = await sync_hours(client, START, date(2024, 3, 31))
        assert counts.deleted == 0
        assert (await entry(6)).date == DAY2
        assert await HourEntry.all().count() == 5


async def test_emptied_day_loses_its_rows(db: str) -> None:
    async with running_emulator() as emulator:
        await synced(emulator)
        emulator.data.time_entries.delete(5)
        async with client_for(emulator) as client:
            counts = await sync_hours(client, START, END)
        assert (counts.added, counts.updated, counts.deleted) == (0, 0, 1)
        assert await HourEntry.filter(date=DAY3).count() == 0
        assert (await HourDayChecksum.get(date=DAY3)).checksum == EMPTY_DAY


async def test_force_rewrites_every_day(db: str) -> None:
    async with running_emulator() as emulator:
        await synced(emulator)
        old_ids = set(await HourEntry.all().values_list("id", flat=True))
        async with client_for(emulator) as client:
            counts = await sync_hours(client, START, END, force=True)
        assert (counts.added, counts.updated, counts.deleted, counts.skipped) == (0, 5, 0, 0)
        new_ids = set(await HourEntry.all().values_list("id", flat=True))
        assert len(new_ids) == 5 and not new_ids & old_ids


async def test_project_renamed_upstream_is_remapped_even_with_unchanged_entries(db: str) -> None:
    async with running_emulator() as emulator:
        await synced(emulator)
        emulator.data.projects[2]["phase_name"] = "Development work"  # ACME_DEV
        async with client_for(emulator) as client:
            counts = await sync_hours(client, START, END)
        assert counts.updated == 2  # DAY1 holds entry 1 (and 2): only that day changed
        assert (await entry(1)).phase_name == "Development work"


async def _fault_leaves_data_intact(emulator: TenkfeetEmulator, inject: Any, error: str) -> None:
    """Change a day in the first window, fault the second window: nothing may be written."""
    await synced(emulator)
    before = await snapshot()
    windows_before = await HourWindowChecksum.all().values_list("start_date", "checksum")
    emulator.data.time_entries.update(1, hours="1")  # DAY1, first window
    emulator.data.time_entries.add(time_entry(8, ALICE, ACME_DEV, date(2024, 6, 3), "2"))
    async with client_for(emulator) as client:
        # projects (5 pages) + leave types (3) + window 1 (6 entries: 6 pages) = 14 requests.
        inject(15)
        with pytest.raises(TenkfeetError, match=re.escape(error)):
            async with sync_run("hours", START, date(2024, 6, 30)):
                await sync_hours(client, START, date(2024, 6, 30))
    assert await snapshot() == before
    assert await HourWindowChecksum.all().values_list("start_date", "checksum") == windows_before
    run = await SyncRun.filter(kind="hours").order_by("-id").first()
    assert run is not None and run.status == "failed"
    assert error in run.error


async def test_server_error_beyond_retries_mid_paging_changes_nothing(db: str) -> None:
    async with running_emulator(max_per_page=1) as emulator:

        def inject(n: int) -> None:
            # The second window's first page, its first try and both retries (windows are
            # fetched a few at a time, so this is not the n-th request from now).
            emulator.fail_matching("from=2024-05-30", times=3, status=500, message="Database down")

        await _fault_leaves_data_intact(emulator, inject, "HTTP 500: Database down")
        failed = await SyncRun.filter(kind="hours", status="failed").first()
        assert failed is not None and "HTTP 500" in failed.error


async def test_truncated_body_mid_paging_changes_nothing(db: str) -> None:
    async with running_emulator(max_per_page=1) as emulator:
        await _fault_leaves_data_intact(emulator, emulator.truncate_request, "JSON")


async def test_transient_error_is_retried_and_sync_completes(db: str) -> None:
    async with running_emulator(max_per_page=1) as emulator:
        await synced(emulator)
        emulator.data.time_entries.update(3, hours="2")
        emulator.fail_request(10, status=503)
        emulator.rate_limit_request(11, retry_after=0)
        async with client_for(emulator) as client:
            counts = await sync_hours(client, START, END)
        assert counts.updated == 1
        assert (await entry(3)).hours == Decimal("2")


async def test_unknown_person_is_skipped_until_known(db: str) -> None:
    async with running_emulator() as emulator:
        await synced(emulator)
        emulator.data.time_entries.add(time_entry(9, 99, ACME_DEV, DAY2, "3"))
        async with client_for(emulator) as client:
            counts = await sync_hours(client, START, END)
            assert counts.skipped == RANGE_DAYS - 1 + 1  # unchanged days + the unknown entry
            assert await HourEntry.filter(tenkfeet_id=9).count() == 0
            assert await Event.filter(kind="sync.hours.unknown").count() == 1
            assert await HourDayChecksum.filter(date=DAY2).count() == 0  # retried next time
            assert await SyncRun.filter(kind="users").count() == 1  # tried to learn them

            emulator.data.users.append(user(99, "New", "Hire", "new@example.com"))
            counts = await sync_hours(client, START, END)
        assert counts.added == 1
        stored = await entry(9)
        assert stored.person.tenkfeet_id == 99
        assert await Person.filter(tenkfeet_id=99).count() == 1


async def test_two_concurrent_hours_syncs_one_runs(db: str) -> None:
    async with running_emulator() as emulator:
        await synced(emulator)
        emulator.data.time_entries.update(3, hours="5")
        # Hold the first run on its first request so the second meets its lock.
        release = emulator.slow_request(1, seconds=30)
        inside = asyncio.Event()

        async def first() -> None:
            async with client_for(emulator) as client, sync_run("hours", START, END) as run:
                inside.set()
                run.counts = await sync_hours(client, START, END)

        task = asyncio.create_task(first())
        await asyncio.wait_for(inside.wait(), 30)
        with pytest.raises(SyncAlreadyRunning):
            async with sync_run("hours", START, END):
                pytest.fail("a second hours sync must not start")
        release.set()
        await asyncio.wait_for(task, 30)
    runs = await SyncRun.filter(kind="hours").values_list("status", "updated")
    assert runs == [("succeeded", 1)]


async def test_bad_range_is_refused(db: str) -> None:
    client = TenkfeetClient("http://127.0.0.1:9", "token")
    async with client:
        with pytest.raises(HoursSyncError, match="before start"):
            await sync_hours(client, END, START)
    assert await Project.all().count() == 0


async def test_write_failure_in_a_later_window_changes_nothing(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database fails while writing the second window: the first stays unwritten too."""
    from tortoise.exceptions import OperationalError

    from sync.tenkfeet import hours as hours_sync

    real_write = hours_sync._Writer.write_window
    writes = 0

    async def write_then_fail(*args: Any, **kwargs: Any) -> Any:
        nonlocal writes
        writes += 1
        if writes == 2:
            raise OperationalError("disk I/O error")
        return await real_write(*args, **kwargs)

    async with running_emulator() as emulator:
        await synced(emulator)
        before = await snapshot()
        emulator.data.time_entries.update(1, hours="1")  # DAY1, first window
        emulator.data.time_entries.add(time_entry(8, ALICE, ACME_DEV, date(2024, 6, 3), "2"))
        monkeypatch.setattr(hours_sync._Writer, "write_window", write_then_fail)
        # Windows other than the one synced before: the workers stage them.
        staging = StagedFiles(monkeypatch)
        async with client_for(emulator) as client:
            with pytest.raises(OperationalError, match="disk I/O error"):
                await sync_hours(client, START, date(2024, 6, 30))
    assert writes == 2
    assert await snapshot() == before
    if TEST_DB == "sqlite":  # the first window was copied from a worker's file
        assert staging.paths and staging.copies == 1
    await staging.assert_gone()


async def test_invoice_an_entry_moved_away_from_is_refreshed(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entry 6 moves from April (outside the synced range) to March: April's invoice changes."""
    from sync.tenkfeet import hours as hours_sync

    refreshed: list[Any] = []

    async def record(invoice_ids: Any, **options: Any) -> None:
        refreshed.extend(invoice_ids)

    async with running_emulator() as emulator:
        await synced(emulator)
        monkeypatch.setattr(hours_sync, "refresh_invoice_figures", record)
        emulator.data.time_entries.update(6, date=DAY2)
        async with client_for(emulator) as client:
            await sync_hours(client, START, date(2024, 3, 31))
    acme = await Project.get(tenkfeet_id=ACME)
    april = await Invoice.get(project=acme, year=2024, month=4)
    march = await Invoice.get(project=acme, year=2024, month=3)
    assert april.id in refreshed and march.id in refreshed


async def hour_entry_indexes() -> list[str]:
    """The definitions of hour_entry's indexes, as the database has them."""
    from tortoise import connections

    if TEST_DB == "postgres":
        sql = "SELECT indexdef FROM pg_indexes WHERE tablename = 'hour_entry' ORDER BY indexname"
    else:
        sql = (
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'hour_entry' "
            "AND sql IS NOT NULL ORDER BY name"
        )
    _, rows = await connections.get("default").execute_query(sql)
    return [row[0] for row in rows]


async def flex_sums_match_a_recount() -> bool:
    from models import FlexMonthSums
    from models.flex.sums import rebuild_all_flex_sums

    async def stored() -> list[tuple[Any, ...]]:
        return sorted(await FlexMonthSums.all().values_list("person_id", "month", "days"))

    before = await stored()
    await rebuild_all_flex_sums()
    return bool(before) and before == await stored()


async def test_a_first_load_keeps_the_indexes_and_folds_the_flex_sums(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Into an empty table rows go in without lookups; on SQLite a big load drops the secondary
    indexes and creates them again at the end; the flex sums come from the inserted rows."""
    from sync.tenkfeet import hours as hours_sync

    monkeypatch.setattr(hours_sync, "BULK_LOAD_ROWS", 1)
    indexes = await hour_entry_indexes()
    assert len(indexes) >= 3
    async with running_emulator() as emulator:
        await synced(emulator)
    assert await hour_entry_indexes() == indexes
    assert await HourEntry.all().count() == 5
    assert await flex_sums_match_a_recount()


@pytest.mark.parametrize("failing", ["ensure_invoices", "_create_indexes"])
async def test_a_failed_first_load_leaves_the_table_and_its_indexes_as_they_were(
    db: str, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """Invoices are made while the dropped indexes are built again: either failing fails the
    run, and the rollback brings the indexes back."""
    from tortoise.exceptions import OperationalError

    from sync.tenkfeet import hours as hours_sync

    monkeypatch.setattr(hours_sync, "BULK_LOAD_ROWS", 1)

    async def fail(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("disk I/O error")

    if failing == "ensure_invoices":
        monkeypatch.setattr(hours_sync, "ensure_invoices", fail)
    else:
        monkeypatch.setattr(hours_sync._Writer, "_create_indexes", fail)
    indexes = await hour_entry_indexes()
    async with running_emulator() as emulator:
        with pytest.raises(OperationalError):
            await synced(emulator)
    assert await hour_entry_indexes() == indexes
    assert await HourEntry.all().count() == 0
    assert await HourDayChecksum.all().count() == 0


async def test_an_entry_listed_twice_is_stored_once(db: str) -> None:
    """10000ft pages by number: an entry that moves while a run pages through it can be
    listed twice (on the page it left and on the one it moved to)."""
    async with running_emulator(max_per_page=1) as emulator:
        twice = time_entry(7, BOB, ACME, DAY2, "3")
        emulator.data.time_entries.add(twice, listed_on=(DAY2, DAY3))
        async with client_for(emulator) as client:
            await sync_users(client)
            await sync_projects(client)
            await sync_leave_types(client)
            counts = await sync_hours(client, START, END)
    assert (counts.added, counts.invalid) == (6, 0)
    assert await HourEntry.filter(tenkfeet_id=7).count() == 1


def expected_rows(data: TenkfeetData, first: date, last: date) -> set[tuple[Any, ...]]:
    """The rows the mapping rules make of the company's entries dated ``first``..``last``,
    as ``stored_rows`` reads them (10000ft ids for person and project)."""
    from sync.tenkfeet.mapping import assignable_index, leave_type_name, map_time_entry
    from sync.tenkfeet.schema import LeaveType as LeaveTypeItem
    from sync.tenkfeet.schema import Project as ProjectItem
    from sync.tenkfeet.schema import TimeEntry, parse_item

    assignables = assignable_index([parse_item(p, ProjectItem) for p in data.projects])
    leave_types = {
        lt["id"]: leave_type_name(parse_item(lt, LeaveTypeItem)) for lt in data.leave_types
    }
    expected = set()
    for entry_id in data.time_entries.select(first, last, with_suggestions=False):
        body = data.time_entries.get(entry_id)
        row = map_time_entry(parse_item(body, TimeEntry), assignables, leave_types)
        if row is not None:
            expected.add(tuple(row))
    return expected


async def stored_rows() -> set[tuple[Any, ...]]:
    rows = await HourEntry.all().values_list(
        "tenkfeet_id",
        "date",
        "person__tenkfeet_id",
        "project__tenkfeet_id",
        *COLUMNS[4:],
    )
    return {tuple(row) for row in rows}


async def test_a_generated_company_is_stored_exactly_by_a_first_load_and_a_forced_one(
    db: str,
) -> None:
    """Hundreds of entries (overtime, leave, every status): rows go in several to a statement;
    every column lands right, and the flex sums folded from them equal a recount."""
    from bot.emulators.tenkfeet_data import generate_company

    first, last = date(2024, 1, 1), date(2024, 3, 31)
    data = generate_company(6, 0.25, start=first)
    expected = expected_rows(data, first, last)
    assert len(expected) > 100

    async with running_emulator(data, max_per_page=100) as emulator:
        async with client_for(emulator) as client:
            await sync_users(client)
            await sync_projects(client)
            await sync_leave_types(client)
            loaded = await sync_hours(client, first, last)
            assert loaded.added == len(expected)
            assert await stored_rows() == expected
            assert await flex_sums_match_a_recount()  # folded from the rows as they went in
            forced = await sync_hours(client, first, last, force=True)
    assert (forced.added, forced.updated, forced.deleted) == (0, len(expected), 0)
    assert await stored_rows() == expected


async def test_a_first_load_and_a_rewrite_of_the_same_data_give_the_same_invoices_and_hashes(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first load of several windows stages them in worker processes, which fold the invoice
    tallies and flex sums of the rows staged; a forced rewrite of a filled table, staged
    in the sync's process, deletes, inserts and reads them back. Same data, same result: rows,
    day hashes, flex sums and every invoice figure (to the decimal exponent)."""
    from bot.emulators.tenkfeet_data import generate_company
    from core.off_loop import WorkerProcess
    from models import FlexMonthSums
    from models.invoices.records import FIGURE_COLUMNS
    from sync.tenkfeet import hours as hours_sync

    workers: list[WorkerProcess] = []

    class CountedWorker(WorkerProcess):
        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            workers.append(self)

    monkeypatch.setattr(hours_sync, "WorkerProcess", CountedWorker)

    first, last = date(2024, 1, 1), date(2024, 4, 30)
    invoice_columns = (
        "project_id",
        "year",
        "month",
        *FIGURE_COLUMNS,
        "remarkable_change",
        "previous_hours",
        "previous_average_rate",
        "previous_money",
    )

    async def state() -> tuple[list[str], list[Any], list[Any], list[Any]]:
        invoices = await Invoice.all().order_by("project_id", "year", "month")
        return (
            [repr([getattr(i, c) for c in invoice_columns]) for i in invoices],
            await HourDayChecksum.all().order_by("date").values_list("date", "checksum"),
            sorted(await FlexMonthSums.all().values_list("person_id", "month", "days")),
            [row[1:] for row in await snapshot()],  # without the database ids
        )

    merged: list[Any] = []
    merge = MonthSums.merge
    monkeypatch.setattr(MonthSums, "merge", lambda self, other: merged.append(merge(self, other)))

    data = generate_company(8, 0.34, start=first)
    async with running_emulator(data, max_per_page=200) as emulator:
        async with client_for(emulator) as client:
            await sync_users(client)
            await sync_projects(client)
            await sync_leave_types(client)
            loaded = await sync_hours(client, first, last)
            after_first_load = await state()
            assert len(workers) == 1
            assert len(merged) == 2  # both windows' folds came from the workers
            monkeypatch.setattr(hours_sync, "WORKER_MIN_WINDOWS", 1000)
            forced = await sync_hours(client, first, last, force=True)
            assert len(workers) == 1
            after_rewrite = await state()
    assert loaded.added > 500 and forced.updated == loaded.added
    invoices, day_hashes, flex_sums, _ = after_first_load
    assert len(invoices) > 10 and len(day_hashes) == (last - first).days + 1 and flex_sums
    assert after_rewrite == after_first_load


async def test_a_first_load_that_skips_some_days_of_a_window_folds_only_what_it_writes(
    db: str,
) -> None:
    """An empty table, but day hashes still stored (its rows were deleted by hand): the days
    whose hash still matches are not written, so the workers' folds of those windows (every
    staged row) must not be used; the flex sums and invoices hold only the rows written."""
    from bot.emulators.tenkfeet_data import generate_company
    from models import FlexMonthSums
    from models.invoices.refresh import refresh_invoice_figures

    first, last = date(2024, 1, 1), date(2024, 4, 30)
    data = generate_company(6, 0.34, start=first)
    async with running_emulator(data, max_per_page=200) as emulator:
        async with client_for(emulator) as client:
            await sync_users(client)
            await sync_projects(client)
            await sync_leave_types(client)
            await sync_hours(client, first, last)
            await HourEntry.all().delete()
            await FlexMonthSums.all().delete()
            await Invoice.all().delete()
            await HourWindowChecksum.all().delete()
            changed = next(
                e
                for e in (data.time_entries.get(i) for i in data.time_entries.ids())
                if not e["is_suggestion"]
                and float(e["hours"]) > 0
                and e["assignable_type"] != "LeaveType"
                and e["approvals"]["data"]
            )
            data.time_entries.update(changed["id"], notes="changed after the rows were lost")
            counts = await sync_hours(client, first, last)
    assert counts.added == await HourEntry.all().count() > 0
    assert counts.skipped == (last - first).days  # every day but the changed one
    assert await flex_sums_match_a_recount()
    invoices = await Invoice.all().order_by("id")
    figures = [(i.id, i.hours, i.money) for i in invoices]
    assert invoices and all(i.hours for i in invoices)
    await refresh_invoice_figures([i.id for i in invoices])
    refreshed = await Invoice.all().order_by("id")
    assert [(i.id, i.hours, i.money) for i in refreshed] == figures


# Staged rows in the workers' SQLite files ------------------------------------------------------
# A run of several windows stages them in worker processes; on SQLite each worker inserts its
# rows into its own SQLite file, which the writer attaches and copies from.

YEAR = (date(2024, 1, 1), date(2024, 12, 31))  # five windows


class StagedFiles:
    """Watches a run's staging: the staged SQLite files the workers made (with whether each
    existed when its window was collected) and the copies the writer made from them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from sync.tenkfeet import hours as hours_sync

        self.paths: set[str] = set()
        self.windows_in_files = 0
        self.copies = 0
        collect, copy = hours_sync._Stager._collect, hours_sync._Writer._copy

        async def collected(stager: Any, staging: Any) -> Any:
            window = await collect(stager, staging)
            paths = {day.spool for day in window.days.values() if day.table is not None}
            assert existing(paths) == paths
            self.paths |= paths
            self.windows_in_files += bool(paths)
            return window

        async def copied(writer: Any, *args: Any) -> Any:
            self.copies += 1
            return await copy(writer, *args)

        monkeypatch.setattr(hours_sync._Stager, "_collect", collected)
        monkeypatch.setattr(hours_sync._Writer, "_copy", copied)

    async def assert_gone(self) -> None:
        """Every staged file removed, none left attached to the connection."""
        from tortoise import connections

        assert existing(self.paths) == set()
        if TEST_DB == "sqlite":
            _, attached = await connections.get("default").execute_query("PRAGMA database_list")
            assert [row["name"] for row in attached if row["name"] != "temp"] == ["main"]


def existing(paths: set[str]) -> set[str]:
    return {path for path in paths if os.path.exists(path)}


def a_stored_entry(data: TenkfeetData, first: date, last: date, *, skip: int = 0) -> int:
    """The id of an entry dated ``first``..``last`` that is stored (project work, hours)."""
    found = [
        entry_id
        for entry_id in data.time_entries.select(first, last, with_suggestions=False)
        if data.time_entries.get(entry_id)["assignable_type"] == "Project"
        and float(data.time_entries.get(entry_id)["hours"]) > 0
    ]
    return found[skip]


async def test_a_first_load_of_several_windows_copies_the_staged_rows_and_a_resync_keeps_them(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every row lands right; the staged files are gone afterwards; an unchanged re-sync
    changes nothing and stages nothing. PostgreSQL takes the rows from the spools (COPY)."""
    from bot.emulators.tenkfeet_data import generate_company
    from core.off_loop import WorkerProcess
    from sync.tenkfeet import hours as hours_sync

    workers: list[WorkerProcess] = []

    class CountedWorker(WorkerProcess):
        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            workers.append(self)

    monkeypatch.setattr(hours_sync, "WorkerProcess", CountedWorker)
    staging = StagedFiles(monkeypatch)
    data = generate_company(4, 1.0, start=YEAR[0])
    expected = expected_rows(data, *YEAR)
    async with running_emulator(data, max_per_page=200) as emulator:
        async with client_for(emulator) as client:
            await sync_users(client)
            await sync_projects(client)
            await sync_leave_types(client)
            loaded = await sync_hours(client, *YEAR)
            assert loaded.added == len(expected) > 1000
            assert await stored_rows() == expected
            assert await flex_sums_match_a_recount()
            await staging.assert_gone()
            if TEST_DB == "sqlite":
                assert staging.windows_in_files == staging.copies == len(windows(*YEAR))
                assert 1 <= len(staging.paths) <= hours_sync.STAGING_WORKERS
            else:
                assert staging.paths == set() and staging.copies == 0
            before = await snapshot()

            again = await sync_hours(client, *YEAR)
    assert (again.added, again.updated, again.deleted) == (0, 0, 0)
    assert again.skipped == (YEAR[1] - YEAR[0]).days + 1
    assert await snapshot() == before
    assert len(workers) == 1  # the first load's: nothing to stage again


async def test_a_fetch_failure_after_windows_were_staged_writes_nothing(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last window fails after the workers staged the first ones into their files: the
    run fails, nothing is written, and the staged files are gone."""
    from bot.emulators.tenkfeet_data import generate_company
    from models import FlexMonthSums

    staging = StagedFiles(monkeypatch)
    data = generate_company(4, 1.0, start=YEAR[0])
    async with running_emulator(data, max_per_page=200) as emulator:
        async with client_for(emulator) as client:
            await sync_users(client)
            await sync_projects(client)
            await sync_leave_types(client)
            last_window = windows(*YEAR)[-1][0].isoformat()
            emulator.fail_matching(f"from={last_window}", times=3, message="Database down")
            with pytest.raises(TenkfeetError, match="HTTP 500: Database down"):
                await sync_hours(client, *YEAR)
    if TEST_DB == "sqlite":
        assert staging.windows_in_files >= 2 and staging.paths
    await staging.assert_gone()
    assert await HourEntry.all().count() == 0
    assert await HourDayChecksum.all().count() == 0
    assert await HourWindowChecksum.all().count() == 0
    assert await FlexMonthSums.all().count() == 0
    assert await Invoice.all().count() == 0


async def test_staged_rows_replace_a_filled_table_with_entries_moved_across_days(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A range whose windows were never synced as such is staged by the workers though the
    table holds rows: one entry moves in from a day after the range, one moves between two of
    its windows. Each is stored once, where it is now; flex sums and invoices follow."""
    from bot.emulators.tenkfeet_data import generate_company
    from models.invoices.refresh import refresh_invoice_figures

    data = generate_company(4, 0.75, start=YEAR[0])
    loaded = (YEAR[0], date(2024, 9, 26))
    synced_now = (date(2024, 2, 1), date(2024, 7, 31))  # windows from Feb 1: none stored
    february, march, june = date(2024, 2, 5), date(2024, 3, 4), date(2024, 6, 3)
    async with running_emulator(data, max_per_page=200) as emulator:
        async with client_for(emulator) as client:
            await sync_users(client)
            await sync_projects(client)
            await sync_leave_types(client)
            await sync_hours(client, *loaded)

            moved_in = a_stored_entry(data, date(2024, 8, 5), date(2024, 8, 30))
            moved_across = a_stored_entry(data, march, march)
            data.time_entries.update(moved_in, date=february)
            data.time_entries.update(moved_across, date=june)
            staying = await HourEntry.filter(date__in=[february, march, june]).count() - 1
            staging = StagedFiles(monkeypatch)
            counts = await sync_hours(client, *synced_now)
    assert (counts.added, counts.updated, counts.deleted) == (2, staying, 1)
    assert await stored_rows() == expected_rows(data, *loaded)
    assert (await HourEntry.get(tenkfeet_id=moved_in)).date == february
    assert (await HourEntry.get(tenkfeet_id=moved_across)).date == june
    assert await flex_sums_match_a_recount()
    invoices = await Invoice.all().order_by("id")
    figures = [(i.id, i.hours, i.money) for i in invoices]
    await refresh_invoice_figures([i.id for i in invoices])
    assert [(i.id, i.hours, i.money) for i in await Invoice.all().order_by("id")] == figures
    if TEST_DB == "sqlite":  # the two windows with changed days (July's last two are not)
        assert staging.copies == 2
    await staging.assert_gone()


async def test_entries_of_a_person_synced_meanwhile_join_the_staged_rows_of_their_day(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry of a person hired since the users sync is staged after that sync, with the
    rows of its day the worker staged: a first load (whose folds then come from the rows) and
    a forced rewrite (which copies the window's other days from the worker's file) store
    every row once."""
    from bot.emulators.tenkfeet_data import generate_company

    data = generate_company(4, 0.5, start=YEAR[0])
    span = (YEAR[0], date(2024, 6, 28))
    day = date(2024, 2, 6)
    async with running_emulator(data, max_per_page=200) as emulator:
        async with client_for(emulator) as client:
            await sync_users(client)
            await sync_projects(client)
            await sync_leave_types(client)
            project_id = data.time_entries.get(a_stored_entry(data, day, day))["assignable_id"]
            data.users.append(user(90, "New", "Hire", "new.hire@example.com"))
            data.time_entries.add(time_entry(90_001, 90, project_id, day, "3"))
            staging = StagedFiles(monkeypatch)
            loaded = await sync_hours(client, *span)
            assert await stored_rows() == expected_rows(data, *span)
            assert await flex_sums_match_a_recount()
            if TEST_DB == "sqlite":  # the other window's rows were copied
                assert staging.copies == 1

            data.users.append(user(91, "Newer", "Hire", "newer.hire@example.com"))
            data.time_entries.add(time_entry(90_002, 91, project_id, day, "2"))
            forced = await sync_hours(client, *span, force=True)
    assert forced.updated == loaded.added and forced.added == 1
    assert await stored_rows() == expected_rows(data, *span)
    assert await HourEntry.filter(tenkfeet_id__in=[90_001, 90_002]).count() == 2
    assert await flex_sums_match_a_recount()
    if TEST_DB == "sqlite":
        assert staging.copies == 3  # and both windows, the first without its changed day
    await staging.assert_gone()
