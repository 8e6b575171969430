"""Who may see what: group membership checks shared by Slack, web and CLI."""

from __future__ import annotations

from models.people import GroupMembership, Person

HR_GROUP = "hr"
FINANCE_GROUP = "finance"


async def is_in_group(person: Person, group_name: str) -> bool:
    """True when ``person`` is a member of the group named ``group_name`` (one query)."""
    return await GroupMembership.filter(person_id=person.id, group__name=group_name).exists()


async def may_see_flex_of(viewer: Person, subject: Person) -> bool:
    """A person sees their own flex saldo; HR sees everyone's."""
    if viewer.id == subject.id:
        return True
    return await is_in_group(viewer, HR_GROUP)
