"""The contract problems HR sees on /contracts: overlaps, gaps no set_to bridges, and
corrections outside every contract (docs/domain-rules.md, "Flex saldo" rules 2 and 6)."""

from __future__ import annotations

from datetime import date as D
from decimal import Decimal

from models.flex.contract_overview import contract_problems
from models.flex.saldo import Contract, Correction


def test_problems_name_overlaps_unbridged_gaps_and_stray_corrections() -> None:
    contracts = [
        Contract(D(2025, 1, 1), D(2025, 1, 15), 100),
        Contract(D(2025, 2, 1), D(2025, 3, 31), 100),
        Contract(D(2025, 3, 15), None, 80),
    ]
    corrections = [Correction(D(2024, 12, 20), adjust_by=Decimal(1))]
    assert contract_problems(contracts, corrections) == [
        "the correction on 2024-12-20 is outside every contract",
        "no contract 2025-01-16 … 2025-01-31: the saldo stops on 2025-01-16 until a set_to "
        "correction on 2025-02-01 (the next contract's start)",
        "contracts 2025-02-01..2025-03-31 and 2025-03-15..open-ended overlap",
    ]


def test_a_later_set_to_bridges_a_gap_and_back_to_back_contracts_have_none() -> None:
    contracts = [
        Contract(D(2025, 1, 1), D(2025, 1, 15), 100),
        Contract(D(2025, 1, 16), D(2025, 1, 31), 100),
        Contract(D(2025, 3, 1), None, 100),
    ]
    assert contract_problems(contracts, [Correction(D(2025, 3, 1), set_to=Decimal(5))]) == []
    gap = (
        "no contract 2025-02-01 … 2025-02-28: the saldo stops on 2025-02-01 until a set_to "
        "correction on 2025-03-01 (the next contract's start)"
    )
    assert contract_problems(contracts, []) == [gap]
    # A set_to inside the gap starts the saldo on a day without a contract: still stuck.
    assert contract_problems(contracts, [Correction(D(2025, 2, 10), set_to=Decimal(5))]) == [
        gap,
        "the correction on 2025-02-10 is outside every contract",
    ]


def test_an_open_ended_contract_overlaps_every_later_one() -> None:
    contracts = [
        Contract(D(2024, 1, 1), None, 100),
        Contract(D(2024, 6, 1), D(2024, 6, 30), 100),
        Contract(D(2025, 1, 1), None, 100),
    ]
    assert contract_problems(contracts, []) == [
        "contracts 2024-01-01..open-ended and 2024-06-01..2024-06-30 overlap",
        "contracts 2024-01-01..open-ended and 2025-01-01..open-ended overlap",
    ]
