"""Contract problems HR should fix: what stops a flex saldo or leaves hours uncounted.

For one person, from the flex inputs already loaded (contracts, corrections, the days with
counted hours) and the engine's result as of L, four kinds (docs/domain-rules.md, "Notifications",
contract problems):

- *hours without a contract*: counted hours (status other than Unsubmitted) on days up to L
  that no contract holds, one problem per stretch of days outside every contract;
- *gap between contracts*: days between one contract's end and the next one's start, unless
  the computation starts after them (a ``set_to`` correction at the next contract's start
  bridges the gap, rule 6);
- *correction outside contracts*: a correction dated on a day that no contract holds;
- *saldo not computed*: the engine's "no contract" error, with its reason.

Pure (plain data in, plain data out), so the admin site's start page and the weekly
contract-problems report to admins share it over data loaded once for the whole company.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from core.formatting import format_hours
from models.flex.saldo import Contract, Correction, FlexInput, FlexResult, start_point

ProblemKind = Literal[
    "hours_without_contract", "contract_gap", "correction_outside_contract", "saldo_not_computed"
]
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ContractProblem:
    """One thing to fix for one person; ``reason`` says it in a sentence without the name.

    ``without_figures`` is the reason for a reader outside HR when ``reason`` carries flex
    figures (a correction's hours); empty when it carries none.
    """

    person_id: int
    kind: ProblemKind
    first: dt.date | None
    last: dt.date | None
    reason: str
    without_figures: str = ""

    @property
    def public_reason(self) -> str:
        """The reason as anyone may read it (no flex figures)."""
        return self.without_figures or self.reason


@dataclass(frozen=True, slots=True)
class Uncovered:
    """Days that no contract holds: ``first`` None = since ever, ``last`` None = from then on."""

    first: dt.date | None
    last: dt.date | None

    def holds(self, day: dt.date) -> bool:
        return (self.first is None or self.first <= day) and (self.last is None or day <= self.last)


def uncovered_stretches(contracts: Sequence[Contract]) -> list[Uncovered]:
    """The complement of the contracts' union, in date order (one stretch when none exist)."""
    if not contracts:
        return [Uncovered(None, None)]
    ordered = sorted(contracts, key=lambda c: c.start_date)
    stretches = [Uncovered(None, ordered[0].start_date - ONE_DAY)]
    covered_until: dt.date | None = ordered[0].end_date
    for contract in ordered[1:]:
        if covered_until is None:  # an open-ended contract covers everything after it
            return stretches
        if contract.start_date > covered_until + ONE_DAY:
            stretches.append(Uncovered(covered_until + ONE_DAY, contract.start_date - ONE_DAY))
        if contract.end_date is None or contract.end_date > covered_until:
            covered_until = contract.end_date
    if covered_until is not None:
        stretches.append(Uncovered(covered_until + ONE_DAY, None))
    return stretches


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def _span(first: dt.date, last: dt.date) -> str:
    return first.isoformat() if first == last else f"{first.isoformat()} … {last.isoformat()}"


def _correction_text(correction: Correction) -> str:
    parts = []
    if correction.set_to is not None:
        parts.append(f"set to {format_hours(correction.set_to)}")
    if correction.adjust_by is not None:
        parts.append(f"adjust by {format_hours(correction.adjust_by)}")
    return " and ".join(parts) or "empty"


def contract_problems(person_id: int, inp: FlexInput, result: FlexResult) -> list[ContractProblem]:
    """Every contract problem of one person as of ``result.as_of`` (see the module's rules)."""
    as_of = result.as_of
    contracts = list(inp.contracts)
    problems: list[ContractProblem] = []
    stretches = uncovered_stretches(contracts)

    hour_days = sorted(day for day in inp.days if day <= as_of)
    for stretch in stretches:
        inside = [day for day in hour_days if stretch.holds(day)]
        if not inside:
            continue
        where = "but no work contract at all" if not contracts else "without a contract"
        problems.append(
            ContractProblem(
                person_id,
                "hours_without_contract",
                inside[0],
                inside[-1],
                f"Hours on {_days(len(inside))} {where} ({_span(inside[0], inside[-1])}).",
            )
        )

    start = start_point(contracts, inp.corrections, as_of)
    for stretch in stretches:
        if stretch.first is None or stretch.last is None:
            continue  # before the first contract or after the last one: not a gap
        if start is not None and start[0] > stretch.last:
            continue  # the computation starts after the gap (a set_to bridges it)
        next_start = stretch.last + ONE_DAY
        length = (stretch.last - stretch.first).days + 1
        problems.append(
            ContractProblem(
                person_id,
                "contract_gap",
                stretch.first,
                stretch.last,
                f"Gap between contracts: no contract {_span(stretch.first, stretch.last)} "
                f"({_days(length)}). Add a contract for it, or a set_to correction on "
                f"{next_start.isoformat()}.",
            )
        )

    for correction in sorted(inp.corrections, key=lambda c: c.date):
        if not any(c.holds(correction.date) for c in contracts):
            problems.append(
                ContractProblem(
                    person_id,
                    "correction_outside_contract",
                    correction.date,
                    correction.date,
                    f"Correction on {correction.date.isoformat()} "
                    f"({_correction_text(correction)}) is outside every contract.",
                    f"Correction on {correction.date.isoformat()} is outside every contract.",
                )
            )

    if result.status == "no_contract":
        message = result.message or "no work contract"
        problems.append(
            ContractProblem(
                person_id,
                "saldo_not_computed",
                result.error_day,
                result.error_day,
                f"The flex saldo cannot be computed: {message}.",
            )
        )
    return problems
