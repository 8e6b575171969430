"""PostgreSQL sizing for a company of PEOPLE (default 1,000) with YEARS (default 3) of hours:
database size, backup and restore, and the connections N replicas of `serve` hold.

1. Generates the company in the 10000ft emulator (hours up to today) and a Slack emulator
   workspace with everyone in it, then loads a fresh PostgreSQL database the way an operator
   does: `financebot migrate`, `financebot sync all --start-date FIRST_DAY`, a contract for
   everyone with `financebot import contracts`.
2. Prints the database's size (``pg_database_size``) and its largest tables with their indexes
   (``pg_total_relation_size``); then times ``pg_dump -Fc`` (prints the file's size) and
   ``pg_restore`` into a second database, and checks that the restored copy holds as many
   hour entries.
3. Starts REPLICAS (default 2) `financebot serve` processes at once against the first database,
   each with its own ``application_name`` (a ``DATABASE_URL`` query parameter), syncing hours
   and reference data every minute and the daily syncs a minute after start, and sends
   ``/flex-hours`` from random people at RATE per second (default 10) for WATCH seconds
   (default 180); meanwhile samples ``pg_stat_activity`` every 0.1 s. Prints the most
   connections each replica held at once (its own pool and its syncs' processes), the most
   in all, and the Socket Mode connections the Slack emulator saw; then stops the replicas
   with SIGTERM.

    python benchmarks/postgres_sizing.py
    python benchmarks/postgres_sizing.py --people 100 --years 1 --replicas 3 --watch 90

FINANCEBOT_TEST_PG (default postgres://postgres@127.0.0.1:5432/test) names a server where the
scratch databases are created and dropped; pg_dump and pg_restore must be on PATH.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("FINANCEBOT_TEST_PG", "postgres://postgres@127.0.0.1:5432/test")
TOKEN = "sizing-token"
TIME_ZONE = "Europe/Helsinki"
READY = "Finance Bot is running"
FINANCEBOT = str(Path(sys.executable).with_name("financebot"))


def pg_url(database: str, **query: str) -> str:
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{database}"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def libpq_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(libpq_url(PG_ADMIN_URL))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def pg_fetch(database: str, sql: str) -> list[Any]:
    import asyncpg

    conn = await asyncpg.connect(libpq_url(pg_url(database)))
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


def mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


async def run(command: list[str], env: dict[str, str]) -> float:
    """Runs a command to its end; returns its seconds, or stops the benchmark on failure."""
    began = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed:\n{out.decode()[-2000:]}")
    return time.perf_counter() - began


# ------------------------------------------------------------------------ 1. loading


def company(people: int, years: float) -> Any:
    from bot.emulators.tenkfeet_data import generate_company

    today = dt.datetime.now(ZoneInfo(TIME_ZONE)).date()
    start = today - dt.timedelta(days=round(years * 365.25) - 1)
    return generate_company(people, years, start=start)


def slack_workspace(slack: Any, data: Any) -> list[str]:
    """Everyone with an e-mail gets a Slack account; returns their Slack ids."""
    ids = []
    for user in data.users:
        if user.get("email"):
            slack_id = f"U{user['id']:08d}"
            name = f"{user['first_name']} {user['last_name']}"
            slack.add_user(slack_id, email=user["email"].lower(), real_name=name)
            ids.append(slack_id)
    return ids


def contracts_csv(data: Any, first_day: dt.date, folder: Path) -> Path:
    path = folder / "contracts.csv"
    lines = ["email,start_date,end_date,worktime_percent,flex_enabled"]
    lines += [
        f"{u['email']},{first_day.isoformat()},,100,true" for u in data.users if u.get("email")
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def load(env: dict[str, str], first_day: dt.date, contracts: Path) -> None:
    seconds = await run([FINANCEBOT, "migrate"], env)
    print(f"financebot migrate: {seconds:.1f} s", flush=True)
    sync = [FINANCEBOT, "sync", "all", "--start-date", first_day.isoformat()]
    seconds = await run(sync, env)
    print(f"financebot sync all --start-date {first_day}: {seconds:.1f} s", flush=True)
    seconds = await run([FINANCEBOT, "import", "contracts", str(contracts)], env)
    print(f"financebot import contracts: {seconds:.1f} s", flush=True)


# ---------------------------------------------------------------- 2. size, dump, restore


async def sizes(database: str) -> int:
    [(total,)] = await pg_fetch(database, "SELECT pg_database_size(current_database())")
    [(entries,)] = await pg_fetch(database, "SELECT count(*) FROM hour_entry")
    tables = await pg_fetch(
        database,
        "SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC LIMIT 6",
    )
    print(f"pg_database_size: {mib(total)} with {entries:,} hour entries")
    for name, with_indexes, heap in tables:
        print(f"  {name:<24} {mib(with_indexes):>10} (table {mib(heap)})")
    return int(entries)


async def dump_and_restore(database: str, entries: int, folder: Path) -> None:
    env = dict(os.environ)
    dump = folder / "financebot.dump"
    seconds = await run(["pg_dump", "-Fc", "-f", str(dump), libpq_url(pg_url(database))], env)
    print(f"pg_dump -Fc: {seconds:.1f} s, {mib(dump.stat().st_size)}", flush=True)
    copy = f"{database}_restored"
    await pg_admin(f'CREATE DATABASE "{copy}"')
    try:
        restore = ["pg_restore", "--no-owner", "-d", libpq_url(pg_url(copy)), str(dump)]
        seconds = await run(restore, env)
        [(restored,)] = await pg_fetch(copy, "SELECT count(*) FROM hour_entry")
        same = "the same" if restored == entries else f"NOT the same: {restored:,}"
        print(f"pg_restore into an empty database: {seconds:.1f} s, {same} hour entries")
    finally:
        await pg_admin(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


# ------------------------------------------------------------------------ 3. replicas


class Sampler:
    """Samples pg_stat_activity every 0.1 s in a thread of its own (the emulators keep this
    process's loop busy); keeps the most connections seen per application_name and in all."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.most: Counter[str] = Counter()
        self.most_total = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    async def _run(self) -> None:
        import asyncpg

        conn = await asyncpg.connect(libpq_url(PG_ADMIN_URL))
        try:
            while not self._stop.is_set():
                rows = await conn.fetch(
                    "SELECT application_name, count(*) FROM pg_stat_activity "
                    "WHERE datname = $1 AND pid <> pg_backend_pid() GROUP BY 1",
                    self.database,
                )
                total = 0
                for name, count in rows:
                    self.most[name] = max(self.most[name], count)
                    total += count
                self.most_total = max(self.most_total, total)
                self.samples += 1
                await asyncio.sleep(0.1)
        finally:
            await conn.close()


async def start_replica(
    n: int, env: dict[str, str], database: str, logs: Path
) -> asyncio.subprocess.Process:
    replica_env = {
        **env,
        "DATABASE_URL": pg_url(database, application_name=f"replica-{n}"),
        "WEB_PORT": "0",
    }
    log = (logs / f"replica-{n}.log").open("wb")
    return await asyncio.create_subprocess_exec(
        FINANCEBOT, "serve", env=replica_env, stdout=asyncio.subprocess.PIPE, stderr=log
    )


async def wait_ready(process: asyncio.subprocess.Process, n: int, logs: Path) -> None:
    assert process.stdout is not None
    while True:
        line = await process.stdout.readline()
        if not line:
            tail = (logs / f"replica-{n}.log").read_text(errors="replace")[-2000:]
            raise SystemExit(f"replica {n} ended (status {await process.wait()}):\n{tail}")
        if line.decode().startswith(READY):
            return


async def replicas(
    args: argparse.Namespace,
    env: dict[str, str],
    database: str,
    slack: Any,
    slack_ids: list[str],
    logs: Path,
) -> None:
    daily = dt.datetime.now(ZoneInfo(TIME_ZONE)) + dt.timedelta(minutes=2)
    env = {
        **env,
        "SYNC_HOURS_INTERVAL_MINUTES": "1",
        "SYNC_REFERENCE_INTERVAL_MINUTES": "1",
        "SYNC_DAILY_AT": daily.strftime("%H:%M"),
    }
    sampler = Sampler(database)
    sampler.start()
    began = time.perf_counter()
    processes = [await start_replica(n, env, database, logs) for n in range(1, args.replicas + 1)]
    try:
        await asyncio.wait_for(
            asyncio.gather(*(wait_ready(p, n, logs) for n, p in enumerate(processes, 1))), 300
        )
        print(
            f"{args.replicas} replicas started at once, all up in "
            f"{time.perf_counter() - began:.1f} s; Socket Mode connections: "
            f"{slack.connection_count}",
            flush=True,
        )
        sent, late = 0, 0
        pick = random.Random(7)
        until = time.perf_counter() + args.watch
        while time.perf_counter() < until:
            tick = time.perf_counter()
            try:
                await slack.send_slash_command("/flex-hours", user_id=pick.choice(slack_ids))
            except TimeoutError:
                late += 1
            sent += 1
            await asyncio.sleep(max(0.0, 1 / args.rate - (time.perf_counter() - tick)))
        print(f"/flex-hours sent: {sent:,}, not acked within 3 s: {late}")
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        statuses = [await process.wait() for process in processes]
        sampler.stop()
    print(f"replicas stopped with SIGTERM, exit statuses {statuses}")
    print(
        f"most connections at once ({sampler.samples:,} samples of pg_stat_activity over "
        f"{time.perf_counter() - began:.0f} s):"
    )
    for name in sorted(sampler.most):
        print(f"  {name or '(no application_name)':<24} {sampler.most[name]}")
    print(f"  {'all together':<24} {sampler.most_total}")


# ----------------------------------------------------------------------------- main


async def main(args: argparse.Namespace) -> None:
    from bot.emulators.slack import SlackEmulator
    from bot.emulators.tenkfeet import TenkfeetEmulator

    began = time.perf_counter()
    data = company(args.people, args.years)
    print(
        f"generated {len(data.time_entries):,} entries ({args.people} people × {args.years} "
        f"years up to today) in {time.perf_counter() - began:.1f} s",
        flush=True,
    )
    tenkfeet = TenkfeetEmulator(data, token=TOKEN, max_per_page=1000)
    slack = SlackEmulator()
    slack_ids = slack_workspace(slack, data)
    api_url = await tenkfeet.start()
    await slack.start()
    database = f"financebot_sizing_{uuid.uuid4().hex[:10]}"
    folder = Path(tempfile.mkdtemp(prefix="financebot-sizing-"))
    await pg_admin(f'CREATE DATABASE "{database}"')
    env = {
        **os.environ,
        "DATABASE_URL": pg_url(database),
        "TENKFEET_API_URL": api_url,
        "TENKFEET_AUTH": TOKEN,
        "SLACK_API_URL": slack.api_url,
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_APP_TOKEN": slack.app_token,
        "TIME_ZONE": TIME_ZONE,
    }
    try:
        today = dt.datetime.now(ZoneInfo(TIME_ZONE)).date()
        first_day = today - dt.timedelta(days=round(args.years * 365.25) - 1)
        await load(env, first_day, contracts_csv(data, first_day, folder))
        entries = await sizes(database)
        await dump_and_restore(database, entries, folder)
        if args.replicas:
            await replicas(args, env, database, slack, slack_ids, folder)
    finally:
        await slack.stop()
        await tenkfeet.stop()
        await pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if args.keep_logs:
            print(f"logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--replicas", type=int, default=2, help="0: size, dump, restore only")
    parser.add_argument("--rate", type=float, default=10.0, help="/flex-hours per second")
    parser.add_argument("--watch", type=float, default=180.0, help="seconds under load")
    parser.add_argument("--keep-logs", action="store_true", help="keep the replicas' logs")
    asyncio.run(main(parser.parse_args()))
