"""Jinja2 for the admin site: one environment per app, templates shipped inside the package.

Autoescape is on for every template (people's names and notes come from 10000ft and HR), and
undefined names fail loudly instead of rendering as empty text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from aiohttp import web

from core.settings import Settings
from models.invoices.visibility import NO_INVOICES
from models.permissions import Capability, allows
from web.app_keys import ACTOR_KEY, CSRF_KEY, INVOICE_SCOPE_KEY, PERSON_KEY, TEMPLATES_KEY

HTML = "text/html"


def build_templates(settings: Settings) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["root"] = site_root(settings)
    env.globals["query"] = query_string
    # Navigation shows a page only to who may open it: {% if allows(actor, Capability.X) %}.
    env.globals["allows"] = allows
    env.globals["Capability"] = Capability
    return env


def site_root(settings: Settings) -> str:
    """PUBLIC_URL's path ("" at the host's root): links keep working behind a path prefix."""
    return urlsplit(settings.public_url).path.rstrip("/")


def query_string(**params: Any) -> str:
    """``?a=1&b=2`` from the non-empty parameters, or "" when none is left."""
    kept = {k: v for k, v in params.items() if v not in (None, "", False)}
    return "?" + urlencode(kept) if kept else ""


def page_links(path: str, kept: Mapping[str, Any], page: int, pages: int) -> tuple[str, str]:
    """The links to the newer and the older page around ``page`` of a list of ``pages`` ("" at
    either end), keeping its filters ``kept``; page 1 goes without ``page``."""
    newer = path + query_string(**kept, page=page - 1 if page > 2 else "") if page > 1 else ""
    older = path + query_string(**kept, page=page + 1) if page < pages else ""
    return newer, older


def page_context(request: web.Request, context: dict[str, Any]) -> dict[str, Any]:
    """``context`` with the signed-in person, their rights (``actor``, and ``sees_invoices``:
    whether they may see any invoice) and their CSRF token."""
    context.setdefault("signed_in", request.get(PERSON_KEY))
    context.setdefault("actor", request.get(ACTOR_KEY))
    context.setdefault("sees_invoices", request.get(INVOICE_SCOPE_KEY, NO_INVOICES).sees_any)
    context.setdefault("csrf_token", request.get(CSRF_KEY, ""))
    return context


def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    """Renders ``template`` with :func:`page_context`."""
    html = request.app[TEMPLATES_KEY].get_template(template).render(page_context(request, context))
    return web.Response(text=html, status=status, content_type=HTML, charset="utf-8")


#: Template pieces rendered between two turns of the event loop in :func:`render_in_slices`.
PIECES_PER_SLICE = 400


async def render_in_slices(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    """:func:`render` for pages of thousands of rows (the people list, a 5-year daily log):
    the template is rendered piece by piece and the event loop gets a turn every
    :data:`PIECES_PER_SLICE` pieces, so a `/flex-hours` ack never waits for the whole page."""
    generated = (
        request.app[TEMPLATES_KEY].get_template(template).generate(page_context(request, context))
    )
    parts: list[str] = []
    for count, part in enumerate(generated, start=1):
        parts.append(part)
        if count % PIECES_PER_SLICE == 0:
            await asyncio.sleep(0)
    return web.Response(text="".join(parts), status=status, content_type=HTML, charset="utf-8")
