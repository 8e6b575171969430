"""Notification batches for a big company through the Slack emulator: seconds, messages per
second, and how long the sender's event loop was ever blocked.

Generates PEOPLE (default 1,000) people with Slack accounts, a contract since January of last
year, one entry per workday since then (so the flex computation has a company's work) and
three unsubmitted entries each in this week's reminder period, and one notifications admin
(SLACK_NOTIFICATIONS_ADMIN), who gets a copy of every message; then runs, as `serve`'s
scheduler runs them (plan, then send through the ledger, paced in all and per conversation),
the monthly flex saldo run and the weekly unsubmitted hours run. The Slack emulator runs in a
child process, so the sender's loop is the bot's alone; a probe measures how late a 5 ms sleep
wakes on it.

Prints per run: messages sent, seconds until the DMs were through and until everything (the
admin's copies, all in one conversation, trickle behind at ``--conversation-rate``) was,
planning, and the loop's worst lag. The rates default to `serve`'s (NOTIFY_SEND_RATE 5/s,
NOTIFY_CONVERSATION_RATE 1/s), inside what Slack allows (README, "Send rate"); a higher
``--rate`` shows what the sender could do where a workspace allows more. Targets: the loop
never blocked > 100 ms; 1,000 flex DMs < 30 s where the send rate allows it (``--rate 50``).

    python benchmarks/notifications.py                    # SQLite, 1,000 people
    python benchmarks/notifications.py --people 200 --db postgres
    python benchmarks/notifications.py --rate 50          # above Slack's documented limit
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("FINANCEBOT_TEST_PG", "postgres://postgres@127.0.0.1:5432/test")
PROBE_SECONDS = 0.005
ADMIN = "U0BADMIN"


def emulator_process(port_queue: Any, stop: Any) -> None:
    """The Slack emulator on its own loop in its own process; puts its API URL on the queue."""
    from bot.emulators.slack import SlackEmulator

    async def main() -> None:
        emulator = SlackEmulator()
        await emulator.start()
        port_queue.put(emulator.api_url)
        await asyncio.to_thread(stop.wait)  # the parent's Event, across processes
        await emulator.stop()

    asyncio.run(main())


class LoopProbe:
    """How late a short sleep wakes up on this loop: the loop's own view of being blocked."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(PROBE_SECONDS)
            self.worst = max(self.worst, time.perf_counter() - started - PROBE_SECONDS)

    def __enter__(self) -> LoopProbe:
        self.worst = 0.0
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()


async def seed(people: int, today: dt.date) -> None:
    """The generated company, written in bulk."""
    from models import HourEntry, Person, WorkContract
    from models.notifications.periods import reminder_period
    from models.projects import Client, Project

    start = dt.date(today.year - 1, 1, 1)
    client = await Client.create(name="Bench Client")
    project = await Project.create(tenkfeet_id=1, guid="bench-project", name="Bench", client=client)
    await Person.bulk_create(
        [
            Person(
                tenkfeet_id=n,
                guid=f"bench-{n}",
                first_name=f"Person{n}",
                last_name="Bench",
                email=f"person{n}@example.com",
                slack_id=f"U0B{n:05d}",
            )
            for n in range(1, people + 1)
        ],
        batch_size=1000,
    )
    persons = await Person.all().order_by("id")
    await WorkContract.bulk_create(
        [WorkContract(person=p, start_date=start, worktime_percent=100) for p in persons],
        batch_size=1000,
    )
    workdays = [
        start + dt.timedelta(days=n)
        for n in range((today - start).days)
        if (start + dt.timedelta(days=n)).weekday() < 5
    ]
    period = reminder_period(today)
    unsubmitted_days = [day for day in workdays if day in period][-3:]
    entry_id = 1
    rows: list[HourEntry] = []
    for n, person in enumerate(persons):
        # +1 h or -1 h a workday since January last year: everyone far above or below the
        # band on L, so each of them gets the monthly flex message.
        hours = Decimal("6.5") if n % 2 else Decimal("8.5")
        for day in workdays:
            unsubmitted = day in unsubmitted_days
            rows.append(
                HourEntry(
                    tenkfeet_id=entry_id,
                    date=day,
                    person=person,
                    project=project,
                    client_name="Bench Client",
                    phase_name="Development",
                    category="Coding",
                    notes="bench",
                    hours=hours,
                    bill_rate=Decimal("100"),
                    money=hours * 100,
                    status="Unsubmitted" if unsubmitted else "Approved",
                )
            )
            entry_id += 1
        if len(rows) >= 20_000:
            await HourEntry.bulk_create(rows, batch_size=2000)
            rows = []
    if rows:
        await HourEntry.bulk_create(rows, batch_size=2000)


