"""``/sync``: the latest runs per kind, and "Sync now" running the real sync in the background
against the 10000ft emulator, never twice at once."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web

from bot.emulators.tenkfeet import DEFAULT_TOKEN
from core.settings import Settings
from models import Person, PublicHoliday, SyncLock, SyncRun
from sync.runs import acquire_lock
from tests.support.browsers import browser
from tests.support.signed_in import Answer, fetch, join, serve_app
from tests.support.sync_company import SignallingEmulator
from tests.support.web_company import make_person
from tests.support.web_site import read_page, web_settings
from web.app_keys import SYNC_NOW_KEY
from web.auth import CSRF_HEADER

WAIT = 10.0


@dataclass
class Site:
    url: str
    app: web.Application
    settings: Settings
    admin: Person
    hr: Person
    tenkfeet: SignallingEmulator


@pytest.fixture
async def site(db: str) -> AsyncIterator[Site]:
    admin = await make_person("Adam", "Admin")
    await join(admin, "admin")
    hr = await make_person("Helen", "Hr")
    await join(hr, "hr")
    tenkfeet = SignallingEmulator()
    await tenkfeet.start()
    settings = web_settings(db, TENKFEET_API_URL=tenkfeet.base_url, TENKFEET_AUTH=DEFAULT_TOKEN)
    try:
        async with serve_app(settings) as (url, app):
            yield Site(url, app, settings, admin, hr, tenkfeet)
    finally:
        await tenkfeet.stop()


async def press(
    site: Site, kind: str, person: Person | None = None, **headers: str | None
) -> Answer:
    """One press, redirect not followed (see :func:`press_and_read` for the notice)."""
    return await fetch(
        f"{site.url}/sync/run",
        site.settings,
        person or site.admin,
        method="POST",
        data={"kind": kind},
        headers=headers,
    )


async def press_and_read(site: Site, kind: str) -> tuple[str, str]:
    """Presses Sync now for ``kind`` as the admin, in a browser that follows the redirect;
    returns where it went and the notice shown there."""
    async with browser(site.url, site.settings, site.admin.id) as admin:
        status, html, location = await admin.post("/sync/run", kind=kind)
        assert status == 200
        notice = read_page(html).texts.get("notice", "")
        _, again = await admin.get("/sync")
        assert 'id="notice"' not in again  # shown once
    return location, notice


async def test_admin_sees_every_kind_with_its_latest_run(site: Site) -> None:
    retried = "10000ft: 2 retries (HTTP 429 ×2), 4.0 s waited"
    old = await SyncRun.create(kind="users", status="failed", error="boom", retries=retried)
    await SyncRun.filter(id=old.id).update(started_at=dt.datetime(2025, 3, 1, 8, tzinfo=dt.UTC))
    latest = await SyncRun.create(
        kind="users", status="succeeded", added=3, updated=2, deleted=1, skipped=4, invalid=1
    )
    moment = dt.datetime(2025, 3, 2, 22, 30, tzinfo=dt.UTC)
    await SyncRun.filter(id=latest.id).update(
        started_at=moment, finished_at=moment + dt.timedelta(seconds=5)
    )
    answer = await fetch(f"{site.url}/sync", site.settings, site.admin)
    assert answer.status == 200
    page = read_page(answer.text)
    # in TIME_ZONE (Europe/Helsinki, +2 in March): the next day
    assert page.rows["kind-users"][:9] == [
        "users", "succeeded", "2025-03-03 00:30:00", "2025-03-03 00:30:05", "3", "2", "1",
        "4 (1 invalid)", "",
    ]  # fmt: skip
    assert page.rows["kind-hours"][:2] == ["hours", "never run"]
    assert page.rows["kind-slack-users"][-1] == "Sync now SLACK_BOT_TOKEN is not set"
    assert page.rows["kind-aws-billing"][-1] == "Sync now AWS_BILLING_BUCKET is not set"
    assert [row[:2] for row in page.tables["recent-runs"][1:]] == [
        ["users", "succeeded"],
        ["users", "failed"],
    ]
    assert page.tables["recent-runs"][2][-1] == f"boom{retried}"  # the error, then the retries
    assert 'name="kind" value="hours"' in answer.text  # configured: a live button
    assert 'name="csrf_token" value="test-csrf-' in answer.text


async def test_sync_now_runs_once_and_a_second_press_is_refused_while_it_runs(site: Site) -> None:
    release = site.tenkfeet.slow_request(1)
    location, notice = await press_and_read(site, "holidays")
    assert location == "/sync"
    assert notice == (
        "The holidays sync has started in the background. Reload this page to follow it."
    )
    await asyncio.wait_for(site.tenkfeet.arrived.wait(), WAIT)

    page = read_page((await fetch(f"{site.url}/sync", site.settings, site.admin)).text)
    assert page.rows["kind-holidays"][1] == "running"
    assert page.rows["kind-holidays"][-1] == "Sync now running"

    _, notice = await press_and_read(site, "holidays")
    assert notice == (
        "A holidays sync is already running (started from this site); nothing new was started."
    )

    task = site.app[SYNC_NOW_KEY].task("holidays")
    assert task is not None
    release.set()
    await asyncio.wait_for(task, WAIT)
    runs = await SyncRun.filter(kind="holidays").values_list("status", flat=True)
    assert runs == ["succeeded"]
    assert await PublicHoliday.all().count() == len(site.tenkfeet.data.holidays)
    assert await SyncLock.all().count() == 0


async def test_a_run_elsewhere_holding_the_lock_counts_as_running(site: Site) -> None:
    await acquire_lock("users", "other-host:1:1:abcd")
    since = (await SyncLock.get(kind="users")).acquired_at.astimezone(site.settings.tz)
    _, notice = await press_and_read(site, "users")
    assert notice == (
        f"A users sync is already running (started {since:%Y-%m-%d %H:%M}); "
        "nothing new was started."
    )
    assert site.app[SYNC_NOW_KEY].task("users") is None
    assert await SyncRun.all().count() == 0
    assert site.tenkfeet.requests == []
    page = read_page((await fetch(f"{site.url}/sync", site.settings, site.admin)).text)
    assert page.rows["kind-users"][-1] == "Sync now running"


async def test_a_kind_that_is_not_configured_cannot_be_started(site: Site) -> None:
    _, notice = await press_and_read(site, "slack-users")
    assert notice == "The slack-users sync cannot run here: SLACK_BOT_TOKEN is not set."
    assert site.app[SYNC_NOW_KEY].task("slack-users") is None
    assert await SyncRun.all().count() == 0


async def test_unknown_kind_is_a_400(site: Site) -> None:
    answer = await press(site, "everything")
    assert answer.status == 400
    assert "kind must be one of users, projects" in answer.text


@pytest.mark.parametrize(
    "csrf",
    [{CSRF_HEADER: "forged"}, {CSRF_HEADER: ""}, {CSRF_HEADER: None}],
    ids=["wrong token", "empty token", "no token"],
)
async def test_a_press_without_the_csrf_token_starts_nothing(
    site: Site, csrf: dict[str, str | None]
) -> None:
    answer = await press(site, "holidays", **csrf)
    assert answer.status == 403
    assert site.app[SYNC_NOW_KEY].task("holidays") is None
    assert await SyncRun.all().count() == 0
    assert site.tenkfeet.requests == []


async def test_a_press_from_a_signed_out_browser_starts_nothing(site: Site) -> None:
    answer = await fetch(
        f"{site.url}/sync/run", site.settings, method="POST", data={"kind": "holidays"}
    )
    assert answer.status == 403
    assert site.app[SYNC_NOW_KEY].task("holidays") is None
    assert site.tenkfeet.requests == []


async def test_hr_may_neither_see_nor_run_syncs(site: Site) -> None:
    page = await fetch(f"{site.url}/sync", site.settings, site.hr)
    assert page.status == 403
    assert "This needs the admin group (to see syncs)." in page.text
    answer = await press(site, "holidays", site.hr)
    assert answer.status == 403
    assert "This needs the admin group (to run syncs)." in answer.text
    assert site.tenkfeet.requests == []
    assert await SyncRun.all().count() == 0


async def test_shutting_the_site_down_cancels_a_running_sync_cleanly(db: str) -> None:
    admin = await make_person("Adam", "Admin")
    await join(admin, "admin")
    tenkfeet = SignallingEmulator()
    await tenkfeet.start()
    try:
        tenkfeet.slow_request(1)
        settings = web_settings(db, TENKFEET_API_URL=tenkfeet.base_url, TENKFEET_AUTH=DEFAULT_TOKEN)
        async with serve_app(settings) as (url, app):
            answer = await fetch(
                f"{url}/sync/run", settings, admin, method="POST", data={"kind": "users"}
            )
            assert (answer.status, answer.headers["Location"]) == (303, "/sync")
            await asyncio.wait_for(tenkfeet.arrived.wait(), WAIT)
            task = app[SYNC_NOW_KEY].task("users")
            assert task is not None
        assert task.cancelled()
        runs = await SyncRun.filter(kind="users").values_list("status", "error")
        assert runs == [("failed", "cancelled")]
        assert await SyncLock.all().count() == 0
    finally:
        await tenkfeet.stop()
