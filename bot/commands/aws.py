"""`financebot aws list|link|unlink [ACCOUNT_ID] [PROJECT_GUID]`: AWS accounts and projects.

``list`` prints every account with its name, the person it is named after, its linked
projects and its latest month's total per currency; ``link`` and ``unlink`` change one link,
audit-logged as ``cli:<OS user>``. Linking twice or unlinking what is not linked changes
nothing, says so and exits 0.
"""

from __future__ import annotations

import argparse

from bot.commands.group import cli_actor
from bot.terminal_table import print_table
from core.db import DatabaseError, open_database
from core.errors import CommandError, RequestRefused
from core.settings import Settings
from models.aws_billing.links import link_account, unlink_account
from models.aws_billing.overview import account_overviews
from models.invoices.wording import money_text


def checked_arguments(args: argparse.Namespace) -> None:
    if args.action == "list" and (args.account or args.project):
        raise CommandError("aws list takes no ACCOUNT_ID or PROJECT_GUID")
    if args.action in ("link", "unlink") and not (args.account and args.project):
        raise CommandError(f"aws {args.action} needs an ACCOUNT_ID and a PROJECT_GUID")


async def print_accounts() -> None:
    accounts = await account_overviews()
    if not accounts:
        print("No AWS accounts yet: run `financebot sync aws-billing` or link one.")
        return
    rows = []
    for account in accounts:
        latest = account.months[0] if account.months else None
        rows.append(
            [
                account.account_id,
                account.name,
                account.person_name,
                ", ".join(f"{p.name} ({p.guid})" for p in account.projects) or "(none)",
                latest.label if latest else "",
                money_text(latest.money) if latest else "",
            ]
        )
    print_table(
        "AWS accounts",
        ["account", "name", "person", "projects", "month", "total"],
        rows,
    )


async def run(settings: Settings, args: argparse.Namespace) -> int:
    checked_arguments(args)
    try:
        async with open_database(settings.database_url):
            if args.action == "list":
                await print_accounts()
                return 0
            change = link_account if args.action == "link" else unlink_account
            result = await change(args.account, args.project, actor=cli_actor())
            print(result.message)
            if result.invoices:
                noun = "invoice" if result.invoices == 1 else "invoices"
                print(f"Refreshed {result.invoices} {noun}.")
    except DatabaseError as exc:
        raise CommandError(str(exc)) from exc
    except RequestRefused as exc:
        raise CommandError(exc.message) from exc
    return 0
