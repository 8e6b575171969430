"""Invoices (one per project and month), their checks and fixed rows."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from models.base import hours_field, money_field

if TYPE_CHECKING:
    from models.people import Person
    from models.projects import Project


FIGURE_COLUMNS = (
    "hours",
    "billable_hours",
    "money",
    "average_rate",
    "billable_share",
    "odd_rate_count",
    "non_billable_count",
    "non_phase_specific_count",
    "not_approved_count",
    "empty_notes_count",
    "no_category_count",
)
"""The cached figure columns of ``invoice`` that reads and writes of figures share."""


class InvoiceState(StrEnum):
    CREATED = "Created"
    APPROVED = "Approved"
    PREVIEW = "Preview"
    SENT = "Sent"


class Invoice(Model):
    """Project × calendar month. Figures are cached here and refreshed when its days change."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "financebot.Project", related_name="invoices", on_delete=fields.CASCADE
    )
    year = fields.IntField()
    month = fields.SmallIntField()
    state = fields.CharField(max_length=16, default=InvoiceState.CREATED.value)
    invoice_number = fields.CharField(max_length=64, default="")
    # Cached figures (models/invoices/figures.py), written by refresh_invoice_figures
    # (models/invoices/refresh.py) whenever the invoice's entries, fixed rows or previous
    # month change. ``money`` is the hour money, in HOURS_CURRENCY.
    hours = hours_field(default=0)
    billable_hours = hours_field(default=0)
    money = money_field(default=0)
    average_rate = money_field(default=0)
    billable_share = fields.DecimalField(max_digits=10, decimal_places=6, default=0)
    odd_rate_count = fields.IntField(default=0)
    non_billable_count = fields.IntField(default=0)
    non_phase_specific_count = fields.IntField(default=0)
    not_approved_count = fields.IntField(default=0)
    empty_notes_count = fields.IntField(default=0)
    no_category_count = fields.IntField(default=0)
    incorrect_entries_count = fields.IntField(default=0)
    remarkable_change = fields.BooleanField(default=False)
    # The previous calendar month's invoice as compared (all null: there is none).
    previous_hours = hours_field(null=True)
    previous_average_rate = money_field(null=True)
    previous_money = money_field(null=True)
    # Currency → amount (decimal strings) of the fixed rows and the AWS billing counted.
    fixed_rows_money: Any = fields.JSONField(default=dict, db_default="{}")
    aws_billing_money: Any = fields.JSONField(default=dict, db_default="{}")
    # The rules the figures were computed with (InvoiceRules.fingerprint); "" = never.
    figures_rules = fields.CharField(max_length=64, default="", db_default="")
    # The approval baseline: the figures the approver saw (money: currency -> amount as text),
    # and how the figures differ from it since (models/invoices/after_approval.py).
    approved_hours = hours_field(null=True)
    approved_money: Any = fields.JSONField(null=True)
    changed_since_approval = fields.BooleanField(default=False)
    hours_change_since_approval = hours_field(default=0)
    money_change_since_approval: Any = fields.JSONField(default=dict)
    # Bumped by every recorded check: a review modal submits against the version it showed.
    review_version = fields.IntField(default=0)
    review_requested_at = fields.DatetimeField(null=True)
    figures_updated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "invoice"
        unique_together = (("project", "year", "month"),)
        ordering = ["-year", "-month"]

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


class InvoiceCheck(Model):
    """One submission of the invoice checklist. The latest decides the state and all are kept."""

    id = fields.IntField(primary_key=True)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "financebot.Invoice", related_name="checks", on_delete=fields.CASCADE
    )
    checker: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "financebot.Person", related_name="invoice_checks", null=True, on_delete=fields.SET_NULL
    )
    checker_slack_id = fields.CharField(max_length=32, default="")
    checked_at = fields.DatetimeField(auto_now_add=True)
    checklist: Any = fields.JSONField(default=dict)
    comments = fields.TextField(default="")
    invoice_number = fields.CharField(max_length=64, default="")
    approved = fields.BooleanField(default=False)
    sent = fields.BooleanField(default=False)
    changes_requested = fields.TextField(default="")
    resulting_state = fields.CharField(max_length=16, default=InvoiceState.CREATED.value)

    class Meta:
        table = "invoice_check"
        ordering = ["-checked_at", "-id"]
        # An invoice's checks, newest first: its status in every unfurl, modal and App Home.
        indexes = (("invoice_id", "checked_at"),)


class ProjectFixedRow(Model):
    """A fixed-price line billed with every invoice of a project (copied at Preview/Sent)."""

    id = fields.IntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "financebot.Project", related_name="fixed_rows", on_delete=fields.CASCADE
    )
    description = fields.CharField(max_length=255)
    price = money_field()
    currency = fields.CharField(max_length=3, default="EUR")

    class Meta:
        table = "project_fixed_row"


class InvoiceFixedRow(Model):
    """A fixed-price line on one invoice: added by finance, or copied from the project's rows
    when the invoice moved to Preview (``from_project``, removed again when it moves back)."""

    id = fields.IntField(primary_key=True)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "financebot.Invoice", related_name="fixed_rows", on_delete=fields.CASCADE
    )
    description = fields.CharField(max_length=255)
    price = money_field()
    currency = fields.CharField(max_length=3, default="EUR")
    from_project = fields.BooleanField(default=False)

    class Meta:
        table = "invoice_fixed_row"
