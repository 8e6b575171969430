"""Reading a billing file keeps memory bounded by the reader's steps, not by the file: a file
larger than the bound goes through under tracemalloc with a peak below it."""

from __future__ import annotations

import gzip
import tracemalloc
from collections.abc import Callable
from contextlib import closing

import pytest

from bot.emulators.aws_billing_files import (
    CUR_HEADER,
    LEGACY_HEADER,
    csv_bytes,
    cur_row,
    legacy_row,
)
from models.aws_billing import file_reader, spill
from models.aws_billing.file_reader import BillingFileReader
from models.aws_billing.formats import CUR, LEGACY, BillingFormat
from models.aws_billing.month import MonthCollector

ROWS = 36_000
CHUNK = 256 << 10
PEAK_LIMIT = 5 << 20
"""Bytes Python may hold at the peak: less than either file (6.5 MB of CSV). Rows kept as
objects until the month is known good (the import before the spill file) took 1.2 KB each."""


def cur_file() -> bytes:
    """Hourly line items of 40 accounts × 30 usage types: 1,200 keys."""
    rows = [
        cur_row(f"{100000000000 + n % 40}", f"0.{n % 9973:04d}1234", usage=f"Usage-{n // 40 % 30}")
        for n in range(ROWS)
    ]
    return gzip.compress(csv_bytes(CUR_HEADER, rows))


def legacy_file() -> bytes:
    """Every row distinct (every one stored): the worst case."""
    rows = [
        legacy_row(
            f"{100000000000 + n % 40}",
            "LinkedLineItem",
            f"0.{n % 9973:04d}",
            usage=f"Usage-{n}",
            description=f"item {n}",
        )
        for n in range(ROWS)
    ]
    return csv_bytes(LEGACY_HEADER, rows)


@pytest.mark.parametrize(
    ("fmt", "make", "gzipped", "records"),
    [(CUR, cur_file, True, 1200), (LEGACY, legacy_file, False, ROWS)],
    ids=["cur2-gzip", "legacy-csv"],
)
def test_a_file_larger_than_the_bound_is_read_within_it(
    monkeypatch: pytest.MonkeyPatch,
    fmt: BillingFormat,
    make: Callable[[], bytes],
    gzipped: bool,
    records: int,
) -> None:
    """The reader's steps made small (a 256 KiB inflate step, 1,000 keys added up in memory)
    so that a file of a few MB is larger than everything the reader may hold."""
    monkeypatch.setattr(file_reader, "INFLATE_STEP", 256 << 10)
    monkeypatch.setattr(spill, "PENDING", 1000)
    data = make()
    size = len(gzip.decompress(data)) if gzipped else len(data)
    assert size > PEAK_LIMIT
    tracemalloc.start()
    try:
        with closing(MonthCollector(fmt, 2024, 3)) as collector:
            reader = BillingFileReader(collector, "month.csv", gzipped=gzipped)
            for start in range(0, len(data), CHUNK):
                reader.feed(data[start : start + CHUNK])
            reader.close()
            month = collector.result()
            assert (month.rows_read, month.record_count) == (ROWS, records)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del data
    assert peak < PEAK_LIMIT, f"peak {peak / 2**20:.1f} MiB"
