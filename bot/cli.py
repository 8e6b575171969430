"""`financebot` command line: parses arguments and dispatches to bot/commands/<command>.py.

Every failure ends as one line on stderr and a non-zero exit status (see the README).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import sys
import textwrap
from collections.abc import Sequence

from bot.arguments import (
    OneLineParser,
    aws_account_id,
    day_count,
    day_option,
    email_address,
    folder_option,
    group_name,
    month_number,
    month_option,
    year_option,
)
from bot.cli_help import (
    COMING,
    SLACK_SYNCS,
    TENKFEET_SYNCS,
    coming_help,
    import_help,
    settings_help,
)
from bot.notifications.registry import KINDS
from core.errors import CommandError
from core.observability.logs import configure_logging
from core.settings import SettingsError, load_settings
from sync.dispatch import DEFAULT_HOURS_DAYS

SYNC_KINDS = (
    "users",
    "projects",
    "hours",
    "holidays",
    "leave-types",
    "slack-users",
    "slack-channels",
    "aws-billing",
    "all",
)
SYNC_HELP = f"""\
WHAT is one kind, or all:
  {TENKFEET_SYNCS}
      from 10000ft (users before hours: hours name people)
  {SLACK_SYNCS}
      Slack's directory: people's Slack accounts and channels
  aws-billing
      AWS billing from S3 (AWS_BILLING_FORMAT legacy-csv or cur2): --year and --month
      name one month, --start-date and --end-date the months they fall in; without
      them the current month and, until its 5th day, the previous one. --force
      replaces a month even when its files are unchanged. A file with a bad row
      leaves its month as it was and lists the problems as FILE:LINE: message
  all
      every kind above, in that order; one without its settings is skipped with a note

Hours take a range of days: --start-date and --end-date (default: the last {DEFAULT_HOURS_DAYS}
days up to today in TIME_ZONE); with all, the dates are the hours' only. Every run is
recorded and holds a lock, so two runs of one kind never overlap. A failed sync exits 1
with one line and leaves stored data as it was.
"""
FLEX_HELP = """\
Prints the saldo line (Flex saldo for NAME is +X.XXh), the change from last month, the
band and a monthly summary; --all prints everyone, lowest saldo first, out-of-band rows
marked, then those whose saldo cannot be computed and why.
"""
NOTIFY_HELP = (
    "\n".join(f"  {kind.name:<16}{kind.description}" for kind in KINDS.values())
    + """

Weekly reminders cover last Sunday - 60 days to last Sunday; the flex saldo message is
computed as of the last day of last month. A message already sent within its period is not
sent again (--force sends it again); a failed one is tried again by the next run. Exits 1,
saying how many, when a recipient's message could not be sent.
"""
)
AWS_HELP = """\
  list                               every account: name, person, its project, and its
                                     latest month's total per currency
  link ACCOUNT_ID PROJECT_GUID       the project's invoices carry the account's costs; an
                                     account linked to another project moves here
  unlink ACCOUNT_ID [PROJECT_GUID]   its project's invoices no longer do; with
                                     PROJECT_GUID, refused unless that is its project

An account is billed to one project at most (on two it would be billed twice). Linking an
account the import has not seen yet creates it. The invoices of the months with costs are
created (even without hours) and refreshed at once, the old project's too on a move.
Every change is audit-logged as cli:<your user name>.
"""
GROUP_HELP = """\
  list                every group and its members
  list GROUP          the members of GROUP
  add GROUP EMAIL     makes the person with EMAIL (case-insensitive) a member of GROUP;
                      a custom GROUP that does not exist yet is created (lowercase
                      letters, digits and '-', 1-64 characters)
  remove GROUP EMAIL  takes the person out of GROUP

