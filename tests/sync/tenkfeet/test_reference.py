"""People, projects (phases, clients, admins), leave types and holidays from 10000ft."""

from __future__ import annotations

from datetime import date

import pytest

from bot.emulators.tenkfeet_data import holiday, leave_type, user
from models import Client, LeaveType, Person, Phase, Project, PublicHoliday
from sync.counts import SyncCounts
from sync.tenkfeet.client import TenkfeetError
from sync.tenkfeet.reference import sync_holidays, sync_leave_types, sync_projects, sync_users
from tests.support.sync_company import (
    ACME,
    ACME_DEV,
    ALICE,
    BOB,
    CAROL,
    DAVE,
    INTERNAL,
    client_for,
    running_emulator,
    small_company,
)


def unchanged(counts: SyncCounts) -> bool:
    return (counts.added, counts.updated, counts.deleted) == (0, 0, 0)


async def test_users_stored_with_lower_cased_email_and_archived_flag(db: str) -> None:
    async with running_emulator(max_per_page=2) as emulator, client_for(emulator) as client:
        counts = await sync_users(client)
        assert counts == SyncCounts(added=4)
        alice = await Person.get(tenkfeet_id=ALICE)
        assert alice.email == "alice.admin@example.com"
        assert (alice.first_name, alice.last_name) == ("Alice", "Admin")
        assert (await Person.get(tenkfeet_id=DAVE)).email is None
        assert (await Person.get(tenkfeet_id=CAROL)).archived is True
        assert (await Person.get(tenkfeet_id=BOB)).archived is False

        again = await sync_users(client)
        assert unchanged(again) and again.skipped == 4

        emulator.data.users[1] = user(BOB, "Bob", "Builder", "BOB.B@example.com", archived=True)
        third = await sync_users(client)
        assert third == SyncCounts(updated=1, skipped=3)
        bob = await Person.get(tenkfeet_id=BOB)
        assert bob.email == "bob.b@example.com" and bob.archived is True
        assert await Person.all().count() == 4


async def test_projects_phases_clients_and_admins_from_tags(db: str) -> None:
    async with running_emulator() as emulator, client_for(emulator) as client:
        await sync_users(client)
        counts = await sync_projects(client)
        assert counts.added == 5  # 2 projects + 3 phases

        acme = await Project.get(tenkfeet_id=ACME).prefetch_related("client", "admins")
        assert acme.name == "Acme portal"
        assert acme.client is not None and acme.client.name == "Acme Oy"
        assert acme.tags == ["alice admin", "Carol Gone", "agile"]
        # "alice admin" matches Alice case-insensitively; Carol is archived: not an admin.
        assert sorted(p.tenkfeet_id for p in acme.admins) == [ALICE]
        internal = await Project.get(tenkfeet_id=INTERNAL).prefetch_related("client", "admins")
        assert internal.client is None and internal.is_internal
        assert [p.tenkfeet_id for p in internal.admins] == [BOB]
        dev = await Phase.get(tenkfeet_id=ACME_DEV).prefetch_related("project")
        assert dev.name == "Development" and dev.project.tenkfeet_id == ACME
        assert await Client.all().count() == 1

        again = await sync_projects(client)
        assert unchanged(again) and again.skipped == 5

        # Tags change: Bob becomes Acme's admin, Alice no longer; the project is archived.
        acme_body = emulator.data.projects[0]
        acme_body["tags"]["data"] = [{"id": 1, "value": "Bob Builder"}]
        acme_body["archived"] = True
        third = await sync_projects(client)
        assert third.updated == 2  # the project's fields and its admins
        acme = await Project.get(tenkfeet_id=ACME).prefetch_related("admins")
        assert acme.archived is True
        assert [p.tenkfeet_id for p in acme.admins] == [BOB]


async def test_leave_types_get_default_treatment_and_keep_an_edited_one(db: str) -> None:
    async with running_emulator() as emulator, client_for(emulator) as client:
        assert (await sync_leave_types(client)).added == 3
        treatments = dict(await LeaveType.all().values_list("name", "flex_treatment"))
        assert treatments == {
            "Vacation": "leave",
            "Flex time Leave": "flex",
            "Unpaid leave": "unpaid",
        }

        await LeaveType.filter(name="Vacation").update(flex_treatment="unpaid")
        emulator.data.leave_types[0] = leave_type(50, "Vacation days")
        emulator.data.leave_types.append(leave_type(53, "unpaid LEAVE"))
        counts = await sync_leave_types(client)
        assert counts == SyncCounts(added=1, updated=1, skipped=2)
        renamed = await LeaveType.get(tenkfeet_id=50)
        assert (renamed.name, renamed.flex_treatment) == ("Vacation days", "unpaid")
        # Names as written: "unpaid LEAVE" is not "Unpaid leave", so it counts as leave.
        assert (await LeaveType.get(tenkfeet_id=53)).flex_treatment == "leave"
        assert unchanged(await sync_leave_types(client))


