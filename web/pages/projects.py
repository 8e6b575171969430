"""``/projects/<guid>``: one project as the invoices see it: client, state, start and end when
10000ft knows them, its admins, totals of hours and money per currency over all its
invoices, its latest invoices and its fixed rows (editable by finance,
:mod:`web.pages.fixed_row_forms`).

Seen by whoever may see the project's invoices (:mod:`web.invoice_access`).
"""

from __future__ import annotations

from aiohttp import web

from models.invoices.listing import list_invoices, project_totals_of
from models.invoices.records import ProjectFixedRow
from models.invoices.refresh import rules_of
from models.people import Person
from models.permissions import Capability, allows
from models.projects import Project
from web.app_keys import SETTINGS_KEY
from web.auth import current_actor
from web.invoice_access import require_invoices, require_project
from web.invoice_text import template_helpers
from web.notices import take_notice
from web.rendering import render
from web.site_errors import NotFound

#: The invoices a project page lists, newest first (the rest: /invoices?project=<guid>).
LATEST_INVOICES = 12


async def visible_project(request: web.Request) -> Project:
    """The path's project with its client, if the person may see its invoices: 403 for someone
    who sees no invoices, 404 for an unknown guid, 403 for someone else's project."""
    scope = require_invoices(request)
    guid = request.match_info["guid"]
    project = await Project.filter(guid=guid[:64]).select_related("client").first()
    if project is None:
        raise NotFound(
            f"No project has the 10000ft guid {guid[:80]!r}. The link may be out of date, or "
            "projects have not been synced from 10000ft yet."
        )
    require_project(scope, project.id, project.name)
    return project


async def project_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    rules = rules_of(settings)
    project = await visible_project(request)
    invoices = await list_invoices(project_id=project.id)
    admins = (
        await Person.filter(admin_of_projects__id=project.id, archived=False)
        .order_by("first_name", "last_name", "id")
        .all()
    )
    return render(
        request,
        "project.html",
        section="invoices",
        project=project,
        client=project.client.name if project.client else "",
        admins=admins,
        totals=await project_totals_of(project, rules),
        invoices=invoices[:LATEST_INVOICES],
        invoice_count=len(invoices),
        fixed_rows=await ProjectFixedRow.filter(project_id=project.id).order_by("id"),
        may_edit_rows=allows(current_actor(request), Capability.EDIT_FIXED_ROWS),
        rules=rules,
        notice=await take_notice(request),
        **template_helpers(),
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/projects/{guid}", project_page)
