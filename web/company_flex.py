"""The whole company's flex figures for a page, computed in the site's worker process.

``/users``, its CSV export and HR's start page need every person's saldo; computing them
takes seconds of CPU for a large company, which must not happen on the event loop the Slack
bot shares (see ``core.off_loop``). The worker is the app's, started on first use and stopped
with the site.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from aiohttp import web

from core.off_loop import WorkerProcess
from models.flex.company import CompanyFlex, company_flex
from web.app_keys import SETTINGS_KEY, WORKER_KEY


def add_worker(app: web.Application, worker: WorkerProcess | None = None) -> None:
    """The site's worker: ``worker`` when `serve` shares its own (the scheduler's and "Send
    now"'s notifications use it too), else a new one; the site stops it at cleanup, after
    the scheduler has stopped."""
    app[WORKER_KEY] = worker or WorkerProcess()

    async def stop_worker(app: web.Application) -> None:
        await app[WORKER_KEY].close()

    app.on_cleanup.append(stop_worker)


async def company_flex_for(
    request: web.Request, person_ids: Sequence[int], as_of: dt.date
) -> CompanyFlex:
    settings = request.app[SETTINGS_KEY]
    worker = request.app[WORKER_KEY]
    return await company_flex(person_ids, as_of, settings.workday_hours, worker.run)
