"""AWS linked accounts, the projects they are billed to, and their monthly billing rows.

Rows come from S3 (``sync/aws/``): the legacy monthly billing CSV or Cost and Usage Report 2.0
exports, validated by ``models/aws_billing/`` and stored one month at a time. An account is
billed to at most one project (as in the older system), whose invoice for a month carries the
account's whole month total: an account on two invoices would be billed twice. An account
named like a person ("First Last") is linked to that person when imported.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.base import cost_field

if TYPE_CHECKING:
    from models.people import Person
    from models.projects import Project


_ACCOUNT_ID = re.compile(r"[0-9]{12}")


def is_account_id(text: str) -> bool:
    """An AWS account id is 12 digits."""
    return _ACCOUNT_ID.fullmatch(text) is not None


class AwsAccount(Model):
    id = fields.IntField(primary_key=True)
    account_id = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=255, default="")
    person: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "financebot.Person", related_name="aws_accounts", null=True, on_delete=fields.SET_NULL
    )
    project: fields.ForeignKeyNullableRelation[Project] = fields.ForeignKeyField(
        "financebot.Project", related_name="aws_accounts", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "aws_account"
        ordering = ["account_id"]


class AwsBillingRow(Model):
    """One month's costs of one account for one (record type, product, usage type,
    description, currency): CUR 2.0 line items with the same key are added up at import."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[AwsAccount] = fields.ForeignKeyField(
        "financebot.AwsAccount", related_name="billing_rows", on_delete=fields.CASCADE
    )
    year = fields.IntField()
    month = fields.SmallIntField()
    record_type = fields.CharField(max_length=64, default="")
    product_code = fields.CharField(max_length=255, default="")
    product_name = fields.CharField(max_length=255, default="")
    usage_type = fields.CharField(max_length=255, default="")
    description = fields.TextField(default="")
    period_start = fields.DateField()
    period_end = fields.DateField()
    quantity = cost_field(default=0)
    amount = cost_field()
    currency = fields.CharField(max_length=3, default="USD")

    class Meta:
        table = "aws_billing_row"
        indexes = (("year", "month"),)


class AwsMonthTotal(Model):
    """One account's month in one currency, added up exactly at import from the rows stored
    with it: pages, the CLI and invoices read these instead of every billing row.
    ``account_total`` is the legacy AccountTotal rows' sum (null when the month has none),
    ``line_items`` the other rows' sum (models/invoices/figures.py, aws_billing_money)."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[AwsAccount] = fields.ForeignKeyField(
        "financebot.AwsAccount", related_name="month_totals", on_delete=fields.CASCADE
    )
    year = fields.IntField()
    month = fields.SmallIntField()
    currency = fields.CharField(max_length=3)
    line_items = cost_field()
    account_total = cost_field(null=True)
    rows = fields.IntField()

    class Meta:
        table = "aws_month_total"
        unique_together = (("account", "year", "month", "currency"),)
        indexes = (("year", "month"),)


class AwsProductCost(Model):
    """One account's month for one product (its name, else its code) and currency, added up
    at import, AccountTotal rows left out: the /aws month page."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[AwsAccount] = fields.ForeignKeyField(
        "financebot.AwsAccount", related_name="product_costs", on_delete=fields.CASCADE
    )
    year = fields.IntField()
    month = fields.SmallIntField()
    product = fields.CharField(max_length=255)
    currency = fields.CharField(max_length=3)
    cost = cost_field()
    rows = fields.IntField()

    class Meta:
        table = "aws_product_cost"
        unique_together = (("account", "year", "month", "product", "currency"),)
        indexes = (("year", "month"),)


class AwsBillingMonth(Model):
    """Checksum of a month's rows as last imported: files whose records hash the same leave
    the month alone, so importing the same files again changes nothing (and reads no row)."""

    id = fields.IntField(primary_key=True)
    year = fields.IntField()
    month = fields.SmallIntField()
    checksum = fields.CharField(max_length=64)
    row_count = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "aws_billing_month"
        unique_together = (("year", "month"),)
