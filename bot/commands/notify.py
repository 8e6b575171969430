"""`financebot notify WHAT [--force] [--dry-run] [--month YYYY-MM]`: one batch of messages now.

WHAT is a kind of bot/notifications/registry.py. Each message goes through the ledger, so one
already sent within its period is not sent again (``--force`` sends it again); ``--dry-run``
prints who would get what and writes nothing. Exits non-zero, saying how many, when any
recipient's message failed.
"""

from __future__ import annotations

import argparse
from collections import Counter

from bot.notifications.batch import send_batch
from bot.notifications.invoices import send_review_requests
from bot.notifications.registry import plan
from core.clock import company_today
from core.db import DatabaseError, open_database
from core.errors import CommandError
from core.settings import Settings
from models.invoices.review_requests import previous_month
from sync.slack_client import build_notification_client


async def run(settings: Settings, args: argparse.Namespace) -> int:
    if not args.dry_run and not settings.slack_bot_token:
        raise CommandError("SLACK_BOT_TOKEN is required to send messages (or use --dry-run)")
    if args.month and args.what != "invoices":
        raise CommandError("--month picks the invoices' month: use it with `notify invoices`")
    client = None if args.dry_run else build_notification_client(settings)
    try:
        async with open_database(settings.database_url):
            if args.what == "invoices":
                failed = await _invoices(settings, args, client)
            else:
                batch = await plan(args.what, settings, company_today(settings))
                report = await send_batch(
                    client,
                    batch,
                    force=args.force,
                    dry_run=args.dry_run,
                    send_rate=settings.notification_schedule.send_rate,
                    lease=settings.notification_schedule.claim_lease,
                    conversation_rate=settings.notification_schedule.conversation_rate,
                )
                for line in report.lines():
                    print(line)
                failed = report.failed
    except DatabaseError as exc:
        raise CommandError(str(exc)) from exc
    if failed:
        raise CommandError(f"{failed} message(s) could not be sent; run again to retry them")
    return 0


async def _invoices(settings: Settings, args: argparse.Namespace, client: object) -> int:
    year, month = args.month or previous_month(company_today(settings))
    results = await send_review_requests(
        settings,
        client,  # type: ignore[arg-type]
        year,
        month,
        force=args.force,
        dry_run=args.dry_run,
    )
    for result in results:
        print(result.line())
    counts = Counter(result.status for result in results)
    tally = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"invoices {year:04d}-{month:02d}: {tally or 'no client invoice with hours'}")
    return counts.get("failed", 0)
