"""`sync aws-billing`: a month's billing files found in S3, read as streams and stored.

- ``legacy-csv``: the one file ``AWS_BILLING_KEY`` names for the month.
- ``cur2``: under ``AWS_BILLING_CUR_PREFIX`` (the folder holding the export's ``data/`` and
  ``metadata/``), the files the newest ``metadata/BILLING_PERIOD=YYYY-MM/…Manifest.json``
  lists; without a manifest, the ``.csv.gz`` files under ``data/BILLING_PERIOD=YYYY-MM/`` of
  its newest delivery (the folder, the period's or one inside it, with the newest file).

Every file of the month is read (its records added up in a temporary file) before anything
is stored; any problem (a missing file, a wrong header, a bad row) leaves the month as it was
and fails the run, naming file and line.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from datetime import date

from core.clock import company_today
from core.settings import Settings
from models.aws_billing.file_reader import BillingFileReader
from models.aws_billing.formats import BY_NAME, CUR2
from models.aws_billing.month import BadBilling, MonthBilling, MonthCollector
from models.aws_billing.store import store_month
from models.invoices.figures import next_month, previous_month
from sync.aws.s3 import (
    S3Missing,
    S3Object,
    S3Problem,
    list_objects,
    read_chunks,
    read_small,
    s3_client,
)
from sync.counts import SyncCounts

MANIFEST_LIMIT = 10 << 20
PREVIOUS_MONTH_UNTIL = 5
"""The previous month is imported too until this day of the month (AWS finalises it then)."""


class BillingFilesMissing(S3Missing):
    """No file for the month: the message says where it was looked for."""


@dataclass(frozen=True, slots=True)
class BillingFile:
    key: str
    gzipped: bool


def billing_months(today: date, start: date | None, end: date | None) -> list[tuple[int, int]]:
    """The months to import: from ``start``'s month to ``end``'s (either alone: that month);
    with neither, the current month and, until its 5th day, the previous one."""
    if start is None and end is None:
        months = [(today.year, today.month)]
        if today.day <= PREVIOUS_MONTH_UNTIL:
            months.insert(0, previous_month(today.year, today.month))
        return months
    first = start or end
    last = end or start
    assert first is not None and last is not None
    months = []
    current = (first.year, first.month)
    while current <= (last.year, last.month):
        months.append(current)
        current = next_month(*current)
    return months


def legacy_key(settings: Settings, year: int, month: int) -> str:
    return settings.aws_billing_key.format(year=year, month=month)


async def month_files(
    client: object, settings: Settings, year: int, month: int
) -> list[BillingFile]:
    """The month's files in the configured format; raises BillingFilesMissing."""
    bucket = settings.aws_billing_bucket
    if settings.aws_billing_format != CUR2:
        return [BillingFile(legacy_key(settings, year, month), gzipped=False)]
    prefix = settings.aws_billing_cur_prefix.strip("/")
    period = f"BILLING_PERIOD={year}-{month:02d}"
    manifests = [
        item
        for item in await list_objects(client, bucket, f"{prefix}/metadata/{period}/")
        if item.key.endswith("Manifest.json")
    ]
    if manifests:
        newest = max(manifests, key=lambda item: (item.modified, item.key))
        return _manifest_files(
            bucket, newest.key, await read_small(client, bucket, newest.key, MANIFEST_LIMIT)
        )
    data = f"{prefix}/data/{period}/"
    objects = await list_objects(client, bucket, data)
    csv_objects = newest_delivery([o for o in objects if o.key.endswith(".csv.gz")], data)
    files = [BillingFile(o.key, gzipped=True) for o in csv_objects]
    if not files:
        parquet = any(o.key.endswith(".parquet") for o in objects)
        why = " (Parquet is not read: export gzip CSV)" if parquet else ""
        raise BillingFilesMissing(
            f"no CUR 2.0 files for {year}-{month:02d} under s3://{bucket}/{data}{why}"
        )
    return files


