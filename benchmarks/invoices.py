"""Benchmark of the invoice figures (issue 9, item 12): refreshing every invoice from scratch,
the refresh that follows an ordinary 60-day hours sync, and invoice unfurls through Slack.

Generates a company of N people × Y years in the 10000ft emulator (this process, pages
pre-rendered as in ``benchmarks/sync_hours.py``) and, per backend, runs a child process
against a fresh database that:

1. syncs users, projects, leave types and every hour (the first sync; the invoice refresh
   inside it is timed apart);
2. wipes every invoice's stored figures and refreshes every invoice from scratch
   (``refresh_all_invoice_figures``: all rows rewritten) while a 1 ms ticker notes how late
   the event loop wakes it, then refreshes everything once more with nothing to change;
3. waits while this process approves the pending entries of the last 60 days in the emulator
   (so every one of those days changed), then runs the ordinary 60-day sync and times the
   invoice refresh inside it (every invoice of those months, plus the next month's
   comparison); then times a refresh of one changed day's invoices alone;
4. gives every invoice before the last two months a review history (two checks: a comment,
   then an approval; the invoice Approved), as an established company has, then starts the
   whole bot (``bot_lifespan``) against a Slack emulator in the same process and shares
   UNFURLS (default 200) invoice links one after another, each a random invoice of the
   company, as a member of the finance group in a channel: from the ``link_shared`` envelope
   being written to the websocket to the bot's ``chat.unfurl`` call arriving at the emulator
   (each checked to carry the invoice's hours); then as many project links the same way.

Targets on the 2-core dev machine: from scratch < 3 s; after a 60-day sync < 0.5 s; an
invoice unfurl p95 < 20 ms.

    python benchmarks/invoices.py                    # 500 people × 3 years, both databases
    python benchmarks/invoices.py --people 50 --years 1 --db sqlite --unfurls 500

PostgreSQL: FINANCEBOT_TEST_PG (default postgres://postgres@127.0.0.1:5432/test) names a
server where a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sync_hours import (  # noqa: E402  (benchmarks/sync_hours.py)
    PG_ADMIN_URL,
    START,
    TOKEN,
    _pg,
    prerendering_emulator,
    warm_up,
)

RECENT_DAYS = 60
SHARER = "U0BENCHFINANCE"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


async def review_history(checker_id: int) -> int:
    """Two checks (a comment, then an approval) on every invoice before the last two months,
    and those invoices Approved: what the unfurls read in a company that has used the bot."""
    from models import Invoice, InvoiceCheck

    keys = await Invoice.all().values_list("id", "year", "month")
    latest = max((int(y), int(m)) for _, y, m in keys)
    cutoff = (latest[0] * 12 + latest[1]) - 2
    old = [i for i, y, m in keys if int(y) * 12 + int(m) <= cutoff]
    checks = []
    for invoice_id in old:
        for decision in ("none", "approve"):
            checks.append(
                InvoiceCheck(
                    invoice_id=invoice_id,
                    checker_id=checker_id,
                    checklist={"confirmed": [], "decision": decision},
                    approved=decision == "approve",
                    resulting_state="Approved" if decision == "approve" else "Created",
                )
            )
    await InvoiceCheck.bulk_create(checks, batch_size=1000)
    for start in range(0, len(old), 500):
        await Invoice.filter(id__in=old[start : start + 500]).update(state="Approved")
    return len(checks)


async def measure_unfurls(db_url: str, count: int) -> dict[str, Any]:
    """Step 4: invoice and project links shared one by one through the Slack emulator; the
    seconds from each link_shared envelope to the bot's chat.unfurl call."""
    import random

    from bot.emulators.slack import SlackEmulator
    from bot.lifespan import bot_lifespan
    from core.settings import load_settings
    from models import Invoice, Person, Project
    from models.groups import add_member

    sharer = await Person.filter(archived=False).order_by("id").first()
    assert sharer is not None
    await Person.filter(id=sharer.id).update(slack_id=SHARER)
    await add_member("finance", sharer, actor="benchmark", create_group=True)
    checks = await review_history(sharer.id)
    pick = random.Random(9)
    invoice_ids = [str(i) for i in await Invoice.all().values_list("id", flat=True)]
    project_guids = [str(g) for g in await Project.all().values_list("guid", flat=True)]

    emulator = SlackEmulator()
    await emulator.start()
    try:
        settings = load_settings(
            {
                "DATABASE_URL": db_url,
                "SLACK_BOT_TOKEN": emulator.bot_token,
                "SLACK_APP_TOKEN": emulator.app_token,
                "SLACK_API_URL": emulator.api_url,
                "WEB_HOST": "127.0.0.1",
                "WEB_PORT": "0",
            }
        )

        async def unfurl(path: str, expected: str) -> float:
            url = settings.public_link(path)
            seen = len(emulator.calls)
            began = time.monotonic()
            await emulator.send_event(
                {
                    "type": "link_shared",
                    "channel": "C0BENCH",
                    "user": SHARER,
                    "message_ts": f"{began:.6f}",
                    "source": "conversations_history",
                    "links": [{"domain": "127.0.0.1", "url": url}],
                }
            )
            call = await emulator.wait_for_call("chat.unfurl", after=seen)
            if expected not in str(call.args.get("unfurls")):
                raise SystemExit(f"unexpected unfurl of {url}: {call.args.get('unfurls')!r}")
            return call.at - began

        async with bot_lifespan(settings, database_ready=True):
            await emulator.wait_for_connections(1)
            for _ in range(20):  # warm up
                await unfurl(f"/invoices/{pick.choice(invoice_ids)}", "*Hours*")
                await unfurl(f"/projects/{pick.choice(project_guids)}", "all invoices")
            invoices = [
                await unfurl(f"/invoices/{pick.choice(invoice_ids)}", "*Hours*")
                for _ in range(count)
            ]
            projects = [
                await unfurl(f"/projects/{pick.choice(project_guids)}", "all invoices")
                for _ in range(count)
            ]
        if emulator.violations:
            raise SystemExit("Slack would refuse: " + "; ".join(emulator.violations))
    finally:
        await emulator.stop()
    return {"invoice_unfurls": invoices, "project_unfurls": projects, "review_checks": checks}


