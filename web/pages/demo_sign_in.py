"""``/demo/sign-in`` (`financebot demo` only): sign in as any sample person with one click.

The page lists the active people with their groups and the projects they administer, so one
can try the site as an employee, HR, finance, an admin or a project admin. It is public, so
the page gives the visitor a CSRF token in their session before any sign-in; the sign-in
middleware checks it on the POST as on every other. :func:`add_routes` is only called in demo
mode: elsewhere the path does not exist.
"""

from __future__ import annotations

from aiohttp import web

from models.people import Person
from models.people_directory import active_people_with_roles
from web.app_keys import CSRF_KEY, SETTINGS_KEY
from web.auth import DEMO_SIGN_IN_PATH, begin_session, csrf_token
from web.pages.sign_in import safe_next
from web.rendering import render, site_root
from web.site_errors import BadRequest


async def demo_sign_in_page(request: web.Request) -> web.Response:
    request[CSRF_KEY] = await csrf_token(request)
    return render(
        request,
        "demo_sign_in.html",
        people=await active_people_with_roles(),
        next_path=safe_next(request.query.get("next")),
    )


async def demo_sign_in(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    raw_id = form.get("person_id")
    person_id = int(raw_id) if isinstance(raw_id, str) and raw_id.isdigit() else None
    person = await Person.get_or_none(id=person_id, archived=False) if person_id else None
    if person is None:
        raise BadRequest("Pick one of the listed people to sign in as.")
    await begin_session(request, person)
    next_value = form.get("next")
    next_path = safe_next(next_value if isinstance(next_value, str) else None)
    raise web.HTTPFound(site_root(request.app[SETTINGS_KEY]) + next_path)


def add_routes(app: web.Application) -> None:
    app.router.add_get(DEMO_SIGN_IN_PATH, demo_sign_in_page)
    app.router.add_post(DEMO_SIGN_IN_PATH, demo_sign_in)
