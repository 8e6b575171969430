"""`financebot aws list` as an operator runs it: every account, its person, project and latest
month's total per currency; names printed as they are."""

from __future__ import annotations

from models import AwsAccount, Person
from tests.support.aws_billing import billing_row, store_billing
from tests.support.cli import financebot
from tests.support.invoices import project

ACME = "111111111111"
BETA = "222222222222"


async def test_aws_list_prints_each_account_with_its_latest_month(db: str) -> None:
    empty = await financebot("aws", "list", DATABASE_URL=db)
    assert (empty.code, empty.stdout.strip()) == (
        0, "No AWS accounts yet: run `financebot sync aws-billing` or link one."
    )  # fmt: skip

    ada = await Person.create(tenkfeet_id=1, guid="p1", first_name="Ada", last_name="Lovelace")
    portal = await project(1, "Portal")
    await AwsAccount.create(account_id=ACME, person=ada, project=portal)
    await AwsAccount.create(account_id=BETA)
    team = "Acme [/dev] team"
    await store_billing(2024, 2, [billing_row(ACME, "AccountTotal", "99", month=2, name=team)])
    await store_billing(
        2024, 3,
        [
            billing_row(ACME, "LinkedLineItem", "10.5", product="EC2", name=team),
            billing_row(ACME, "AccountTotal", "11.25", name=team),
            billing_row(ACME, "LinkedLineItem", "5", product="S3", currency="EUR", name=team),
        ],
    )  # fmt: skip
    result = await financebot("aws", "list", DATABASE_URL=db)
    assert result.code == 0, result.stderr
    lines = [line.split("  ") for line in result.stdout.strip().splitlines()]
    cells = [[cell.strip() for cell in line if cell.strip()] for line in lines]
    assert cells == [
        ["AWS accounts"],
        ["account", "name", "person", "project", "month", "total"],
        [ACME, team, "Ada Lovelace", f"Portal ({portal.guid})", "2024-03", "5.00 EUR, 11.25 USD"],
        [BETA, "(none)"],
    ]
