"""``/groups``: admins see every group with its members and what it grants, add a member by
e-mail, remove one, create a custom group and delete one.

Every form posts to its own path and, when it worked, redirects back (POST-redirect-GET) with
a one-time notice; a refused form shows the page again, status 400, with the reason beside its
field and nothing saved. The rules themselves (names, archived people, built-in groups) are
:mod:`models.groups`'. From the web the last active admin cannot be removed, so admins cannot
lock everyone out; the CLI can still repair access.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from core.errors import InvalidInput, NotAllowed, NotFound, RequestRefused
from models.groups import (
    add_member,
    create_group,
    delete_group,
    is_built_in,
    list_groups,
    person_by_email,
    remove_member,
)
from models.people import Person
from models.permissions import Capability, capabilities_of
from web.app_keys import SETTINGS_KEY
from web.auth import audit_actor, requires
from web.notices import leave_notice, take_notice
from web.rendering import render, site_root
from web.site_errors import BadRequest

FORM_VALUE_MAX = 320


@dataclass
class FormProblem:
    """A refused form: which one (``create``, ``add-hr``, ``remove-hr``, ``delete-devs``, or
    ``page`` when the group it was about is gone), the reason and what was typed."""

    form: str
    message: str
    values: dict[str, str] = field(default_factory=dict)


async def show_groups(request: web.Request, problem: FormProblem | None = None) -> web.Response:
    groups = await list_groups()
    return render(
        request,
        "groups.html",
        status=400 if problem else 200,
        section="groups",
        groups=groups,
        grants={group.name: [c.value for c in capabilities_of(group.name)] for group in groups},
        notice="" if problem else await take_notice(request),
        errors={problem.form: problem.message} if problem else {},
        values={problem.form: problem.values} if problem else {},
    )


@requires(Capability.MANAGE_GROUPS)
async def groups_page(request: web.Request) -> web.Response:
    return await show_groups(request)


async def form_text(request: web.Request, name: str) -> str:
    value = (await request.post()).get(name, "")
    return value.strip()[:FORM_VALUE_MAX] if isinstance(value, str) else ""


def back_to_groups(request: web.Request, group: str = "") -> web.HTTPSeeOther:
    anchor = f"#group-{group}" if group else ""
    return web.HTTPSeeOther(f"{site_root(request.app[SETTINGS_KEY])}/groups{anchor}")


def problem_of(
    refused: RequestRefused, form: str, field: str | None = None, **values: str
) -> FormProblem:
    """Where a refusal is shown: beside the form, or at the top of the page when it is not
    about the form's own ``field`` (its group is gone, or the address names no group)."""
    elsewhere = isinstance(refused, NotFound) or (
        isinstance(refused, InvalidInput) and refused.field != field
    )
    return FormProblem("page" if elsewhere else form, refused.message, values)


@requires(Capability.MANAGE_GROUPS)
async def create_group_form(request: web.Request) -> web.StreamResponse:
    name = await form_text(request, "name")
    try:
        created = await create_group(name, actor=audit_actor(request))
    except InvalidInput as refused:
        return await show_groups(request, problem_of(refused, "create", "name", name=name))
    await leave_notice(request, f"Created the group {created.name}.")
    raise back_to_groups(request, created.name)


@requires(Capability.MANAGE_GROUPS)
async def add_member_form(request: web.Request) -> web.StreamResponse:
    group = request.match_info["name"]
    email = await form_text(request, "email")
    try:
        change = await add_member(group, await person_by_email(email), actor=audit_actor(request))
    except (InvalidInput, NotFound) as refused:
        return await show_groups(request, problem_of(refused, f"add-{group}", "email", email=email))
    await leave_notice(request, change.message)
    raise back_to_groups(request, group)


@requires(Capability.MANAGE_GROUPS)
async def remove_member_form(request: web.Request) -> web.StreamResponse:
    group = request.match_info["name"]
    person_id = await form_text(request, "person_id")
    if not person_id.isdigit():
        raise BadRequest("person_id must be a person's number.")
    person = await Person.get_or_none(id=int(person_id))
    try:
        if person is None:
            raise NotFound("That person is no longer in the database; nothing changed.")
        change = await remove_member(group, person, actor=audit_actor(request), keep_an_admin=True)
    except (NotAllowed, NotFound) as refused:
        return await show_groups(request, problem_of(refused, f"remove-{group}"))
    await leave_notice(request, change.message)
    raise back_to_groups(request, group)


@requires(Capability.MANAGE_GROUPS)
async def delete_group_form(request: web.Request) -> web.StreamResponse:
    group = request.match_info["name"]
    try:
        deleted = await delete_group(group, actor=audit_actor(request))
    except (NotAllowed, NotFound) as refused:
        # A built-in group has no delete button: say it at the top of the page.
        form = "page" if is_built_in(group) else f"delete-{group}"
        return await show_groups(request, problem_of(refused, form))
    count = len(deleted.members)
    await leave_notice(
        request,
        f"Deleted the group {deleted.name}"
        + (f" and its {count} membership{'' if count == 1 else 's'}." if count else "."),
    )
    raise back_to_groups(request)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/groups", groups_page)
    app.router.add_post("/groups", create_group_form)
    app.router.add_post("/groups/{name}/members", add_member_form)
    app.router.add_post("/groups/{name}/remove", remove_member_form)
    app.router.add_post("/groups/{name}/delete", delete_group_form)
