"""Where invoice figures may unfurl, and who may see a project's invoices: the rules alone."""

from __future__ import annotations

import pytest

from handlers.unfurls.invoice_blocks import FiguresHidden, figures_hidden
from models.permissions import Actor, may_see_invoices_of


def actor(person_id: int = 1, *groups: str, archived: bool = False) -> Actor:
    return Actor(person_id, archived, frozenset(groups))


@pytest.mark.parametrize(
    ("who", "admins", "sees"),
    [
        (actor(1, "finance"), set(), True),  # finance: every project's invoices
        (actor(1, "admin"), set(), True),  # the admin group too
        (actor(1), {1, 2}, True),  # a project's admin: theirs
        (actor(3), {1, 2}, False),  # anyone else: no
        (actor(1, "hr"), set(), False),  # HR sees flex saldos, not invoices
        (actor(1, "finance", archived=True), {1}, False),  # archived: no rights at all
        (None, {1}, False),  # no 10000ft person
    ],
)
def test_who_may_see_a_projects_invoices(who: Actor | None, admins: set[int], sees: bool) -> None:
    assert may_see_invoices_of(who, admins) is sees


@pytest.mark.parametrize(
    ("may_see", "composer", "external", "hidden"),
    [
        (True, False, False, None),
        (False, False, False, FiguresHidden.NOT_ALLOWED),
        (True, True, False, FiguresHidden.COMPOSER),
        (False, True, False, FiguresHidden.NOT_ALLOWED),
        (True, False, True, FiguresHidden.OTHER_ORGANISATION),
        (True, True, True, FiguresHidden.OTHER_ORGANISATION),
        (False, False, True, FiguresHidden.OTHER_ORGANISATION),
    ],
)
def test_figures_unfurl_only_for_a_sharer_who_may_see_them_in_a_posted_internal_message(
    may_see: bool, composer: bool, external: bool, hidden: FiguresHidden | None
) -> None:
    assert (
        figures_hidden(may_see, in_composer=composer, shared_with_other_organisation=external)
        == hidden
    )