async def child(db_url: str, api_url: str, start: date, end: date, unfurls: int) -> None:
    """The measured process (see the module docstring); prints one JSON line at the end."""
    from core.db import open_database
    from models import HourEntry, Invoice
    from sync.tenkfeet import hours as hours_sync
    from sync.tenkfeet.client import TenkfeetClient
    from sync.tenkfeet.reference import sync_leave_types, sync_projects, sync_users

    refresh_seconds: list[float] = []
    refreshed: set[Any] = set()
    real_refresh = hours_sync.refresh_invoice_figures

    async def timed_refresh(invoice_ids: Any) -> Any:
        """The sync's call, timed (the sync itself is not changed)."""
        ids = list(invoice_ids)
        refreshed.update(ids)
        began = time.perf_counter()
        try:
            return await real_refresh(ids)
        finally:
            refresh_seconds.append(time.perf_counter() - began)

    hours_sync.refresh_invoice_figures = timed_refresh  # type: ignore[assignment]
    from models.invoices.refresh import refresh_all_invoice_figures, refresh_invoice_figures

    result: dict[str, Any] = {}
    async with (
        open_database(db_url, migrate=True),
        TenkfeetClient(api_url, TOKEN, timeout=120) as client,
    ):
        await sync_users(client)
        await sync_projects(client)
        await sync_leave_types(client)
        began = time.perf_counter()
        await hours_sync.sync_hours(client, start, end)
        result["first_sync_seconds"] = time.perf_counter() - began
        result["first_sync_refresh_seconds"] = sum(refresh_seconds)
        result["entries"] = await HourEntry.all().count()
        result["invoices"] = await Invoice.all().count()

        await Invoice.all().update(
            hours=0, billable_hours=0, money=0, average_rate=0, billable_share=0,
            odd_rate_count=0, non_billable_count=0, non_phase_specific_count=0,
            not_approved_count=0, empty_notes_count=0, no_category_count=0,
            incorrect_entries_count=0, remarkable_change=False, previous_hours=None,
            previous_average_rate=None, previous_money=None, figures_rules="",
            figures_updated_at=None,
        )  # fmt: skip
        lags: list[float] = []
        ticking = asyncio.create_task(tick(lags))
        began = time.perf_counter()
        changed = await refresh_all_invoice_figures()
        result["scratch_seconds"] = time.perf_counter() - began
        ticking.cancel()
        result["scratch_loop_lag_max"] = max(lags, default=0.0)
        result["scratch_changed"] = len(changed)
        began = time.perf_counter()
        await refresh_all_invoice_figures()
        result["unchanged_all_seconds"] = time.perf_counter() - began

        print("ready", flush=True)  # the parent changes the last 60 days now
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

        refresh_seconds.clear()
        refreshed.clear()
        recent = end - timedelta(days=RECENT_DAYS - 1)
        began = time.perf_counter()
        counts = await hours_sync.sync_hours(client, recent, end)
        result["recent_sync_seconds"] = time.perf_counter() - began
        result["recent_sync_refresh_seconds"] = sum(refresh_seconds)
        result["recent_sync_updated"] = counts.updated
        result["recent_invoices"] = len(refreshed)

        # One changed day's invoices alone (an ordinary run that finds one day changed).
        one_day = await HourEntry.filter(date=end - timedelta(days=3)).values_list(
            "project_id", flat=True
        )
        day = end - timedelta(days=3)
        ids: list[Any] = list(
            await Invoice.filter(
                project_id__in=[p for p in set(one_day) if p], year=day.year, month=day.month
            ).values_list("id", flat=True)
        )
        samples = []
        for _ in range(7):
            began = time.perf_counter()
            await refresh_invoice_figures(ids)
            samples.append(time.perf_counter() - began)
        result["one_day_invoices"] = len(ids)
        result["one_day_refresh_seconds"] = statistics.median(samples)

        result.update(await measure_unfurls(db_url, unfurls))
    print(json.dumps(result), flush=True)


