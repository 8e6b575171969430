"""What a load balancer or Prometheus asks the site: ``/healthz``, ``/readyz`` and ``/metrics``.

- ``/healthz``: 200 ``ok`` when the database answers ``SELECT 1``, else 503 with the reason
  (the process is alive and can reach its data);
- ``/readyz``: 200 ``ready`` when the database answers and every part the bot names is up
  (Socket Mode connected, the scheduler running: :mod:`core.observability.readiness`), else
  503 with one plain line per problem;
- ``/metrics``: the Prometheus metrics (:mod:`core.observability.metrics`), only with
  ``Authorization: Bearer METRICS_TOKEN`` (401 without a bearer token, 403 with another one;
  the path does not exist when ``METRICS_TOKEN`` is unset). Each scrape first reads the last
  successful sync of each kind from the run records.

All three are public to the sign-in middleware (``web/auth.py``) and answer plain text.
"""

from __future__ import annotations

import hmac
import logging

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client.exposition import choose_encoder

from core.db import check_database, within
from core.observability.metrics import REGISTRY
from core.observability.readiness import Readiness
from core.settings import Settings
from sync.runs import load_last_successes
from web.app_keys import READINESS_KEY

log = logging.getLogger(__name__)

HEALTH_TIMEOUT = 5.0
#: How long a scrape waits for the run records before it answers with what it has.
LAST_SUCCESS_TIMEOUT = 2.0


async def database_problem() -> str | None:
    """Why the database does not answer, or None when it does."""
    try:
        await within(HEALTH_TIMEOUT, check_database())  # not waiting for a query left hanging
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


def metrics_view(token: str) -> Handler:
    expected = token.encode()

    async def metrics(request: web.Request) -> web.Response:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return web.Response(
                status=401,
                text="a bearer token is required",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        if not hmac.compare_digest(given.strip().encode(), expected):
            return web.Response(status=403, text="wrong bearer token")
        try:
            await within(LAST_SUCCESS_TIMEOUT, load_last_successes())
        except Exception as exc:  # the rest of the metrics are still worth answering
            log.warning("metrics: last syncs not read from the database: %s", exc)
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        return web.Response(body=encoder(REGISTRY), headers={"Content-Type": content_type})

    return metrics


def add_monitoring_routes(
    app: web.Application, settings: Settings, readiness: Readiness | None
) -> None:
    """``/healthz``, ``/readyz`` (waiting for ``readiness``'s parts too, when given) and, with
    ``METRICS_TOKEN`` set, ``/metrics``."""
    app[READINESS_KEY] = readiness or Readiness()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    if settings.metrics_token:
        app.router.add_get("/metrics", metrics_view(settings.metrics_token))
