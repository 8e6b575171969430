"""moto's S3 in server mode on a free local port, and the AWS billing files the tests put in it.

Nothing reaches the internet: the fixture sets fake credentials and the tests' settings point
``AWS_ENDPOINT_URL`` at the server, where the real aioboto3 client reads.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import socket
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from core.settings import Settings, load_settings

BUCKET = "billing"
LEGACY_KEY = "123456789012-aws-billing-csv-{year}-{month:02d}.csv"
CUR_PREFIX = "exports/finance-cur"

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


@dataclass
class S3Server:
    endpoint: str
    client: Any

    def put(self, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=BUCKET, Key=key, Body=body)

    def settings(self, database_url: str, **env: str) -> Settings:
        return load_settings(
            {
                "DATABASE_URL": database_url,
                "AWS_BILLING_BUCKET": BUCKET,
                "AWS_BILLING_KEY": LEGACY_KEY,
                "AWS_ENDPOINT_URL": self.endpoint,
                **env,
            }
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def s3_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    """moto's S3 on 127.0.0.1 with an empty ``billing`` bucket."""
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # moto keeps its buckets in this process: start each test from none.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    try:
        yield S3Server(endpoint, client)
    finally:
        server.stop()


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


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data)


def cur_data_key(year: int, month: int, part: int) -> str:
    return f"{CUR_PREFIX}/data/BILLING_PERIOD={year}-{month:02d}/finance-cur-{part:05d}.csv.gz"


def put_manifest(server: S3Server, year: int, month: int, keys: Sequence[str]) -> None:
    manifest = {
        "executionId": "e1",
        "dataFiles": [f"s3://{BUCKET}/{key}" for key in keys],
        "columns": [{"name": c, "type": "string"} for c in CUR_HEADER],
    }
    server.put(
        f"{CUR_PREFIX}/metadata/BILLING_PERIOD={year}-{month:02d}/finance-cur-Manifest.json",
        json.dumps(manifest).encode(),
    )
