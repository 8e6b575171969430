"""``/contracts`` (HR): everyone's work contracts and flex corrections, with their problems,
and ``/contracts/<guid>``: one person's, with the links that add, edit and delete them.

The forms live in :mod:`web.pages.contract_forms`, the CSV upload in
:mod:`web.pages.contract_upload`; :func:`add_routes` serves all three. Corrections carry flex
numbers, so every path here needs the hr group (Capability.EDIT_CONTRACTS).
"""

from __future__ import annotations

from aiohttp import web

from models.flex.contract_overview import contract_overview, contracts_of
from models.flex.correction_edits import hours_text
from models.permissions import Capability
from web.auth import requires
from web.notices import take_notice
from web.page_params import flag_param
from web.pages import contract_forms, contract_upload
from web.pages.contract_forms import person_of
from web.rendering import render
from web.site_errors import BadRequest

#: People shown at most on /contracts; a search narrows the list.
PEOPLE_SHOWN = 100
MAX_SEARCH_CHARS = 100


@requires(Capability.EDIT_CONTRACTS)
async def contracts_page(request: web.Request) -> web.Response:
    search = request.query.get("q", "").strip()
    if len(search) > MAX_SEARCH_CHARS:
        raise BadRequest(f"q (the person search) is longer than {MAX_SEARCH_CHARS} characters.")
    only_problems = flag_param(request, "problems")
    include_archived = flag_param(request, "archived")
    overview = await contract_overview(
        search=search,
        include_archived=include_archived,
        only_problems=only_problems,
        limit=PEOPLE_SHOWN,
    )
    return render(
        request,
        "contracts.html",
        overview=overview,
        search=search,
        only_problems=only_problems,
        include_archived=include_archived,
        notice=await take_notice(request),
        hours=hours_text,
    )


@requires(Capability.EDIT_CONTRACTS)
async def person_contracts_page(request: web.Request) -> web.Response:
    person = await person_of(request)
    return render(
        request,
        "contracts_person.html",
        data=await contracts_of(person),
        notice=await take_notice(request),
        hours=hours_text,
    )


def add_routes(app: web.Application) -> None:
    """``/contracts`` and everything under it (the upload before ``/contracts/<guid>``)."""
    router = app.router
    router.add_get("/contracts", contracts_page)
    contract_upload.add_routes(app)
    router.add_get("/contracts/{guid}", person_contracts_page)
    contract_forms.add_routes(app)
