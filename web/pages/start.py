"""``/``: the admin site's start page, linking to the pages that exist."""

from __future__ import annotations

from aiohttp import web

from core.clock import company_yesterday
from core.formatting import format_hours
from web.app_keys import SETTINGS_KEY
from web.rendering import render


async def start_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    return render(
        request,
        "start.html",
        as_of=company_yesterday(settings),
        band_min=format_hours(settings.flex_max_minus),
        band_max=format_hours(settings.flex_max_plus),
        workday=format_hours(settings.workday_hours)[1:],
        time_zone=settings.time_zone,
    )
