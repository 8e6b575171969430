"""Hour entries (10000ft time entries flattened) and public holidays."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.base import hours_field, money_field, rate_field

if TYPE_CHECKING:
    from models.people import Person
    from models.projects import Project


class HourStatus(StrEnum):
    UNSUBMITTED = "Unsubmitted"
    PENDING = "Pending Approval"
    APPROVED = "Approved"


NON_PHASE_SPECIFIC = "[Non Phase Specific]"
NO_CATEGORY = "[none]"


class HourEntry(Model):
    """One 10000ft time entry. Leave entries have no project, client, phase, category.

    The hours sync replaces a day's rows wholesale with raw executemany (see
    sync/tenkfeet/hours.py), so this table keeps plain columns; ``person_id`` and
    ``project_id`` are foreign keys.
    """

    id = fields.IntField(primary_key=True)
    tenkfeet_id = fields.BigIntField(unique=True)
    date = fields.DateField(db_index=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "financebot.Person", related_name="hour_entries", on_delete=fields.CASCADE
    )
    project: fields.ForeignKeyNullableRelation[Project] = fields.ForeignKeyField(
        "financebot.Project", related_name="hour_entries", null=True, on_delete=fields.SET_NULL
    )
    client_name = fields.CharField(max_length=255, default="")
    phase_name = fields.CharField(max_length=255, default="")
    leave_type = fields.CharField(max_length=255, default="")
    category = fields.CharField(max_length=255, default="")
    notes = fields.TextField(default="")
    hours = hours_field()
    bill_rate = rate_field(default=0)
    money = money_field(default=0)
    status = fields.CharField(max_length=32, default=HourStatus.UNSUBMITTED.value)
    upstream_updated_at = fields.CharField(max_length=64, default="")

    class Meta:
        table = "hour_entry"
        indexes = (("person_id", "date"), ("project_id", "date"))

    @property
    def is_leave(self) -> bool:
        return bool(self.leave_type)


class HourDayChecksum(Model):
    """Hash of one day's fetched entries: an unchanged hash lets the sync skip the day."""

    id = fields.IntField(primary_key=True)
    date = fields.DateField(unique=True)
    checksum = fields.CharField(max_length=64)
    entry_count = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "hour_day_checksum"


class PublicHoliday(Model):
    id = fields.IntField(primary_key=True)
    tenkfeet_id = fields.IntField(unique=True, null=True)
    date = fields.DateField(db_index=True)
    name = fields.CharField(max_length=255)

    class Meta:
        table = "public_holiday"


class HourWindowChecksum(Model):
    """Hash of one fetch window's raw 10000ft pages: an unchanged window is skipped unparsed."""

    id = fields.IntField(primary_key=True)
    start_date = fields.DateField()
    end_date = fields.DateField()
    checksum = fields.CharField(max_length=64)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "hour_window_checksum"
        unique_together = (("start_date", "end_date"),)
