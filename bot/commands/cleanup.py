"""`financebot cleanup --type events|runs [--older-than DAYS]`: delete old bookkeeping rows."""

from __future__ import annotations

import argparse
import datetime as dt

from core.db import DatabaseError, open_database
from core.errors import CommandError
from core.settings import Settings
from models.bookkeeping import Event, SyncRun


async def delete_older_than(kind: str, days: int, now: dt.datetime) -> int:
    """Deletes events or finished sync runs older than ``days``; returns how many went."""
    cutoff = now - dt.timedelta(days=days)
    if kind == "events":
        return await Event.filter(created_at__lt=cutoff).delete()
    return await SyncRun.filter(started_at__lt=cutoff).exclude(status="running").delete()


async def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        async with open_database(settings.database_url):
            deleted = await delete_older_than(args.type, args.older_than, dt.datetime.now(dt.UTC))
    except DatabaseError as exc:
        raise CommandError(str(exc)) from exc
    print(f"deleted {deleted} {args.type} older than {args.older_than} days")
    return 0
