"""Keys of what admin-site views find on their application and on each request."""

from __future__ import annotations

import jinja2
from aiohttp import web

from core.observability.readiness import Readiness
from core.off_loop import WorkerProcess
from core.settings import Settings
from models.invoices.visibility import InvoiceScope
from models.people import Person
from models.permissions import Actor
from web.notify_now import NotifyNow
from web.sync_now import SyncNow

SETTINGS_KEY = web.AppKey("settings", Settings)
TEMPLATES_KEY = web.AppKey("templates", jinja2.Environment)

#: Set by the sign-in middleware on every non-public request.
PERSON_KEY = web.RequestKey("person", Person)
ACTOR_KEY = web.RequestKey("actor", Actor)
CSRF_KEY = web.RequestKey("csrf_token", str)
#: The invoices the signed-in person may see (models/invoices/visibility.py).
INVOICE_SCOPE_KEY = web.RequestKey("invoice_scope", InvoiceScope)

#: The worker process that computes company-wide figures off the event loop (web/pages).
WORKER_KEY = web.AppKey("worker", WorkerProcess)
#: Syncs started with "Sync now", running in the background (web/pages/syncs.py).
SYNC_NOW_KEY = web.AppKey("sync_now", SyncNow)
#: Notifications sent with "Send now", in the background (web/pages/notifications.py).
NOTIFY_NOW_KEY = web.AppKey("notify_now", NotifyNow)
#: What /readyz waits for besides the database (web/monitoring.py).
READINESS_KEY = web.AppKey("readiness", Readiness)
