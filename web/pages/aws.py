"""``/aws``: admins and finance see the AWS accounts the billing import found, with the person
each is named after, the project each is billed to and monthly totals per currency; link an
account to a project (moving it from another) or unlink it (audit-logged);
``/aws/<account>/<YYYY-MM>`` shows one account's month grouped by product.

The forms post and redirect back with a one-time notice; a refused form shows the page again,
status 400, with the reason beside the form and nothing changed.
"""

from __future__ import annotations

import re

from aiohttp import web

from core.errors import InvalidInput, NotFound
from models.aws_billing.links import link_account, unlink_account
from models.aws_billing.overview import account_month_costs, account_overviews
from models.permissions import Capability
from web.app_keys import SETTINGS_KEY
from web.auth import audit_actor, requires
from web.invoice_text import template_helpers
from web.notices import leave_notice, take_notice
from web.pages.groups import form_text
from web.rendering import render, site_root
from web.site_errors import NotFound as PageNotFound

MONTHS_SHOWN = 12
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


async def show_accounts(
    request: web.Request, problem: str = "", values: dict[str, str] | None = None
) -> web.Response:
    return render(
        request,
        "aws.html",
        status=400 if problem else 200,
        section="aws",
        accounts=await account_overviews(),
        months_shown=MONTHS_SHOWN,
        notice="" if problem else await take_notice(request),
        problem=problem,
        values=values or {},
        **template_helpers(),
    )


@requires(Capability.SEE_AWS)
async def aws_page(request: web.Request) -> web.Response:
    return await show_accounts(request)


async def _change(request: web.Request, link: bool) -> web.StreamResponse:
    account = await form_text(request, "account")
    project = await form_text(request, "project")
    actor = audit_actor(request)
    try:
        if link:
            result = await link_account(account, project, actor=actor)
        else:
            result = await unlink_account(account, project or None, actor=actor)
    except (InvalidInput, NotFound) as refused:
        values = {"account": account, "project": project} if link else {}
        return await show_accounts(request, refused.message, values)
    await leave_notice(request, result.message)
    raise web.HTTPSeeOther(f"{site_root(request.app[SETTINGS_KEY])}/aws")


@requires(Capability.LINK_AWS_ACCOUNTS)
async def link_form(request: web.Request) -> web.StreamResponse:
    return await _change(request, link=True)


@requires(Capability.LINK_AWS_ACCOUNTS)
async def unlink_form(request: web.Request) -> web.StreamResponse:
    return await _change(request, link=False)


@requires(Capability.SEE_AWS)
async def account_month_page(request: web.Request) -> web.Response:
    account_id = request.match_info["account"]
    found = _MONTH.fullmatch(request.match_info["month"])
    if found is None or not 1 <= int(found[2]) <= 12:
        raise PageNotFound("No such month: write it YYYY-MM.")
    year, month = int(found[1]), int(found[2])
    accounts = await account_overviews(account_id, month=(year, month))
    if not accounts:
        raise PageNotFound("No AWS account has that id.")
    costs = await account_month_costs(account_id, year, month)
    total = accounts[0].months[0].money if accounts[0].months else {}
    return render(
        request,
        "aws_month.html",
        section="aws",
        account=accounts[0],
        month_label=f"{year}-{month:02d}",
        costs=costs,
        total=total,
        **template_helpers(),
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/aws", aws_page)
    app.router.add_post("/aws/link", link_form)
    app.router.add_post("/aws/unlink", unlink_form)
    app.router.add_get("/aws/{account}/{month}", account_month_page)
