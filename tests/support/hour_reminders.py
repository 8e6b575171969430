"""Projects and hour entries for the weekly hour reminders' tests (people:
``tests.support.flex_people.make_person``)."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from models import Client, HourEntry, Person, Project

_ids = itertools.count(5000)


async def project(
    name: str,
    client: str = "Acme",
    *,
    admins: tuple[Person, ...] = (),
    archived: bool = False,
) -> Project:
    n = next(_ids)
    owner, _ = await Client.get_or_create(name=client)
    created = await Project.create(
        tenkfeet_id=n, guid=f"proj-{n}", name=name, client=owner, archived=archived
    )
    if admins:
        await created.admins.add(*admins)
    return created


async def entry(
    who: Person,
    day: date,
    hours: str,
    *,
    on: Project | None = None,
    status: str = "Unsubmitted",
    rate: str = "0",
    leave_type: str = "",
    phase: str = "Build",
    category: str = "Development",
    notes: str = "did things",
) -> HourEntry:
    leave = on is None
    return await HourEntry.create(
        tenkfeet_id=next(_ids),
        date=day,
        person=who,
        project=on,
        phase_name="" if leave else phase,
        leave_type=(leave_type or "Vacation") if leave else "",
        category="" if leave else category,
        notes="" if leave else notes,
        hours=Decimal(hours),
        bill_rate=Decimal(rate),
        money=Decimal(rate) * Decimal(hours),
        status=status,
        upstream_updated_at="2026-01-01T00:00:00Z",
    )
