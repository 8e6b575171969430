"""Work contracts and flex corrections, the HR-owned inputs of the flex saldo."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.base import hours_field

if TYPE_CHECKING:
    from models.people import Person


class WorkContract(Model):
    """Both dates inclusive. ``end_date`` null means open-ended."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "financebot.Person", related_name="contracts", on_delete=fields.CASCADE
    )
    start_date = fields.DateField()
    end_date = fields.DateField(null=True)
    worktime_percent = fields.SmallIntField()
    flex_enabled = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "work_contract"
        unique_together = (("person", "start_date"),)
        ordering = ["start_date"]


class FlexCorrection(Model):
    """``adjust_by`` adds hours on ``date``, ``set_to`` is the saldo at the start of ``date``."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "financebot.Person", related_name="flex_corrections", on_delete=fields.CASCADE
    )
    date = fields.DateField()
    adjust_by = hours_field(null=True)
    set_to = hours_field(null=True)
    note = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "flex_correction"
        unique_together = (("person", "date"),)
        ordering = ["date"]
