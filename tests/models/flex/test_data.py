"""Loading flex inputs from the database: same figures as the pure engine, constant queries."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from tortoise import connections

from core.settings import Settings
from models import FlexCorrection, LeaveType, Person, PublicHoliday, WorkContract
from models.flex.data import (
    flex_for_all,
    flex_for_person,
    leave_treatment,
    load_flex_inputs,
    read_flex_rows,
)
from models.flex.saldo import Contract, Correction, DayHours, FlexInput, compute_flex
from tests.conftest import TEST_DB
from tests.support.flex_people import add_entry

D = Decimal
SETTINGS = Settings()
_ids = itertools.count(1)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


async def make_person(
    name: str, email: str | None = None, archived: bool = False, **extra: Any
) -> Person:
    n = next(_ids)
    first, _, last = name.partition(" ")
    return await Person.create(
        tenkfeet_id=n,
        guid=f"guid-{n}",
        first_name=first,
        last_name=last,
        email=email if email is not None else f"{first.lower()}.{n}@example.com",
        archived=archived,
        **extra,
    )


async def entry(person: Person, date: str, hours: str, **fields: str) -> None:
    """An hour entry on ``date`` (ISO text); ``fields`` as tests/support/flex_people.py's."""
    await add_entry(person, day(date), hours, **fields)


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """Records every SQL statement sent through the default connection."""
    conn = connections.get("default")
    seen: list[str] = []
    originals: dict[str, Callable[..., Awaitable[Any]]] = {}

    def wrap(name: str) -> None:
        original = getattr(conn, name)
        originals[name] = original

        async def counted(query: str, *args: Any, **kwargs: Any) -> Any:
            seen.append(query)
            return await original(query, *args, **kwargs)

        setattr(conn, name, counted)

    for name in ("execute_query", "execute_query_dict", "execute_script"):
        wrap(name)
    try:
        yield seen
    finally:
        for name in originals:
            delattr(conn, name)


async def test_loaded_input_matches_the_rows(db: str) -> None:
    ada = await make_person("Ada Lovelace")
    other = await make_person("Bob Other")
    await WorkContract.create(
        person=ada, start_date=day("2024-01-01"), end_date=day("2024-01-07"), worktime_percent=100
    )
    await WorkContract.create(
        person=ada, start_date=day("2024-01-08"), worktime_percent=60, flex_enabled=False
    )
    await WorkContract.create(person=other, start_date=day("2024-01-01"), worktime_percent=100)
    await FlexCorrection.create(person=ada, date=day("2024-01-02"), adjust_by=D("1.25"))
    await FlexCorrection.create(person=ada, date=day("2024-01-03"), set_to=D("-2.5"))
    await FlexCorrection.create(person=ada, date=day("2024-01-20"), set_to=D("99"))  # after L
    await PublicHoliday.create(date=day("2024-01-01"), name="New Year")
    await PublicHoliday.create(date=day("2024-01-31"), name="After L")
    await LeaveType.create(tenkfeet_id=1, name="Parental leave", flex_treatment="unpaid")
    await LeaveType.create(tenkfeet_id=2, name="Training", flex_treatment="flex")

    await entry(ada, "2024-01-02", "7.5")
    await entry(ada, "2024-01-02", "0.1234")
    await entry(ada, "2024-01-02", "2", phase="Weekend OVERTIME")
    await entry(ada, "2024-01-02", "5", status="Unsubmitted")
    await entry(ada, "2024-01-03", "3", status="Pending Approval")
    await entry(ada, "2024-01-03", "4.5", leave_type="Vacation")
    await entry(ada, "2024-01-04", "7.5", leave_type="Flex time Leave")
    await entry(ada, "2024-01-05", "1", leave_type="Unpaid leave")
    await entry(ada, "2024-01-05", "2", leave_type="Parental leave")
    await entry(ada, "2024-01-05", "3", leave_type="Training")
    await entry(ada, "2024-01-06", "5", status="Unsubmitted")  # not counted: no day at all
    await entry(ada, "2024-01-11", "8")  # after L
    await entry(other, "2024-01-02", "6")

    inputs = await load_flex_inputs([ada.id], day("2024-01-10"))
    assert set(inputs) == {ada.id}
    loaded = inputs[ada.id]
    assert sorted(loaded.contracts, key=lambda c: c.start_date) == [
        Contract(day("2024-01-01"), day("2024-01-07"), 100, True),
        Contract(day("2024-01-08"), None, 60, False),
    ]
    assert sorted(loaded.corrections, key=lambda c: c.date) == [
        Correction(day("2024-01-02"), D("1.25"), None),
        Correction(day("2024-01-03"), None, D("-2.5")),
    ]
    assert loaded.holidays == frozenset({day("2024-01-01")})
    assert dict(loaded.days) == {
        day("2024-01-02"): DayHours(day("2024-01-02"), D("7.6234"), 0, 0, D("2")),
        day("2024-01-03"): DayHours(day("2024-01-03"), D("3"), D("4.5"), 0, 0),
        day("2024-01-04"): DayHours(day("2024-01-04"), 0, 0, 0, 0),
        day("2024-01-05"): DayHours(day("2024-01-05"), 0, 0, D("3"), 0),
    }
    for hours in loaded.days.values():
        for value in (hours.work, hours.leave, hours.unpaid, hours.overtime):
            assert isinstance(value, Decimal)

    result = await flex_for_person(ada, day("2024-01-10"), SETTINGS)
    assert result == compute_flex(loaded, day("2024-01-10"), SETTINGS.workday_hours)
    # from the set_to on Jan 3: -2.5 + (7.5 - 7.5) + (0 - 7.5) + (3 - 7.5), then flex disabled
    assert result.saldo == D("-14.5")


