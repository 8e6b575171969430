"""Groups and their members: the built-in ones always there, custom ones named with care, every
change in the audit log, nothing changed by a refused request."""

from __future__ import annotations

import itertools

import pytest

from core.errors import InvalidInput, NotAllowed, NotFound
from models import AuditLog, Group, GroupMembership, Person
from models.groups import (
    add_member,
    checked_name,
    create_group,
    delete_group,
    group_listing,
    list_groups,
    person_by_email,
    remove_member,
)

_ids = itertools.count(100)
ACTOR = "cli:tester"


async def person(first: str, *, email: str | None = None, archived: bool = False) -> Person:
    n = next(_ids)
    return await Person.create(
        tenkfeet_id=n,
        guid=f"guid-{n}",
        first_name=first,
        last_name="Test",
        email=email if email is not None else f"{first.lower()}@example.com",
        archived=archived,
    )


async def audit_rows() -> list[tuple[str, str, str, object, object]]:
    rows = await AuditLog.all().order_by("id")
    return [(r.entity, r.entity_id, r.action, r.before, r.after) for r in rows]


@pytest.mark.parametrize("name", ["devs", "team-2", "a", "x" * 64])
def test_valid_group_names(name: str) -> None:
    assert checked_name(f" {name} ") == name


@pytest.mark.parametrize("name", ["", "Devs", "dev team", "dev_team", "ä", "x" * 65, "a/b"])
def test_invalid_group_names_are_refused_on_the_name_field(name: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        checked_name(name)
    assert refused.value.field == "name"
    assert "lowercase letters, digits and '-', 1-64 characters" in refused.value.message


async def test_built_in_groups_are_listed_before_any_row_exists(db: str) -> None:
    listings = await list_groups()
    assert [(g.name, g.built_in, g.members) for g in listings] == [
        ("admin", True, ()),
        ("hr", True, ()),
        ("finance", True, ()),
    ]
    assert await Group.all().count() == 0


async def test_adding_a_member_by_email_is_case_insensitive_and_audited(db: str) -> None:
    ada = await person("Ada")
    found = await person_by_email("  ADA@Example.COM ")
    assert found.id == ada.id

    change = await add_member("hr", found, actor=ACTOR)

    assert change.changed and change.message == "Added Ada Test <ada@example.com> to hr."
    assert not change.group_created  # built-in groups are made on demand, silently
    hr = await group_listing("hr")
    assert [(m.name, m.email) for m in hr.members] == [("Ada Test", "ada@example.com")]
    membership = await GroupMembership.get()
    assert await audit_rows() == [
        (
            "group_membership",
            str(membership.id),
            "create",
            None,
            {"group": "hr", "person_id": ada.id, "email": "ada@example.com", "name": "Ada Test"},
        )
    ]
    assert (await AuditLog.get()).actor == ACTOR


async def test_adding_a_member_twice_changes_nothing_and_says_so(db: str) -> None:
    ada = await person("Ada")
    await add_member("finance", ada, actor=ACTOR)
    again = await add_member("finance", ada, actor=ACTOR)
    assert not again.changed
    assert again.message == "Ada Test <ada@example.com> is already in finance; nothing changed."
    assert await GroupMembership.all().count() == 1
    assert await AuditLog.all().count() == 1


async def test_unknown_email_and_archived_person_are_refused_by_name(db: str) -> None:
    with pytest.raises(InvalidInput) as unknown:
        await person_by_email("nobody@example.com")
    assert unknown.value.field == "email"
    assert unknown.value.message == "No person has the e-mail 'nobody@example.com'."

    gone = await person("Gone", archived=True)
    with pytest.raises(InvalidInput) as archived:
        await add_member("hr", gone, actor=ACTOR)
    assert archived.value.field == "email"
    assert "Gone Test <gone@example.com> is archived" in archived.value.message
    assert await GroupMembership.all().count() == 0
    assert await AuditLog.all().count() == 0


async def test_an_active_person_wins_over_an_archived_one_with_the_same_email(db: str) -> None:
    await person("Old", email="same@example.com", archived=True)
    new = await person("New", email="same@example.com")
    assert (await person_by_email("same@example.com")).id == new.id


async def test_custom_groups_are_created_only_when_asked(db: str) -> None:
    ada = await person("Ada")
    with pytest.raises(NotFound) as missing:
        await add_member("devs", ada, actor=ACTOR)
    assert missing.value.message == ("There is no group named 'devs' (groups: admin, hr, finance).")

    change = await add_member("devs", ada, actor=ACTOR, create_group=True)

    assert change.changed and change.group_created
    assert [g.name for g in await list_groups()] == ["admin", "hr", "finance", "devs"]
    assert [(e, i, a) for e, i, a, _, _ in await audit_rows()] == [
        ("group", "devs", "create"),
        ("group_membership", str((await GroupMembership.get()).id), "create"),
    ]


async def test_create_group_refuses_a_bad_or_taken_name(db: str) -> None:
    await create_group("devs", actor=ACTOR)
    for taken in ("devs", "admin"):
        with pytest.raises(InvalidInput) as refused:
            await create_group(taken, actor=ACTOR)
        assert refused.value.message == f"There is already a group named {taken!r}."
    with pytest.raises(InvalidInput):
        await create_group("Dev Team", actor=ACTOR)
    assert await Group.all().values_list("name", flat=True) == ["devs"]
    assert await audit_rows() == [("group", "devs", "create", None, {"group": "devs"})]


async def test_removing_a_member_is_audited_and_a_non_member_changes_nothing(db: str) -> None:
    ada, bob = await person("Ada"), await person("Bob")
    await add_member("hr", ada, actor=ACTOR)

    not_in = await remove_member("hr", bob, actor=ACTOR)
    assert not not_in.changed
    assert not_in.message == "Bob Test <bob@example.com> is not in hr; nothing changed."
    assert not (await remove_member("finance", bob, actor=ACTOR)).changed  # no row yet

    removed = await remove_member("hr", ada, actor=ACTOR)

    assert removed.changed and removed.message == "Removed Ada Test <ada@example.com> from hr."
    assert await GroupMembership.all().count() == 0
    entity, _, action, before, after = (await audit_rows())[-1]
    assert (entity, action, after) == ("group_membership", "delete", None)
    assert before == {
        "group": "hr",
        "person_id": ada.id,
        "email": "ada@example.com",
        "name": "Ada Test",
    }
    with pytest.raises(NotFound):
        await remove_member("nosuch", ada, actor=ACTOR)


async def test_the_last_active_admin_is_kept_when_asked(db: str) -> None:
    ada, bob = await person("Ada"), await person("Bob")
    gone = await person("Gone")
    for someone in (ada, bob, gone):
        await add_member("admin", someone, actor=ACTOR)
    await Person.filter(id=gone.id).update(archived=True)
    gone = await Person.get(id=gone.id)

    await remove_member("admin", bob, actor=ACTOR, keep_an_admin=True)
    with pytest.raises(NotAllowed) as refused:
        await remove_member("admin", ada, actor=ACTOR, keep_an_admin=True)
    assert refused.value.message.startswith(
        "Ada Test <ada@example.com> is the last active member of admin"
    )
    assert await GroupMembership.filter(person_id=ada.id).exists()
    # An archived admin can always go; the operators' CLI may remove the last one too.
    assert (await remove_member("admin", gone, actor=ACTOR, keep_an_admin=True)).changed
    assert (await remove_member("admin", ada, actor=ACTOR)).changed
    assert await GroupMembership.all().count() == 0


async def test_deleting_a_custom_group_keeps_its_members_in_the_audit_log(db: str) -> None:
    ada, bob = await person("Ada"), await person("Bob")
    for someone in (bob, ada):
        await add_member("devs", someone, actor=ACTOR, create_group=True)
    await add_member("hr", ada, actor=ACTOR)

    deleted = await delete_group("devs", actor="web:admin@example.com")

    assert [m.email for m in deleted.members] == ["ada@example.com", "bob@example.com"]
    assert [g.name for g in await list_groups()] == ["admin", "hr", "finance"]
    assert await GroupMembership.all().count() == 1  # Ada stays in hr
    last = await AuditLog.all().order_by("-id").first()
    assert last is not None
    assert (last.actor, last.entity, last.entity_id, last.action, last.after) == (
        "web:admin@example.com",
        "group",
        "devs",
        "delete",
        None,
    )
    assert last.before == {"group": "devs", "members": ["ada@example.com", "bob@example.com"]}


async def test_built_in_groups_cannot_be_deleted_and_unknown_ones_are_named(db: str) -> None:
    ada = await person("Ada")
    await add_member("hr", ada, actor=ACTOR)
    with pytest.raises(NotAllowed) as refused:
        await delete_group("hr", actor=ACTOR)
    assert refused.value.message == "hr is a built-in group; it cannot be deleted."
    with pytest.raises(NotFound):
        await delete_group("devs", actor=ACTOR)
    with pytest.raises(NotFound) as unknown:
        await group_listing("devs")
    assert "no group named 'devs'" in unknown.value.message
    assert await GroupMembership.all().count() == 1
    assert await AuditLog.all().count() == 1
