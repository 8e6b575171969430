"""`financebot` command line: parses arguments and dispatches to bot/commands/<command>.py.

Every failure ends as one line on stderr and a non-zero exit status (see the README).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from core.errors import CommandError
from core.settings import SettingsError, load_settings

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
NOTIFY_KINDS = (
    "unsubmitted",
    "unapproved",
    "invoices",
    "flex-saldo",
    "contracts",
    "manager-digest",
)
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

NOISY_LOGGERS = ("tortoise", "httpx", "apscheduler", "slack_bolt", "slack_sdk", "aiohttp.access")


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="financebot",
        description="Finance Bot: Slack-first finance assistant for 10000ft hours.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("serve", help="run the Slack bot, admin site and scheduler")
    demo = sub.add_parser("demo", help="run everything locally on sample data (no Slack needed)")
    demo.add_argument(
        "--data-dir", default="demo-data", help="where the demo keeps its SQLite file"
    )
    sub.add_parser("migrate", help="apply database migrations to DATABASE_URL")

    sync = sub.add_parser("sync", help="run one sync now")
    sync.add_argument("what", choices=SYNC_KINDS)
    sync.add_argument("--start-date", type=_iso_date)
    sync.add_argument("--end-date", type=_iso_date)
    sync.add_argument("--force", action="store_true", help="ignore stored day checksums")

    imp = sub.add_parser("import", help="import work contracts or flex corrections from CSV")
    imp.add_argument("what", choices=("contracts", "corrections"))
    imp.add_argument("file", help="CSV file (header on line 1)")

    notify = sub.add_parser("notify", help="send one batch of Slack messages now")
    notify.add_argument("what", choices=NOTIFY_KINDS)
    notify.add_argument("--force", action="store_true", help="send even if sent this period")

    flex = sub.add_parser("flex", help="print flex saldo for one person or everyone")
    who = flex.add_mutually_exclusive_group(required=True)
    who.add_argument("email", nargs="?", help="the person's e-mail")
    who.add_argument("--all", action="store_true", help="everyone, sorted from lowest")
    flex.add_argument("--as-of", type=_iso_date, help="compute as of this day (default yesterday)")
    flex.add_argument("--json", action="store_true", help="machine-readable output")

    invoices = sub.add_parser("invoices", help="print invoices and their figures")
    invoices.add_argument("--month", metavar="YYYY-MM", help="only this month's invoices")
    invoices.add_argument("--project", metavar="GUID", help="only this project's invoices")
    invoices.add_argument("--json", action="store_true", help="machine-readable output")

    cleanup = sub.add_parser("cleanup", help="delete old bookkeeping rows")
    cleanup.add_argument("--type", required=True, choices=("events", "runs"), dest="type")
    cleanup.add_argument("--older-than", type=int, default=90, metavar="DAYS")

    group = sub.add_parser(
        "group",
        help="list groups and their members, add or remove a member",
        description="List permission groups and their members, or add or remove a member.",
        epilog=GROUP_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    group.add_argument("action", choices=("list", "add", "remove"))
    group.add_argument("group", nargs="?", metavar="GROUP")
    group.add_argument("email", nargs="?", metavar="EMAIL")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        # Libraries' INFO lines (each HTTP request, each scheduler step) bury our own.
        for name in NOISY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
    try:
        settings = load_settings()
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