async def test_everyone_is_loaded_with_none(db: str) -> None:
    ada = await make_person("Ada Lovelace")
    bob = await make_person("Bob Builder")
    await WorkContract.create(person=ada, start_date=day("2024-01-01"), worktime_percent=100)
    await entry(bob, "2024-01-02", "6")
    inputs = await load_flex_inputs(None, day("2024-01-10"))
    assert set(inputs) == {ada.id, bob.id}
    assert list(inputs[bob.id].days) == [day("2024-01-02")]
    assert inputs[bob.id].contracts == []


async def test_flex_for_all_lists_non_archived_people_with_email(db: str) -> None:
    ada = await make_person("Ada Lovelace")
    await make_person("Arch Ived", archived=True)
    await make_person("No Mail", email="")
    nobody = await make_person("Not Active")
    for person in (ada, nobody):
        await WorkContract.create(person=person, start_date=day("2024-01-01"), worktime_percent=100)
    await WorkContract.filter(person=nobody).update(end_date=day("2024-01-02"))
    await entry(ada, "2024-01-02", "10")
    results = {p.full_name: r for p, r in await flex_for_all(day("2024-01-03"), SETTINGS)}
    assert set(results) == {"Ada Lovelace", "Not Active"}
    assert results["Ada Lovelace"].saldo == D("-12.5")
    assert results["Not Active"].status == "not_active"


async def _company(size: int) -> list[Person]:
    people = []
    for i in range(size):
        person = await make_person(f"Person {i}")
        people.append(person)
        await WorkContract.create(person=person, start_date=day("2024-01-01"), worktime_percent=100)
        await FlexCorrection.create(person=person, date=day("2024-01-03"), adjust_by=D("1"))
        await entry(person, "2024-01-02", "7.5")
        await entry(person, "2024-01-03", "7.5", leave_type="Vacation")
    await PublicHoliday.create(date=day("2024-01-01"), name="New Year")
    return people


@pytest.mark.parametrize("size", [1, 20])
async def test_query_count_is_constant(db: str, size: int) -> None:
    people = await _company(size)
    with counting_queries() as one:
        await flex_for_person(people[0], day("2024-01-10"), SETTINGS)
    with counting_queries() as batch:
        inputs = await load_flex_inputs([p.id for p in people], day("2024-01-10"))
    with counting_queries() as everyone:
        results = await flex_for_all(day("2024-01-10"), SETTINGS)
    assert len(inputs) == size
    assert len(results) == size
    assert all(r.saldo == D("-36.5") for _, r in results)
    reads = 1 if TEST_DB == "postgres" else 4  # PostgreSQL: the four reads in one
    assert len(one) == reads
    assert len(batch) == reads
    assert len(everyone) == 1 + reads  # and the people


