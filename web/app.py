"""The admin web site (aiohttp). For now: ``/healthz``; the admin pages come with their issue."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.db import check_database
from bot.settings import Settings

log = logging.getLogger(__name__)

SETTINGS_KEY = web.AppKey("settings", Settings)
HEALTH_TIMEOUT = 5.0


async def healthz(request: web.Request) -> web.Response:
    """200 ``ok`` when the database answers ``SELECT 1``, else 503 with a short reason."""
    try:
        await asyncio.wait_for(check_database(), HEALTH_TIMEOUT)
    except TimeoutError:
        return web.Response(status=503, text=f"database did not answer within {HEALTH_TIMEOUT:g}s")
    except Exception as exc:
        log.warning("health check failed: %s", exc)
        return web.Response(status=503, text=f"database unavailable: {type(exc).__name__}")
    return web.Response(text="ok")


def build_web_app(settings: Settings) -> web.Application:
    app = web.Application()
    app[SETTINGS_KEY] = settings
    app.router.add_get("/healthz", healthz)
    return app
