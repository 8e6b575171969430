"""A month's totals as the import stores them: exact, AccountTotal rows apart, read by the
pages, the CLI and invoices instead of the billing rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

from models import AwsAccount, AwsBillingRow, AwsMonthTotal
from models.aws_billing.overview import account_month_costs, account_overviews
from models.aws_billing.records import BillingRecord
from models.aws_billing.totals import MonthSums
from models.invoices.refresh import refresh_invoice_months
from tests.support.aws_billing import billing_row, store_billing
from tests.support.invoices import invoice_of, project

ACME = "111111111111"
BETA = "222222222222"
EC2 = BillingRecord(
    account_id=ACME, account_name="", record_type="Usage", product_code="AmazonEC2",
    product_name="Amazon EC2", usage_type="Box", description="", period_start=date(2024, 3, 1),
    period_end=date(2024, 3, 31), quantity=D(1), cost=D("0.1000000001"), currency="USD",
)  # fmt: skip


def test_sums_keep_account_totals_apart_and_add_exactly() -> None:
    sums = MonthSums()
    sums.add(EC2)
    sums.add(replace(EC2, usage_type="Ebs", cost=D("0.2000000002")))
    sums.add(replace(EC2, product_name="", product_code="AmazonS3", cost=D("3")))
    sums.add(replace(EC2, product_name="", product_code="", cost=D("1"), currency="EUR"))
    sums.add(replace(EC2, record_type=" AccountTotal ", product_name="", cost=D("4.25")))
    sums.add(replace(EC2, account_id=BETA, cost=D("-0.5")))
    assert {k: (v.line_items, v.account_total, v.rows) for k, v in sums.totals.items()} == {
        (ACME, "USD"): (D("3.3000000003"), D("4.25"), 4),
        (ACME, "EUR"): (D("1"), None, 1),
        (BETA, "USD"): (D("-0.5"), None, 1),
    }
    assert {k: (v.cost, v.rows) for k, v in sums.products.items()} == {
        (ACME, "Amazon EC2", "USD"): (D("0.3000000003"), 2),
        (ACME, "AmazonS3", "USD"): (D("3"), 1),
        (ACME, "(no product)", "EUR"): (D("1"), 1),
        (BETA, "Amazon EC2", "USD"): (D("-0.5"), 1),
    }


async def test_pages_and_invoices_read_the_totals_not_the_rows(db: str) -> None:
    """Ten decimals add up exactly on both databases; with the billing rows gone the totals
    still show (nothing reads the rows), and a new import replaces the month's totals."""
    acme = await project(1, "Acme")
    await AwsAccount.create(account_id=ACME, project=acme)
    rows = [
        billing_row(ACME, "LinkedLineItem", "0.1000000001", product="EC2", usage=f"u{n}")
        for n in range(3)
    ]
    rows.append(billing_row(ACME, "LinkedLineItem", "2", product="S3", currency="EUR"))
    await store_billing(2024, 3, rows)
    await AwsBillingRow.all().delete()
    (overview,) = await account_overviews()
    assert [(m.label, m.money) for m in overview.months] == [
        ("2024-03", {"EUR": D("2"), "USD": D("0.3000000003")})
    ]
    costs = await account_month_costs(ACME, 2024, 3)
    assert [(c.product, c.currency, c.cost, c.rows) for c in costs] == [
        ("S3", "EUR", D("2"), 1),
        ("EC2", "USD", D("0.3000000003"), 3),
    ]
    await refresh_invoice_months([(acme.id, 2024, 3)])
    assert (await invoice_of(acme, 2024, 3)).aws_billing_money == {
        "EUR": "2",
        "USD": "0.3000000003",
    }

    await store_billing(2024, 3, [billing_row(ACME, "AccountTotal", "7")])
    assert await AwsMonthTotal.all().values_list("currency", "account_total", "rows") == [
        ("USD", D("7"), 1)
    ]
    assert await account_month_costs(ACME, 2024, 3) == []
    assert (await invoice_of(acme, 2024, 3)).aws_billing_money == {"USD": "7"}
    (overview,) = await account_overviews(month=(2024, 2))
    assert overview.months == ()
