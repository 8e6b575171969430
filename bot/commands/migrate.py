"""`financebot migrate`: apply pending migrations to DATABASE_URL.

Then, if some invoice's figures were never computed (a database from before they existed) or
were computed with other HOURS_CURRENCY/BILL_RATE_MIN/BILL_RATE_MAX settings, every invoice's
figures are recomputed from the hour entries (``serve`` and ``demo`` do the same at start).
"""

from __future__ import annotations

import argparse

from core.db import DatabaseError, migrate_database, open_database
from core.errors import CommandError
from core.settings import Settings
from models.invoices.refresh import refresh_stale_invoice_figures, rules_of


async def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        await migrate_database(settings.database_url)
        async with open_database(settings.database_url):
            changed = await refresh_stale_invoice_figures(rules_of(settings))
    except DatabaseError as exc:
        raise CommandError(str(exc)) from exc
    print("database is at the current schema")
    if changed is not None:
        print(f"invoice figures recomputed from the hour entries ({changed} changed)")
    return 0
