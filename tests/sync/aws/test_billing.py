"""The AWS billing import against moto's S3 server: both formats, every kind of bad file."""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from models import AwsAccount, AwsBillingMonth, AwsBillingRow, Person, SyncRun
from sync.aws.billing import AwsBillingFailed, billing_months, newest_delivery
from sync.aws.s3 import S3Object
from sync.dispatch import run_sync
from tests.support.s3 import (
    CUR_HEADER,
    LEGACY_HEADER,
    S3Server,
    csv_bytes,
    cur_data_key,
    cur_row,
    gzipped,
    legacy_row,
    put_manifest,
)

MARCH = date(2024, 3, 1)
LEGACY_MARCH = "123456789012-aws-billing-csv-2024-03.csv"
ACME = "111111111111"
BETA = "222222222222"


def legacy_march() -> bytes:
    return csv_bytes(
        LEGACY_HEADER,
        [
            legacy_row("", "PayerLineItem", "5.00", name=""),
            legacy_row("", "AccountTotal", "5.00", name="", product="", usage=""),
            legacy_row(ACME, "LinkedLineItem", "7.7376"),
            legacy_row(ACME, "LinkedLineItem", "2.5", product="Amazon S3", usage="Storage"),
            legacy_row(ACME, "AccountTotal", "10.2376", product="", usage="", quantity=""),
            legacy_row(BETA, "LinkedLineItem", "100", name="Ada Lovelace", currency="EUR"),
            legacy_row(BETA, "AccountTotal", "100", name="Ada Lovelace", currency="EUR", usage=""),
            legacy_row("", "InvoiceTotal", "115.2376", name=""),
        ],
    )


async def import_march(s3: S3Server, db: str, **env: str) -> SyncRun:
    return await run_sync("aws-billing", s3.settings(db, **env), start=MARCH, end=MARCH)


async def failure(s3: S3Server, db: str, **env: str) -> str:
    with pytest.raises(AwsBillingFailed) as raised:
        await import_march(s3, db, **env)
    run = await SyncRun.filter(kind="aws-billing").order_by("-id").first()
    assert run is not None and run.status == "failed"
    assert run.error == str(raised.value).splitlines()[0]
    return str(raised.value)


async def stored() -> list[tuple[str, str, str, D, str]]:
    rows = await AwsBillingRow.all().order_by("id").prefetch_related("account")
    return [
        (r.account.account_id, r.record_type, r.usage_type, r.amount.normalize(), r.currency)
        for r in rows
    ]


async def test_a_good_legacy_file_stores_the_linked_accounts_rows(
    db: str, s3_server: S3Server
) -> None:
    ada = await Person.create(tenkfeet_id=1, guid="p1", first_name="Ada", last_name="Lovelace")
    s3_server.put(LEGACY_MARCH, legacy_march())
    run = await import_march(s3_server, db)
    assert (run.status, run.added, run.deleted, run.skipped) == ("succeeded", 5, 0, 0)
    assert (run.start_date, run.end_date) == (MARCH, MARCH)
    assert await stored() == [  # in key order, whatever the file's
        (ACME, "AccountTotal", "", D("10.2376"), "USD"),
        (ACME, "LinkedLineItem", "BoxUsage:t3.micro", D("7.7376"), "USD"),
        (ACME, "LinkedLineItem", "Storage", D("2.5"), "USD"),
        (BETA, "AccountTotal", "", D("100"), "EUR"),
        (BETA, "LinkedLineItem", "BoxUsage:t3.micro", D("100"), "EUR"),
    ]
    row = await AwsBillingRow.filter(usage_type="Storage").first()
    assert row is not None
    assert (row.period_start, row.period_end) == (MARCH, date(2024, 3, 31))
    assert (row.year, row.month, row.quantity) == (2024, 3, D("744"))
    accounts = {a.account_id: a for a in await AwsAccount.all()}
    assert accounts[ACME].name == "Acme Dev" and accounts[ACME].person_id is None  # type: ignore[attr-defined]
    assert accounts[BETA].person_id == ada.id  # type: ignore[attr-defined]


