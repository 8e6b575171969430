"""`financebot migrate`: apply pending migrations to DATABASE_URL."""

from __future__ import annotations

import argparse

from core.db import DatabaseError, migrate_database
from core.errors import CommandError
from core.settings import Settings


async def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        await migrate_database(settings.database_url)
    except DatabaseError as exc:
        raise CommandError(str(exc)) from exc
    print("database is at the current schema")
    return 0