async def run(args: argparse.Namespace, db_url: str, api_url: str) -> None:
    from bot.lifespan import settle_startup_objects
    from bot.notifications.batch import send_batch
    from bot.notifications.registry import plan
    from core.clock import company_today
    from core.db import open_database
    from core.off_loop import WorkerProcess
    from core.settings import load_settings
    from sync.slack_client import build_notification_client

    settings = load_settings(
        {
            "DATABASE_URL": db_url,
            "SLACK_BOT_TOKEN": "xoxb-emulated-bot-token",
            "SLACK_API_URL": api_url,
            "NOTIFY_SEND_RATE": str(args.rate),
            "NOTIFY_CONVERSATION_RATE": str(args.conversation_rate),
            "SLACK_NOTIFICATIONS_ADMIN": ADMIN,
        }
    )
    today = company_today(settings)
    async with open_database(db_url, migrate=True):
        began = time.perf_counter()
        await seed(args.people, today)
        print(f"seeded {args.people} people in {time.perf_counter() - began:.1f} s")
        settle_startup_objects()  # as `serve` does once started: full collections stay short
        client = build_notification_client(settings)
        posts = record_posts(client)
        worker = WorkerProcess()  # `serve`'s: the company-wide flex batch is computed there
        pace = settings.notification_schedule
        for kind in ("flex-saldo", "unsubmitted"):
            posts.clear()
            with LoopProbe() as probe:
                began = time.perf_counter()
                batch = await plan(kind, settings, today, run=worker.run)
                planned = time.perf_counter() - began
                report = await send_batch(
                    client,
                    batch,
                    send_rate=pace.send_rate,
                    conversation_rate=pace.conversation_rate,
                )
                seconds = time.perf_counter() - began
            per_channel = Counter(channel for _, channel in posts)
            dms = [at for at, channel in posts if per_channel[channel] == 1]
            dms_done = max(dms, default=began) - began
            print(
                f"{kind:<12} {len(dms):>5} DMs in {dms_done:6.1f} s, "
                f"{len(posts) - len(dms):>5} copies to the admin: all in {seconds:6.1f} s "
                f"(planning {planned:.1f} s)  loop blocked at most {probe.worst * 1000:.0f} ms  "
                f"[{report.tally()}]"
            )
        await worker.close()


def record_posts(client: Any) -> list[tuple[float, str]]:
    """When each chat.postMessage through ``client`` came back, and to which channel: the
    admin's conversation is the one that gets more than one message."""
    posts: list[tuple[float, str]] = []
    post = client.chat_postMessage

    async def recorded(**kwargs: Any) -> Any:
        response = await post(**kwargs)
        posts.append((time.perf_counter(), str(kwargs["channel"])))
        return response

    client.chat_postMessage = recorded
    return posts


async def with_database(args: argparse.Namespace, api_url: str) -> None:
    if args.db == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            await run(args, f"sqlite://{folder}/bench.sqlite3", api_url)
        return
    import asyncpg

    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin_dsn = PG_ADMIN_URL.replace("postgres://", "postgresql://", 1)
    conn = await asyncpg.connect(admin_dsn)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        await run(args, PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", api_url)
    finally:
        conn = await asyncpg.connect(admin_dsn)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument(
        "--rate", type=float, default=5.0, help="messages per second in all (NOTIFY_SEND_RATE)"
    )
    parser.add_argument(
        "--conversation-rate",
        type=float,
        default=1.0,
        help="messages per second into one conversation (NOTIFY_CONVERSATION_RATE)",
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    urls, stop = context.Queue(), context.Event()
    emulator = context.Process(target=emulator_process, args=(urls, stop), daemon=True)
    emulator.start()
    try:
        asyncio.run(with_database(args, urls.get(timeout=30)))
    finally:
        stop.set()
        emulator.join(timeout=10)


if __name__ == "__main__":
    main()
