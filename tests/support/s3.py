"""moto's S3 in server mode on a free local port, and the AWS billing files the tests put in it
(their rows made by ``bot/emulators/aws_billing_files.py``, which the benchmark uses too).

Nothing reaches the internet: the fixture sets fake credentials and the tests' settings point
``AWS_ENDPOINT_URL`` at the server, where the real aioboto3 client reads.
"""

from __future__ import annotations

import gzip
import json
import socket
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from bot.emulators.aws_billing_files import (
    CUR_HEADER,
    LEGACY_HEADER,
    csv_bytes,
    cur_row,
    legacy_row,
)
from core.settings import Settings, load_settings

BUCKET = "billing"
LEGACY_KEY = "123456789012-aws-billing-csv-{year}-{month:02d}.csv"
CUR_PREFIX = "exports/finance-cur"

__all__ = [
    "BUCKET",
    "CUR_HEADER",
    "CUR_PREFIX",
    "LEGACY_HEADER",
    "LEGACY_KEY",
    "S3Server",
    "csv_bytes",
    "cur_data_key",
    "cur_row",
    "gzipped",
    "legacy_row",
    "put_manifest",
    "s3_server",
]


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
