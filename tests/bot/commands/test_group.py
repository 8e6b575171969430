"""`financebot group list|add|remove`, run as a real process against this run's test database."""

from __future__ import annotations

import asyncio
import getpass
import os
from dataclasses import dataclass

from models import AuditLog, Group, GroupMembership, Person
from tests.support.processes import start_cli


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.strip().splitlines()


async def financebot(database_url: str, *args: str) -> Outcome:
    proc = await start_cli(*args, env={**os.environ, "DATABASE_URL": database_url})
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return Outcome(proc.returncode, out.decode(), err.decode())


async def person(n: int, first: str, *, archived: bool = False) -> Person:
    return await Person.create(
        tenkfeet_id=n,
        guid=f"guid-{n}",
        first_name=first,
        last_name="Test",
        email=f"{first.lower()}@example.com",
        archived=archived,
    )


async def members(group: str) -> list[str]:
    emails = await GroupMembership.filter(group__name=group).values_list("person__email", flat=True)
    return sorted(str(email) for email in emails)


async def test_the_first_admin_is_made_from_the_cli_and_audited(db: str) -> None:
    ada = await person(1, "Ada")

    added = await financebot(db, "group", "add", "admin", "ADA@Example.com")

    assert (added.code, added.err) == (0, "")
    assert added.out == "Added Ada Test <ada@example.com> to admin.\n"
    assert await members("admin") == ["ada@example.com"]
    audit = await AuditLog.get()
    assert (audit.actor, audit.entity, audit.action) == (
        f"cli:{getpass.getuser()}",
        "group_membership",
        "create",
    )
    assert audit.after == {
        "group": "admin",
        "person_id": ada.id,
        "email": "ada@example.com",
        "name": "Ada Test",
    }

    again = await financebot(db, "group", "add", "admin", "ada@example.com")
    assert again.code == 0
    assert again.out == "Ada Test <ada@example.com> is already in admin; nothing changed.\n"
    assert await AuditLog.all().count() == 1


async def test_list_prints_every_group_and_one_group_s_members(db: str) -> None:
    await person(1, "Ada")
    await person(2, "Bob")
    await financebot(db, "group", "add", "hr", "bob@example.com")
    await financebot(db, "group", "add", "hr", "ada@example.com")

    everything = await financebot(db, "group", "list")
    hr = await financebot(db, "group", "list", "hr")
    empty = await financebot(db, "group", "list", "finance")

    assert everything.code == 0
    lines = [line.split() for line in everything.out.splitlines()]
    assert lines == [
        ["Groups", "and", "their", "members"],
        ["group", "name", "email", "note"],
        ["admin", "(no", "members)"],
        ["hr", "Ada", "Test", "ada@example.com"],
        ["hr", "Bob", "Test", "bob@example.com"],
        ["finance", "(no", "members)"],
    ]
    assert hr.code == 0
    assert [line.split() for line in hr.out.splitlines()] == [
        ["Members", "of", "hr"],
        ["name", "email", "note"],
        ["Ada", "Test", "ada@example.com"],
        ["Bob", "Test", "bob@example.com"],
    ]
    assert (empty.code, empty.out) == (0, "finance has no members\n")


async def test_add_creates_a_new_custom_group_but_refuses_a_bad_name(db: str) -> None:
    await person(1, "Ada")

    bad = await financebot(db, "group", "add", "Dev Team", "ada@example.com")
    assert bad.code == 2  # refused with the arguments, before the database is opened
    assert bad.err_lines == [
        "financebot: group GROUP: 'Dev Team' is not a group name: use lowercase letters, "
        "digits and '-', 1-64 characters (see `financebot group --help`)"
    ]
    assert await Group.all().count() == 0

    made = await financebot(db, "group", "add", "devs", "ada@example.com")
    assert made.code == 0
    assert made.out.splitlines() == [
        "Created the group devs.",
        "Added Ada Test <ada@example.com> to devs.",
    ]
    assert await members("devs") == ["ada@example.com"]
    assert await AuditLog.filter(entity="group", entity_id="devs", action="create").exists()
    listed = await financebot(db, "group", "list")
    assert listed.out.splitlines()[-1].split() == ["devs", "Ada", "Test", "ada@example.com"]


async def test_unknown_or_archived_people_and_unknown_groups_fail_with_one_line(db: str) -> None:
    await person(1, "Gone", archived=True)
    unknown = await financebot(db, "group", "add", "hr", "nobody@example.com")
    archived = await financebot(db, "group", "add", "hr", "gone@example.com")
    no_group = await financebot(db, "group", "list", "devs")
    no_email = await financebot(db, "group", "add", "hr")
    too_many = await financebot(db, "group", "list", "hr", "gone@example.com")

    assert unknown.code == 1
    assert unknown.err_lines == ["financebot: No person has the e-mail 'nobody@example.com'."]
    assert archived.code == 1
    assert archived.err_lines == [
        "financebot: Gone Test <gone@example.com> is archived in 10000ft; archived people "
        "cannot be in a group."
    ]
    assert no_group.code == 1
    assert no_group.err_lines == [
        "financebot: There is no group named 'devs' (groups: admin, hr, finance)."
    ]
    assert (no_email.code, no_email.err_lines) == (
        1,
        ["financebot: group add needs a GROUP and an EMAIL"],
    )
    assert (too_many.code, too_many.err_lines) == (
        1,
        ["financebot: group list takes at most a GROUP, not an e-mail"],
    )
    assert await GroupMembership.all().count() == 0
    assert await AuditLog.all().count() == 0


async def test_remove_takes_a_member_out_and_may_leave_admin_empty_with_a_warning(
    db: str,
) -> None:
    await person(1, "Ada")
    await person(2, "Bob")
    await financebot(db, "group", "add", "admin", "ada@example.com")

    not_in = await financebot(db, "group", "remove", "admin", "bob@example.com")
    assert (not_in.code, not_in.err) == (0, "")
    assert not_in.out == "Bob Test <bob@example.com> is not in admin; nothing changed.\n"

    removed = await financebot(db, "group", "remove", "admin", "Ada@example.com")
    assert removed.code == 0
    assert removed.out == "Removed Ada Test <ada@example.com> from admin.\n"
    assert removed.err_lines == [
        "warning: admin has no active member now; nobody can manage groups on the web until "
        "one is added (financebot group add admin EMAIL)"
    ]
    assert await members("admin") == []
    last = await AuditLog.all().order_by("-id").first()
    assert last is not None and (last.action, last.after) == ("delete", None)


async def test_help_says_that_add_creates_a_custom_group(db: str) -> None:
    helped = await financebot(db, "group", "--help")
    assert helped.code == 0
    assert "a custom GROUP that does not exist yet is created" in helped.out
    assert "audit-logged as cli:<your user name>" in helped.out