The built-in groups admin, hr and finance always exist. Adding a member twice or removing
a non-member changes nothing. Every change is audit-logged as cli:<your user name>.
"""

HELP_WIDTH = 90
LONG_RUNNING = ("serve", "demo")
NOISY_LOGGERS = ("tortoise", "httpx", "apscheduler", "slack_bolt", "slack_sdk", "aiohttp.access")


def _command(
    sub: argparse._SubParsersAction[OneLineParser],
    name: str,
    summary: str,
    *,
    description: str = "",
    before_settings: str = "",
) -> OneLineParser:
    """A subcommand whose help ends with the settings it reads (bot/cli_help.py)."""
    parts = (before_settings.strip("\n"), settings_help(name))
    description = description or summary[0].upper() + summary[1:] + "."
    return sub.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description, HELP_WIDTH),
        epilog="\n\n".join(part for part in parts if part),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="financebot",
        description="Finance Bot: Slack-first finance assistant for 10000ft hours.",
        epilog=coming_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        coming=COMING,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    _command(
        sub,
        "serve",
        "run the Slack bot, admin site and scheduler",
        description="Run the Slack bot (Socket Mode), the admin site and the scheduled syncs "
        "in one process until SIGTERM or SIGINT; applies pending migrations first.",
    )
    demo = _command(
        sub,
        "demo",
        "run everything locally on sample data (no Slack needed)",
        description="Run the whole bot against built-in Slack and 10000ft emulators holding a "
        "sample company; needs no accounts and no settings.",
    )
    demo.add_argument(
        "--data-dir",
        default="demo-data",
        type=folder_option,
        metavar="DIR",
        help="where the demo keeps its SQLite file (default: %(default)s)",
    )
    demo.add_argument(
        "--reset",
        action="store_true",
        help="start over: delete the demo's own files in --data-dir first (its SQLite file "
        "and the sample company's start day); refused if the folder holds anything else",
    )
    _command(sub, "migrate", "apply database migrations to DATABASE_URL")

    sync = _command(
        sub,
        "sync",
        "run one sync now",
        description="Run one sync now.",
        before_settings=SYNC_HELP,
    )
    sync.add_argument(
        "what", choices=SYNC_KINDS, metavar="WHAT", help="what to sync: a kind, or all (below)"
    )
    sync.add_argument(
        "--start-date",
        type=day_option,
        metavar="YYYY-MM-DD",
        help=f"hours: first day (default: {DEFAULT_HOURS_DAYS - 1} days before --end-date); "
        "aws-billing: the first month is this day's",
    )
    sync.add_argument(
        "--end-date",
        type=day_option,
        metavar="YYYY-MM-DD",
        help="hours: last day (default: today in TIME_ZONE); aws-billing: the last month is "
        "this day's",
    )
    sync.add_argument(
        "--force",
        action="store_true",
        help="hours: rewrite every day, even those whose checksum is unchanged; aws-billing: "
        "replace every month, even one whose files hash as at its last import",
    )
    sync.add_argument("--year", type=year_option, metavar="Y", help="aws-billing: the month's year")
    sync.add_argument(
        "--month", type=month_number, metavar="M", help="aws-billing: the month, 1-12"
    )

    imp = _command(
        sub,
        "import",
        "import work contracts or flex corrections from CSV",
        description="Create or replace work contracts or flex corrections from a CSV file.",
        before_settings=import_help(),
    )
    imp.add_argument(
        "what",
        choices=("contracts", "corrections"),
        metavar="WHAT",
        help="contracts or corrections: what the file holds (columns below)",
    )
    imp.add_argument("file", metavar="FILE", help="the CSV file")

    notify = _command(
        sub,
        "notify",
        "send one batch of Slack messages now",
        description="Send one batch of Slack messages now.",
        before_settings=NOTIFY_HELP,
    )
    notify.add_argument(
        "what",
        choices=tuple(KINDS),
        metavar="WHAT",
        help=", ".join(KINDS),
    )
    notify.add_argument("--force", action="store_true", help="send even if sent already")
    notify.add_argument(
        "--dry-run", action="store_true", help="print who would get what; send nothing"
    )
    notify.add_argument(
        "--month",
        type=month_option,
        metavar="YYYY-MM",
        help="the invoices' month (default: last month in TIME_ZONE)",
    )

    flex = _command(
        sub,
        "flex",
        "print flex saldo for one person or everyone",
        description="Print one person's flex saldo as the bot computes it, or everyone's.",
        before_settings=FLEX_HELP,
    )
    who = flex.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "email", nargs="?", type=email_address, metavar="EMAIL", help="the person's e-mail"
    )
    who.add_argument("--all", action="store_true", help="everyone, sorted from lowest")
    flex.add_argument(
        "--as-of",
        type=day_option,
        metavar="YYYY-MM-DD",
        help="compute as of this day (default: yesterday in TIME_ZONE; at most a year ahead)",
    )
    flex.add_argument("--json", action="store_true", help="machine-readable output")

    invoices = _command(
        sub,
        "invoices",
        "print invoices and their figures",
        description="Print invoices with their figures and checks (every month by default), "
        "as a table or as JSON.",
    )
    invoices.add_argument("--month", metavar="YYYY-MM", help="only this month's invoices")
    invoices.add_argument("--project", metavar="GUID", help="only this project's invoices")
    invoices.add_argument("--json", action="store_true", help="machine-readable output")

    cleanup = _command(sub, "cleanup", "delete old bookkeeping rows")
    cleanup.add_argument(
        "--type",
        required=True,
        choices=("events", "runs"),
        dest="type",
        help="events, or finished sync runs",
    )
    cleanup.add_argument(
        "--older-than",
        type=day_count,
        default=90,
        metavar="DAYS",
        help="delete rows older than this many days (default: %(default)s)",
    )

    group = _command(
        sub,
        "group",
        "list groups and their members, add or remove a member",
        description="List permission groups and their members, or add or remove a member.",
        before_settings=GROUP_HELP,
    )
    group.add_argument(
        "action", choices=("list", "add", "remove"), metavar="ACTION", help="list, add or remove"
    )
    group.add_argument(
        "group", nargs="?", type=group_name, metavar="GROUP", help="a group's name, e.g. hr"
    )
    group.add_argument(
        "email", nargs="?", type=email_address, metavar="EMAIL", help="the person's e-mail"
    )
    aws = _command(
        sub,
        "aws",
        "list AWS accounts, link one to a project or unlink it",
        description="List the AWS accounts the billing import found, each with its project, "
        "or link an account to a project (one project per account) or unlink it.",
        before_settings=AWS_HELP,
    )
    aws.add_argument(
        "action", choices=("list", "link", "unlink"), metavar="ACTION", help="list, link or unlink"
    )
    aws.add_argument(
        "account", nargs="?", type=aws_account_id, metavar="ACCOUNT_ID", help="12 digits"
    )
    aws.add_argument("project", nargs="?", metavar="PROJECT_GUID", help="the project's guid")
    return parser


def log_level(command: str) -> int:
    """INFO for the long-running processes, whose log is their output; WARNING for one-shot
    commands, whose output is what they print and whose failure is one line (a retried
    10000ft request is not worth a line of its own there; -v shows everything)."""
    return logging.INFO if command in LONG_RUNNING else logging.WARNING


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        level = logging.DEBUG if args.verbose else log_level(args.command)
        configure_logging(level, settings.log_format, sys.stderr)
        if not args.verbose:
            # Libraries' INFO lines (each HTTP request, each scheduler step) bury our own.
            for name in NOISY_LOGGERS:
                logging.getLogger(name).setLevel(logging.WARNING)
        module = importlib.import_module(f"bot.commands.{args.command}")
        code: int = asyncio.run(module.run(settings, args))
    except (SettingsError, CommandError) as exc:
        print(f"financebot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`financebot flex --all | head`): nothing more to say. Point
        # stdout at devnull so that the interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # anything unforeseen still ends as one line (see the README)
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(
            f"financebot: unexpected error: {type(exc).__name__}"
            + (f": {reason}" if reason else "")
            + ("" if args.verbose else " (run with -v for details)"),
            file=sys.stderr,
        )
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
