"""Which invoices a person may see: every one (the admin and finance groups), or those of the
projects they administer (named by the project's tags in 10000ft), or none.

The rule for one project is :func:`models.permissions.may_see_invoices_of`; an
:class:`InvoiceScope` is that rule worked out once for every project, so lists can filter by
it in the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.permissions import Actor, Capability, allows
from models.projects import Project


@dataclass(frozen=True, slots=True)
class InvoiceScope:
    """``everything``: every project's invoices; else only those of ``project_ids``."""

    everything: bool = False
    project_ids: frozenset[int] = frozenset()

    @property
    def sees_any(self) -> bool:
        return self.everything or bool(self.project_ids)

    def holds(self, project_id: int) -> bool:
        return self.everything or project_id in self.project_ids


NO_INVOICES = InvoiceScope()


async def administered_project_ids(person_id: int) -> frozenset[int]:
    """The projects whose admins include ``person_id`` (one query)."""
    ids = await Project.filter(admins__id=person_id).values_list("id", flat=True)
    return frozenset(int(str(i)) for i in ids)


async def invoice_scope(actor: Actor | None) -> InvoiceScope:
    """The invoices ``actor`` may see (no query for the admin and finance groups, one else)."""
    if actor is None or actor.archived:
        return NO_INVOICES
    if allows(actor, Capability.SEE_INVOICES):
        return InvoiceScope(everything=True)
    # Outside both groups, may_see_invoices_of comes down to being among a project's admins.
    return InvoiceScope(project_ids=await administered_project_ids(actor.person_id))
