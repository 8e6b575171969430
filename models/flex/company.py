"""Everyone's flex saldo and contract problems in one batch, computed away from the event loop.

Reading stays on the loop and is cheap: the people as plain rows (not ORM objects, which
cost ten times as much to build), and ``read_flex_rows`` with the packed sums, the bulk,
read for a slice of people at a time so `/flex-hours` never waits long for the database.
Turning a thousand people's rows into inputs and running the engine takes seconds of CPU,
so :func:`company_flex_from_rows` is a module-level function over plain data that callers
run in a worker process (``core.off_loop``). What crosses over is packed into a few long
strings (pickling 36,000 row tuples held the GIL for 40 ms); what comes back is small: a
summary per person and the contract problems.

The people computed are those of ``flex_for_all`` (non-archived, with an e-mail): the same
set the monthly run and ``financebot flex --all`` use.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from models.flex.contract_problems import ContractProblem, contract_problems
from models.flex.data import FlexRows, flex_inputs_from_rows, read_flex_rows, read_flex_sums
from models.flex.saldo import FlexStatus, compute_flex
from models.people import Person, full_name

#: People whose packed sums are read in one query (about 36 rows each for three years).
SUMS_PER_READ = 20

#: Runs a module-level function with picklable arguments somewhere (``WorkerProcess.run``).
RunOffLoop = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class ListedPerson:
    """What a list of people shows of each: read as plain values, not as ORM objects."""

    id: int
    guid: str
    full_name: str
    email: str
    slack_id: str
    archived: bool

    @property
    def in_flex_batch(self) -> bool:
        """Non-archived with an e-mail (``flex_for_all``'s set)."""
        return not self.archived and bool(self.email)


async def listed_people(*, include_archived: bool = False) -> list[ListedPerson]:
    """Everyone (non-archived unless asked), by name, in one query."""
    query = Person.all() if include_archived else Person.filter(archived=False)
    rows = await query.values_list(
        "id", "guid", "first_name", "last_name", "display_name", "email", "slack_id", "archived"
    )
    return [
        ListedPerson(
            id=int(pid),
            guid=str(guid),
            full_name=full_name(first, last, display),
            email=email or "",
            slack_id=slack_id or "",
            archived=bool(archived),
        )
        for pid, guid, first, last, display, email, slack_id, archived in rows
    ]


@dataclass(frozen=True, slots=True)
class SaldoSummary:
    """What a list needs of one person's result: no monthly rows, no daily log."""

    status: FlexStatus
    saldo: Decimal | None
    change_from_last_month: Decimal | None
    error_day: dt.date | None
    message: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class CompanyFlex:
    as_of: dt.date
    saldos: dict[int, SaldoSummary]
    problems: tuple[ContractProblem, ...]


@dataclass(frozen=True)
class PackedRows:
    """:class:`FlexRows` with the packed sums as three columns in long strings (cheap to
    pickle); the small tables stay as they are."""

    contracts: list[tuple[Any, ...]]
    corrections: list[tuple[Any, ...]]
    holidays: list[tuple[Any, ...]]
    sum_people: bytes  # array("q") of person ids
    sum_months: str  # ISO dates, comma-separated
    sum_days: str  # the packed days, newline-separated (they contain no newline)

    def unpacked(self) -> FlexRows:
        people = array("q")
        people.frombytes(self.sum_people)
        if not people:
            return FlexRows(self.contracts, self.corrections, self.holidays, [])
        sums = list(zip(people, self.sum_months.split(","), self.sum_days.split("\n"), strict=True))
        return FlexRows(self.contracts, self.corrections, self.holidays, sums)


@dataclass
class SumColumns:
    """Packed sums gathered slice by slice: each slice is turned into columns as it arrives,
    so no single step on the loop handles all of them."""

    people: array[int] = field(default_factory=lambda: array("q"))
    months: list[str] = field(default_factory=list)
    days: list[str] = field(default_factory=list)

    def add(self, sums: Sequence[tuple[Any, ...]]) -> None:
        if not sums:
            return
        people, months, days = zip(*sums, strict=True)
        self.people.extend(people)
        self.months.append(",".join(map(str, months)))  # dates (PostgreSQL) or ISO text
        self.days.append("\n".join(days))

    def packed(self, rows: FlexRows) -> PackedRows:
        return PackedRows(
            rows.contracts,
            rows.corrections,
            rows.holidays,
            self.people.tobytes(),
            ",".join(self.months),
            "\n".join(self.days),
        )


def pack_rows(rows: FlexRows) -> PackedRows:
    """All of ``rows`` packed at once (small batches, tests)."""
    columns = SumColumns()
    columns.add(rows.sums)
    return columns.packed(rows)


async def read_packed_rows(person_ids: Sequence[int], as_of: dt.date) -> PackedRows:
    """The rows of ``person_ids``: the small tables at once, the sums a slice at a time."""
    rows = await read_flex_rows(person_ids, as_of, with_sums=False)
    ids = sorted(set(person_ids))
    columns = SumColumns()
    for first in range(0, len(ids), SUMS_PER_READ):
        columns.add(await read_flex_sums(ids[first : first + SUMS_PER_READ], as_of))
    return columns.packed(rows)


def company_flex_from_rows(
    rows: PackedRows, person_ids: Sequence[int], as_of: dt.date, workday_hours: Decimal
) -> CompanyFlex:
    """Saldos (rules 1–7) and contract problems of ``person_ids`` from their rows (pure)."""
    inputs = flex_inputs_from_rows(rows.unpacked(), person_ids, as_of)
    saldos: dict[int, SaldoSummary] = {}
    problems: list[ContractProblem] = []
    for person_id in person_ids:
        result = compute_flex(inputs[person_id], as_of, workday_hours, with_days=False)
        saldos[person_id] = SaldoSummary(
            result.status,
            result.saldo,
            result.change_from_last_month,
            result.error_day,
            result.message,
        )
        problems.extend(contract_problems(person_id, inputs[person_id], result))
    return CompanyFlex(as_of, saldos, tuple(problems))


async def everyone_flex(
    as_of: dt.date, workday_hours: Decimal, run: RunOffLoop
) -> tuple[list[ListedPerson], CompanyFlex]:
    """Every non-archived person (e-mail or not, by name) and their saldos and contract
    problems as of ``as_of``: what the monthly flex message and the contract report need."""
    people = await listed_people()
    return people, await company_flex([p.id for p in people], as_of, workday_hours, run)


async def company_flex(
    person_ids: Sequence[int], as_of: dt.date, workday_hours: Decimal, run: RunOffLoop
) -> CompanyFlex:
    """Reads the rows of ``person_ids`` on the loop, then computes with ``run`` (off it)."""
    ids = list(person_ids)
    if not ids:
        return CompanyFlex(as_of, {}, ())
    rows = await read_packed_rows(ids, as_of)
    result: CompanyFlex = await run(company_flex_from_rows, rows, ids, as_of, workday_hours)
    return result