async def tick(lags: list[float]) -> None:
    """How late the event loop wakes a 1 ms sleep, over and over: what a Slack ack waits."""
    while True:
        began = time.perf_counter()
        await asyncio.sleep(0.001)
        lags.append(time.perf_counter() - began - 0.001)


def approve_recent(data: Any, start: date, end: date) -> int:
    """Approves every pending entry dated start..end in the emulator; returns how many."""
    store = data.time_entries
    changed = 0
    for entry_id in store.select(start, end, with_suggestions=False):
        body = store.get(entry_id)
        approvals = body["approvals"]["data"]
        if approvals and approvals[0]["status"] == "pending":
            stamp = "2099-01-01T00:00:00Z"
            approvals[0].update(status="approved", approved_at=stamp, updated_at=stamp)
            store.add(body)
            changed += 1
    return changed


async def measure(backend: str, people: int, years: float, unfurls: int) -> dict[str, Any]:
    from bot.emulators.tenkfeet_data import generate_company

    data = generate_company(people, years, start=START)
    end = START + timedelta(days=round(years * 365.25) - 1)
    emulator: Any = prerendering_emulator(data)
    api_url = await emulator.start()
    scratch = tempfile.TemporaryDirectory(prefix="financebot-bench-")
    pg_name = ""
    try:
        await warm_up(api_url, START, end)
        if backend == "sqlite":
            db_url = f"sqlite://{scratch.name}/bench.sqlite3"
        else:
            pg_name = f"financebot_bench_{uuid.uuid4().hex[:10]}"
            await _pg(f'CREATE DATABASE "{pg_name}"')
            db_url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{pg_name}"
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--child",
            db_url,
            api_url,
            START.isoformat(),
            end.isoformat(),
            str(unfurls),
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None and process.stdin is not None
        line = await process.stdout.readline()
        if line.strip() != b"ready":
            raise SystemExit(f"{backend}: the measured process stopped early ({line!r})")
        approved = approve_recent(data, end - timedelta(days=RECENT_DAYS - 1), end)
        process.stdin.write(b"go\n")
        await process.stdin.drain()
        out, _ = await process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"{backend}: the measured process failed ({process.returncode})")
        result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
        result["approved"] = approved
        return result
    finally:
        await emulator.stop()
        scratch.cleanup()
        if pg_name:
            await _pg(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


async def main(args: argparse.Namespace) -> None:
    backends = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for backend in backends:
        r = await measure(backend, args.people, args.years, args.unfurls)
        print(
            f"{backend:8s} {r['entries']:,} entries, {r['invoices']:,} invoices\n"
            f"  every invoice from scratch: {r['scratch_seconds']:.2f} s "
            f"({r['scratch_changed']:,} rewritten, event loop late by at most "
            f"{r['scratch_loop_lag_max'] * 1000:.0f} ms); again with nothing changed: "
            f"{r['unchanged_all_seconds']:.2f} s\n"
            f"  60-day sync after approving {r['approved']:,} entries: refresh "
            f"{r['recent_sync_refresh_seconds']:.3f} s of {r['recent_sync_seconds']:.2f} s "
            f"({r['recent_sync_updated']:,} entries updated, {r['recent_invoices']} invoices)\n"
            f"  one changed day's {r['one_day_invoices']} invoices: "
            f"{r['one_day_refresh_seconds'] * 1000:.0f} ms\n"
            f"  first sync {r['first_sync_seconds']:.1f} s, of which invoice refresh "
            f"{r['first_sync_refresh_seconds']:.2f} s\n"
            f"  unfurls with {r['review_checks']:,} invoice checks recorded:\n"
            f"{unfurl_line('invoice', r['invoice_unfurls'])}\n"
            f"{unfurl_line('project', r['project_unfurls'])}",
            flush=True,
        )


def unfurl_line(kind: str, seconds: list[float]) -> str:
    """``  200 invoice unfurls (link_shared → chat.unfurl): p50 … p95 … max … ms``."""
    ms = [s * 1000 for s in seconds]
    return (
        f"    {len(ms)} {kind} unfurls (link_shared → chat.unfurl): p50 {percentile(ms, 50):.2f} "
        f"ms, p95 {percentile(ms, 95):.2f} ms, max {max(ms):.2f} ms"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _, _, db, api, first_day, last_day, unfurl_count = sys.argv
        asyncio.run(
            child(
                db,
                api,
                date.fromisoformat(first_day),
                date.fromisoformat(last_day),
                int(unfurl_count),
            )
        )
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--years", type=float, default=3)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--unfurls", type=int, default=200, help="invoice (and project) links to share"
    )
    asyncio.run(main(parser.parse_args()))
