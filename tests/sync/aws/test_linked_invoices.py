"""Linked accounts put their month's costs on the project's invoices: through the CLI, the
import and the invoices' own figures and totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from core.errors import InvalidInput
from models import AuditLog, Invoice
from models.aws_billing.links import link_account, unlink_account
from models.invoices.figures import InvoiceRules
from models.invoices.overview import load_project_overview
from sync.dispatch import run_sync
from tests.support.cli import financebot
from tests.support.invoices import invoice_of, person, project, row, store_entries
from tests.support.s3 import (
    CUR_HEADER,
    LEGACY_HEADER,
    S3Server,
    csv_bytes,
    cur_data_key,
    cur_row,
    gzipped,
    legacy_row,
)

ACME = "111111111111"
BETA = "222222222222"
MARCH = date(2024, 3, 1)


def legacy_file() -> bytes:
    return csv_bytes(
        LEGACY_HEADER,
        [
            legacy_row(ACME, "LinkedLineItem", "7.25"),
            legacy_row(ACME, "LinkedLineItem", "3.00", usage="Storage"),
            legacy_row(ACME, "AccountTotal", "10.25", product="", usage="", quantity=""),
            legacy_row(BETA, "LinkedLineItem", "40", currency="EUR"),
            legacy_row(BETA, "AccountTotal", "40", currency="EUR", product="", usage=""),
        ],
    )


def cli_env(db: str, s3_server: S3Server) -> dict[str, str]:
    return {
        "DATABASE_URL": db,
        "AWS_BILLING_BUCKET": "billing",
        "AWS_BILLING_KEY": "123456789012-aws-billing-csv-{year}-{month:02d}.csv",
        "AWS_ENDPOINT_URL": s3_server.endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


async def test_a_linked_project_gets_an_invoice_with_its_accounts_costs_per_currency(
    db: str, s3_server: S3Server
) -> None:
    portal = await project(1, "Acme portal")
    hosting = await project(2, "Hosting")
    ada = await person()
    await store_entries(ada, [row(portal, "2024-03-04", "2", rate="100")])
    s3_server.put("123456789012-aws-billing-csv-2024-03.csv", legacy_file())
    settings = s3_server.settings(db)
    await run_sync("aws-billing", settings, start=MARCH, end=MARCH)
    assert await Invoice.filter(project=hosting).count() == 0  # nothing linked yet

    change = await link_account(ACME, portal.guid, actor="cli:test")
    assert (change.changed, change.invoices) == (True, 1)
    await link_account(BETA, portal.guid, actor="cli:test")
    march = await invoice_of(portal, 2024, 3)
    # The legacy AccountTotal, not total + line items; EUR hours and EUR AWS kept apart.
    assert march.aws_billing_money == {"EUR": "40", "USD": "10.25"}
    assert march.money == D("200")
    overview = await load_project_overview(portal.guid, InvoiceRules("EUR", D("50"), D("170")))
    assert overview is not None
    assert overview.totals.aws_billing == {"EUR": D("40"), "USD": D("10.25")}
    assert overview.totals.money == {"EUR": D("240"), "USD": D("10.25")}

    # One project per account: linking Beta to Hosting moves it, both invoices refreshed.
    moved = await link_account(BETA, hosting.guid, actor="cli:test")
    assert (moved.changed, moved.message, moved.invoices) == (
        True, f"Moved {BETA} from Acme portal to Hosting.", 2
    )  # fmt: skip
    assert (await invoice_of(portal, 2024, 3)).aws_billing_money == {"USD": "10.25"}
    # Hosting has no hours: the link alone makes its invoice.
    only_aws = await invoice_of(hosting, 2024, 3)
    assert (only_aws.hours, only_aws.aws_billing_money) == (D("0"), {"EUR": "40"})
    billed = [i.aws_billing_money.get("EUR") for i in await Invoice.filter(year=2024, month=3)]
    assert sorted(b for b in billed if b) == ["40"]  # billed once, not on both projects

    with pytest.raises(InvalidInput) as refused:
        await unlink_account(BETA, portal.guid, actor="cli:test")
    assert refused.value.message == (
        f"{BETA} is linked to Hosting (project-guid-2), not to Acme portal: nothing changed."
    )
    assert (await invoice_of(hosting, 2024, 3)).aws_billing_money == {"EUR": "40"}
    assert (await unlink_account(BETA, actor="cli:test")).changed
    assert (await invoice_of(hosting, 2024, 3)).aws_billing_money == {}
    again = await unlink_account(BETA, hosting.guid, actor="cli:test")
    assert (again.changed, again.message) == (False, f"{BETA} is not linked to any project.")
    audit = await AuditLog.filter(entity="aws_account_link").order_by("id")
    assert [(a.action, a.entity_id, a.actor) for a in audit] == [
        ("link", ACME, "cli:test"),
        ("link", BETA, "cli:test"),
        ("move", BETA, "cli:test"),
        ("unlink", BETA, "cli:test"),
    ]
    assert audit[0].after == {
        "account": ACME,
        "name": "Acme Dev",
        "project": "Acme portal",
        "project_guid": portal.guid,
    }
    assert (audit[2].before["project"], audit[2].after["project"]) == ("Acme portal", "Hosting")


async def test_a_cur_month_is_the_sum_of_the_accounts_line_items(
    db: str, s3_server: S3Server
) -> None:
    portal = await project(1, "Acme portal")
    await link_account(ACME, portal.guid, actor="cli:test")
    rows = [
        cur_row(ACME, "1.0000000001"),
        cur_row(ACME, "2", usage="Requests"),
        cur_row(ACME, "-0.5", line_type="Credit"),
    ]
    s3_server.put(cur_data_key(2024, 3, 1), gzipped(csv_bytes(CUR_HEADER, rows)))
    settings = s3_server.settings(
        db, AWS_BILLING_FORMAT="cur2", AWS_BILLING_CUR_PREFIX="exports/finance-cur"
    )
    await run_sync("aws-billing", settings, start=MARCH, end=MARCH)
    march = await invoice_of(portal, 2024, 3)
    assert march.aws_billing_money == {"USD": "2.5000000001"}


async def test_the_cli_links_moves_lists_and_unlinks(db: str, s3_server: S3Server) -> None:
    portal = await project(1, "Acme portal")
    hosting = await project(2, "Hosting")
    s3_server.put("123456789012-aws-billing-csv-2024-03.csv", legacy_file())
    env = cli_env(db, s3_server)
    synced = await financebot("sync", "aws-billing", "--year", "2024", "--month", "3", **env)
    assert synced.code == 0, synced.stderr
    assert synced.stdout.startswith("aws-billing 2024-03: added 5, updated 0, deleted 0")

    linked = await financebot("aws", "link", ACME, portal.guid, **env)
    assert linked.stdout.splitlines() == [f"Linked {ACME} to Acme portal.", "Refreshed 1 invoice."]
    again = await financebot("aws", "link", ACME, portal.guid, **env)
    assert (again.code, again.stdout.strip()) == (0, f"{ACME} is already linked to Acme portal.")
    listed = await financebot("aws", "list", **env)
    lines = listed.stdout.splitlines()
    assert any(
        ACME in line and "Acme portal (project-guid-1)" in line and "10.25 USD" in line
        for line in lines
    ), lines
    unknown = await financebot("aws", "link", ACME, "no-such-guid", **env)
    assert (unknown.code, unknown.stderr_lines) == (
        1,
        ["financebot: No project has the guid 'no-such-guid'."],
    )
    bad = await financebot("aws", "link", "12345", portal.guid, **env)
    assert bad.code == 2 and "is not an AWS account id (12 digits)" in bad.stderr
    moved = await financebot("aws", "link", ACME, hosting.guid, **env)
    assert moved.stdout.splitlines() == [
        f"Moved {ACME} from Acme portal to Hosting.",
        "Refreshed 2 invoices.",
    ]
    listed = await financebot("aws", "list", **env)
    row = next(line for line in listed.stdout.splitlines() if ACME in line)
    assert "Hosting (project-guid-2)" in row and "Acme portal" not in row
    wrong = await financebot("aws", "unlink", ACME, portal.guid, **env)
    assert (wrong.code, wrong.stderr_lines) == (
        1,
        [
            f"financebot: {ACME} is linked to Hosting (project-guid-2), not to Acme portal: "
            "nothing changed."
        ],
    )
    unlinked = await financebot("aws", "unlink", ACME, **env)
    assert unlinked.stdout.startswith(f"Unlinked {ACME} from Hosting.")
    twice = await financebot("aws", "unlink", ACME, **env)
    assert (twice.code, twice.stdout.strip()) == (0, f"{ACME} is not linked to any project.")

    missing = await financebot("sync", "aws-billing", "--year", "2024", "--month", "4", **env)
    assert missing.code == 1
    assert missing.stderr_lines == [
        "financebot: aws-billing sync failed: 1 month not imported (left as they were): "
        "2024-04: s3://billing/123456789012-aws-billing-csv-2024-04.csv does not exist"
    ]


async def test_sync_all_over_a_range_imports_its_months_and_notes_those_without_a_bill(
    db: str, s3_server: S3Server
) -> None:
    """The range of `sync all` is the AWS months' too (not today's month); a month AWS wrote
    no file for is a note, not a failure."""
    portal = await project(1, "Acme portal")
    await link_account(ACME, portal.guid, actor="cli:test")
    s3_server.put("123456789012-aws-billing-csv-2024-03.csv", legacy_file())
    env = cli_env(db, s3_server)
    result = await financebot(
        "sync", "all", "--start-date", "2024-03-01", "--end-date", "2024-04-30", **env
    )
    assert result.code == 0, result.stderr
    assert "aws-billing 2024-03..2024-04: added 5, updated 0, deleted 0, skipped 1" in result.stdout
    assert (
        "aws-billing: no billing files, skipped: 2024-04: "
        "s3://billing/123456789012-aws-billing-csv-2024-04.csv does not exist"
    ) in result.stdout.splitlines()
    assert (await invoice_of(portal, 2024, 3)).aws_billing_money == {"USD": "10.25"}


async def test_a_failed_import_ends_with_one_line_that_names_every_month(
    db: str, s3_server: S3Server
) -> None:
    """Asked for by dates, a month without a file fails; a bad file's rows come first on
    stderr, and the last line alone says what failed and why."""
    april = {"start": "2024/04/01 00:00:00", "end": "2024/04/30 23:59:59"}
    bad_april = csv_bytes(LEGACY_HEADER, [legacy_row(ACME, "LinkedLineItem", "7,25", **april)])
    s3_server.put("123456789012-aws-billing-csv-2024-04.csv", bad_april)
    env = cli_env(db, s3_server)
    result = await financebot(
        "sync", "aws-billing", "--start-date", "2024-04-01", "--end-date", "2024-05-31", **env
    )
    assert result.code == 1
    *details, last = result.stderr_lines
    assert details == [
        "123456789012-aws-billing-csv-2024-04.csv:2: TotalCost '7,25' is not a number"
    ]
    assert last == (
        "financebot: aws-billing sync failed: 2 months not imported (left as they were): "
        "2024-04: 1 problem in the billing files, nothing imported; "
        "2024-05: s3://billing/123456789012-aws-billing-csv-2024-05.csv does not exist"
    )
