"""Jinja2 for the admin site: one environment per app, templates shipped inside the package.

Autoescape is on for every template (people's names and notes come from 10000ft and HR), and
undefined names fail loudly instead of rendering as empty text.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from aiohttp import web

from core.settings import Settings
from models.permissions import Capability, allows
from web.app_keys import ACTOR_KEY, CSRF_KEY, PERSON_KEY, TEMPLATES_KEY

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
    # Navigation shows a page only to who may open it: {% if may(Capability.X) %}.
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


def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    """Renders ``template`` with the signed-in person, their rights (``actor``), their CSRF
    token and ``may`` in its context: ``may(Capability.SEE_PEOPLE)`` is the permission rule
    for the signed-in person (false for nobody), so links to pages one may not open are left
    out."""
    context.setdefault("signed_in", request.get(PERSON_KEY))
    context.setdefault("actor", request.get(ACTOR_KEY))
    context.setdefault("csrf_token", request.get(CSRF_KEY, ""))
    context.setdefault("may", partial(allows, request.get(ACTOR_KEY)))
    html = request.app[TEMPLATES_KEY].get_template(template).render(**context)
    return web.Response(text=html, status=status, content_type=HTML, charset="utf-8")