async def test_importing_the_same_file_again_changes_nothing(db: str, s3_server: S3Server) -> None:
    s3_server.put(LEGACY_MARCH, legacy_march())
    await import_march(s3_server, db)
    ids = await AwsBillingRow.all().order_by("id").values_list("id", flat=True)
    month = await AwsBillingMonth.get(year=2024, month=3)
    assert month.row_count == 5 and len(month.checksum) == 64
    # Ada is synced after the first import: the unchanged month still links her account.
    ada = await Person.create(tenkfeet_id=1, guid="p1", first_name="Ada", last_name="Lovelace")
    again = await import_march(s3_server, db)
    assert (again.added, again.deleted, again.skipped) == (0, 0, 5)
    assert await AwsBillingRow.all().order_by("id").values_list("id", flat=True) == ids
    assert (await AwsAccount.get(account_id=BETA)).person_id == ada.id  # type: ignore[attr-defined]

    changed = csv_bytes(
        LEGACY_HEADER,
        [
            legacy_row(ACME, "LinkedLineItem", "7.7376"),
            legacy_row(ACME, "AccountTotal", "7.7376", product="", usage="", quantity=""),
        ],
    )
    s3_server.put(LEGACY_MARCH, changed)
    third = await import_march(s3_server, db)
    assert (third.added, third.deleted, third.skipped) == (2, 5, 0)  # the month replaced
    assert (await AwsBillingMonth.get(year=2024, month=3)).checksum != month.checksum
    assert await stored() == [
        (ACME, "AccountTotal", "", D("7.7376"), "USD"),
        (ACME, "LinkedLineItem", "BoxUsage:t3.micro", D("7.7376"), "USD"),
    ]


async def test_a_cur_export_of_several_files_is_read_through_its_manifest(
    db: str, s3_server: S3Server
) -> None:
    first = [
        cur_row(ACME, "0.0000000123"),
        cur_row(ACME, "1.25"),
        cur_row(BETA, "3", currency="EUR"),
    ]
    second = [
        cur_row(ACME, "2", product="AmazonEC2", product_name="", usage="BoxUsage"),
        cur_row(ACME, "-0.5", line_type="Credit", description="Credit"),
    ]
    keys = [cur_data_key(2024, 3, 1), cur_data_key(2024, 3, 2)]
    s3_server.put(keys[0], gzipped(csv_bytes(CUR_HEADER, first)))
    s3_server.put(keys[1], gzipped(csv_bytes(CUR_HEADER, second)))
    # A file of an older delivery that the manifest does not list is not read.
    s3_server.put(cur_data_key(2024, 3, 9), gzipped(csv_bytes(CUR_HEADER, [cur_row(ACME, "999")])))
    put_manifest(s3_server, 2024, 3, keys)
    cur = {"AWS_BILLING_FORMAT": "cur2", "AWS_BILLING_CUR_PREFIX": "exports/finance-cur/"}
    run = await import_march(s3_server, db, **cur)
    assert (run.status, run.added) == ("succeeded", 4)
    assert sorted(await stored()) == [
        (ACME, "Credit", "TimedStorage-ByteHrs", D("-0.5"), "USD"),
        (ACME, "Usage", "BoxUsage", D("2"), "USD"),
        (ACME, "Usage", "TimedStorage-ByteHrs", D("1.2500000123"), "USD"),  # added up exactly
        (BETA, "Usage", "TimedStorage-ByteHrs", D("3"), "EUR"),
    ]
    row = await AwsBillingRow.get(
        usage_type="TimedStorage-ByteHrs", currency="USD", record_type="Usage"
    )
    assert (row.quantity, row.period_end, row.product_name) == (
        D("3"), date(2024, 4, 1), "Amazon Simple Storage Service"
    )  # fmt: skip


