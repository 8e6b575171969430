"""``/users``: everyone with their flex saldo, computed for the whole list in one batch.

Saldos come from ``flex_for_all`` (non-archived people with an e-mail, the same set the
monthly run and ``financebot flex --all`` use); archived people, shown on request, and
people without an e-mail get a short note instead of a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from aiohttp import web

from core.formatting import format_hours
from models.flex.data import flex_for_all
from models.flex.saldo import BandPosition, FlexResult, band_position
from models.people import Person
from models.permissions import Capability
from web.app_keys import SETTINGS_KEY
from web.auth import requires
from web.page_params import as_of_param, choice_param, flag_param
from web.rendering import query_string, render, site_root

SORTS = ("name", "saldo", "-saldo")


@dataclass(frozen=True, slots=True)
class PersonRow:
    name: str
    guid: str
    email: str
    slack_linked: bool
    archived: bool
    saldo: Decimal | None
    saldo_text: str
    change_text: str
    band: BandPosition | None
    note: str


def person_row(
    person: Person, result: FlexResult | None, max_minus: Decimal, max_plus: Decimal
) -> PersonRow:
    """``result`` None: the person is not in the flex batch (archived, or no e-mail)."""
    saldo = result.saldo if result is not None and result.ok else None
    change = result.change_from_last_month if result is not None else None
    if person.archived:
        note = "archived"
    elif result is None:
        note = "no e-mail in 10000ft"
    elif result.status == "not_active":
        note = "not active"
    elif result.status == "no_contract":
        note = "no contract" + (f" on {result.error_day.isoformat()}" if result.error_day else "")
    else:
        note = ""
    return PersonRow(
        name=person.full_name,
        guid=person.guid,
        email=person.email or "",
        slack_linked=bool(person.slack_id),
        archived=person.archived,
        saldo=saldo,
        saldo_text=format_hours(saldo) if saldo is not None else "",
        change_text=format_hours(change) if saldo is not None and change is not None else "",
        band=band_position(saldo, max_minus, max_plus) if saldo is not None else None,
        note=note,
    )


def sorted_rows(rows: list[PersonRow], sort: str) -> list[PersonRow]:
    """By name; or by saldo (lowest first, ``-saldo`` highest first), people without one last."""
    by_name = sorted(rows, key=lambda r: (r.name.casefold(), r.email))
    if sort == "name":
        return by_name
    with_saldo = [r for r in by_name if r.saldo is not None]
    without = [r for r in by_name if r.saldo is None]
    with_saldo.sort(key=lambda r: r.saldo or Decimal(0), reverse=sort == "-saldo")
    return with_saldo + without


@requires(Capability.SEE_PEOPLE)
async def people_page(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS_KEY]
    as_of, as_of_given = as_of_param(request, settings)
    include_archived = flag_param(request, "archived")
    sort = choice_param(request, "sort", SORTS)

    people = Person.all() if include_archived else Person.filter(archived=False)
    results = {person.id: result for person, result in await flex_for_all(as_of, settings)}
    rows = [
        person_row(p, results.get(p.id), settings.flex_max_minus, settings.flex_max_plus)
        for p in await people
    ]
    rows = sorted_rows(rows, sort)
    return render(
        request,
        "people.html",
        rows=rows,
        as_of=as_of,
        as_of_param=as_of.isoformat() if as_of_given else "",
        include_archived=include_archived,
        sort=sort,
        band_min=format_hours(settings.flex_max_minus),
        band_max=format_hours(settings.flex_max_plus),
        counts=people_counts(rows),
        sort_links=sort_links(
            site_root(settings) + "/users",
            sort,
            archived="1" if include_archived else "",
            as_of=as_of.isoformat() if as_of_given else "",
        ),
    )


@dataclass(frozen=True, slots=True)
class SortLink:
    label: str
    href: str
    arrow: str  # "" when the list is not sorted by this column
    aria: str


def sort_links(path: str, sort: str, **keep: str) -> dict[str, SortLink]:
    """Column header links: Name sorts by name; Flex saldo toggles lowest/highest first."""
    saldo_next = "-saldo" if sort == "saldo" else "saldo"
    return {
        "name": SortLink(
            "Name",
            path + query_string(**keep),
            "▲" if sort == "name" else "",
            "ascending",
        ),
        "saldo": SortLink(
            "Flex saldo",
            path + query_string(sort=saldo_next, **keep),
            {"saldo": "▲", "-saldo": "▼"}.get(sort, ""),
            "descending" if sort == "-saldo" else "ascending",
        ),
    }


@dataclass(frozen=True, slots=True)
class PeopleCounts:
    shown: int
    below: int
    above: int
    without_saldo: int


def people_counts(rows: list[PersonRow]) -> PeopleCounts:
    return PeopleCounts(
        shown=len(rows),
        below=sum(1 for r in rows if r.band == "below"),
        above=sum(1 for r in rows if r.band == "above"),
        without_saldo=sum(1 for r in rows if r.saldo is None),
    )
