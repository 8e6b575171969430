"""The AWS billing import of one big month through moto's S3: rows per second and peak RSS.

moto's S3 server runs in a process of its own (its copy of the file is not ours); this process
makes a CUR 2.0 export of SIZE_MB (default 50) of CSV, gzipped, with a line item per hour per
account, product and usage type (40 accounts × 30 usage types: 1,200 stored rows), and a
legacy monthly CSV of the same size whose every row is distinct (the worst case: every row
is stored), uploads them, then imports each into a fresh SQLite database and prints rows read
per second and how far the peak RSS grew during the import (target: under 100 MB), then
imports the same file again (nothing changes: the month's checksum is the same). The files
are made, and each import is run, in a process of its own: memory Python freed after making a
file stays in its process and would hide the import's growth.

    python benchmarks/aws_billing.py [SIZE_MB]
"""

from __future__ import annotations

import asyncio
import gzip
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.emulators.aws_billing_files import (
    CUR_HEADER,
    LEGACY_HEADER,
    csv_bytes,
    cur_row,
    legacy_row,
)
from core.db import close_database, init_database, migrate_database
from core.settings import load_settings
from models import AwsBillingRow
from sync.dispatch import run_sync

BUCKET = "billing"


def rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak() -> None:
    """Linux: VmHWM starts again from the current RSS."""
    Path("/proc/self/clear_refs").write_text("5")


def cur_file(size: int) -> tuple[bytes, int]:
    rows = []
    total = 0
    n = 0
    while total < size:
        account = f"{100000000000 + n % 40}"
        usage = f"Usage-{(n // 40) % 30}"
        hour = (n // 1200) % 720
        row = cur_row(
            account, f"0.{n % 9973:04d}1234", usage=usage, name=f"Account {n % 40}",
            description=f"line item {n}",
        )  # fmt: skip
        row[CUR_HEADER.index("line_item_usage_start_date")] = (
            f"2024-03-{1 + hour // 24:02d}T{hour % 24:02d}:00:00Z"
        )
        row[CUR_HEADER.index("line_item_line_item_description")] = "$0.0104 per hour"
        rows.append(row)
        total += sum(len(c) for c in row) + len(row)
        n += 1
    return gzip.compress(csv_bytes(CUR_HEADER, rows), 6), n


def legacy_file(size: int) -> tuple[bytes, int]:
    rows = []
    total = 0
    n = 0
    while total < size:
        row = legacy_row(
            f"{100000000000 + n % 40}", "LinkedLineItem", f"{n % 997}.25", usage=f"Usage-{n}"
        )
        rows.append(row)
        total += sum(len(c) for c in row) + len(row)
        n += 1
    return csv_bytes(LEGACY_HEADER, rows), n


def upload(endpoint: str, size_mb: int) -> tuple[int, int]:
    """Makes both files of ``size_mb`` and puts them in the bucket; their row counts."""
    s3 = boto3.client("s3", endpoint_url=endpoint)
    s3.create_bucket(Bucket=BUCKET)
    size = size_mb << 20
    cur, cur_rows = cur_file(size)
    s3.put_object(Bucket=BUCKET, Key="cur/data/BILLING_PERIOD=2024-03/x-00001.csv.gz", Body=cur)
    del cur
    legacy, legacy_rows = legacy_file(size)
    s3.put_object(Bucket=BUCKET, Key="bill-2024-03.csv", Body=legacy)
    return cur_rows, legacy_rows


def in_own_process(target: Callable[..., Any], *args: Any) -> Any:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(target, *args).result()


def import_in_process(endpoint: str, env: dict[str, str], rows: int, label: str) -> None:
    asyncio.run(import_once(endpoint, env, rows, label))


async def import_once(endpoint: str, env: dict[str, str], rows: int, label: str) -> None:
    folder = tempfile.mkdtemp()
    url = f"sqlite://{folder}/bench.sqlite3"
    await migrate_database(url)
    await init_database(url)
    settings = load_settings(
        {"DATABASE_URL": url, "AWS_BILLING_BUCKET": BUCKET, "AWS_ENDPOINT_URL": endpoint, **env}
    )
    before = rss_kb("VmRSS")
    reset_peak()
    started = time.perf_counter()
    run = await run_sync("aws-billing", settings, start=date(2024, 3, 1), end=date(2024, 3, 1))
    seconds = time.perf_counter() - started
    growth = (rss_kb("VmHWM") - before) / 1024
    stored = await AwsBillingRow.all().count()
    print(
        f"{label}: {rows:,} rows read in {seconds:.1f} s = {rows / seconds:,.0f} rows/s, "
        f"{stored:,} rows stored ({run.status}), peak RSS growth {growth:.0f} MB",
        flush=True,
    )
    started = time.perf_counter()
    again = await run_sync("aws-billing", settings, start=date(2024, 3, 1), end=date(2024, 3, 1))
    print(
        f"  the same file again: {time.perf_counter() - started:.1f} s, added {again.added}, "
        f"deleted {again.deleted}, unchanged {again.skipped:,} ({again.status})",
        flush=True,
    )
    await close_database()


def main(size_mb: int) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "x"),
        ("AWS_SECRET_ACCESS_KEY", "x"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        os.environ[name] = value
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/data.json")
                break
            except OSError:
                time.sleep(0.1)
        cur_rows, legacy_rows = in_own_process(upload, endpoint, size_mb)
        cur_env = {"AWS_BILLING_FORMAT": "cur2", "AWS_BILLING_CUR_PREFIX": "cur"}
        label = f"CUR 2.0, {size_mb} MB of CSV gzipped"
        in_own_process(import_in_process, endpoint, cur_env, cur_rows, label)
        legacy_env = {"AWS_BILLING_KEY": "bill-{year}-{month:02d}.csv"}
        label = f"legacy CSV, {size_mb} MB, every row distinct"
        in_own_process(import_in_process, endpoint, legacy_env, legacy_rows, label)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
