"""A month's records added up in the temporary file: exact sums, key order, nothing left."""

from __future__ import annotations

from contextlib import closing
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from models.aws_billing import spill
from models.aws_billing.formats import LEGACY
from models.aws_billing.month import BadBilling, MonthCollector, record_line
from models.aws_billing.records import BillingRecord
from models.aws_billing.spill import MonthSpill

RECORD = BillingRecord(
    account_id="111111111111",
    account_name="Acme Dev",
    record_type="LinkedLineItem",
    product_code="AmazonEC2",
    product_name="Amazon EC2",
    usage_type="BoxUsage",
    description="t3.micro\twith a tab",
    period_start=date(2024, 3, 1),
    period_end=date(2024, 3, 31),
    quantity=D("1"),
    cost=D("0.1"),
    currency="USD",
)


@pytest.mark.parametrize("pending", [1, 2, 10_000])
def test_records_with_one_key_are_added_up_exactly_in_key_order(
    monkeypatch: pytest.MonkeyPatch, pending: int
) -> None:
    """Whether the sums are made in memory or in the file (PENDING 1: every record written
    at once), the result is the same."""
    monkeypatch.setattr(spill, "PENDING", pending)
    storage = replace(RECORD, usage_type="Storage", cost=D("2.0000000001"))
    euro = replace(RECORD, currency="EUR", cost=D("5"))
    with closing(MonthSpill()) as month:
        for record in (RECORD, storage, RECORD, euro, RECORD, storage):
            month.add(record)
        assert month.count() == 3
        records = list(month.records({"111111111111": "Acme Dev"}))
    assert [(r.usage_type, r.currency, r.quantity, r.cost) for r in records] == [
        ("BoxUsage", "EUR", D("1"), D("5")),
        ("BoxUsage", "USD", D("3"), D("0.3")),  # 0.1 three times, not 0.30000000000000004
        ("Storage", "USD", D("2"), D("4.0000000002")),
    ]
    assert records[1] == replace(RECORD, quantity=D("3"), cost=D("0.3"))


def test_closing_removes_the_file() -> None:
    month = MonthSpill()
    month.add(RECORD)
    folder = month.folder
    assert folder.exists()
    month.close()
    assert not folder.exists()


def _collect(*rows: list[str]) -> MonthCollector:
    header = list(LEGACY.columns.values())
    collector = MonthCollector(LEGACY, 2024, 3)
    assert collector.start_file("bill.csv", header)
    for line, cells in enumerate(rows, start=2):
        collector.add_row(line, cells)
    return collector


def _cells(cost: str, usage: str = "BoxUsage") -> list[str]:
    values = {
        "account_id": "111111111111", "account_name": "Acme Dev",
        "record_type": "LinkedLineItem", "product_code": "AmazonEC2",
        "product_name": "Amazon EC2", "usage_type": usage, "description": "x",
        "period_start": "2024-03-01", "period_end": "2024-03-31", "quantity": "1",
        "cost": cost, "currency": "USD",
    }  # fmt: skip
    return [values[field] for field in LEGACY.columns]


def test_the_checksum_follows_the_records_not_how_the_numbers_are_written() -> None:
    with closing(_collect(_cells("1.50"), _cells("2", "Storage"))) as first:
        one = first.result()
        assert (one.record_count, one.rows_read) == (2, 2)
        checksum = one.checksum
    with closing(_collect(_cells("1.5"), _cells("2.000", "Storage"))) as same:
        assert same.result().checksum == checksum
    with closing(_collect(_cells("1.51"), _cells("2", "Storage"))) as other:
        assert other.result().checksum != checksum
    with closing(_collect(_cells("2", "Storage"), _cells("1.50"))) as reordered:
        assert reordered.result().checksum == checksum  # the files' order does not count
    assert record_line(RECORD) == (
        b"111111111111\tLinkedLineItem\tAmazonEC2\tAmazon EC2\tBoxUsage\tt3.micro\\twith a tab"
        b"\t2024-03-01\t2024-03-31\tUSD\t1\t0.1\n"
    )


def test_a_bad_row_means_no_month_and_the_file_is_removed() -> None:
    collector = _collect(_cells("1"), _cells("one"))
    folder = collector.spill.folder
    with closing(collector), pytest.raises(BadBilling) as raised:
        collector.result()
    assert raised.value.problems == ["bill.csv:3: TotalCost 'one' is not a number"]
    assert not folder.exists()
