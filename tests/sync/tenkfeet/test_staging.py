"""Staging windows in the sync's process or in the staging worker: the same rows, hashes and
invalid entries either way; an entry met in two windows is staged once, where met first."""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import date
from typing import Any

import pytest

from bot.emulators.tenkfeet_data import time_entry
from sync.tenkfeet.hours import _Stager
from sync.tenkfeet.mapping import ProjectRef
from sync.tenkfeet.schema import TenkfeetError
from sync.tenkfeet.staging import RowContext, Spools, StagedWindow, open_spools

JAN, APR = (date(2024, 1, 1), date(2024, 3, 30)), (date(2024, 3, 31), date(2024, 6, 28))
PERSON, PROJECT = 1, 1000


def context(postgres: bool = False) -> RowContext:
    assignables = {PROJECT: ProjectRef(PROJECT, "Portal", "Acme Oy", "[Non Phase Specific]")}
    return RowContext(assignables, {}, {PERSON: 11}, {PROJECT: 21}, postgres=postgres)


def page(*entries: dict[str, Any]) -> bytes:
    return json.dumps({"data": list(entries), "paging": {"next": None}}).encode()


JAN_PAGES = [
    page(
        time_entry(1, PERSON, PROJECT, date(2024, 1, 2), "7.5"),
        time_entry(2, PERSON, PROJECT, date(2024, 1, 2), "1"),
        time_entry(3, PERSON, PROJECT, date(2024, 2, 5), "25"),  # invalid: over 24 hours
    ),
    page(
        time_entry(4, PERSON, PROJECT, date(2024, 3, 1), "2"),
        time_entry(5, 99, PROJECT, date(2024, 3, 1), "2"),  # an unknown person
        time_entry(6, PERSON, PROJECT, date(2024, 5, 1), "2"),  # outside the window
    ),
]
# Entry 4 moved to April while the run paged: listed again in the next window.
APR_PAGES = [
    page(
        time_entry(4, PERSON, PROJECT, date(2024, 4, 2), "2"),
        time_entry(7, PERSON, PROJECT, date(2024, 4, 2), "3"),
    )
]


def described(window: StagedWindow, spools: Spools) -> dict[str, Any]:
    return {
        "days": {
            day: (staged.checksum, staged.count, staged.projects, spools.rows(staged, day))
            for day, staged in sorted(window.days.items())
        },
        "invalid": sorted((i.item_id, i.field) for i in window.invalid),
        "unresolved": [entry.id for entry in window.unresolved],
    }


async def staged_both_windows(workers: int, postgres: bool = False) -> list[dict[str, Any]]:
    with (
        tempfile.TemporaryDirectory() as scratch,
        open_spools(scratch, postgres=postgres) as spools,
    ):
        stager = _Stager(context(postgres), spools, scratch, workers)
        assert (stager.worker is not None) is (workers > 0)
        try:
            # Both queued before either is collected: with two workers, staged side by side.
            await stager.add(*JAN, "jan", JAN_PAGES)
            await stager.add(*APR, "apr", APR_PAGES)
            jan, apr = await stager.ready(keep=0)
        finally:
            await stager.close()
        files = sorted(os.listdir(scratch))
        if not workers:
            assert files == ["rows"]
        elif postgres:  # a spool per window, for COPY
            assert files == ["rows", "rows-1", "rows-2"]
        else:  # on SQLite, a file per worker process, a table per window
            assert files[0] == "rows" and 1 <= len(files[1:]) <= workers
            assert all(re.fullmatch(r"staged-\d+\.sqlite3", name) for name in files[1:])
            # January is in its worker's table; April, which lists entry 4 again, was staged
            # again in this process and is read from the sync's own spool.
            assert {day.table for day in jan.days.values()} == {"window_1"}
            assert {day.table for day in apr.days.values()} == {None}
        return [described(jan, spools), described(apr, spools)]


@pytest.mark.parametrize("postgres", [False, True])
@pytest.mark.parametrize("workers", [1, 2])
async def test_workers_stage_exactly_what_the_sync_process_stages(
    workers: int, postgres: bool
) -> None:
    here = await staged_both_windows(workers=0, postgres=postgres)
    there = await staged_both_windows(workers, postgres=postgres)
    assert there == here
    jan, apr = here
    assert [count for _, count, _, _ in jan["days"].values()] == [2, 1]
    assert jan["invalid"] == [(3, "hours"), (6, "date")]
    assert jan["unresolved"] == [5]
    # Entry 4 stays where it was met first; April keeps entry 7 only.
    assert [row[0] for _, _, _, rows in apr["days"].values() for row in rows] == [7]


async def test_a_page_the_worker_cannot_read_fails_the_run() -> None:
    with tempfile.TemporaryDirectory() as scratch, open_spools(scratch, postgres=False) as spools:
        stager = _Stager(context(), spools, scratch, workers=2)
        try:
            with pytest.raises(TenkfeetError, match="invalid JSON"):
                await stager.stage(*JAN, "jan", [JAN_PAGES[0], b'{"data": [{"id": 1'])
        finally:
            await stager.close()