async def test_the_reads_for_a_few_people_are_the_companys_rows_of_them(db: str) -> None:
    """On PostgreSQL a few people's rows come in one statement, as JSON: the same rows, of
    the same types, as the company-wide reads give."""
    people = await _company(3)
    await WorkContract.filter(person=people[1]).update(end_date=day("2024-06-30"))
    await WorkContract.create(
        person=people[1], start_date=day("2024-07-01"), worktime_percent=80, flex_enabled=False
    )
    await FlexCorrection.create(person=people[2], date=day("2024-01-05"), set_to=D("-2.25"))
    ids = [p.id for p in people]
    few = await read_flex_rows(ids, day("2024-01-10"))
    everyone = await read_flex_rows(None, day("2024-01-10"))
    for kind in ("contracts", "corrections", "holidays", "sums"):
        got, expected = sorted(getattr(few, kind)), sorted(getattr(everyone, kind))
        assert got == expected, kind
        assert [tuple(map(type, row)) for row in got] == [
            tuple(map(type, row)) for row in expected
        ], kind
    assert len(few.contracts) == 4 and len(few.corrections) == 4


def test_leave_treatment_defaults_and_configuration() -> None:
    assert leave_treatment("Flex time Leave", {}) == "flex"
    assert leave_treatment("Unpaid leave", {}) == "unpaid"
    assert leave_treatment("Vacation", {}) == "leave"
    assert leave_treatment("Unpaid leave", {"Unpaid leave": "leave"}) == "leave"
    assert leave_treatment("Training", {"Training": "flex"}) == "flex"
    # Names as written: other spellings are other leave types, counted as leave.
    assert leave_treatment("unpaid LEAVE", {}) == "leave"
    assert leave_treatment("flex time leave", {}) == "leave"
    assert leave_treatment(" Unpaid leave", {}) == "leave"
    assert leave_treatment("training", {"Training": "flex"}) == "leave"


async def test_engine_and_loader_agree_on_a_generated_history(db: str) -> None:
    """A month of mixed entries: loading then computing equals computing the hand-built input."""
    ada = await make_person("Ada Lovelace")
    await WorkContract.create(person=ada, start_date=day("2024-02-01"), worktime_percent=80)
    expected_days: dict[dt.date, DayHours] = {}
    start = day("2024-02-01")
    for offset in range(29):
        date = start + dt.timedelta(days=offset)
        work = D(offset % 9) + D("0.25")
        leave = D(offset % 3)
        await entry(ada, date.isoformat(), str(work))
        if leave:
            await entry(ada, date.isoformat(), str(leave), leave_type="Sick leave")
        expected_days[date] = DayHours(date, work, leave, D(0), D(0))
    handmade = FlexInput([Contract(start, None, 80, True)], [], expected_days, frozenset())
    as_of = day("2024-02-29")
    loaded = (await load_flex_inputs([ada.id], as_of))[ada.id]
    assert compute_flex(loaded, as_of, D("7.5")) == compute_flex(handmade, as_of, D("7.5"))


async def test_long_id_lists_read_everyone_and_keep_only_the_named(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import models.flex.data

    monkeypatch.setattr(models.flex.data, "MAX_FILTERED_PEOPLE", 1)
    ada = await make_person("Ada Lovelace")
    bob = await make_person("Bob Builder")
    cy = await make_person("Cy Other")
    for who in (ada, bob, cy):
        await WorkContract.create(person=who, start_date=day("2024-01-01"), worktime_percent=100)
        await entry(who, "2024-01-02", "8")
    with counting_queries() as queries:
        inputs = await load_flex_inputs([ada.id, bob.id], day("2024-01-02"))
    assert set(inputs) == {ada.id, bob.id}
    assert not any(" IN (" in q.upper() or "ANY(" in q.upper() for q in queries)
    assert inputs[bob.id].days[day("2024-01-02")].work == D("8")
    assert await load_flex_inputs([], day("2024-01-02")) == {}
