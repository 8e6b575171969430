"""/healthz, /readyz and /metrics on the admin site: plain answers, the bearer token, and the
last successful sync of each kind read from the run records."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web

from core.observability.readiness import Readiness
from core.settings import Settings, SettingsError, load_settings
from models import SyncRun
from tests.support.metrics import METRICS_TOKEN, scrape, value
from tests.support.web_site import web_settings
from web.app import build_web_app

LAST_SUCCESS = "financebot_sync_last_success_timestamp_seconds"


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


async def test_metrics_are_off_without_a_token(db: str) -> None:
    async with site(web_settings(db)) as base:
        status, _, _, _ = await scrape(base, METRICS_TOKEN)
    assert status == 404


async def test_metrics_ask_for_the_bearer_token(db: str) -> None:
    async with site(web_settings(db, METRICS_TOKEN=METRICS_TOKEN)) as base:
        missing = await scrape(base, "")
        wrong = await scrape(base, "another-token-0123456789")
        basic = await get(f"{base}/metrics", Authorization=f"Basic {METRICS_TOKEN}")
        right = await scrape(base, METRICS_TOKEN)
    assert missing[0] == 401 and missing[2]["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert "financebot_" not in missing[1]
    assert wrong[0] == 403 and "financebot_" not in wrong[1]
    assert basic[0] == 401
    status, text, headers, _ = right
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain")
    for name in (
        "financebot_slack_commands_total",
        "financebot_slack_command_duration_seconds",
        "financebot_slack_api_calls_total",
        "financebot_sync_runs_total",
        "financebot_notifications_total",
        "process_resident_memory_bytes",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in text, name


async def test_the_last_success_of_each_kind_comes_from_the_run_records(db: str) -> None:
    """As after a restart, or when another replica ran the sync: no run ended here."""
    kind = f"k{uuid.uuid4().hex[:10]}"
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    older, newer = now - dt.timedelta(hours=2), now - dt.timedelta(hours=1)
    await SyncRun.create(kind=kind, status="succeeded", finished_at=older)
    await SyncRun.create(kind=kind, status="succeeded", finished_at=newer)
    await SyncRun.create(kind=kind, status="failed", finished_at=now, error="boom")
    await SyncRun.create(kind=kind, status="running")
    async with site(web_settings(db, METRICS_TOKEN=METRICS_TOKEN)) as base:
        status, _, _, samples = await scrape(base)
    assert status == 200
    assert value(samples, LAST_SUCCESS, kind=kind) == pytest.approx(newer.timestamp())


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


def test_a_metrics_token_must_be_long_and_fit_a_header() -> None:
    assert load_settings({}).metrics_token == ""
    assert load_settings({"METRICS_TOKEN": METRICS_TOKEN}).metrics_token == METRICS_TOKEN
    assert METRICS_TOKEN not in repr(load_settings({"METRICS_TOKEN": METRICS_TOKEN}))
    for bad in ("short", "has a space in the middle", "ä" * 20):
        with pytest.raises(SettingsError, match="METRICS_TOKEN must be at least 16 printable"):
            load_settings({"METRICS_TOKEN": bad})
