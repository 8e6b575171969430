"""The notification ledger as people read it: newest first, filtered, a page at a time, each
recipient's Slack ids shown with the person's (or channel's) name when it is known.

Privacy: a flex saldo message's summary carries a person's flex numbers, seen by the ``hr``
group only (docs/domain-rules.md, "Privacy and permissions"); any other viewer reads who got
it and when, with "values hidden" instead of the summary.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models.bookkeeping import Notification
from models.notifications.kinds import NotificationType
from models.notifications.ledger import FAILED, SENDING, SENT, UNKNOWN
from models.people import Person, SlackChannel, SlackUser, full_name
from models.permissions import Actor, Capability, allows

PAGE_SIZE = 100
STATUSES = (SENT, FAILED, UNKNOWN, SENDING)
#: Types whose summaries are flex numbers (see the module docstring).
FLEX_TYPES = frozenset({NotificationType.FLEX_SALDO.value})
#: The most people or channels a name search may stand for.
MAX_MATCHED = 500


@dataclass(frozen=True, slots=True)
class HistoryFilters:
    type: str = ""
    status: str = ""
    period: str = ""
    recipient: str = ""  # Slack ids, a person's name or e-mail, or a channel's name


@dataclass(frozen=True, slots=True)
class HistoryRow:
    id: int
    at: dt.datetime
    type: str
    period: str
    recipient: str  # the names, with the Slack ids
    subject: str
    status: str
    error: str
    summary: str
    values_hidden: bool


@dataclass(frozen=True, slots=True)
class HistoryPage:
    rows: tuple[HistoryRow, ...]
    page: int
    pages: int
    total: int


def recipient_text(recipient: str, names: dict[str, str]) -> str:
    """``Aino Korhonen (U1), U2``: each id with its name when known."""
    parts = [part for part in recipient.split(",") if part]
    return ", ".join(f"{names[part]} ({part})" if part in names else part for part in parts)


async def slack_names(ids: Iterable[str]) -> dict[str, str]:
    """Slack id → a person's 10000ft name (else the Slack name), or ``#channel`` (3 queries)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    names: dict[str, str] = {}
    for slack_id, real_name, name in await SlackUser.filter(slack_id__in=wanted).values_list(
        "slack_id", "real_name", "name"
    ):
        names[str(slack_id)] = str(real_name or name)
    for slack_id, channel in await SlackChannel.filter(slack_id__in=wanted).values_list(
        "slack_id", "name"
    ):
        names[str(slack_id)] = f"#{channel}"
    people = await Person.filter(slack_id__in=wanted).values_list(
        "slack_id", "first_name", "last_name", "display_name"
    )
    for slack_id, first, last, display in people:
        name = full_name(str(first), str(last), str(display))
        if name:
            names[str(slack_id)] = name
    return {key: value for key, value in names.items() if value}


async def ids_named(text: str) -> list[str]:
    """Slack ids of the people (name or e-mail) and channels (name) that ``text`` names."""
    words = text.lower().replace("#", " ").split()
    if not words:
        return []
    people = Person.filter(slack_id__not_isnull=True)
    channels = SlackChannel.all()
    for word in words:
        people = people.filter(
            Q(email__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(display_name__icontains=word)
        )
        channels = channels.filter(name__icontains=word)
    found = await people.limit(MAX_MATCHED).values_list("slack_id", flat=True)
    found += await channels.limit(MAX_MATCHED).values_list("slack_id", flat=True)
    return sorted({str(slack_id) for slack_id in found if slack_id})


async def filtered(filters: HistoryFilters) -> QuerySet[Notification]:
    query = Notification.all()
    if filters.type:
        query = query.filter(type=filters.type)
    if filters.status:
        query = query.filter(status=filters.status)
    if filters.period:
        query = query.filter(period__icontains=filters.period)
    text = filters.recipient.strip()
    if text:
        matches = Q(recipient__icontains=text)
        for slack_id in await ids_named(text):
            matches |= Q(recipient__contains=slack_id)
        query = query.filter(matches)
    return query


async def history_page(
    viewer: Actor | None, tz: ZoneInfo, filters: HistoryFilters, page: int = 1
) -> HistoryPage:
    """One page of the ledger, newest first, as ``viewer`` may read it."""
    query = await filtered(filters)
    total = await query.count()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = await query.order_by("-sent_at", "-id").offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    names = await slack_names(part for row in rows for part in row.recipient.split(","))
    sees_flex = allows(viewer, Capability.SEE_FLEX_OF_OTHERS)
    return HistoryPage(
        tuple(
            HistoryRow(
                id=row.id,
                at=row.sent_at.astimezone(tz),
                type=row.type,
                period=row.period,
                recipient=recipient_text(row.recipient, names),
                subject=row.subject,
                status=row.status,
                error=row.error,
                summary="" if row.type in FLEX_TYPES and not sees_flex else row.summary,
                values_hidden=row.type in FLEX_TYPES and not sees_flex,
            )
            for row in rows
        ),
        page,
        pages,
        total,
    )


def type_choices() -> tuple[str, ...]:
    return tuple(kind.value for kind in NotificationType)
