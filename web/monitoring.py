"""What a load balancer asks the site: ``/healthz`` and ``/readyz``.

- ``/healthz``: 200 ``ok`` when the database answers ``SELECT 1``, else 503 with the reason
  (the process is alive and can reach its data);
- ``/readyz``: 200 ``ready`` when the database answers and every part the bot names is up
  (Socket Mode connected, the scheduler running: :mod:`core.observability.readiness`), else
  503 with one plain line per problem.

Both are public to the sign-in middleware (``web/auth.py``) and answer plain text.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from core.db import check_database
from core.observability.readiness import Readiness
from core.settings import Settings
from web.app_keys import READINESS_KEY

log = logging.getLogger(__name__)

HEALTH_TIMEOUT = 5.0


async def database_problem() -> str | None:
    """Why the database does not answer, or None when it does."""
    try:
        await asyncio.wait_for(check_database(), HEALTH_TIMEOUT)
    except TimeoutError:
        return f"database did not answer within {HEALTH_TIMEOUT:g}s"
    except Exception as exc:
        log.warning("health check failed: %s", exc)
        return f"database unavailable: {type(exc).__name__}"
    return None


async def healthz(request: web.Request) -> web.Response:
    problem = await database_problem()
    if problem:
        return web.Response(status=503, text=problem)
    return web.Response(text="ok")


async def readyz(request: web.Request) -> web.Response:
    problems = []
    database = await database_problem()
    if database:
        problems.append(database)
    problems += await request.app[READINESS_KEY].problems()
    if problems:
        return web.Response(status=503, text="\n".join(problems))
    return web.Response(text="ready")


def add_monitoring_routes(
    app: web.Application, settings: Settings, readiness: Readiness | None
) -> None:
    """``/healthz`` and ``/readyz`` (waiting for ``readiness``'s parts too, when given)."""
    app[READINESS_KEY] = readiness or Readiness()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
