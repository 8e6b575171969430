"""What the weekly contract report lists: the problems of non-archived people, by person and
name, from the engine's results (as of L = 2026-11-29, a run on Monday 2026-11-30)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from models.flex.company import ListedPerson
from models.flex.contract_problems import contract_problems
from models.flex.saldo import Contract, Correction, DayHours, FlexInput, compute_flex
from models.notifications.contract_report import problems_by_person

D = dt.date
L = D(2026, 11, 29)


def person(n: int, name: str, *, archived: bool = False) -> ListedPerson:
    return ListedPerson(n, f"g-{n}", name, f"p{n}@example.com", f"U0{n}", archived)


def problems_of(n: int, inp: FlexInput) -> list:  # type: ignore[type-arg]
    return contract_problems(n, inp, compute_flex(inp, L, Decimal("7.5")))


def test_each_kind_of_problem_by_person_and_name() -> None:
    gap = FlexInput(  # no contract 16-31 Oct; 2 h worked on 20 Oct; a correction on 25 Oct
        [Contract(D(2026, 10, 1), D(2026, 10, 15), 100), Contract(D(2026, 11, 1), None, 100)],
        [Correction(D(2026, 10, 25), adjust_by=Decimal(3))],
        {D(2026, 10, 20): DayHours(D(2026, 10, 20), work=Decimal(2))},
        frozenset(),
    )
    fine = FlexInput([Contract(D(2026, 1, 1), None, 100)], [], {}, frozenset())
    problems = problems_of(1, gap) + problems_of(2, fine) + problems_of(3, gap)
    zed, ada, old = person(1, "Zed Gap"), person(2, "Ada Fine"), person(3, "Old", archived=True)

    (found,) = problems_by_person([zed, ada, old], problems)

    assert found.person == zed
    assert [p.kind for p in found.problems] == [
        "hours_without_contract",
        "contract_gap",
        "correction_outside_contract",
        "saldo_not_computed",
    ]
    assert found.reasons == [
        "Hours on 1 day without a contract (2026-10-20).",
        "Gap between contracts: no contract 2026-10-16 … 2026-10-31 (16 days). Add a contract "
        "for it, or a set_to correction on 2026-11-01.",
        "Correction on 2026-10-25 (adjust by +3.00h) is outside every contract.",
        "The flex saldo cannot be computed: no contract on 2026-10-16: add a contract, or a "
        "set_to correction at the next contract's start.",
    ]


def test_people_come_by_name_and_nobody_without_problems() -> None:
    none = FlexInput(
        [], [], {D(2026, 11, 2): DayHours(D(2026, 11, 2), work=Decimal(1))}, frozenset()
    )
    problems = problems_of(1, none) + problems_of(2, none)
    listed = problems_by_person([person(1, "bea"), person(2, "Aaro"), person(3, "Cid")], problems)
    assert [(p.person.full_name, p.reasons) for p in listed] == [
        ("Aaro", ["Hours on 1 day but no work contract at all (2026-11-02)."]),
        ("bea", ["Hours on 1 day but no work contract at all (2026-11-02)."]),
    ]
    assert problems_by_person([], []) == []
