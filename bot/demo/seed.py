"""Loading the sample company into the demo's database the way production data arrives.

The 10000ft emulator serves the company and the real syncs (``sync.dispatch.run_sync``) fetch
it; HR's contracts and corrections go through the real CSV imports; the groups (an HR, a
finance and an admin member, so every role can be tried) are the one thing added directly,
with an audit row like any group change.
Everything is idempotent: a second run on the same database changes nothing it need not.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from bot.demo.company import (
    CHANNELS,
    DemoPerson,
    HolidayCalendar,
    SlackMember,
    contracts_csv,
    corrections_csv,
    demo_people,
    first_day,
    slack_members,
    tenkfeet_leave_types,
    tenkfeet_projects,
    tenkfeet_users,
)
from bot.demo.hours import company_hours
from bot.emulators.tenkfeet_data import TenkfeetData
from core.errors import CommandError
from core.settings import Settings
from models import Group, GroupMembership, Person
from models.audit import record_change
from models.flex.contract_import import import_contracts
from models.flex.correction_import import import_corrections
from models.flex.csv_import import ImportCounts, ImportRejected
from models.permissions import BUILT_IN_GROUPS
from sync.dispatch import SLACK_KINDS, run_sync
from sync.runs import SyncAlreadyRunning

START_FILE = "sample-company-start.txt"
ACTOR = "financebot demo"


def company_start(data_dir: Path, today: dt.date) -> dt.date:
    """The sample company's first day: kept in the data directory from its first run.

    Keeping it keeps every contract, correction and past hour entry the same on later runs
    (the history then grows up to each run's today).
    """
    path = data_dir / START_FILE
    if path.exists():
        text = path.read_text(encoding="utf-8").strip()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise CommandError(
                f"{path} should hold the sample company's first day (YYYY-MM-DD), "
                f"not {text[:20]!r}; delete the data directory to start afresh"
            ) from None
    started = first_day(today)
    path.write_text(started.isoformat() + "\n", encoding="utf-8")
    return started


@dataclass(frozen=True)
class SampleCompany:
    started: dt.date
    today: dt.date
    people: list[DemoPerson]
    tenkfeet: TenkfeetData
    slack_members: list[SlackMember]

    @property
    def entry_count(self) -> int:
        return len(self.tenkfeet.time_entries)

    def person(self, handle: str) -> DemoPerson:
        return next(p for p in self.people if p.handle == handle)

    def guid_of(self, person: DemoPerson) -> str:
        """The person's 10000ft guid, which the admin site's person pages use."""
        return str(next(u["guid"] for u in self.tenkfeet.users if u["id"] == person.tenkfeet_id))


def sample_company(started: dt.date, today: dt.date) -> SampleCompany:
    people = demo_people(started)
    calendar = HolidayCalendar.covering(started, today)
    data = TenkfeetData(
        users=tenkfeet_users(people),
        projects=tenkfeet_projects(),
        leave_types=tenkfeet_leave_types(),
        holidays=calendar.tenkfeet(),
        time_entries=company_hours(people, calendar.days, started, today),
    )
    return SampleCompany(started, today, people, data, slack_members(people))


def fill_slack_workspace(emulator: Any, company: SampleCompany) -> None:
    """Adds the members and channels to a ``bot.emulators.slack.SlackEmulator``."""
    for member in company.slack_members:
        emulator.add_user(
            member.slack_id,
            email=member.email,
            real_name=member.real_name,
            name=member.handle,
            deleted=member.deleted,
        )
    for channel_id, name, archived in CHANNELS:
        emulator.add_channel(channel_id, name, archived=archived)


@dataclass(frozen=True)
class SeedSummary:
    hour_entries_changed: int
    contracts: ImportCounts
    corrections: ImportCounts
    seconds: float


async def seed_sample_company(settings: Settings, company: SampleCompany) -> SeedSummary:
    """Syncs everything from the emulators, then imports contracts and corrections.

    ``settings`` must point TENKFEET_* and SLACK_* at the emulators serving ``company``.
    """
    began = time.perf_counter()
    try:
        for kind in ("users", "projects", "leave-types", "holidays"):
            await run_sync(kind, settings)
        hours = await run_sync("hours", settings, start=company.started, end=company.today)
        for kind in SLACK_KINDS:
            await run_sync(kind, settings)
    except SyncAlreadyRunning as exc:
        raise CommandError(
            f"cannot load the sample company: {exc} (an earlier demo on this data directory "
            "was stopped mid-sync; its lock lapses within 10 minutes)"
        ) from None
    try:
        contracts = await import_contracts(contracts_csv(company.people), actor=ACTOR)
        corrections = await import_corrections(corrections_csv(company.people), actor=ACTOR)
    except ImportRejected as exc:
        first = exc.errors[0] if exc.errors else exc
        raise CommandError(f"the sample contracts or corrections were refused: {first}") from None
    for group in BUILT_IN_GROUPS:
        await add_to_group(group, [p.tenkfeet_id for p in company.people if group in p.groups])
    return SeedSummary(
        hour_entries_changed=hours.added + hours.updated + hours.deleted,
        contracts=contracts,
        corrections=corrections,
        seconds=time.perf_counter() - began,
    )


async def add_to_group(group_name: str, tenkfeet_ids: list[int]) -> int:
    """Makes these people members of the group (created if missing); returns how many joined."""
    joined = 0
    async with in_transaction():
        group, _ = await Group.get_or_create(name=group_name)
        for person in await Person.filter(tenkfeet_id__in=tenkfeet_ids):
            membership, created = await GroupMembership.get_or_create(group=group, person=person)
            if not created:
                continue
            joined += 1
            await record_change(
                actor=ACTOR,
                entity="group_membership",
                entity_id=membership.id,
                action="create",
                before=None,
                after={"group": group_name, "person_id": person.id, "email": person.email},
            )
    return joined
