"""Keys of the values every admin-site view finds on its ``web.Application``."""

from __future__ import annotations

import jinja2
from aiohttp import web

from core.settings import Settings

SETTINGS_KEY = web.AppKey("settings", Settings)
TEMPLATES_KEY = web.AppKey("templates", jinja2.Environment)
