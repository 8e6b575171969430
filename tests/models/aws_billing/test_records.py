"""Which rows a billing file's format keeps, and which it leaves out or refuses."""

from __future__ import annotations

from contextlib import closing
from dataclasses import fields

import pytest

from bot.emulators.aws_billing_files import CUR_HEADER, LEGACY_HEADER, cur_row, legacy_row
from models import AwsBillingRow
from models.aws import is_account_id
from models.aws_billing.formats import CUR, LEGACY
from models.aws_billing.month import BadBilling, MonthCollector
from models.aws_billing.records import STORED_KEY, BillingRecord

ACME = "111111111111"


def test_legacy_rows_without_an_account_are_the_payers_and_left_out() -> None:
    """A single-account file's AccountTotal (no LinkedAccountId) is the payer's own row."""
    with closing(MonthCollector(LEGACY, 2024, 3)) as collector:
        collector.start_file("march.csv", LEGACY_HEADER)
        for line, row in enumerate(
            [
                legacy_row("", "AccountTotal", "5", name="", product="", usage=""),
                legacy_row(" ", "LinkedLineItem", "1", name=""),
                legacy_row("", "InvoiceTotal", "6", name=""),
                legacy_row(ACME, "LinkedLineItem", "2"),
                legacy_row(ACME, "AccountTotal", "2", product="", usage=""),
            ],
            2,
        ):
            collector.add_row(line, row)
        month = collector.result()
        assert (month.rows_read, month.rows_left_out, month.record_count) == (5, 3, 2)
        assert {r.account_id for r in month.records()} == {ACME}


def test_a_cur_line_item_without_an_account_is_refused() -> None:
    with closing(MonthCollector(CUR, 2024, 3)) as collector:
        collector.start_file("cur.csv.gz", CUR_HEADER)
        collector.add_row(2, cur_row("", "1"))
        with pytest.raises(BadBilling) as raised:
            collector.result()
    assert raised.value.problems == [
        "cur.csv.gz:2: line_item_usage_account_id is empty",
    ]


def test_the_stored_key_is_spelled_once_for_record_spill_and_row() -> None:
    """The fields that make a stored row are the record's and the row's (account_id: the
    account's primary key there)."""
    assert set(STORED_KEY) <= {f.name for f in fields(BillingRecord)}
    assert set(STORED_KEY) <= set(AwsBillingRow._meta.fields_map) | {"account_id"}
    assert [is_account_id(t) for t in ("123456789012", "12345678901", "1234567890123", "")] == [
        True, False, False, False
    ]  # fmt: skip


def test_more_than_ten_decimals_are_rounded_not_refused() -> None:
    """CUR 2.0 writes some amounts as doubles (2.7777777777777778E-4): the month is kept, its
    amounts rounded half-even to the 10 places stored."""
    with closing(MonthCollector(CUR, 2024, 3)) as collector:
        collector.start_file("cur.csv.gz", CUR_HEADER)
        collector.add_row(2, cur_row(ACME, "2.7777777777777778E-4"))
        collector.add_row(3, cur_row(ACME, "0.00000000005", usage="Storage"))
        collector.add_row(4, cur_row(ACME, "0.00000000015", usage="Requests"))
        month = collector.result()
        costs = sorted(str(r.cost) for r in month.records())
    assert costs == ["0.0002777778", "0E-10", "2E-10"]
