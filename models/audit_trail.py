"""The audit log as people read it: newest first, filtered by kind and person, a page at a time,
each change written as readable ``key: before → after`` lines.

A flex correction's values (its hours and HR's note) are flex numbers: only a viewer who may see
everyone's flex (the ``hr`` group) reads them. Anyone else who may open the audit log (admins)
sees that the correction was made, by whom, when and for whom, without its values.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.expressions import Q, RawSQL
from tortoise.queryset import QuerySet

from core.db import dialect
from models.bookkeeping import AuditLog
from models.people import Person
from models.permissions import Actor, Capability, allows

PAGE_SIZE = 100
#: The most people a name search may stand for; more means the search is too vague anyway.
MAX_MATCHED_PEOPLE = 500


@dataclass(frozen=True, slots=True)
class Kind:
    key: str
    label: str
    entities: tuple[str, ...]


KINDS = (
    Kind("contract", "Contracts", ("work_contract",)),
    Kind("correction", "Flex corrections", ("flex_correction",)),
    Kind("group", "Groups", ("group", "group_membership")),
    Kind("invoice_check", "Invoice checks", ("invoice_check",)),
    Kind("fixed_row", "Fixed rows", ("project_fixed_row", "invoice_fixed_row")),
    Kind("slack_channel", "Slack channels", ("slack_channel",)),
    Kind("aws_link", "AWS account links", ("aws_account_link",)),
)
KIND_KEYS = tuple(kind.key for kind in KINDS)
ENTITY_LABELS = {
    "work_contract": "contract",
    "flex_correction": "flex correction",
    "group": "group",
    "group_membership": "group member",
    "invoice_check": "invoice check",
    "project_fixed_row": "project fixed row",
    "invoice_fixed_row": "invoice fixed row",
    "slack_channel": "Slack channel",
    "aws_account_link": "AWS account link",
}
#: Entities whose values are flex numbers (see the module's docstring).
FLEX_ENTITIES = frozenset({"flex_correction"})


@dataclass(frozen=True, slots=True)
class ValueLine:
    """One key of a change: ``before`` and ``after`` as text (None: the side has no value)."""

    key: str
    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before is not None and self.after is not None and self.before != self.after


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor: str
    kind: str
    entity_id: str
    action: str
    subject: str
    """The e-mail of the person the row is about, when it names one."""
    lines: tuple[ValueLine, ...]
    note: str
    values_hidden: bool


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: tuple[AuditEntry, ...]
    page: int
    pages: int
    total: int


def readable(value: Any) -> str:
    """A JSON value as a person reads it: ``yes``/``no``, lists joined by commas, ``-`` for none."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(readable(item) for item in value) or "(none)"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {readable(item)}" for key, item in value.items())
    return str(value)


#: Keys that say whom and what a row is about, shown before the rest.
LEAD_KEYS = ("group", "email", "name", "project", "month")


def _key_order(key: str) -> tuple[int, str]:
    return (LEAD_KEYS.index(key) if key in LEAD_KEYS else len(LEAD_KEYS), key)


def value_lines(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[ValueLine, ...]:
    """Every key of either side, who and what first, then by name (PostgreSQL's JSON keeps no
    order); a side that is None has no values."""
    keys = sorted({*(before or {}), *(after or {})}, key=_key_order)
    return tuple(
        ValueLine(
            key,
            None if before is None else readable(before.get(key)),
            None if after is None else readable(after.get(key)),
        )
        for key in keys
    )


def entry_of(row: AuditLog, viewer: Actor | None, tz: ZoneInfo) -> AuditEntry:
    hidden = row.entity in FLEX_ENTITIES and not allows(viewer, Capability.SEE_FLEX_OF_OTHERS)
    values = row.after if isinstance(row.after, dict) else row.before
    subject = values.get("email") if isinstance(values, dict) else None
    return AuditEntry(
        id=row.id,
        at=row.created_at.astimezone(tz),
        actor=row.actor,
        kind=ENTITY_LABELS.get(row.entity, row.entity),
        entity_id=row.entity_id,
        action=row.action,
        subject=subject if isinstance(subject, str) else "",
        lines=() if hidden else value_lines(row.before, row.after),
        note="" if hidden else row.note,
        values_hidden=hidden,
    )


def _json_text(column: str, key: str) -> RawSQL:
    """``column ->> key`` as SQL for the database in use (both store these columns as JSON)."""
    if dialect() == "sqlite":
        return RawSQL(f"json_extract(\"{column}\", '$.{key}')")
    return RawSQL(f"(\"{column}\"->>'{key}')")


async def emails_matching(text: str) -> list[str]:
    """Lower-cased e-mails of the people ``text`` names: part of an e-mail, or words of a name."""
    words = text.lower().split()
    if not words:
        return []
    query = Person.filter(email__not_isnull=True)
    for word in words:
        query = query.filter(
            Q(email__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(display_name__icontains=word)
        )
    emails = await query.limit(MAX_MATCHED_PEOPLE).values_list("email", flat=True)
    found = {str(email).lower() for email in emails}
    if "@" in text:
        found.add(text.strip().lower())
    return sorted(found)


async def filtered(kind: str | None, person: str | None) -> QuerySet[AuditLog]:
    """Audit rows of ``kind`` (a :data:`KINDS` key) whose actor or subject ``person`` names."""
    query = AuditLog.all()
    if kind:
        entities = next(k.entities for k in KINDS if k.key == kind)
        query = query.filter(entity__in=list(entities))
    text = (person or "").strip()
    if text:
        emails = await emails_matching(text)
        query = query.annotate(
            before_email=_json_text("before", "email"), after_email=_json_text("after", "email")
        )
        matches = Q(actor__icontains=text)
        if emails:
            matches |= (
                Q(actor__in=[f"web:{email}" for email in emails])
                | Q(before_email__in=emails)
                | Q(after_email__in=emails)
            )
        query = query.filter(matches)
    return query


async def audit_page(
    viewer: Actor | None,
    tz: ZoneInfo,
    *,
    kind: str | None = None,
    person: str | None = None,
    page: int = 1,
) -> AuditPage:
    """One page of the audit log, newest first, as ``viewer`` may read it (see the docstring)."""
    if kind is not None and kind not in KIND_KEYS:
        raise ValueError(f"unknown audit kind {kind!r}")
    query = await filtered(kind, person)
    total = await query.count()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = (
        await query.order_by("-created_at", "-id").offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    return AuditPage(tuple(entry_of(row, viewer, tz) for row in rows), page, pages, total)
