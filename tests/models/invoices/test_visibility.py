"""Which invoices a person may see: every one for the admin and finance groups, their
projects' for a project's admins, none for anyone else or for an archived person."""

from __future__ import annotations

import pytest

from models import Group, GroupMembership, Person
from models.invoices.visibility import InvoiceScope, invoice_scope
from models.permissions import Actor, actor_for, may_see_invoices_of
from tests.support.invoices import project


async def make(n: int, *groups: str, archived: bool = False) -> Person:
    who = await Person.create(
        tenkfeet_id=n, guid=f"g-{n}", first_name=f"P{n}", email=f"p{n}@x", archived=archived
    )
    for name in groups:
        group, _ = await Group.get_or_create(name=name)
        await GroupMembership.create(group=group, person=who)
    return who


async def test_scopes(db: str) -> None:
    acme = await project(1, "Acme portal")
    beta = await project(2, "Beta site")
    finance, admin, hr = await make(1, "finance"), await make(2, "admin"), await make(3, "hr")
    pm = await make(4)
    both = await make(5, "hr")
    await acme.admins.add(pm, both)
    await beta.admins.add(both)
    gone = await make(6, "finance", archived=True)
    await acme.admins.add(gone)

    assert await invoice_scope(await actor_for(finance)) == InvoiceScope(everything=True)
    assert await invoice_scope(await actor_for(admin)) == InvoiceScope(everything=True)
    assert await invoice_scope(await actor_for(hr)) == InvoiceScope()
    assert await invoice_scope(await actor_for(pm)) == InvoiceScope(
        project_ids=frozenset({acme.id})
    )
    scope = await invoice_scope(await actor_for(both))
    assert scope.project_ids == {acme.id, beta.id} and scope.sees_any and scope.holds(beta.id)
    assert not (await invoice_scope(await actor_for(gone))).sees_any
    assert not (await invoice_scope(None)).sees_any


@pytest.mark.parametrize(
    ("groups", "archived", "admins", "allowed"),
    [
        ({"finance"}, False, set(), True),
        ({"admin"}, False, set(), True),
        ({"hr"}, False, set(), False),
        (set(), False, {7}, True),
        (set(), False, {8}, False),
        ({"finance"}, True, {7}, False),
    ],
)
def test_the_rule(groups: set[str], archived: bool, admins: set[int], allowed: bool) -> None:
    assert may_see_invoices_of(Actor(7, archived, frozenset(groups)), admins) is allowed
