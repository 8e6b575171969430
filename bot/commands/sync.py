"""`financebot sync WHAT [--start-date D] [--end-date D] [--force]`: one sync now.

WHAT is one kind or ``all`` (every configured kind in order; unconfigured ones are skipped
with a note). Progress is drawn with rich on a terminal;
elsewhere only result lines print. A failed sync exits non-zero with one line; stored data
stays as it was. After the projects sync (and the hours sync, which may add projects), new
projects are posted to the channels marked for them (``bot.notifications.new_projects``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from bot.notifications.new_projects import after_sync
from core.db import DatabaseError, open_database
from core.errors import CommandError
from core.settings import Settings, SettingsError
from models import SyncRun
from sync.dispatch import (
    ALL_KINDS,
    SyncUnavailable,
    hours_range,
    missing_configuration,
    run_sync,
)
from sync.runs import describe_error
from sync.tenkfeet.hours import Progress as ProgressFn


def describe_run(run: SyncRun) -> str:
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
    span = f" {run.start_date}..{run.end_date}" if run.start_date and run.end_date else ""
    if run.kind == "aws-billing" and run.start_date and run.end_date:
        first, last = f"{run.start_date:%Y-%m}", f"{run.end_date:%Y-%m}"
        span = f" {first}" if first == last else f" {first}..{last}"
    invalid = f" ({run.invalid} invalid upstream, recorded as events)" if run.invalid else ""
    retries = f"; {run.retries}" if run.retries else ""
    return (
        f"{run.kind}{span}: added {run.added}, updated {run.updated}, "
        f"deleted {run.deleted}, skipped {run.skipped}{invalid} ({seconds:.1f} s){retries}"
    )


@contextmanager
def progress_display(kind: str) -> Iterator[ProgressFn | None]:
    """A rich progress bar for the hours sync when stdout is a terminal, else nothing."""
    if not sys.stdout.isatty() or kind != "hours":
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} days"),
        TimeElapsedColumn(),
        console=Console(),
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                label = "fetching hours" if stage == "fetch" else "writing changed days"
                tasks[stage] = bar.add_task(label, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield report


async def _run_one(kind: str, settings: Settings, args: argparse.Namespace) -> None:
    start, end = args.start_date, args.end_date
    if kind == "aws-billing" and args.aws_month:
        start = end = args.aws_month
    missing: list[str] | None = None
    if kind == "aws-billing" and args.what == "all" and (start or end):
        # `sync all` over a range takes the AWS bills of the hours' months that AWS has
        # written: a month without one is noted, not a failure (`sync aws-billing` with dates
        # asks for those months only, and fails without them).
        span = hours_range(settings, start, end)
        start, end, missing = span.start, span.end, []
    with progress_display(kind) as report:
        run = await run_sync(
            kind,
            settings,
            start=start,
            end=end,
            force=args.force,
            progress=report,
            missing_billing=missing,
        )
    print(describe_run(run), flush=True)
    for note in missing or ():
        print(f"{kind}: no billing files, skipped: {note}", flush=True)
    for line in await after_sync(kind, settings):
        print(line, flush=True)


def aws_month(args: argparse.Namespace) -> date | None:
    """--year and --month (aws-billing only, both or neither) as a day of that month. Dates
    given to `sync aws-billing` or `sync all` instead name the months they fall in (from
    --start-date's to --end-date's)."""
    year, month = getattr(args, "year", None), getattr(args, "month", None)
    if year is None and month is None:
        return None
    if args.what != "aws-billing":
        raise CommandError("--year and --month are for aws-billing only")
    if year is None or month is None:
        raise CommandError("aws-billing needs --year and --month together")
    if args.start_date or args.end_date:
        raise CommandError("aws-billing takes --year and --month or dates, not both")
    return date(year, month, 1)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.start_date and args.end_date and args.end_date < args.start_date:
        raise CommandError(f"--end-date {args.end_date} is before --start-date {args.start_date}")
    args.aws_month = aws_month(args)
    kinds = ALL_KINDS if args.what == "all" else (args.what,)
    if args.what != "all":
        note = missing_configuration(args.what, settings)
        if note:
            raise CommandError(f"cannot sync {args.what}: {note}")

    try:
        async with open_database(settings.database_url):
            failed: list[str] = []
            ran = 0
            for kind in kinds:
                note = missing_configuration(kind, settings)
                if note:
                    print(f"{kind}: skipped ({note})", flush=True)
                    continue
                ran += 1
                try:
                    await _run_one(kind, settings, args)
                except (SyncUnavailable, SettingsError) as exc:
                    if args.what != "all":
                        raise CommandError(str(exc)) from None
                    print(f"{kind}: failed: {exc}", file=sys.stderr, flush=True)
                    failed.append(kind)
                except Exception as exc:
                    for line in str(exc).splitlines()[1:]:  # a bad billing file's rows
                        print(line, file=sys.stderr, flush=True)
                    if args.what != "all":
                        raise CommandError(f"{kind} sync failed: {describe_error(exc)}") from None
                    print(f"{kind}: failed: {describe_error(exc)}", file=sys.stderr, flush=True)
                    failed.append(kind)
    except DatabaseError as exc:
        raise CommandError(str(exc)) from None
    if failed:
        noun = "sync" if ran == 1 else "syncs"
        raise CommandError(f"{len(failed)} of {ran} {noun} failed: {', '.join(failed)}")
    if not ran:
        raise CommandError(
            "nothing to sync: set TENKFEET_AUTH (10000ft), SLACK_BOT_TOKEN (Slack directory) "
            "or AWS_BILLING_BUCKET (AWS billing)"
        )
    return 0