async def test_without_a_manifest_every_data_file_of_the_period_is_read(
    db: str, s3_server: S3Server
) -> None:
    s3_server.put(cur_data_key(2024, 3, 1), gzipped(csv_bytes(CUR_HEADER, [cur_row(ACME, "1")])))
    s3_server.put(cur_data_key(2024, 3, 2), gzipped(csv_bytes(CUR_HEADER, [cur_row(BETA, "2")])))
    s3_server.put(cur_data_key(2024, 4, 1), gzipped(csv_bytes(CUR_HEADER, [cur_row(BETA, "4")])))
    cur = {"AWS_BILLING_FORMAT": "cur2", "AWS_BILLING_CUR_PREFIX": "exports/finance-cur"}
    await import_march(s3_server, db, **cur)
    assert sorted(a for a, *_ in await stored()) == [ACME, BETA]


async def test_missing_files_are_named(db: str, s3_server: S3Server) -> None:
    message = await failure(s3_server, db)
    assert message == (
        "1 month not imported (left as they were): 2024-03: "
        f"s3://billing/{LEGACY_MARCH} does not exist"
    )
    cur = {"AWS_BILLING_FORMAT": "cur2", "AWS_BILLING_CUR_PREFIX": "exports/finance-cur"}
    message = await failure(s3_server, db, **cur)
    assert message.endswith(
        "no CUR 2.0 files for 2024-03 under "
        "s3://billing/exports/finance-cur/data/BILLING_PERIOD=2024-03/"
    )


async def test_an_empty_file_leaves_the_month_as_it_was(db: str, s3_server: S3Server) -> None:
    s3_server.put(LEGACY_MARCH, legacy_march())
    await import_march(s3_server, db)
    s3_server.put(LEGACY_MARCH, b"")
    message = await failure(s3_server, db)
    assert message.splitlines()[1:] == [f"{LEGACY_MARCH}: the file is empty"]
    s3_server.put(LEGACY_MARCH, csv_bytes(LEGACY_HEADER, []))
    message = await failure(s3_server, db)
    assert message.splitlines()[1:] == [
        "2024-03: no billing rows in the files: the month is left as it was"
    ]
    assert len(await stored()) == 5


async def test_a_header_of_the_other_format_names_the_missing_columns(
    db: str, s3_server: S3Server
) -> None:
    s3_server.put(LEGACY_MARCH, csv_bytes(CUR_HEADER, [cur_row(ACME, "1")]))
    message = await failure(s3_server, db)
    assert message.splitlines()[1] == (
        f"{LEGACY_MARCH}:1: the header is not legacy-csv: missing the columns LinkedAccountId, "
        "LinkedAccountName, RecordType, ProductCode, ProductName, UsageType, ItemDescription, "
        "BillingPeriodStartDate, BillingPeriodEndDate, UsageQuantity, TotalCost, CurrencyCode "
        "(it looks like cur2: check AWS_BILLING_FORMAT)"
    )
    header = [c for c in CUR_HEADER if c != "line_item_unblended_cost"]
    s3_server.put(cur_data_key(2024, 3, 1), gzipped(csv_bytes(header, [])))
    cur = {"AWS_BILLING_FORMAT": "cur2", "AWS_BILLING_CUR_PREFIX": "exports/finance-cur"}
    message = await failure(s3_server, db, **cur)
    assert message.splitlines()[1] == (
        f"{cur_data_key(2024, 3, 1)}:1: the header is not cur2: missing the columns "
        "line_item_unblended_cost"
    )


