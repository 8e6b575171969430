"""AWS linked accounts and their monthly billing rows (imported from S3 CSVs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.base import money_field

if TYPE_CHECKING:
    from models.invoices.records import Invoice
    from models.projects import Project


class AwsAccount(Model):
    id = fields.IntField(primary_key=True)
    account_id = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=255, default="")
    project: fields.ForeignKeyNullableRelation[Project] = fields.ForeignKeyField(
        "financebot.Project", related_name="aws_accounts", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "aws_account"


class AwsBillingRow(Model):
    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[AwsAccount] = fields.ForeignKeyField(
        "financebot.AwsAccount", related_name="billing_rows", on_delete=fields.CASCADE
    )
    invoice: fields.ForeignKeyNullableRelation[Invoice] = fields.ForeignKeyField(
        "financebot.Invoice", related_name="aws_rows", null=True, on_delete=fields.SET_NULL
    )
    year = fields.IntField()
    month = fields.SmallIntField()
    record_id = fields.CharField(max_length=128, default="")
    record_type = fields.CharField(max_length=64, default="")
    product_name = fields.CharField(max_length=255, default="")
    description = fields.TextField(default="")
    amount = money_field()
    currency = fields.CharField(max_length=3, default="USD")

    class Meta:
        table = "aws_billing_row"
        indexes = (("year", "month"),)
