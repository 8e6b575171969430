"""The company-wide batch: the same saldos as ``flex_for_all``, computed from plain rows that
may cross to a worker process, plus the contract problems."""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from core.off_loop import WorkerProcess
from core.settings import Settings
from models.flex.company import (
    company_flex,
    company_flex_from_rows,
    listed_people,
    pack_rows,
    read_packed_rows,
)
from models.flex.data import FlexRows, flex_for_all, read_flex_rows
from tests.support.flex_people import add_entry
from tests.support.web_company import AS_OF, build_company

SETTINGS = Settings()
L = dt.date.fromisoformat(AS_OF)


async def inline(fn: Callable[..., Any], *args: Any) -> Any:
    return fn(*args)


async def flex_ids() -> list[int]:
    return [p.id for p in await listed_people() if p.in_flex_batch]


async def test_company_saldos_match_flex_for_all(db: str) -> None:
    await build_company()
    ids = await flex_ids()
    company = await company_flex(ids, L, SETTINGS.workday_hours, inline)
    expected = {person.id: result for person, result in await flex_for_all(L, SETTINGS)}
    assert set(company.saldos) == set(expected) == set(ids)
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
    company = await company_flex(await flex_ids(), L, SETTINGS.workday_hours, inline)
    carol = company_people.carol.id
    assert [(p.person_id, p.kind, p.first, p.last) for p in company.problems] == [
        (carol, "contract_gap", dt.date(2025, 1, 16), dt.date(2025, 1, 31)),
        (carol, "saldo_not_computed", dt.date(2025, 1, 16), dt.date(2025, 1, 16)),
    ]


async def test_reading_in_slices_reads_the_same_rows(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    company_people = await build_company()
    for person in (company_people.frank, company_people.gina):
        await add_entry(person, dt.date(2025, 2, 3), "7.5")
    ids = await flex_ids()
    whole = await read_flex_rows(ids, L)
    assert len({row[0] for row in whole.sums}) == 3  # people in more than one slice
    monkeypatch.setattr("models.flex.company.SUMS_PER_READ", 2)
    sliced = await read_packed_rows(ids, L)
    in_order = sorted(whole.sums, key=lambda row: row[0])  # slices go by person id
    assert sliced == pack_rows(
        FlexRows(whole.contracts, whole.corrections, whole.holidays, in_order)
    )
    assert sorted(sliced.unpacked().sums) == sorted((r[0], str(r[1]), r[2]) for r in whole.sums)
    empty = await read_flex_rows([], L)
    assert (empty.contracts, empty.sums) == ([], [])


async def test_worker_process_computes_the_same_as_inline(db: str) -> None:
    await build_company()
    ids = await flex_ids()
    here = await company_flex(ids, L, SETTINGS.workday_hours, inline)
    worker = WorkerProcess()
    try:
        there = await company_flex(ids, L, SETTINGS.workday_hours, worker.run)
    finally:
        await worker.close()
    assert there == here


async def test_packed_rows_unpack_to_the_same_rows_and_results_pickle(db: str) -> None:
    await build_company()
    ids = await flex_ids()
    rows = await read_flex_rows(ids, L)
    packed = pack_rows(rows)
    assert pickle.loads(pickle.dumps(packed)) == packed
    unpacked = packed.unpacked()
    assert [(r[0], str(r[1]), r[2]) for r in rows.sums] == unpacked.sums
    assert (unpacked.contracts, unpacked.holidays) == (rows.contracts, rows.holidays)
    assert pack_rows(await read_flex_rows([], L)).unpacked().sums == []
    result = company_flex_from_rows(packed, ids, L, SETTINGS.workday_hours)
    assert pickle.loads(pickle.dumps(result)) == result


async def test_listed_people_are_the_plain_values_of_people(db: str) -> None:
    company_people = await build_company()
    listed = {p.id: p for p in await listed_people()}
    erin = listed[company_people.erin.id]
    assert (erin.full_name, erin.email, erin.in_flex_batch) == ("Erin <b>Eck</b>", "", False)
    alice = listed[company_people.alice.id]
    assert (alice.guid, alice.slack_id, alice.in_flex_batch) == (
        company_people.alice.guid,
        "UALICE",
        True,
    )
    assert company_people.dave.id not in listed
    everyone = await listed_people(include_archived=True)
    assert [p.full_name for p in everyone if p.archived] == ["Dave Dunn"]


async def test_nobody_needs_no_worker(db: str) -> None:
    async def refuse(fn: Callable[..., Any], *args: Any) -> Any:
        raise AssertionError("nothing to compute")

    company = await company_flex([], L, SETTINGS.workday_hours, refuse)
    assert (company.saldos, company.problems) == ({}, ())