async def test_holidays_upserted_and_removed_ones_deleted(db: str) -> None:
    async with running_emulator() as emulator, client_for(emulator) as client:
        assert (await sync_holidays(client)).added == 2
        emulator.data.holidays = [
            holiday(1, "New Year", date(2024, 1, 1)),
            holiday(3, "Midsummer Eve", date(2024, 6, 21)),
        ]
        counts = await sync_holidays(client)
        assert counts == SyncCounts(added=1, updated=1, deleted=1)
        assert dict(await PublicHoliday.all().values_list("date", "name")) == {
            date(2024, 1, 1): "New Year",
            date(2024, 6, 21): "Midsummer Eve",
        }
        assert unchanged(await sync_holidays(client))


async def test_failed_fetch_changes_nothing(db: str) -> None:
    async with running_emulator(max_per_page=1) as emulator, client_for(emulator) as client:
        await sync_users(client)
        before = sorted(await Person.all().values_list("tenkfeet_id", "email", "archived"))
        emulator.data.users[0] = user(ALICE, "Alice", "Admin", "new@example.com")
        emulator.fail_request(3, status=500)  # the third page, beyond 2 retries: 3 failures
        emulator.fail_request(4, status=500)
        emulator.fail_request(5, status=500)
        with pytest.raises(TenkfeetError, match="HTTP 500"):
            await sync_users(client)
        after = sorted(await Person.all().values_list("tenkfeet_id", "email", "archived"))
        assert after == before


def test_small_company_is_consistent() -> None:
    data = small_company()
    assert {u["id"] for u in data.users} == {ALICE, BOB, CAROL, DAVE}


async def test_nulls_where_10000ft_may_send_them_do_not_stop_a_sync(db: str) -> None:
    """One sloppy record must not fail the whole sync: missing names, flags and rates."""
    from bot.emulators.tenkfeet_data import approval, project, time_entry
    from models import HourEntry
    from sync.tenkfeet.hours import sync_hours
    from tests.support.sync_company import ACME_DEV, VACATION

    data = small_company()
    data.users.append(
        {
            **user(90, "X", "Y", "null@example.com"),
            "first_name": None,
            "last_name": None,
            "display_name": None,
            "billable": None,
            "archived": None,
            "invitation_pending": None,
        }
    )
    data.projects.append(
        {
            **project(91, "P", None),
            "name": None,
            "archived": None,
            "tags": {"data": [{"id": 1, "value": None}], "paging": {}},
        }
    )
    data.leave_types.append({**leave_type(92, "L"), "name": None})
    data.holidays.append({**holiday(93, "H", date(2024, 3, 8)), "name": None})
    stamp = "2024-03-05T10:00:00Z"
    data.time_entries.add(
        {
            **time_entry(
                94,
                90,
                ACME_DEV,
                date(2024, 3, 5),
                "2",
                approvals=[approval(9094, 94, "approved", updated_at=stamp)],
            ),
            "bill_rate": None,
            "updated_at": None,
            "is_suggestion": None,
            "task": None,
        }
    )
    data.time_entries.add(
        {
            **time_entry(95, 90, VACATION, date(2024, 3, 5), "1", assignable_type="LeaveType"),
            "bill_rate": None,
            "notes": None,
        }
    )
    async with running_emulator(data) as emulator, client_for(emulator) as client:
        await sync_users(client)
        await sync_projects(client)
        await sync_leave_types(client)
        await sync_holidays(client)
        await sync_hours(client, date(2024, 3, 1), date(2024, 3, 31))

    nameless = await Person.get(tenkfeet_id=90)
    assert (nameless.first_name, nameless.archived, nameless.billable) == ("", False, False)
    assert (await Project.get(tenkfeet_id=91)).name == "Project 91"
    assert (await LeaveType.get(tenkfeet_id=92)).name == "Leave type 92"
    assert (await PublicHoliday.get(tenkfeet_id=93)).name == "Holiday"
    work = await HourEntry.get(tenkfeet_id=94)
    assert (work.bill_rate, work.money, work.category, work.status) == (0, 0, "[none]", "Approved")
    assert (await HourEntry.get(tenkfeet_id=95)).leave_type == "Vacation"


async def test_users_sync_links_people_to_known_slack_users_by_email(db: str) -> None:
    """A new person (or a changed e-mail) gets the Slack link at once, strictly by e-mail."""
    from models import SlackUser

    await SlackUser.create(slack_id="U0ALICE", name="alice", email="alice.admin@example.com")
    await SlackUser.create(slack_id="U0BOB", name="bob", email="someone.else@example.com")
    async with running_emulator() as emulator, client_for(emulator) as client:
        await sync_users(client)
    assert (await Person.get(tenkfeet_id=ALICE)).slack_id == "U0ALICE"  # e-mail case differs
    assert (await Person.get(tenkfeet_id=BOB)).slack_id is None
