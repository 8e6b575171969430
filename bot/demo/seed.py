"""Loading the sample company into the demo's database the way production data arrives.

The 10000ft emulator serves the company and the real syncs (``sync.dispatch.run_sync``) fetch
it; HR's contracts and corrections go through the real CSV imports; the invoice history goes
through the review flow (``bot/demo/reviews.py``); the groups (an HR, a finance and an admin
member, so every role can be tried) are the one thing added directly, with an audit row like
any group change.
Everything is idempotent: a second run on the same database changes nothing.
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
    PROJECTS,
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
from bot.demo.data_dir import START_FILE
from bot.demo.hours import company_hours
from bot.demo.reviews import (
    ReviewCounts,
    add_fixed_rows,
    approve_before_late_hours,
    late_hours_from,
    review_history,
)
from bot.emulators.tenkfeet_data import TenkfeetData
from core.errors import CommandError
from core.settings import Settings
from models import Group, GroupMembership, Person, SyncRun
from models.audit import record_change
from models.flex.contract_import import import_contracts
from models.flex.correction_import import import_corrections
from models.flex.csv_import import ImportCounts, ImportRejected
from models.permissions import BUILT_IN_GROUPS
from sync.dispatch import SLACK_KINDS, run_sync
from sync.runs import SyncAlreadyRunning

ACTOR = "financebot demo"
ONE_DAY = dt.timedelta(days=1)


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
                f"not {text[:20]!r}; start the demo with --reset to start afresh"
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
    def project_count(self) -> int:
        return len(PROJECTS)

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


class LoadDisplay:
    """Where the loading tells how it goes, step by step; this one shows nothing
    (``bot/demo/progress.py`` draws it on a terminal or prints plain lines)."""

    def started(self, step: str) -> None:
        """``step`` begins."""

    def advanced(self, step: str, done: int, total: int, unit: str) -> None:
        """``done`` of ``total`` ``unit`` (e.g. "days fetched") of ``step`` are through."""

    def finished(self, step: str, result: str) -> None:
        """``step`` is over; ``result`` says what it did."""


@dataclass(frozen=True)
class SeedSummary:
    hour_entries_changed: int
    contracts: ImportCounts
    corrections: ImportCounts
    reviews: ReviewCounts
    seconds: float


def _counts(run: SyncRun) -> str:
    return f"added {run.added}, updated {run.updated}, deleted {run.deleted}, skipped {run.skipped}"


def _imported(counts: ImportCounts) -> str:
    return f"{counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged"


class _HoursProgress:
    """The hours sync's progress in two runs (before and after the late hours) as one step."""

    def __init__(self, display: LoadDisplay, total: int) -> None:
        self.display, self.total, self.offset = display, total, 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        unit = "days fetched" if stage == "fetch" else "days written"
        self.display.advanced("hours", self.offset + done, self.total, unit)


async def seed_sample_company(
    settings: Settings, company: SampleCompany, display: LoadDisplay | None = None
) -> SeedSummary:
    """Syncs everything from the emulators, imports contracts and corrections, sets the
    groups, and records the invoice history (``bot/demo/reviews.py``).

    ``settings`` must point TENKFEET_* and SLACK_* at the emulators serving ``company``.
    The hours come in two syncs: up to :func:`late_hours_from`, then the rest, with one
    invoice approved in between, so that it changed since approval.
    """
    show = display or LoadDisplay()
    began = time.perf_counter()
    late = late_hours_from(company.today)
    try:
        for kind in ("users", "projects", "leave-types", "holidays", *SLACK_KINDS):
            show.started(kind)
            show.finished(kind, _counts(await run_sync(kind, settings)))
        try:
            contracts = await import_contracts(contracts_csv(company.people), actor=ACTOR)
            show.finished("contracts", _imported(contracts))
            corrections = await import_corrections(corrections_csv(company.people), actor=ACTOR)
            show.finished("corrections", _imported(corrections))
        except ImportRejected as exc:
            first = exc.errors[0] if exc.errors else exc
            raise CommandError(
                f"the sample contracts or corrections were refused: {first} (is the data "
                "directory from an older version of the demo? --reset starts it afresh)"
            ) from None
        joined = 0
        for group in BUILT_IN_GROUPS:
            members = [p.tenkfeet_id for p in company.people if group in p.groups]
            joined += await add_to_group(group, members)
        show.finished("groups", f"{joined} joined")

        show.started("hours")
        progress = _HoursProgress(show, (company.today - company.started).days + 1)
        early = await run_sync(
            "hours", settings, start=company.started, end=late - ONE_DAY, progress=progress
        )
        reviews = ReviewCounts(approved=await approve_before_late_hours(settings, company.today))
        progress.offset = (late - company.started).days
        rest = await run_sync("hours", settings, start=late, end=company.today, progress=progress)
        runs = (early, rest)
        show.finished(
            "hours",
            ", ".join(
                f"{word} {sum(getattr(run, word) for run in runs)}"
                for word in ("added", "updated", "deleted", "skipped")
            ),
        )
    except SyncAlreadyRunning as exc:
        raise CommandError(
            f"cannot load the sample company: {exc} (an earlier demo on this data directory "
            "was stopped mid-sync; its lock lapses within 10 minutes)"
        ) from None

    show.started("invoice reviews")
    await add_fixed_rows()
    later = await review_history(
        settings,
        company.today,
        lambda done, total: show.advanced("invoice reviews", done, total, "invoices"),
    )
    reviews = ReviewCounts(
        approved=reviews.approved + later.approved,
        numbered=later.numbered,
        sent=later.sent,
        changes_requested=later.changes_requested,
    )
    show.finished("invoice reviews", reviews.summary())
    return SeedSummary(
        hour_entries_changed=sum(run.added + run.updated + run.deleted for run in runs),
        contracts=contracts,
        corrections=corrections,
        reviews=reviews,
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
