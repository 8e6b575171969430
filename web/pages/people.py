"""``/users`` (HR): everyone with their flex saldo, computed for the whole list in one batch;
``/users.csv``: the same list as a CSV file.

Saldos come from ``models.flex.company`` (non-archived people with an e-mail, the same set
the monthly run and ``financebot flex --all`` use), computed in the site's worker process so
the event loop stays free; archived people, shown on request, and people without an e-mail
get a short note instead of a number. In the CSV, saldos are numbers and every text cell is
neutralised against formulas (``core.csv_cells``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from aiohttp import web

from core.csv_cells import Cell, csv_document
from core.formatting import format_hours
from models.flex.company import ListedPerson, SaldoSummary, listed_people
from models.flex.saldo import BandPosition, band_position
from models.permissions import Capability
from web.app_keys import SETTINGS_KEY
from web.auth import requires
from web.company_flex import company_flex_for
from web.page_params import as_of_param, choice_param, flag_param
from web.rendering import query_string, render_in_slices, site_root

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
    change: Decimal | None
    change_text: str
    band: BandPosition | None
    note: str


def person_row(
    person: ListedPerson, result: SaldoSummary | None, max_minus: Decimal, max_plus: Decimal
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
        email=person.email,
        slack_linked=bool(person.slack_id),
        archived=person.archived,
        saldo=saldo,
        saldo_text=format_hours(saldo) if saldo is not None else "",
        change=change if saldo is not None else None,
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


@dataclass(frozen=True)
class PeopleList:
    rows: list[PersonRow]
    as_of: dt.date
    as_of_given: bool
    include_archived: bool
    sort: str


async def people_list(request: web.Request) -> PeopleList:
    """The rows of ``/users`` for the request's as_of, archived and sort parameters."""
    settings = request.app[SETTINGS_KEY]
    as_of, as_of_given = as_of_param(request, settings)
    include_archived = flag_param(request, "archived")
    sort = choice_param(request, "sort", SORTS)

    listed = await listed_people(include_archived=include_archived)
    in_batch = [person.id for person in listed if person.in_flex_batch]
    company = await company_flex_for(request, in_batch, as_of)
    rows = [
        person_row(p, company.saldos.get(p.id), settings.flex_max_minus, settings.flex_max_plus)
        for p in listed
    ]
    return PeopleList(sorted_rows(rows, sort), as_of, as_of_given, include_archived, sort)


@requires(Capability.SEE_PEOPLE)
async def people_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    found = await people_list(request)
    as_of, rows = found.as_of, found.rows
    as_of_given, include_archived, sort = found.as_of_given, found.include_archived, found.sort
    keep = {
        "archived": "1" if include_archived else "",
        "as_of": as_of.isoformat() if as_of_given else "",
    }
    return await render_in_slices(
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
        sort_links=sort_links(site_root(settings) + "/users", sort, **keep),
        csv_href=site_root(settings)
        + "/users.csv"
        + query_string(sort=sort if sort != SORTS[0] else "", **keep),
    )


CSV_HEADER = (
    "name",
    "email",
    "slack_linked",
    "archived",
    "flex_saldo_hours",
    "change_from_last_month_hours",
    "band",
    "note",
)


def csv_row(row: PersonRow) -> list[Cell]:
    """Saldos as numbers (``-3.75``); everything else as text (neutralised when written)."""
    return [
        row.name,
        row.email,
        "yes" if row.slack_linked else "no",
        "yes" if row.archived else "no",
        row.saldo,
        row.change,
        row.band or "",
        row.note,
    ]


@requires(Capability.SEE_PEOPLE)
async def people_csv(request: web.Request) -> web.Response:
    found = await people_list(request)
    # A byte order mark first: without it Excel reads UTF-8 names (ä, ö) as Latin-1.
    body = "\ufeff" + csv_document(CSV_HEADER, (csv_row(row) for row in found.rows))
    filename = f"people-flex-{found.as_of.isoformat()}.csv"
    return web.Response(
        text=body,
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def add_people_routes(app: web.Application) -> None:
    app.router.add_get("/users", people_page)
    app.router.add_get("/users.csv", people_csv)


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
