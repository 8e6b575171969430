"""Clients, projects, phases and leave types from 10000ft."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.people import Person, SlackChannel


class Client(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=255, unique=True)

    class Meta:
        table = "client"


class Project(Model):
    """A 10000ft top-level project. ``admins`` are people named by the project's tags."""

    id = fields.IntField(primary_key=True)
    tenkfeet_id = fields.IntField(unique=True)
    guid = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=255)
    client: fields.ForeignKeyNullableRelation[Client] = fields.ForeignKeyField(
        "financebot.Client", related_name="projects", null=True, on_delete=fields.SET_NULL
    )
    project_state = fields.CharField(max_length=64, default="")
    project_code = fields.CharField(max_length=255, default="")
    description = fields.TextField(default="")
    starts_at = fields.DateField(null=True)
    ends_at = fields.DateField(null=True)
    archived = fields.BooleanField(default=False)
    archived_at = fields.DatetimeField(null=True)
    tags: Any = fields.JSONField(default=list)
    admins: fields.ManyToManyRelation[Person] = fields.ManyToManyField(
        "financebot.Person", related_name="admin_of_projects", through="project_admin"
    )
    slack_channel: fields.ForeignKeyNullableRelation[SlackChannel] = fields.ForeignKeyField(
        "financebot.SlackChannel", related_name="projects", null=True, on_delete=fields.SET_NULL
    )
    new_project_announced = fields.BooleanField(default=False)
    upstream_updated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "project"
        ordering = ["name"]

    @property
    def is_internal(self) -> bool:
        return self.project_state.lower() == "internal"

    def __str__(self) -> str:
        return self.name


class Phase(Model):
    """A 10000ft phase: a project with ``parent_id``."""

    id = fields.IntField(primary_key=True)
    tenkfeet_id = fields.IntField(unique=True)
    guid = fields.CharField(max_length=64, null=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "financebot.Project", related_name="phases", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=255)
    archived = fields.BooleanField(default=False)

    class Meta:
        table = "phase"


class LeaveType(Model):
    """A 10000ft leave type and how flex counts it.

    ``flex_treatment``: ``leave`` (counts as a worked day's hours), ``unpaid`` (counted as
    unpaid: offsets expected hours in the monthly summary) or ``flex`` (consumes flex: not
    counted). Defaults reproduce docs/domain-rules.md: "Flex time Leave" consumes flex, "Unpaid
    leave" is unpaid, everything else is leave.
    """

    id = fields.IntField(primary_key=True)
    tenkfeet_id = fields.IntField(unique=True)
    name = fields.CharField(max_length=255)
    description = fields.TextField(default="")
    flex_treatment = fields.CharField(max_length=16, default="leave")

    class Meta:
        table = "leave_type"
