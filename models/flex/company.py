"""Everyone's flex saldo and contract problems in one batch, computed away from the event loop.

Reading stays on the loop and is cheap (``read_flex_rows``; the packed sums, the bulk, are
read for a slice of people at a time so `/flex-hours` never waits long for the database).
Turning a thousand people's rows into inputs and running the engine takes seconds of CPU,
so :func:`company_flex_from_rows` is a module-level function over plain data that callers
run in a worker process (``core.off_loop``); what comes back is small: a summary per person
and the contract problems.

The people are those of ``flex_for_all`` (non-archived, with an e-mail): the same set the
monthly run and ``financebot flex --all`` use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from models.flex.contract_problems import ContractProblem, contract_problems
from models.flex.data import FlexRows, flex_inputs_from_rows, read_flex_rows
from models.flex.saldo import FlexStatus, compute_flex
from models.people import Person

#: People whose packed sums are read in one query (about 36 rows each for three years).
SUMS_PER_READ = 100

#: Runs a module-level function with picklable arguments somewhere (``WorkerProcess.run``).
RunOffLoop = Callable[..., Awaitable[Any]]


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


def company_flex_from_rows(
    rows: FlexRows, person_ids: Sequence[int], as_of: dt.date, workday_hours: Decimal
) -> CompanyFlex:
    """Saldos (rules 1–7) and contract problems of ``person_ids`` from their rows (pure)."""
    inputs = flex_inputs_from_rows(rows, person_ids, as_of)
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


def in_flex_batch(person: Person) -> bool:
    """Non-archived people with an e-mail (``flex_for_all``'s set)."""
    return not person.archived and bool(person.email)


async def flex_people() -> list[Person]:
    """Everyone :func:`in_flex_batch`, in one query."""
    return await Person.filter(archived=False, email__isnull=False).exclude(email="")


async def company_flex(
    people: Sequence[Person], as_of: dt.date, workday_hours: Decimal, run: RunOffLoop
) -> CompanyFlex:
    """Reads the rows of ``people`` on the loop, then computes with ``run`` (off the loop)."""
    ids = [person.id for person in people]
    if not ids:
        return CompanyFlex(as_of, {}, ())
    rows = await read_flex_rows(ids, as_of, sums_per_read=SUMS_PER_READ)
    result: CompanyFlex = await run(company_flex_from_rows, rows, ids, as_of, workday_hours)
    return result
