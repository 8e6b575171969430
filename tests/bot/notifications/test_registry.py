"""Every kind the scheduler, `notify` and the admin site name has its planner or sender."""

from __future__ import annotations

from bot.notifications import registry
from web import notify_now


def test_every_kind_but_invoices_has_a_planner_and_the_site_lists_them_all() -> None:
    assert set(registry.PLANNERS) == set(registry.KINDS) - {"invoices"}
    assert set(notify_now.KINDS) == set(registry.KINDS)
    assert [kind.name for kind in registry.scheduled_kinds()] == list(registry.KINDS)