async def test_malformed_rows_are_listed_by_file_and_line_and_nothing_is_stored(
    db: str, s3_server: S3Server
) -> None:
    s3_server.put(LEGACY_MARCH, legacy_march())
    await import_march(s3_server, db)
    before = await stored()
    good = legacy_row(ACME, "LinkedLineItem", "1")
    bad = csv_bytes(
        LEGACY_HEADER,
        [
            good,
            legacy_row(ACME, "LinkedLineItem", "12,50"),
            legacy_row("12345", "LinkedLineItem", "1"),
            legacy_row(ACME, "AccountTotal", "1", start="31.03.2024"),
            legacy_row(ACME, "LinkedLineItem", "1", start="2024/02/01 00:00:00"),
            legacy_row(ACME, "LinkedLineItem", "1", currency="usd"),
            good[:5],
        ],
    )
    s3_server.put(LEGACY_MARCH, bad)
    lines = (await failure(s3_server, db)).splitlines()
    assert lines == [
        "1 month not imported (left as they were): 2024-03: 6 problems in the billing files, "
        "nothing imported",
        f"{LEGACY_MARCH}:3: TotalCost '12,50' is not a number",
        f"{LEGACY_MARCH}:4: LinkedAccountId '12345' is not 12 digits",
        f"{LEGACY_MARCH}:5: BillingPeriodStartDate '31.03.2024' is not a date",
        f"{LEGACY_MARCH}:6: BillingPeriodStartDate 2024-02-01 is not in the month imported, "
        "2024-03",
        f"{LEGACY_MARCH}:7: CurrencyCode 'usd' is not 3 capital letters",
        f"{LEGACY_MARCH}:8: 5 cells where the header has 29",
    ]
    assert await stored() == before


async def test_bytes_that_are_not_utf8_are_named_with_their_line(
    db: str, s3_server: S3Server
) -> None:
    text = csv_bytes(LEGACY_HEADER, [legacy_row(ACME, "LinkedLineItem", "1")] * 3)
    lines = text.split(b"\n")
    lines[3] = lines[3].replace(b"Acme Dev", b"Acme D\xe9v")  # Latin-1, not UTF-8
    s3_server.put(LEGACY_MARCH, b"\n".join(lines))
    message = await failure(s3_server, db)
    assert message.splitlines()[1] == f"{LEGACY_MARCH}:4: not UTF-8 text (byte 0xe9)"
    s3_server.put(cur_data_key(2024, 3, 1), b"not gzip at all")
    cur = {"AWS_BILLING_FORMAT": "cur2", "AWS_BILLING_CUR_PREFIX": "exports/finance-cur"}
    message = await failure(s3_server, db, **cur)
    assert (
        message.splitlines()[1] == f"{cur_data_key(2024, 3, 1)}: not a gzip file (or a damaged one)"
    )
    assert await stored() == []


async def test_a_gzip_file_cut_off_at_a_row_boundary_is_refused(
    db: str, s3_server: S3Server
) -> None:
    """A gzip stream that stops before its end (here right after a complete row, so every row
    read is whole) is a damaged file: counting the rows it happens to hold would bill the
    month short without a word."""
    text = csv_bytes(CUR_HEADER, [cur_row(ACME, "1.25"), cur_row(ACME, "2.50", usage="Other")])
    first_row_ends = text.index(b"\n", text.index(b"\n") + 1) + 1
    deflate = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    cut = deflate.compress(text[:first_row_ends]) + deflate.flush(zlib.Z_FULL_FLUSH)
    assert gzip.decompress(gzipped(text)) == text  # the whole file would be fine
    s3_server.put(cur_data_key(2024, 3, 1), cut)
    cur = {"AWS_BILLING_FORMAT": "cur2", "AWS_BILLING_CUR_PREFIX": "exports/finance-cur"}
    message = await failure(s3_server, db, **cur)
    assert message.splitlines()[1] == (
        f"{cur_data_key(2024, 3, 1)}: the gzip file ends early (truncated or damaged)"
    )
    assert await stored() == []


