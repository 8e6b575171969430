"""People (10000ft users), groups and Slack directory rows."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Person(Model):
    """A 10000ft user. ``email`` is stored lower-cased and ``slack_id`` is matched by e-mail."""

    id = fields.IntField(primary_key=True)
    tenkfeet_id = fields.IntField(unique=True)
    guid = fields.CharField(max_length=64, unique=True)
    first_name = fields.CharField(max_length=255, default="")
    last_name = fields.CharField(max_length=255, default="")
    display_name = fields.CharField(max_length=255, default="")
    email = fields.CharField(max_length=255, null=True, db_index=True)
    slack_id = fields.CharField(max_length=32, null=True, db_index=True)
    archived = fields.BooleanField(default=False)
    archived_at = fields.DatetimeField(null=True)
    billable = fields.BooleanField(default=True)
    billrate = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    hire_date = fields.DateField(null=True)
    termination_date = fields.DateField(null=True)
    role = fields.CharField(max_length=255, default="")
    discipline = fields.CharField(max_length=255, default="")
    thumbnail = fields.TextField(null=True)
    upstream_updated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "person"
        ordering = ["first_name", "last_name"]

    @property
    def full_name(self) -> str:
        """The 10000ft "First Last" used in every reply."""
        return f"{self.first_name} {self.last_name}".strip() or self.display_name

    def __str__(self) -> str:
        return self.full_name


def name_key(first_name: str | None, last_name: str | None) -> str:
    """A person's "First Last" as names are matched (project tags, AWS account names):
    lower-cased, single spaces."""
    return " ".join(f"{first_name or ''} {last_name or ''}".split()).lower()


def full_name(first_name: str, last_name: str, display_name: str) -> str:
    """:attr:`Person.full_name` of a person read as plain values."""
    return f"{first_name} {last_name}".strip() or display_name


class Group(Model):
    """A permission group: ``finance`` sets invoice numbers, ``hr`` sees everyone's flex."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    description = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "person_group"


class GroupMembership(Model):
    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[Group] = fields.ForeignKeyField(
        "financebot.Group", related_name="memberships", on_delete=fields.CASCADE
    )
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "financebot.Person", related_name="group_memberships", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "group_membership"
        unique_together = (("group", "person"),)


class SlackUser(Model):
    """A Slack workspace member from users.list (bots and deleted users are not stored)."""

    id = fields.IntField(primary_key=True)
    slack_id = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=255, default="")
    real_name = fields.CharField(max_length=255, default="")
    email = fields.CharField(max_length=255, null=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "slack_user"


class SlackChannel(Model):
    id = fields.IntField(primary_key=True)
    slack_id = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=255)
    archived = fields.BooleanField(default=False)
    is_private = fields.BooleanField(default=False)
    new_project_notifications = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "slack_channel"
