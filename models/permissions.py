"""Who may do what: the one rule every web page, Slack listener and CLI command asks.

Rights come only from group membership (``admin``, ``hr``, ``finance``, custom groups) and,
for one's own flex saldo, from being that person. There is no superuser shortcut: each
capability names the groups that grant it, and an archived person has no rights at all.

A person's flex numbers (saldo, corrections, the people overview, sick leave) are seen by
that person and by HR only, so the ``admin`` group does not grant them; admins manage
everything else (groups, the audit log, syncs, contracts' existence in the audit trail).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from models.people import GroupMembership, Person

ADMIN_GROUP = "admin"
HR_GROUP = "hr"
FINANCE_GROUP = "finance"
BUILT_IN_GROUPS = (ADMIN_GROUP, HR_GROUP, FINANCE_GROUP)


class Capability(StrEnum):
    """Something a page or an action lets a person do."""

    SEE_OWN_FLEX = "see own flex"
    SEE_FLEX_OF_OTHERS = "see others' flex"
    SEE_PEOPLE = "see the people overview"
    EDIT_CONTRACTS = "edit contracts and corrections"
    SEE_HR_REPORTS = "see HR reports"
    MANAGE_GROUPS = "manage groups"
    SEE_AUDIT = "see the audit log"
    SEE_SYNCS = "see syncs"
    RUN_SYNCS = "run syncs"
    SEE_NOTIFICATIONS = "see notifications"
    SEND_NOTIFICATIONS = "send notifications and choose their channels"
    SEE_INVOICES = "see invoices"
    SET_INVOICE_NUMBER = "set invoice numbers"
    EDIT_FIXED_ROWS = "edit invoices' fixed rows"
    SEE_AWS = "see AWS accounts and costs"
    LINK_AWS_ACCOUNTS = "link AWS accounts to projects"


#: The groups that grant each capability (any one of them is enough). ``()`` means every
#: signed-in, non-archived person.
GRANTED_BY: dict[Capability, tuple[str, ...]] = {
    Capability.SEE_OWN_FLEX: (),
    Capability.SEE_FLEX_OF_OTHERS: (HR_GROUP,),
    Capability.SEE_PEOPLE: (HR_GROUP,),
    Capability.EDIT_CONTRACTS: (HR_GROUP,),
    Capability.SEE_HR_REPORTS: (HR_GROUP,),
    Capability.MANAGE_GROUPS: (ADMIN_GROUP,),
    Capability.SEE_AUDIT: (ADMIN_GROUP, HR_GROUP),
    Capability.SEE_SYNCS: (ADMIN_GROUP,),
    Capability.RUN_SYNCS: (ADMIN_GROUP,),
    Capability.SEE_NOTIFICATIONS: (ADMIN_GROUP,),
    Capability.SEND_NOTIFICATIONS: (ADMIN_GROUP,),
    Capability.SEE_INVOICES: (ADMIN_GROUP, FINANCE_GROUP),
    Capability.SET_INVOICE_NUMBER: (FINANCE_GROUP,),
    Capability.EDIT_FIXED_ROWS: (FINANCE_GROUP,),
    Capability.SEE_AWS: (ADMIN_GROUP, FINANCE_GROUP),
    Capability.LINK_AWS_ACCOUNTS: (ADMIN_GROUP, FINANCE_GROUP),
}


@dataclass(frozen=True)
class Actor:
    """A person as far as rights go: who they are and the groups they are in."""

    person_id: int
    archived: bool
    groups: frozenset[str]

    def is_in(self, group: str) -> bool:
        return group in self.groups


def allows(actor: Actor | None, capability: Capability) -> bool:
    """The rule itself, over plain data: does ``actor`` have ``capability``?"""
    if actor is None or actor.archived:
        return False
    needed = GRANTED_BY[capability]
    return not needed or any(actor.is_in(group) for group in needed)


def may_see_flex(actor: Actor | None, subject_id: int) -> bool:
    """One's own flex saldo, or anyone's for HR; nobody else's (archived people see nothing)."""
    if actor is None or actor.archived:
        return False
    if actor.person_id == subject_id:
        return True
    return allows(actor, Capability.SEE_FLEX_OF_OTHERS)


def may_approve_invoice(actor: Actor | None, project_admin_ids: Collection[int]) -> bool:
    """Only a project's admins (named by its tags in 10000ft) approve its invoices or ask for
    changes; no group grants it, and an archived person has no rights."""
    if actor is None or actor.archived:
        return False
    return actor.person_id in project_admin_ids


def may_see_invoices_of(actor: Actor | None, project_admin_ids: Collection[int]) -> bool:
    """A project's invoices are seen by the admin and finance groups (every invoice) and by
    the project's own admins; nobody else (an archived person has no rights)."""
    return allows(actor, Capability.SEE_INVOICES) or may_approve_invoice(actor, project_admin_ids)


def capabilities_of(group: str) -> tuple[Capability, ...]:
    """What membership of ``group`` grants by itself (custom groups: nothing yet)."""
    return tuple(capability for capability, groups in GRANTED_BY.items() if group in groups)


def needed_groups_text(capability: Capability) -> str:
    """``the hr group`` / ``the admin or finance group``: said in a refusal."""
    groups = GRANTED_BY[capability]
    if not groups:
        return "a signed-in person"
    return "the " + " or ".join(groups) + " group"


def refusal(capability: Capability) -> str:
    """The sentence a refused person reads."""
    return f"This needs {needed_groups_text(capability)} (to {capability.value})."


async def groups_of(person_id: int) -> frozenset[str]:
    """Names of every group ``person_id`` belongs to (one query)."""
    names = await GroupMembership.filter(person_id=person_id).values_list("group__name", flat=True)
    return frozenset(str(name) for name in names)


async def actor_for(person: Person | None) -> Actor | None:
    """The :class:`Actor` of ``person`` (None stays None)."""
    if person is None:
        return None
    return Actor(person.id, person.archived, await groups_of(person.id))


async def is_in_group(person: Person, group_name: str) -> bool:
    """True when ``person`` is a member of the group named ``group_name`` (one query)."""
    return await GroupMembership.filter(person_id=person.id, group__name=group_name).exists()


async def may_see_flex_of(viewer: Person | None, subject: Person) -> bool:
    """:func:`may_see_flex` for a stored person (one query for their groups)."""
    return may_see_flex(await actor_for(viewer), subject.id)


async def actors_by_slack_id(slack_ids: Collection[str]) -> dict[str, Actor]:
    """The :class:`Actor` of each of ``slack_ids`` that is a person (two queries in all); a
    Slack id no person has is left out, and has no rights. Of two people with one Slack id the
    non-archived one counts."""
    if not slack_ids:
        return {}
    people = await Person.filter(slack_id__in=list(set(slack_ids))).order_by("archived", "id")
    groups: dict[int, set[str]] = {person.id: set() for person in people}
    rows = await GroupMembership.filter(person_id__in=list(groups)).values_list(
        "person_id", "group__name"
    )
    for person_id, name in rows:
        groups[int(person_id)].add(str(name))
    actors: dict[str, Actor] = {}
    for person in people:
        assert person.slack_id is not None
        actors.setdefault(
            person.slack_id, Actor(person.id, person.archived, frozenset(groups[person.id]))
        )
    return actors