def test_default_months_are_this_one_and_the_last_until_the_fifth() -> None:
    assert billing_months(date(2024, 3, 5), None, None) == [(2024, 2), (2024, 3)]
    assert billing_months(date(2024, 3, 6), None, None) == [(2024, 3)]
    assert billing_months(date(2024, 1, 1), None, None) == [(2023, 12), (2024, 1)]
    assert billing_months(date(2024, 1, 1), date(2023, 11, 30), date(2024, 2, 1)) == [
        (2023, 11), (2023, 12), (2024, 1), (2024, 2)
    ]  # fmt: skip


async def test_a_bad_row_in_the_second_file_of_an_export_is_named_by_that_file(
    db: str, s3_server: S3Server
) -> None:
    """Line numbers start again in each file: the problem names the second file's line."""
    keys = [cur_data_key(2024, 3, 1), cur_data_key(2024, 3, 2)]
    s3_server.put(keys[0], gzipped(csv_bytes(CUR_HEADER, [cur_row(ACME, "1")] * 3)))
    second = [cur_row(ACME, "2"), cur_row(ACME, "2,5"), cur_row(BETA, "3", currency="eur")]
    s3_server.put(keys[1], gzipped(csv_bytes(CUR_HEADER, second)))
    put_manifest(s3_server, 2024, 3, keys)
    cur = {"AWS_BILLING_FORMAT": "cur2", "AWS_BILLING_CUR_PREFIX": "exports/finance-cur"}
    lines = (await failure(s3_server, db, **cur)).splitlines()
    assert lines[1:] == [
        f"{keys[1]}:3: line_item_unblended_cost '2,5' is not a number",
        f"{keys[1]}:4: line_item_currency_code 'eur' is not 3 capital letters",
    ]
    assert await stored() == []


def test_without_a_manifest_only_the_newest_delivery_folder_is_read() -> None:
    data = "cur/data/BILLING_PERIOD=2024-03/"

    def item(name: str, day: int) -> S3Object:
        return S3Object(data + name, 1, datetime(2024, 3, day, tzinfo=UTC))

    old = [item("v1/a.csv.gz", 2), item("v1/b.csv.gz", 3)]
    new = [item("v0-rerun/a.csv.gz", 5), item("v0-rerun/b.csv.gz", 4)]
    top = [item("a.csv.gz", 1)]
    assert newest_delivery([*old, *new, *top], data) == sorted(new, key=lambda o: o.key)
    assert newest_delivery([*old, *top], data) == old
    assert newest_delivery(top, data) == top
    assert newest_delivery([], data) == []


async def test_an_export_keeping_every_delivery_is_counted_once(
    db: str, s3_server: S3Server
) -> None:
    folder = "exports/finance-cur/data/BILLING_PERIOD=2024-03"
    for delivery, cost in (("20240301T000000Z", "1"), ("20240302T000000Z", "2")):
        body = gzipped(csv_bytes(CUR_HEADER, [cur_row(ACME, cost)]))
        s3_server.put(f"{folder}/{delivery}/part-00001.csv.gz", body)
    cur = {"AWS_BILLING_FORMAT": "cur2", "AWS_BILLING_CUR_PREFIX": "exports/finance-cur"}
    await import_march(s3_server, db, **cur)
    assert [amount for *_, amount, _ in await stored()] == [D("2")]


async def test_a_run_with_a_bad_month_records_what_the_good_ones_changed(
    db: str, s3_server: S3Server
) -> None:
    s3_server.put(LEGACY_MARCH, legacy_march())  # April has no file
    with pytest.raises(AwsBillingFailed) as raised:
        await run_sync("aws-billing", s3_server.settings(db), start=MARCH, end=date(2024, 4, 1))
    assert str(raised.value).startswith("1 month not imported (left as they were): 2024-04:")
    run = await SyncRun.get(kind="aws-billing")
    assert (run.status, run.added, run.deleted, run.skipped) == ("failed", 5, 0, 0)
    assert len(await stored()) == 5
