"""What HR sees of the contract data: each person's contracts and corrections, and the problems
visible from them alone (docs/domain-rules.md, "Flex saldo" rules 1, 2 and 6).

A problem here is something that stops or confuses the saldo whatever the hours say:
contracts that overlap (the import refuses them, older data may hold them), a gap between
contracts that no later ``set_to`` correction bridges (the saldo stops at its first day), and a
correction dated outside every contract. Reading them costs three queries for any number of
people; finding them is linear in their contracts and corrections.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.expressions import Q

from models.flex.contracts import FlexCorrection, WorkContract
from models.flex.saldo import Contract, Correction
from models.people import Person

ONE_DAY = dt.timedelta(days=1)
#: Above this many people, everyone's rows are read and the rest dropped (no huge IN lists).
MAX_FILTERED_PEOPLE = 2000


@dataclass(frozen=True)
class PersonContracts:
    """One person's contracts and corrections (by date) and the problems they show."""

    person: Person
    contracts: list[WorkContract]
    corrections: list[FlexCorrection]
    problems: list[str]


@dataclass(frozen=True)
class ContractOverview:
    """The people a search matched (at most ``limit`` of them), and how many matched."""

    people: list[PersonContracts]
    matched: int
    limit: int

    @property
    def cut(self) -> bool:
        return self.matched > len(self.people)


def period(start: dt.date, end: dt.date | None) -> str:
    """``2025-01-01..open-ended``, as the imports name a contract."""
    return f"{start}..{end or 'open-ended'}"


def contract_problems(
    contracts: Sequence[Contract], corrections: Sequence[Correction]
) -> list[str]:
    """Overlaps, unbridged gaps and corrections outside every contract, in date order."""
    ordered = sorted(contracts, key=lambda c: (c.start_date, c.end_date or dt.date.max))
    found: list[tuple[dt.date, str]] = []
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if second.start_date > (first.end_date or dt.date.max):
                break
            found.append(
                (
                    second.start_date,
                    f"contracts {period(first.start_date, first.end_date)} and "
                    f"{period(second.start_date, second.end_date)} overlap",
                )
            )
    set_to_days = [c.date for c in corrections if c.set_to is not None]
    covered_until: dt.date | None = None  # the last day held so far (dt.date.max: open end)
    for contract in ordered:
        if covered_until is not None and contract.start_date > covered_until + ONE_DAY:
            gap_start, gap_end = covered_until + ONE_DAY, contract.start_date - ONE_DAY
            if not any(day > gap_end for day in set_to_days):
                found.append(
                    (
                        gap_start,
                        f"no contract {gap_start} … {gap_end}: the saldo stops on {gap_start} "
                        f"until a set_to correction on {contract.start_date} "
                        "(the next contract's start)",
                    )
                )
        end = contract.end_date or dt.date.max
        covered_until = end if covered_until is None else max(covered_until, end)
        if covered_until == dt.date.max:
            break
    for correction in corrections:
        if not any(c.holds(correction.date) for c in contracts):
            found.append(
                (correction.date, f"the correction on {correction.date} is outside every contract")
            )
    return [message for _, message in sorted(found, key=lambda item: item[0])]


def person_contracts(
    person: Person, contracts: list[WorkContract], corrections: list[FlexCorrection]
) -> PersonContracts:
    contracts = sorted(contracts, key=lambda c: c.start_date)
    corrections = sorted(corrections, key=lambda c: c.date)
    problems = contract_problems(
        [Contract(c.start_date, c.end_date, c.worktime_percent, c.flex_enabled) for c in contracts],
        [Correction(c.date, c.adjust_by, c.set_to) for c in corrections],
    )
    return PersonContracts(person, contracts, corrections, problems)


async def contracts_of(person: Person) -> PersonContracts:
    """One person's contracts, corrections and problems."""
    return person_contracts(
        person,
        list(await WorkContract.filter(person_id=person.id)),
        list(await FlexCorrection.filter(person_id=person.id)),
    )


def _search(text: str) -> Q:
    """People whose name or e-mail contains ``text`` (case-insensitive)."""
    return (
        Q(first_name__icontains=text)
        | Q(last_name__icontains=text)
        | Q(display_name__icontains=text)
        | Q(email__icontains=text)
    )


async def contract_overview(
    *, search: str = "", include_archived: bool = False, only_problems: bool = False, limit: int
) -> ContractOverview:
    """The people matching ``search`` (name or e-mail), by name, with their contract data.

    ``only_problems`` keeps those with a problem; at most ``limit`` people are returned.
    """
    query = Person.all() if include_archived else Person.filter(archived=False)
    for word in search.split():
        query = query.filter(_search(word))
    people = sorted(await query, key=lambda p: (p.full_name.casefold(), p.email or "", p.id))
    ids = [p.id for p in people]
    contracts, corrections = WorkContract.all(), FlexCorrection.all()
    if len(ids) <= MAX_FILTERED_PEOPLE:
        contracts = contracts.filter(person_id__in=ids)
        corrections = corrections.filter(person_id__in=ids)
    by_person: dict[int, list[WorkContract]] = defaultdict(list)
    for contract in await contracts:
        by_person[contract.person_id].append(contract)  # type: ignore[attr-defined]
    corrections_of: dict[int, list[FlexCorrection]] = defaultdict(list)
    for correction in await corrections:
        corrections_of[correction.person_id].append(correction)  # type: ignore[attr-defined]
    rows = [person_contracts(p, by_person[p.id], corrections_of[p.id]) for p in people]
    if only_problems:
        rows = [row for row in rows if row.problems]
    return ContractOverview(rows[:limit], len(rows), limit)
