"""`financebot aws list|link|unlink [ACCOUNT_ID] [PROJECT_GUID]`: AWS accounts and projects.

``list`` prints every account with its name, the person it is named after, its project and
its latest month's total per currency; ``link`` links an account to a project (moving it from
the one it was on: an account is billed to one project), ``unlink`` takes it off its project;
changes are audit-logged as ``cli:<OS user>``. Linking twice or unlinking what is not linked
changes nothing, says so and exits 0; ``unlink`` naming a project the account is not on is
refused (exit 1), nothing changed.
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
    if args.action == "link" and not (args.account and args.project):
        raise CommandError("aws link needs an ACCOUNT_ID and a PROJECT_GUID")
    if args.action == "unlink" and not args.account:
        raise CommandError("aws unlink needs an ACCOUNT_ID (and, to make sure, its PROJECT_GUID)")


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
                f"{account.project.name} ({account.project.guid})" if account.project else "(none)",
                latest.label if latest else "",
                money_text(latest.money) if latest else "",
            ]
        )
    print_table(
        "AWS accounts",
        ["account", "name", "person", "project", "month", "total"],
        rows,
    )


async def run(settings: Settings, args: argparse.Namespace) -> int:
    checked_arguments(args)
    try:
        async with open_database(settings.database_url):
            if args.action == "list":
                await print_accounts()
                return 0
            if args.action == "link":
                result = await link_account(args.account, args.project, actor=cli_actor())
            else:
                result = await unlink_account(args.account, args.project, actor=cli_actor())
            print(result.message)
            if result.invoices:
                noun = "invoice" if result.invoices == 1 else "invoices"
                print(f"Refreshed {result.invoices} {noun}.")
    except DatabaseError as exc:
        raise CommandError(str(exc)) from exc
    except RequestRefused as exc:
        raise CommandError(exc.message) from exc
    return 0
