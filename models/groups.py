"""Permission groups and their members: list, create, add, remove, delete, each audit-logged.

The built-in groups (``admin``, ``hr``, ``finance``) always exist: they are listed even before
their row does and their row is created the first time someone joins (no migration needed);
they cannot be deleted. Custom groups are named with lowercase letters, digits and ``-``.

Members are found by e-mail, case-insensitively; an archived person cannot join (archived
people have no rights), but can be removed. Adding a member twice or removing a non-member
changes nothing and says so. Every change writes an audit row through
:func:`models.audit.record_change`: entity ``group`` for creating and deleting a group (the
deletion keeps the member list), ``group_membership`` for each member added or removed.

Removing the last active member of ``admin`` would leave nobody able to manage groups from
the web: callers that must not allow it (the web) pass ``keep_an_admin=True``; the CLI, the
operators' way to repair access, may.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from core.errors import InvalidInput, NotAllowed, NotFound
from models.audit import record_change
from models.people import Group, GroupMembership, Person
from models.permissions import ADMIN_GROUP, BUILT_IN_GROUPS

GROUP_ENTITY = "group"
MEMBERSHIP_ENTITY = "group_membership"
NAME_MAX = 64
GROUP_NAME = re.compile(rf"[a-z0-9-]{{1,{NAME_MAX}}}")
NAME_RULE = f"lowercase letters, digits and '-', 1-{NAME_MAX} characters"


@dataclass(frozen=True, slots=True)
class Member:
    person_id: int
    name: str
    email: str
    archived: bool


@dataclass(frozen=True, slots=True)
class GroupListing:
    """A group and its members (by name); ``built_in`` groups cannot be deleted."""

    name: str
    built_in: bool
    members: tuple[Member, ...]

    @property
    def active_members(self) -> int:
        return sum(1 for member in self.members if not member.archived)


@dataclass(frozen=True, slots=True)
class GroupChange:
    """What an add or remove did: ``changed`` False when it was already so."""

    changed: bool
    message: str
    group_created: bool = False


def is_built_in(name: str) -> bool:
    return name in BUILT_IN_GROUPS


def checked_name(name: str) -> str:
    """``name`` trimmed, when it is a valid group name; else :class:`InvalidInput` on ``name``."""
    cleaned = name.strip()
    if not GROUP_NAME.fullmatch(cleaned):
        raise InvalidInput("name", f"{cleaned[:80]!r} is not a group name: use {NAME_RULE}.")
    return cleaned


def _member(person: Person) -> Member:
    return Member(person.id, person.full_name, person.email or "", person.archived)


def _by_name(members: list[Member]) -> tuple[Member, ...]:
    return tuple(sorted(members, key=lambda m: (m.name.casefold(), m.email)))


def _who(person: Person) -> str:
    return f"{person.full_name} <{person.email}>" if person.email else person.full_name


async def list_groups() -> list[GroupListing]:
    """Every group with its members: the built-in ones first, then custom ones by name."""
    groups = await Group.all()
    members: dict[int, list[Member]] = {group.id: [] for group in groups}
    memberships = await GroupMembership.filter(group_id__in=list(members)).prefetch_related(
        "person"
    )
    for membership in memberships:
        members[membership.group_id].append(_member(membership.person))  # type: ignore[attr-defined]
    by_name = {group.name: _by_name(members[group.id]) for group in groups}
    names = [*BUILT_IN_GROUPS, *sorted(name for name in by_name if not is_built_in(name))]
    return [GroupListing(name, is_built_in(name), by_name.get(name, ())) for name in names]


async def group_listing(name: str) -> GroupListing:
    """One group with its members; :class:`NotFound` naming the groups there are."""
    for listing in await list_groups():
        if listing.name == name.strip():
            return listing
    raise NotFound(await _no_such_group(name))


async def _no_such_group(name: str) -> str:
    known = ", ".join(listing.name for listing in await list_groups())
    return f"There is no group named {name.strip()[:80]!r} (groups: {known})."


async def person_by_email(email: str) -> Person:
    """The person with this e-mail (case-insensitive), a non-archived one when there are
    several; :class:`InvalidInput` on ``email`` naming the e-mail when nobody has it."""
    cleaned = email.strip().lower()
    if not cleaned:
        raise InvalidInput("email", "Give the person's e-mail.")
    person = await Person.filter(email__iexact=cleaned).order_by("archived", "id").first()
    if person is None:
        raise InvalidInput("email", f"No person has the e-mail {cleaned!r}.")
    return person


async def _group_for_change(name: str, *, create: bool) -> tuple[Group, bool]:
    """The group's row, locked for this transaction; built-in rows are made on demand and
    custom ones only when ``create``. Returns (group, created as a new custom group)."""
    group = await Group.filter(name=name).select_for_update().first()
    if group is not None:
        return group, False
    if not (create or is_built_in(name)):
        raise NotFound(await _no_such_group(name))
    group, created = await Group.get_or_create(name=name)
    return group, created and not is_built_in(name)


async def _record_created(group: Group, actor: str) -> None:
    await record_change(
        actor=actor,
        entity=GROUP_ENTITY,
        entity_id=group.name,
        action="create",
        before=None,
        after={"group": group.name},
    )


def _membership_values(group: Group, person: Person) -> dict[str, object]:
    return {
        "group": group.name,
        "person_id": person.id,
        "email": person.email,
        "name": person.full_name,
    }


async def create_group(name: str, *, actor: str) -> GroupListing:
    """Creates the custom group ``name``; :class:`InvalidInput` on ``name`` when the name is not
    valid or the group exists already."""
    name = checked_name(name)
    async with in_transaction():
        if is_built_in(name) or await Group.filter(name=name).exists():
            raise InvalidInput("name", f"There is already a group named {name!r}.")
        group, created = await Group.get_or_create(name=name)
        if not created:  # created by someone else since the check
            raise InvalidInput("name", f"There is already a group named {name!r}.")
        await _record_created(group, actor)
    return GroupListing(name, False, ())


async def add_member(
    group_name: str, person: Person, *, actor: str, create_group: bool = False
) -> GroupChange:
    """Makes ``person`` a member of the group. A custom group that does not exist yet is
    created when ``create_group`` (else :class:`NotFound`); an archived person is refused."""
    name = checked_name(group_name)
    if person.archived:
        raise InvalidInput(
            "email",
            f"{_who(person)} is archived in 10000ft; archived people cannot be in a group.",
        )
    async with in_transaction():
        group, group_created = await _group_for_change(name, create=create_group)
        if group_created:
            await _record_created(group, actor)
        membership, joined = await GroupMembership.get_or_create(group=group, person=person)
        if not joined:
            return GroupChange(False, f"{_who(person)} is already in {name}; nothing changed.")
        await record_change(
            actor=actor,
            entity=MEMBERSHIP_ENTITY,
            entity_id=membership.id,
            action="create",
            before=None,
            after=_membership_values(group, person),
        )
    return GroupChange(True, f"Added {_who(person)} to {name}.", group_created)


async def remove_member(
    group_name: str, person: Person, *, actor: str, keep_an_admin: bool = False
) -> GroupChange:
    """Removes ``person`` from the group. With ``keep_an_admin``, refuses (:class:`NotAllowed`)
    to remove the last non-archived member of ``admin``."""
    name = group_name.strip()
    async with in_transaction():
        group = await Group.filter(name=name).select_for_update().first()
        if group is None:
            if is_built_in(name):
                return GroupChange(False, f"{_who(person)} is not in {name}; nothing changed.")
            raise NotFound(await _no_such_group(name))
        membership = await GroupMembership.filter(group=group, person=person).first()
        if membership is None:
            return GroupChange(False, f"{_who(person)} is not in {name}; nothing changed.")
        if keep_an_admin and name == ADMIN_GROUP and not person.archived:
            others = (
                await GroupMembership.filter(group=group, person__archived=False)
                .exclude(person_id=person.id)
                .count()
            )
            if others == 0:
                raise NotAllowed(
                    f"{_who(person)} is the last active member of {ADMIN_GROUP}: add another "
                    "admin first, or nobody could manage groups here."
                )
        before = _membership_values(group, person)
        await membership.delete()
        await record_change(
            actor=actor,
            entity=MEMBERSHIP_ENTITY,
            entity_id=membership.id,
            action="delete",
            before=before,
            after=None,
        )
    return GroupChange(True, f"Removed {_who(person)} from {name}.")


async def delete_group(name: str, *, actor: str) -> GroupListing:
    """Deletes a custom group and its memberships; the audit row keeps the member e-mails.
    Built-in groups cannot be deleted (:class:`NotAllowed`)."""
    name = name.strip()
    if is_built_in(name):
        raise NotAllowed(f"{name} is a built-in group; it cannot be deleted.")
    async with in_transaction():
        group = await Group.filter(name=name).select_for_update().first()
        if group is None:
            raise NotFound(await _no_such_group(name))
        people = [
            membership.person
            for membership in await GroupMembership.filter(group=group).prefetch_related("person")
        ]
        listing = GroupListing(name, False, _by_name([_member(person) for person in people]))
        await group.delete()
        await record_change(
            actor=actor,
            entity=GROUP_ENTITY,
            entity_id=name,
            action="delete",
            before={"group": name, "members": sorted(p.email or p.full_name for p in people)},
            after=None,
        )
    return listing
