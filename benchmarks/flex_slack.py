"""`/flex-hours` through Socket Mode: ack and answer latency (issue 4 item 7, Slack part).

Starts the Slack emulator and the whole bot (``bot_lifespan``: Bolt app, our Socket Mode
handler, admin site, scheduler) in this process on a fresh SQLite file holding one person
with YEARS (default 3) of daily entries, then sends N (default 500) `/flex-hours` envelopes
over the websocket, one after another, and prints milliseconds:

* ack: from the envelope being written to the websocket to the ack arriving at the emulator;
* answer: the same moment for the reply, since the reply travels in the ack payload (each
  one is checked to carry ``Flex saldo for NAME is …``);
* for scale: a listener that only acks (Socket Mode + Bolt overhead) and the answer computed
  in-process without Slack (database + flex engine + Block Kit).

Targets: answer p50 ≤ 3 ms and p95 ≤ 15 ms; ack p95 < 20 ms.

    python benchmarks/flex_slack.py
    python benchmarks/flex_slack.py -n 2000 --years 5
    python benchmarks/flex_slack.py --database-url postgres://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.emulators.slack import SlackEmulator
from bot.lifespan import bot_lifespan
from core.db import close_database, init_database, migrate_database
from core.settings import Settings, load_settings
from handlers.flex.command import answer_flex_request
from models import HourEntry, Person, PublicHoliday, WorkContract
from models.flex.data import load_flex_inputs
from models.flex.sums import rebuild_all_flex_sums
from models.people_directory import person_for_slack_user

SLACK_ID = "U0BENCH"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def figures(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"{name:<34} p50 {percentile(ms, 50):6.2f} ms   p95 {percentile(ms, 95):6.2f} ms   "
        f"max {max(ms):6.2f} ms   mean {statistics.fmean(ms):6.2f} ms"
    )


async def seed(years: int, settings: Settings) -> Person:
    """One person: a 100 % contract from YEARS ago, two entries per workday, a few leaves."""
    today = dt.datetime.now(settings.tz).date()
    start = today - dt.timedelta(days=365 * years)
    person = await Person.create(
        tenkfeet_id=1,
        guid="bench-person",
        first_name="Bench",
        last_name="Person",
        email="bench@example.com",
        slack_id=SLACK_ID,
    )
    await WorkContract.create(person=person, start_date=start, worktime_percent=100)
    holidays = [
        dt.date(y, m, d)
        for y in range(start.year, today.year + 1)
        for m, d in ((1, 1), (12, 25), (12, 26))
    ]
    await PublicHoliday.bulk_create(
        [PublicHoliday(date=d, name="Holiday") for d in holidays if start <= d < today]
    )
    rows = []
    ids = 1
    day = start
    while day < today:
        if day.weekday() < 5:
            leave = day.day == 15 and day.month in (7, 8)
            if leave:
                parts = [("", "Vacation", "7.5")]
            elif day.weekday() == 4:
                parts = [("Build", "", "7"), ("Overtime", "", "1")]
            else:
                parts = [("Build", "", "7.75" if day.weekday() == 0 else "7.5")]
            for phase, leave_type, hours in parts:
                rows.append(
                    HourEntry(
                        tenkfeet_id=ids,
                        date=day,
                        person=person,
                        phase_name=phase,
                        leave_type=leave_type,
                        category="" if leave_type else "Development",
                        notes="bench",
                        hours=Decimal(hours),
                        status="Approved",
                    )
                )
                ids += 1
        day += dt.timedelta(days=1)
    await HourEntry.bulk_create(rows, batch_size=1000)
    await rebuild_all_flex_sums()  # bulk_create skips the model signals; the sync keeps them
    return person


async def ping(ack: AsyncAck) -> None:
    await ack(text="pong")


async def run(n: int, years: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite://{tmp}/bench.sqlite3"
        await migrate_database(url)
        await init_database(url)
        emulator = SlackEmulator()
        await emulator.start()
        try:
            settings = load_settings(
                {
                    "DATABASE_URL": url,
                    "SLACK_BOT_TOKEN": emulator.bot_token,
                    "SLACK_APP_TOKEN": emulator.app_token,
                    "SLACK_API_URL": emulator.api_url,
                    "WEB_HOST": "127.0.0.1",
                    "WEB_PORT": "0",
                }
            )
            person = await seed(years, settings)
            entries = await HourEntry.filter(person=person).count()
            print(f"database {url.split('://')[0]}: 1 person, {years} years, {entries} entries")
            async with bot_lifespan(settings, database_ready=True) as bot:
                bot.app.command("/bench-ping")(ping)
                await emulator.wait_for_connections(1)
                await measure(emulator, settings, n)
        finally:
            await emulator.stop()
            await close_database()


async def measure(emulator: SlackEmulator, settings: Settings, n: int) -> None:
    warmup = max(20, n // 20)
    for _ in range(warmup):
        await emulator.send_slash_command("/flex-hours", user_id=SLACK_ID)
        await emulator.send_slash_command("/bench-ping", user_id=SLACK_ID)

    in_process: list[float] = []
    for _ in range(n):
        started = time.perf_counter()
        # The lookup the middleware makes for every request, then the answer.
        asker = await person_for_slack_user(SLACK_ID)
        await answer_flex_request(asker, SLACK_ID, "", settings)
        in_process.append(time.perf_counter() - started)

    person = await Person.get(slack_id=SLACK_ID)
    as_of = dt.datetime.now(settings.tz).date() - dt.timedelta(days=1)
    loading: list[float] = []
    for _ in range(n):
        started = time.perf_counter()
        await load_flex_inputs([person.id], as_of)
        loading.append(time.perf_counter() - started)

    ping_latency: list[float] = []
    for _ in range(n):
        ack = await emulator.send_slash_command("/bench-ping", user_id=SLACK_ID)
        ping_latency.append(ack.latency)

    ack_latency: list[float] = []
    answer_latency: list[float] = []
    sample = ""
    for _ in range(n):
        ack = await emulator.send_slash_command("/flex-hours", user_id=SLACK_ID)
        ack_latency.append(ack.latency)
        text = (ack.payload or {}).get("text", "")
        if not text.startswith("Flex saldo for Bench Person is "):
            raise SystemExit(f"unexpected reply: {ack.payload!r}")
        sample = text
        answer_latency.append(ack.latency)  # the reply is the ack payload

    print(f"{n} sequential /flex-hours commands over Socket Mode; reply: {sample!r}")
    print(figures("/flex-hours ack", ack_latency))
    print(figures("/flex-hours answer (in the ack)", answer_latency))
    print(figures("for scale: ack-only listener", ping_latency))
    print(figures("for scale: answer in-process", in_process))
    print(figures("  of which load_flex_inputs", loading))
    checks = [
        ("answer p50 <= 3 ms", percentile(answer_latency, 50) <= 0.003),
        ("answer p95 <= 15 ms", percentile(answer_latency, 95) <= 0.015),
        ("ack p95 < 20 ms", percentile(ack_latency, 95) < 0.020),
    ]
    print("targets: " + "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in checks))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500, help="commands to send (default 500)")
    parser.add_argument("--years", type=int, default=3, help="years of entries (default 3)")
    parser.add_argument(
        "--database-url", help="an empty database to use instead of a temporary SQLite file"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args.n, args.years, args.database_url))


if __name__ == "__main__":
    main()
