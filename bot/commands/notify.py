"""`financebot notify WHAT [--month YYYY-MM] [--force] [--dry-run]`: one batch of messages now.

This release sends ``invoices`` (review requests for a month's invoices, default last month);
the parser refuses the other kinds of the interface in one line until they exist.
"""

from __future__ import annotations

import argparse
from collections import Counter

from bot.notifications.invoices import send_review_requests
from core.clock import company_today
from core.db import DatabaseError, open_database
from core.errors import CommandError
from core.settings import Settings
from models.invoices.review_requests import previous_month
from sync.slack_client import build_web_client


async def run(settings: Settings, args: argparse.Namespace) -> int:
    year, month = args.month or previous_month(company_today(settings))
    if not args.dry_run and not settings.slack_bot_token:
        raise CommandError("SLACK_BOT_TOKEN is required to send messages (or use --dry-run)")
    client = None if args.dry_run else build_web_client(settings)
    try:
        async with open_database(settings.database_url):
            results = await send_review_requests(
                settings, client, year, month, force=args.force, dry_run=args.dry_run
            )
    except DatabaseError as exc:
        raise CommandError(str(exc)) from exc
    for result in results:
        print(result.line())
    counts = Counter(result.status for result in results)
    tally = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"invoices {year:04d}-{month:02d}: {tally or 'no client invoice with hours'}")
    failed = counts.get("failed", 0)
    if failed:
        raise CommandError(f"{failed} message(s) could not be sent; run again to retry them")
    return 0
