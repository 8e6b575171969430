"""AWS billing files as AWS writes them: the legacy monthly CSV's and CUR 2.0's headers and
rows, for the tests (``tests/support/s3.py`` puts them in moto's S3) and
``benchmarks/aws_billing.py``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

LEGACY_HEADER = [
    "InvoiceID", "PayerAccountId", "LinkedAccountId", "RecordType", "RecordID",
    "BillingPeriodStartDate", "BillingPeriodEndDate", "InvoiceDate", "PayerAccountName",
    "LinkedAccountName", "TaxationAddress", "PayerPONumber", "ProductCode", "ProductName",
    "SellerOfRecord", "UsageType", "Operation", "RateId", "ItemDescription", "UsageStartDate",
    "UsageEndDate", "UsageQuantity", "BlendedRate", "CurrencyCode", "CostBeforeTax", "Credits",
    "TaxAmount", "TaxType", "TotalCost",
]  # fmt: skip

CUR_HEADER = [
    "identity_line_item_id", "bill_billing_period_start_date", "bill_billing_period_end_date",
    "bill_payer_account_id", "line_item_usage_account_id", "line_item_usage_account_name",
    "line_item_line_item_type", "line_item_usage_start_date", "line_item_usage_end_date",
    "line_item_product_code", "product_product_name", "line_item_usage_type",
    "line_item_operation", "line_item_line_item_description", "line_item_usage_amount",
    "line_item_unblended_rate", "line_item_unblended_cost", "line_item_currency_code",
]  # fmt: skip


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def legacy_row(
    account: str,
    record_type: str,
    cost: str,
    *,
    name: str = "Acme Dev",
    product: str = "Amazon Elastic Compute Cloud",
    usage: str = "BoxUsage:t3.micro",
    quantity: str = "744",
    currency: str = "USD",
    start: str = "2024/03/01 00:00:00",
    end: str = "2024/03/31 23:59:59",
    description: str = "$0.0104 per On Demand Linux t3.micro Instance Hour",
) -> list[str]:
    values = {
        "InvoiceID": "Estimated",
        "PayerAccountId": "123456789012",
        "LinkedAccountId": account,
        "RecordType": record_type,
        "BillingPeriodStartDate": start,
        "BillingPeriodEndDate": end,
        "LinkedAccountName": name,
        "ProductCode": "AmazonEC2" if product else "",
        "ProductName": product,
        "UsageType": usage,
        "ItemDescription": description,
        "UsageQuantity": quantity,
        "CurrencyCode": currency,
        "TotalCost": cost,
    }
    return [values.get(column, "") for column in LEGACY_HEADER]


def cur_row(
    account: str,
    cost: str,
    *,
    name: str = "Acme Dev",
    product: str = "AmazonS3",
    product_name: str = "Amazon Simple Storage Service",
    usage: str = "TimedStorage-ByteHrs",
    quantity: str = "1.5",
    currency: str = "USD",
    start: str = "2024-03-01T00:00:00.000Z",
    end: str = "2024-04-01T00:00:00.000Z",
    line_type: str = "Usage",
    description: str = "$0.023 per GB-Month of storage",
) -> list[str]:
    values = {
        "bill_billing_period_start_date": start,
        "bill_billing_period_end_date": end,
        "line_item_usage_account_id": account,
        "line_item_usage_account_name": name,
        "line_item_line_item_type": line_type,
        "line_item_product_code": product,
        "product_product_name": product_name,
        "line_item_usage_type": usage,
        "line_item_line_item_description": description,
        "line_item_usage_amount": quantity,
        "line_item_unblended_cost": cost,
        "line_item_currency_code": currency,
    }
    return [values.get(column, "") for column in CUR_HEADER]
