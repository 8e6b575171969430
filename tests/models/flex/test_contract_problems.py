"""Contract problems over plain data (pure), each case counted by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from models.flex.contract_problems import (
    ContractProblem,
    Uncovered,
    contract_problems,
    uncovered_stretches,
)
from models.flex.saldo import Contract, Correction, DayHours, FlexInput, compute_flex

D = dt.date
WORKDAY = Decimal("7.5")
AS_OF = D(2025, 3, 31)


def problems(
    contracts: list[Contract],
    corrections: list[Correction] | None = None,
    hour_days: list[dt.date] | None = None,
    as_of: dt.date = AS_OF,
) -> list[ContractProblem]:
    inp = FlexInput(
        contracts=contracts,
        corrections=corrections or [],
        days={day: DayHours(day, WORKDAY) for day in hour_days or []},
        holidays=frozenset(),
    )
    return contract_problems(7, inp, compute_flex(inp, as_of, WORKDAY, with_days=False))


def kinds(found: list[ContractProblem]) -> list[tuple[str, dt.date | None, dt.date | None]]:
    return [(p.kind, p.first, p.last) for p in found]


def test_one_open_ended_contract_and_hours_inside_it_is_fine() -> None:
    assert problems([Contract(D(2025, 1, 1), None, 100)], hour_days=[D(2025, 1, 2)]) == []


def test_uncovered_stretches_are_the_complement_of_the_contracts() -> None:
    assert uncovered_stretches([]) == [Uncovered(None, None)]
    assert uncovered_stretches(
        [
            Contract(D(2025, 2, 1), None, 100),
            Contract(D(2025, 1, 1), D(2025, 1, 15), 100),
            Contract(D(2025, 1, 10), D(2025, 1, 20), 100),  # overlaps the first: no gap there
        ]
    ) == [
        Uncovered(None, D(2024, 12, 31)),
        Uncovered(D(2025, 1, 21), D(2025, 1, 31)),
    ]
    # back-to-back contracts leave no gap; a closed last contract leaves the rest uncovered
    assert uncovered_stretches(
        [Contract(D(2025, 1, 1), D(2025, 1, 31), 100), Contract(D(2025, 2, 1), D(2025, 2, 28), 80)]
    ) == [Uncovered(None, D(2024, 12, 31)), Uncovered(D(2025, 3, 1), None)]


def test_gap_between_contracts_is_listed_with_its_days_and_the_saldo_error() -> None:
    found = problems(
        [Contract(D(2025, 1, 1), D(2025, 1, 15), 100), Contract(D(2025, 2, 1), None, 100)]
    )
    assert kinds(found) == [
        ("contract_gap", D(2025, 1, 16), D(2025, 1, 31)),
        ("saldo_not_computed", D(2025, 1, 16), D(2025, 1, 16)),
    ]
    assert found[0].reason == (
        "Gap between contracts: no contract 2025-01-16 … 2025-01-31 (16 days). Add a contract "
        "for it, or a set_to correction on 2025-02-01."
    )
    assert found[1].reason.startswith(
        "The flex saldo cannot be computed: no contract on 2025-01-16: add a contract"
    )
    assert {p.person_id for p in found} == {7}


def test_a_set_to_at_the_next_contracts_start_bridges_the_gap() -> None:
    found = problems(
        [Contract(D(2025, 1, 1), D(2025, 1, 15), 100), Contract(D(2025, 2, 1), None, 100)],
        [Correction(D(2025, 2, 1), set_to=Decimal(12))],
    )
    assert found == []


def test_a_set_to_before_the_gap_does_not_bridge_it() -> None:
    found = problems(
        [Contract(D(2025, 1, 1), D(2025, 1, 15), 100), Contract(D(2025, 2, 1), None, 100)],
        [Correction(D(2025, 1, 10), set_to=Decimal(12))],
    )
    assert [p.kind for p in found] == ["contract_gap", "saldo_not_computed"]


def test_a_one_day_gap() -> None:
    found = problems(
        [Contract(D(2025, 1, 1), D(2025, 1, 15), 100), Contract(D(2025, 1, 17), None, 100)]
    )
    assert found[0].reason.startswith("Gap between contracts: no contract 2025-01-16 (1 day).")


def test_hours_on_days_without_a_contract_per_stretch() -> None:
    found = problems(
        [Contract(D(2025, 1, 1), D(2025, 1, 31), 100), Contract(D(2025, 2, 3), None, 100)],
        [Correction(D(2025, 2, 3), set_to=Decimal(0))],  # the gap is bridged …
        hour_days=[
            D(2024, 12, 30),  # before the first contract
            D(2024, 12, 31),
            D(2025, 1, 15),  # inside: fine
            D(2025, 2, 1),  # … but hours in it still count as without a contract
            D(2025, 2, 3),
        ],
    )
    assert kinds(found) == [
        ("hours_without_contract", D(2024, 12, 30), D(2024, 12, 31)),
        ("hours_without_contract", D(2025, 2, 1), D(2025, 2, 1)),
    ]
    assert [p.reason for p in found] == [
        "Hours on 2 days without a contract (2024-12-30 … 2024-12-31).",
        "Hours on 1 day without a contract (2025-02-01).",
    ]


def test_hours_after_as_of_are_not_problems_yet() -> None:
    found = problems(
        [Contract(D(2025, 1, 1), D(2025, 3, 31), 100)],
        hour_days=[D(2025, 4, 1)],
        as_of=D(2025, 3, 31),
    )
    assert found == []


def test_hours_without_any_contract_say_so() -> None:
    found = problems([], hour_days=[D(2025, 3, 3), D(2025, 3, 4), D(2025, 3, 5)])
    # no contract holds L: "not active" (rule 3), which is not a computation error
    assert kinds(found) == [("hours_without_contract", D(2025, 3, 3), D(2025, 3, 5))]
    assert found[0].reason == (
        "Hours on 3 days but no work contract at all (2025-03-03 … 2025-03-05)."
    )


def test_corrections_outside_every_contract() -> None:
    found = problems(
        [Contract(D(2025, 1, 1), None, 100)],
        [
            Correction(D(2024, 12, 1), adjust_by=Decimal("-3.5")),
            Correction(D(2024, 11, 1), set_to=Decimal(20), adjust_by=Decimal(1)),
            Correction(D(2025, 1, 1), adjust_by=Decimal(2)),  # inside
        ],
    )
    assert [(p.kind, p.first, p.reason) for p in found] == [
        (
            "correction_outside_contract",
            D(2024, 11, 1),
            "Correction on 2024-11-01 (set to +20.00h and adjust by +1.00h) is outside every "
            "contract.",
        ),
        (
            "correction_outside_contract",
            D(2024, 12, 1),
            "Correction on 2024-12-01 (adjust by -3.50h) is outside every contract.",
        ),
        # the set_to before the contract starts the computation there: no contract that day
        ("saldo_not_computed", D(2024, 11, 1), "The flex saldo cannot be computed: no contract "
         "on 2024-11-01: add a contract, or a set_to correction at the next contract's start."),
    ]  # fmt: skip


def test_not_active_alone_is_no_problem() -> None:
    # the contract ended before L and nothing else is wrong: flex is simply not active
    assert problems([Contract(D(2024, 1, 1), D(2024, 12, 31), 100)]) == []
