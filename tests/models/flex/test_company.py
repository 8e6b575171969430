"""The company-wide batch: the same saldos as ``flex_for_all``, computed from plain rows that
may cross to a worker process, plus the contract problems."""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Callable
from typing import Any

from core.off_loop import WorkerProcess
from core.settings import Settings
from models.flex.company import company_flex, company_flex_from_rows, flex_people
from models.flex.data import flex_for_all, read_flex_rows
from tests.support.flex_people import add_entry
from tests.support.web_company import AS_OF, build_company

SETTINGS = Settings()
L = dt.date.fromisoformat(AS_OF)


async def inline(fn: Callable[..., Any], *args: Any) -> Any:
    return fn(*args)


async def test_company_saldos_match_flex_for_all(db: str) -> None:
    await build_company()
    people = await flex_people()
    company = await company_flex(people, L, SETTINGS.workday_hours, inline)
    expected = {person.id: result for person, result in await flex_for_all(L, SETTINGS)}
    assert set(company.saldos) == set(expected) == {p.id for p in people}
    for person_id, summary in company.saldos.items():
        result = expected[person_id]
        assert (summary.status, summary.saldo, summary.change_from_last_month) == (
            result.status,
            result.saldo,
            result.change_from_last_month,
        )
        assert (summary.error_day, summary.message) == (result.error_day, result.message)


async def test_company_problems_name_carols_gap(db: str) -> None:
    company_people = await build_company()
    company = await company_flex(await flex_people(), L, SETTINGS.workday_hours, inline)
    carol = company_people.carol.id
    assert [(p.person_id, p.kind, p.first, p.last) for p in company.problems] == [
        (carol, "contract_gap", dt.date(2025, 1, 16), dt.date(2025, 1, 31)),
        (carol, "saldo_not_computed", dt.date(2025, 1, 16), dt.date(2025, 1, 16)),
    ]


async def test_reading_in_slices_reads_the_same_rows(db: str) -> None:
    company_people = await build_company()
    for person in (company_people.frank, company_people.gina):
        await add_entry(person, dt.date(2025, 2, 3), "7.5")
    ids = [p.id for p in await flex_people()]
    whole = await read_flex_rows(ids, L)
    sliced = await read_flex_rows(ids, L, sums_per_read=2)
    assert sorted(sliced.sums) == sorted(whole.sums)
    assert len({row[0] for row in whole.sums}) == 3  # people in more than one slice
    assert (sliced.contracts, sliced.corrections, sliced.holidays) == (
        whole.contracts,
        whole.corrections,
        whole.holidays,
    )
    empty = await read_flex_rows([], L)
    assert (empty.contracts, empty.sums) == ([], [])


async def test_worker_process_computes_the_same_as_inline(db: str) -> None:
    await build_company()
    people = await flex_people()
    here = await company_flex(people, L, SETTINGS.workday_hours, inline)
    worker = WorkerProcess()
    try:
        there = await company_flex(people, L, SETTINGS.workday_hours, worker.run)
    finally:
        await worker.close()
    assert there == here


async def test_rows_and_results_survive_pickling(db: str) -> None:
    await build_company()
    ids = [p.id for p in await flex_people()]
    rows = await read_flex_rows(ids, L)
    assert pickle.loads(pickle.dumps(rows)) == rows
    result = company_flex_from_rows(rows, ids, L, SETTINGS.workday_hours)
    assert pickle.loads(pickle.dumps(result)) == result


async def test_nobody_needs_no_worker(db: str) -> None:
    async def refuse(fn: Callable[..., Any], *args: Any) -> Any:
        raise AssertionError("nothing to compute")

    company = await company_flex([], L, SETTINGS.workday_hours, refuse)
    assert (company.saldos, company.problems) == ({}, ())
