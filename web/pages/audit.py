"""``/audit``: every change to contracts, corrections, groups, invoice checks and fixed rows,
100 to a page, filtered by kind and by person (an e-mail or a name: matches who made the change
or whom the changed row is about), times in ``TIME_ZONE``.

Privacy: a flex correction's values (its hours and HR's note) are flex numbers, seen by the
``hr`` group only. Admins outside HR see that a correction was made, by whom, when and for
whom, with "values hidden" instead of the values (:mod:`models.audit_trail` decides).
"""

from __future__ import annotations

from aiohttp import web

from models.audit_trail import KIND_KEYS, KINDS, audit_page
from models.permissions import Capability
from web.app_keys import SETTINGS_KEY
from web.auth import current_actor, requires
from web.page_params import choice_param, page_param
from web.rendering import page_links, render, site_root

ALL_KINDS = "all"
PERSON_MAX = 200


@requires(Capability.SEE_AUDIT)
async def audit_log_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    kind = choice_param(request, "kind", (ALL_KINDS, *KIND_KEYS))
    person = request.query.get("person", "").strip()[:PERSON_MAX]
    result = await audit_page(
        current_actor(request),
        settings.tz,
        kind=None if kind == ALL_KINDS else kind,
        person=person or None,
        page=page_param(request),
    )
    path = site_root(settings) + "/audit"
    kept = {"kind": "" if kind == ALL_KINDS else kind, "person": person}
    newer, older = page_links(path, kept, result.page, result.pages)
    return render(
        request,
        "audit.html",
        section="audit",
        result=result,
        kinds=[(option.key, option.label) for option in KINDS],
        kind=kind,
        person=person,
        time_zone=settings.time_zone,
        newer=newer,
        older=older,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/audit", audit_log_page)
