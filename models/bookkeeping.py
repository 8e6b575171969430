"""Operational records: notification ledger, sync runs and locks, job claims, events, audit."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Notification(Model):
    """One notification in the ledger. At most one row per type + period + recipient + subject:
    the row is claimed (status sending) before the message goes out, so it is sent once.

    ``recipient`` is the Slack user ids of the conversation, comma-separated and sorted.
    ``subject`` names what the message is about when a period holds several (an invoice id),
    else it is empty. ``channel`` and ``message_ts`` name the posted message (for chat.update).
    ``status``: sending, sent or failed (``error`` says why, and a later run tries again).
    """

    id = fields.IntField(primary_key=True)
    type = fields.CharField(max_length=64)
    period = fields.CharField(max_length=64)
    recipient = fields.CharField(max_length=255, db_index=True)
    subject = fields.CharField(max_length=64, default="")
    status = fields.CharField(max_length=16, default="sent")
    error = fields.TextField(default="")
    sent_at = fields.DatetimeField(auto_now_add=True)
    channel = fields.CharField(max_length=32, default="")
    message_ts = fields.CharField(max_length=32, default="")
    summary = fields.TextField(default="")

    class Meta:
        table = "notification"
        unique_together = (("type", "period", "recipient", "subject"),)
        ordering = ["-sent_at"]


class SyncRun(Model):
    """One sync run: what, which range, when, how many rows changed, and why it failed.

    ``skipped`` counts what was left as it was (unchanged rows and days, and items not stored);
    ``invalid`` counts the upstream items among them that failed validation (each recorded as
    an Event of kind ``sync.KIND.invalid``). ``retries`` says how often the upstream was asked
    again and how long the run waited for it (``10000ft: 3 retries (HTTP 429 ×3), 12.0 s
    waited``), "" when never.
    """

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=32, db_index=True)
    start_date = fields.DateField(null=True)
    end_date = fields.DateField(null=True)
    forced = fields.BooleanField(default=False)
    status = fields.CharField(max_length=16, default="running")  # running/succeeded/failed
    started_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)
    added = fields.IntField(default=0)
    updated = fields.IntField(default=0)
    deleted = fields.IntField(default=0)
    skipped = fields.IntField(default=0)
    invalid = fields.IntField(default=0)
    error = fields.TextField(default="")
    retries = fields.TextField(default="")

    class Meta:
        table = "sync_run"
        ordering = ["-started_at"]


class SyncLock(Model):
    """A unique row per sync kind while a run holds it: runs of one kind never overlap,
    also across replicas sharing the database. ``expires_at`` lets a crashed holder's lock lapse.
    """

    kind = fields.CharField(max_length=32, primary_key=True)
    holder = fields.CharField(max_length=128)
    acquired_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()

    class Meta:
        table = "sync_lock"


class JobClaim(Model):
    """A scheduled job claims (job, period) before acting, so one replica runs it.

    ``finished_at`` is set when the run ends; until then ``expires_at`` bounds the claim, so a
    run that crashed half-way is taken over by a later run (the ledger keeps it from sending
    what was already sent). ``attempts`` counts the runs that held it: a run that left some
    recipients failed lets the next one take over at once, up to a bound.
    """

    id = fields.IntField(primary_key=True)
    job = fields.CharField(max_length=64)
    period = fields.CharField(max_length=64)
    holder = fields.CharField(max_length=128, default="")
    claimed_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=1, db_default=1)

    class Meta:
        table = "job_claim"
        unique_together = (("job", "period"),)


class Event(Model):
    """Free-form event log (Slack actions, sync notes), cleaned by `cleanup --type events`."""

    id = fields.IntField(primary_key=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    kind = fields.CharField(max_length=64)
    message = fields.TextField(default="")
    data: Any = fields.JSONField(default=dict)

    class Meta:
        table = "event"
        ordering = ["-created_at"]


class AuditLog(Model):
    """Every change to contracts, corrections, invoice checks, groups: who, when, before, after."""

    id = fields.IntField(primary_key=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    actor = fields.CharField(max_length=255)
    entity = fields.CharField(max_length=64)
    entity_id = fields.CharField(max_length=64)
    action = fields.CharField(max_length=16)  # create/update/delete
    before: Any = fields.JSONField(null=True)
    after: Any = fields.JSONField(null=True)
    note = fields.TextField(default="")

    class Meta:
        table = "audit_log"
        ordering = ["-created_at", "-id"]
