"""/healthz and /readyz on the admin site: plain answers naming what is not ready."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from core.observability.readiness import Readiness
from core.settings import Settings
from tests.support.web_site import web_settings
from web.app import build_web_app


@asynccontextmanager
async def site(settings: Settings, readiness: Readiness | None = None) -> AsyncIterator[str]:
    runner = web.AppRunner(build_web_app(settings, readiness=readiness), handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def get(url: str, **headers: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=headers) as response:
            return response.status, await response.text(), response.content_type


async def test_readyz_names_each_part_that_is_not_ready(db: str) -> None:
    readiness = Readiness(("Socket Mode", "scheduler"))
    async with site(web_settings(db), readiness) as base:
        assert await get(f"{base}/readyz") == (
            503,
            "Socket Mode: not started\nscheduler: not started",
            "text/plain",
        )

        async def down() -> str | None:
            return "not connected"

        async def up() -> str | None:
            return None

        readiness.watch("Socket Mode", down)
        readiness.watch("scheduler", up)
        assert await get(f"{base}/readyz") == (503, "Socket Mode: not connected", "text/plain")
        readiness.watch("Socket Mode", up)
        assert await get(f"{base}/readyz") == (200, "ready", "text/plain")
        assert await get(f"{base}/healthz") == (200, "ok", "text/plain")


async def test_a_site_on_its_own_is_ready_when_its_database_answers(db: str) -> None:
    async with site(web_settings(db)) as base:
        assert await get(f"{base}/readyz") == (200, "ready", "text/plain")