def newest_delivery(objects: Sequence[S3Object], data: str) -> list[S3Object]:
    """The objects of one delivery: those of the folder under ``data`` (the period's folder,
    itself included) whose newest object is the newest. An export that keeps every version
    writes each in a folder of its own; reading them all would count the month twice."""
    folders: dict[str, list[S3Object]] = {}
    for item in objects:
        folders.setdefault(item.key[len(data) :].rpartition("/")[0], []).append(item)
    if not folders:
        return []
    newest = max(folders.values(), key=lambda items: max((o.modified, o.key) for o in items))
    return sorted(newest, key=lambda item: item.key)


def _manifest_files(bucket: str, key: str, raw: bytes) -> list[BillingFile]:
    where = f"s3://{bucket}/{key}"
    try:
        manifest = json.loads(raw)
        uris = manifest["dataFiles"]
        if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise S3Problem(f"{where} is not a Data Exports manifest with dataFiles") from None
    files = []
    for uri in uris:
        head = f"s3://{bucket}/"
        if not uri.startswith(head):
            raise S3Problem(f"{where} lists {uri[:200]}, outside the bucket {bucket}")
        name = uri[len(head) :]
        if name.endswith(".parquet"):
            raise S3Problem(f"{where} lists Parquet files: export gzip CSV instead")
        files.append(BillingFile(name, gzipped=name.endswith(".gz")))
    if not files:
        raise BillingFilesMissing(f"{where} lists no data files")
    return files


@asynccontextmanager
async def read_month(
    client: object, settings: Settings, year: int, month: int
) -> AsyncIterator[MonthBilling]:
    """Every file of the month read and validated; raises BadBilling or S3Problem. The
    month's records are in a temporary file until the ``async with`` block ends."""
    with closing(MonthCollector(BY_NAME[settings.aws_billing_format], year, month)) as collector:
        for file in await month_files(client, settings, year, month):
            reader = BillingFileReader(collector, file.key, gzipped=file.gzipped)
            async for chunk in read_chunks(client, settings.aws_billing_bucket, file.key):
                reader.feed(chunk)
            reader.close()
        yield collector.result()


class AwsBillingFailed(RuntimeError):
    """Some month could not be imported; the first line says which, the next lines why.
    ``counts``: what the months that were imported changed (the run records them)."""

    def __init__(self, message: str, counts: SyncCounts) -> None:
        super().__init__(message)
        self.counts = counts


async def sync_aws_billing(
    settings: Settings,
    start: date | None = None,
    end: date | None = None,
    *,
    force: bool = False,
    missing: list[str] | None = None,
) -> SyncCounts:
    """Imports each month (see :func:`billing_months`); a bad month is left as it was while
    the others are stored, and the run then fails listing every problem. ``force``: replace
    each month even when its files hash as at its last import. ``missing``: a month without
    files is noted there (and counted as skipped) instead of failing the run."""
    months = billing_months(company_today(settings), start, end)
    counts = SyncCounts()
    failures: list[str] = []
    async with s3_client(settings) as client:
        for year, month in months:
            try:
                async with read_month(client, settings, year, month) as billing:
                    stored = await store_month(billing, force=force)
            except S3Missing as exc:
                if missing is None:
                    failures.append(f"{year}-{month:02d}: {exc}")
                else:
                    missing.append(f"{year}-{month:02d}: {exc}")
                    counts += SyncCounts(skipped=1)
                continue
            except (BadBilling, S3Problem) as exc:
                failures.append(f"{year}-{month:02d}: {exc}")
                continue
            counts += SyncCounts(
                added=stored.added,
                deleted=stored.deleted,
                skipped=stored.unchanged,
            )
    if failures:
        raise AwsBillingFailed(failure_message(failures), counts)
    return counts


def failure_message(failures: Sequence[str]) -> str:
    """A first line that says it all (each month's reason in short), then every detail line
    (a bad file's rows): the operator reads the last line first, the run record keeps it."""
    noun = "month" if len(failures) == 1 else "months"
    reasons = "; ".join(failure.splitlines()[0].rstrip(":") for failure in failures)
    details = [line for failure in failures for line in failure.splitlines()[1:]]
    return "\n".join(
        [f"{len(failures)} {noun} not imported (left as they were): {reasons}", *details]
    )


def month_span(months: Sequence[tuple[int, int]]) -> tuple[date, date]:
    """The run record's dates: the first day of the first month, the first of the last."""
    return date(*months[0], 1), date(*months[-1], 1)
