"""``/sync`` (admins): the latest run of every kind, recent runs, and "Sync now".

Times are shown in TIME_ZONE. "Sync now" is a form per kind (POST ``/sync/run``, with the
session's CSRF token) that starts the sync in the background (``web.sync_now``) and sends the
browser back to ``/sync`` with a one-time notice: started, already running (and since when),
or why it cannot run. Kinds that are not configured show their button disabled with the
reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from core.settings import Settings
from models.bookkeeping import SyncRun
from models.permissions import Capability, allows
from sync.dispatch import ALL_KINDS, AfterSync
from sync.runs import latest_runs, lock_in_use, recent_runs
from web.app_keys import SETTINGS_KEY, SYNC_NOW_KEY
from web.auth import current_actor, requires
from web.notices import leave_notice, take_notice
from web.rendering import render, site_root
from web.site_errors import BadRequest
from web.sync_now import StartResult, SyncNow, unavailable_reason


@dataclass(frozen=True, slots=True)
class RunRow:
    kind: str
    status: str
    started: str
    finished: str
    range: str
    added: int
    updated: int
    deleted: int
    skipped: int
    invalid: int  # of the skipped, upstream items that failed validation (recorded as events)
    error: str
    retries: str  # how often the upstream was asked again, and the wait ("" when never)


@dataclass(frozen=True, slots=True)
class KindRow:
    kind: str
    latest: RunRow | None
    running: bool
    unavailable: str  # why "Sync now" is disabled ("" when it may run)


def local_time(moment: datetime | None, settings: Settings) -> str:
    if moment is None:
        return ""
    return moment.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M:%S")


def run_row(run: SyncRun, settings: Settings) -> RunRow:
    span = ""
    if run.start_date is not None and run.end_date is not None:
        span = f"{run.start_date.isoformat()} … {run.end_date.isoformat()}"
    return RunRow(
        kind=run.kind,
        status=run.status,
        started=local_time(run.started_at, settings),
        finished=local_time(run.finished_at, settings),
        range=span + (" (forced)" if run.forced else ""),
        added=run.added,
        updated=run.updated,
        deleted=run.deleted,
        skipped=run.skipped,
        invalid=run.invalid,
        error=run.error,
        retries=run.retries,
    )


async def kind_rows(settings: Settings, sync_now: SyncNow) -> list[KindRow]:
    latest = await latest_runs(ALL_KINDS)
    rows = []
    for kind in ALL_KINDS:
        running = sync_now.running_here(kind) or await lock_in_use(kind) is not None
        run = latest.get(kind)
        rows.append(
            KindRow(
                kind=kind,
                latest=run_row(run, settings) if run is not None else None,
                running=running,
                unavailable=unavailable_reason(kind, settings) or "",
            )
        )
    return rows


def notice_text(kind: str, result: StartResult) -> str:
    """What the page says after a press."""
    if result.outcome == "started":
        return f"The {kind} sync has started in the background. Reload this page to follow it."
    if result.outcome == "already running":
        return f"A {kind} sync is already running ({result.detail}); nothing new was started."
    return f"The {kind} sync cannot run here: {result.detail}."


@requires(Capability.SEE_SYNCS)
async def syncs_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    return render(
        request,
        "syncs.html",
        kinds=await kind_rows(settings, request.app[SYNC_NOW_KEY]),
        runs=[run_row(run, settings) for run in await recent_runs()],
        notice=await take_notice(request),
        may_run=allows(current_actor(request), Capability.RUN_SYNCS),
        time_zone=settings.time_zone,
    )


@requires(Capability.RUN_SYNCS)
async def sync_now(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    form = await request.post()
    kind = form.get("kind")
    if not isinstance(kind, str) or kind not in ALL_KINDS:
        raise BadRequest(f"kind must be one of {', '.join(ALL_KINDS)}.")
    result = await request.app[SYNC_NOW_KEY].start(kind)
    await leave_notice(request, notice_text(kind, result))
    raise web.HTTPSeeOther(site_root(settings) + "/sync")


def add_sync_routes(app: web.Application, after: AfterSync | None = None) -> None:
    app[SYNC_NOW_KEY] = SyncNow(app[SETTINGS_KEY], after=after)

    async def stop_syncs(app: web.Application) -> None:
        await app[SYNC_NOW_KEY].close()

    app.on_shutdown.append(stop_syncs)
    app.router.add_get("/sync", syncs_page)
    app.router.add_post("/sync/run", sync_now)
