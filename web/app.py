"""The admin web site (aiohttp): server-rendered pages, one stylesheet, no scripts.

Paths (the README's admin site paths): ``/`` (what waits for the signed-in person),
``/users`` and ``/users.csv`` (people and their flex saldos, HR), ``/users/<guid>/flexhours``
(one person's flex saldo in full: the person and HR), ``/contracts`` (HR), ``/groups``,
``/sync`` and ``/notifications`` (admins), ``/audit`` (admins and HR), ``/reports/early-care``
(HR), ``/invoices``, ``/invoices/<uuid>`` (with its entries as CSV and XLSX) and
``/projects/<guid>`` (the admin and finance groups, and each project's admins for their
projects; fixed rows edited by finance), ``/healthz``, ``/readyz`` and ``/metrics``
(:mod:`web.monitoring`) and the sign-in flow (``/sign-in``, ``/sign-out``; ``/demo/sign-in``
in the demo only). Every page but the monitoring ones and the sign-in flow needs a signed-in
person (:mod:`web.auth`; ``/metrics`` asks for its bearer token instead); each page module
adds its routes with one call below.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from core.observability.readiness import Readiness
from core.off_loop import WorkerProcess
from core.settings import Settings
from sync.dispatch import AfterSync
from web.app_keys import SETTINGS_KEY, TEMPLATES_KEY
from web.auth import sessions, sign_in_required
from web.company_flex import add_worker
from web.monitoring import add_monitoring_routes
from web.notify_now import Notifier, NotifyNow
from web.pages import (
    audit,
    aws,
    contracts,
    demo_sign_in,
    fixed_row_forms,
    groups,
    invoices,
    notifications,
    projects,
    sign_in,
)
from web.pages.early_care import add_early_care_routes
from web.pages.flexhours import add_flexhours_routes
from web.pages.people import add_people_routes
from web.pages.start import add_start_routes
from web.pages.syncs import add_sync_routes
from web.rendering import build_templates, site_root
from web.security_headers import security_headers
from web.site_errors import MAX_REQUEST_BYTES, error_pages

__all__ = ["SETTINGS_KEY", "build_web_app"]

STATIC_DIR = Path(__file__).parent / "static"


def build_web_app(
    settings: Settings,
    *,
    after_sync: AfterSync | None = None,
    notifier: Notifier | None = None,
    worker: WorkerProcess | None = None,
    readiness: Readiness | None = None,
) -> web.Application:
    """The site; the bot gives what it does after a sync (``after_sync``: posts about new
    projects), the notifications it can send now (``notifier``), the worker process they
    share with the site (``worker``; a new one when not given) and what ``/readyz`` waits
    for besides the database (``readiness``)."""
    root = site_root(settings)
    app = web.Application(
        middlewares=[
            sessions(settings, root),
            security_headers(settings),
            error_pages,
            sign_in_required(root, demo=settings.demo_sign_in),
        ],
        client_max_size=MAX_REQUEST_BYTES,
    )
    app[SETTINGS_KEY] = settings
    app[TEMPLATES_KEY] = build_templates(settings)
    add_monitoring_routes(app, settings, readiness)
    add_worker(app, worker)
    add_start_routes(app)
    add_people_routes(app)
    add_flexhours_routes(app)
    add_sync_routes(app, after_sync)
    notifications.add_routes(app, NotifyNow(settings, notifier))
    add_early_care_routes(app)
    sign_in.add_routes(app)
    if settings.demo_sign_in:
        demo_sign_in.add_routes(app)
    groups.add_routes(app)
    audit.add_routes(app)
    contracts.add_routes(app)
    invoices.add_routes(app)
    projects.add_routes(app)
    fixed_row_forms.add_routes(app)
    aws.add_routes(app)
    static = app.router.add_static("/static", STATIC_DIR)
    assert isinstance(static, web.StaticResource)
    stylesheet = static.url_for(filename="site.css", append_version=True)
    app[TEMPLATES_KEY].globals["stylesheet"] = site_root(settings) + str(stylesheet)
    return app
