"""Benchmark of the hours sync: first sync, unchanged re-sync and peak memory, against the
raw insert rate of the same machine in the same run.

Generates a company of N people × Y years in the 10000ft emulator (this process) and runs the
sync in a child process against a fresh database, so the peak RSS printed is the sync
process's own. First, another child fetches the same pages, flattens every entry into 20
plain columns and times Python's own ``sqlite3.executemany`` of them into a plain table: the
hardware's floor, measured in the same run (the machine is shared and its speed drifts). Prints
that raw rate and the time that child took to fetch and hash the pages alone, as the sync
does (the floor of an unchanged re-sync, which does only that), then per backend: entries stored,
first sync entries/s and its ratio to the raw rate, unchanged re-sync seconds and speed-up,
peak RSS.

    python benchmarks/sync_hours.py                      # 500 people × 3 years ≈ 600,000 entries
    python benchmarks/sync_hours.py --people 50 --years 1 --db sqlite

PostgreSQL: FINANCEBOT_TEST_PG (default postgres://postgres@127.0.0.1:5432/test) names a
server where a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("FINANCEBOT_TEST_PG", "postgres://postgres@127.0.0.1:5432/test")
TOKEN = "benchmark-token"
START = date(2022, 1, 3)


def peak_rss_kb() -> int:
    """This process's peak RSS since exec.

    ``VmHWM`` belongs to the process image; ``ru_maxrss`` would also count the forked copy of
    the parent (and its page cache of the emulator) from before exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def cpu_seconds() -> float:
    """User + system CPU of this process and of its children that ended (the staging
    workers): on a shared machine wall time swings with the load, CPU time much less."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


async def child(db_url: str, api_url: str, start: date, end: date) -> None:
    """The measured process: reference data, then the first and the unchanged hours sync."""
    from core.db import open_database
    from models import HourEntry
    from sync.tenkfeet.client import TenkfeetClient
    from sync.tenkfeet.hours import sync_hours
    from sync.tenkfeet.reference import sync_leave_types, sync_projects, sync_users

    async with (
        open_database(db_url, migrate=True),
        TenkfeetClient(api_url, TOKEN, timeout=120) as client,
    ):
        await sync_users(client)
        await sync_projects(client)
        await sync_leave_types(client)
        began, cpu = time.perf_counter(), cpu_seconds()
        first = await sync_hours(client, start, end)
        first_seconds = time.perf_counter() - began
        first_cpu = cpu_seconds() - cpu
        began, cpu = time.perf_counter(), cpu_seconds()
        second = await sync_hours(client, start, end)
        second_seconds = time.perf_counter() - began
        second_cpu = cpu_seconds() - cpu
        stored = await HourEntry.all().count()
    peak_kb = peak_rss_kb()
    print(
        json.dumps(
            {
                "stored": stored,
                "first_added": first.added,
                "first_seconds": first_seconds,
                "first_cpu": first_cpu,
                "second_seconds": second_seconds,
                "second_cpu": second_cpu,
                "second_skipped_days": second.skipped,
                "second_changed": second.added + second.updated + second.deleted,
                "peak_rss_mb": peak_kb / 1024,
            }
        ),
        flush=True,
    )


async def raw_child(api_url: str, start: date, end: date, path: str) -> None:
    """The floor: the same entries, flattened, inserted by ``sqlite3.executemany``."""
    import sqlite3

    from sync.tenkfeet.client import TenkfeetClient
    from sync.tenkfeet.hours import fetched_windows, windows

    rows: list[tuple[object, ...]] = []
    async with TenkfeetClient(api_url, TOKEN, timeout=120) as client:
        # Fetching and hashing alone, windows fetched ahead as the sync fetches them: what an
        # unchanged re-sync does before it looks at the database, so its floor. The faster of
        # two rounds: the first pays for the process's memory growing.
        fetch_seconds = float("inf")
        for _ in range(2):
            began = time.perf_counter()
            async for _window in fetched_windows(client, windows(start, end), b""):
                pass
            fetch_seconds = min(fetch_seconds, time.perf_counter() - began)
        for first, last in windows(start, end):
            async for page in client.time_entry_pages(first, last):
                rows.extend(flat_entry(entry) for entry in json.loads(page.body)["data"])
    db = sqlite3.connect(path)
    db.execute(f"CREATE TABLE raw ({', '.join(f'c{n}' for n in range(20))})")
    began = time.perf_counter()
    with db:
        db.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * 20)})", rows)
    seconds = time.perf_counter() - began
    db.close()
    print(json.dumps({"rows": len(rows), "seconds": seconds, "fetch": fetch_seconds}), flush=True)


def flat_entry(entry: dict[str, object]) -> tuple[object, ...]:
    """A time entry as 20 plain columns: its own fields and its latest approval's."""
    approvals = entry.get("approvals")
    items = approvals.get("data") if isinstance(approvals, dict) else None
    latest: dict[str, object] = items[-1] if isinstance(items, list) and items else {}
    return (
        *(entry.get(name) for name in ENTRY_COLUMNS),
        *(latest.get(name) for name in APPROVAL_COLUMNS),
    )


ENTRY_COLUMNS = (
    "id",
    "user_id",
    "assignable_id",
    "assignable_type",
    "date",
    "hours",
    "scheduled_hours",
    "bill_rate",
    "bill_rate_id",
    "notes",
    "task",
    "is_suggestion",
    "created_at",
    "updated_at",
)
APPROVAL_COLUMNS = ("id", "status", "submitted_by", "submitted_at", "approved_at", "updated_at")


async def run_child(what: str, *args: str) -> dict[str, float]:
    """This script run again as a child process with ``args``; returns the JSON object its
    last line printed. ``what`` names it if it fails."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"{what} failed ({process.returncode})")
    result: dict[str, float] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def measure_raw(api_url: str, start: date, end: date) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="financebot-bench-raw-") as scratch:
        return await run_child(
            "the raw insert process",
            "--raw-child",
            f"{scratch}/raw.sqlite3",
            api_url,
            start.isoformat(),
            end.isoformat(),
        )


def prerendering_emulator(data: object) -> object:
    """The emulator with a cache of rendered time-entry pages.

    Rendering half a million entries to JSON costs the emulator a few seconds, which would
    dwarf the unchanged re-sync being measured; real 10000ft's serving time is not ours to
    measure either. Pages are rendered once in a warm-up and served from memory after that.
    """
    from aiohttp import web

    from bot.emulators.tenkfeet import TenkfeetEmulator

    class PreRendered(TenkfeetEmulator):
        pages: dict[tuple[str, int], bytes] = {}

        def _time_entries(self, request: web.Request) -> web.Response:
            key = (request.path_qs, self.data.time_entries.version)
            body = self.pages.get(key)
            if body is None:
                response = super()._time_entries(request)
                if response.status != 200 or not isinstance(response.body, bytes):
                    return response
                body = self.pages[key] = response.body
            return web.Response(body=body, content_type="application/json")

    return PreRendered(data, token=TOKEN, max_per_page=1000)  # type: ignore[arg-type]


async def warm_up(api_url: str, start: date, end: date) -> None:
    from sync.tenkfeet.client import TenkfeetClient
    from sync.tenkfeet.hours import windows

    async with TenkfeetClient(api_url, TOKEN, timeout=120) as client:
        for first, last in windows(start, end):
            async for _ in client.time_entry_pages(first, last):
                pass


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def measure(backend: str, api_url: str, start: date, end: date) -> dict[str, float]:
    scratch = tempfile.TemporaryDirectory(prefix="financebot-bench-")
    pg_name = ""
    if backend == "sqlite":
        db_url = f"sqlite://{scratch.name}/bench.sqlite3"
    else:
        pg_name = f"financebot_bench_{uuid.uuid4().hex[:10]}"
        await _pg(f'CREATE DATABASE "{pg_name}"')
        db_url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{pg_name}"
    try:
        return await run_child(
            f"{backend}: the sync process",
            "--child",
            db_url,
            api_url,
            start.isoformat(),
            end.isoformat(),
        )
    finally:
        scratch.cleanup()
        if pg_name:
            await _pg(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


async def main(args: argparse.Namespace) -> None:
    from bot.emulators.tenkfeet import TenkfeetEmulator
    from bot.emulators.tenkfeet_data import generate_company

    began = time.perf_counter()
    data = generate_company(args.people, args.years, start=START)
    end = START + timedelta(days=round(args.years * 365.25) - 1)
    print(
        f"generated {len(data.time_entries):,} entries ({args.people} people × {args.years} "
        f"years, {START}..{end}) in {time.perf_counter() - began:.1f} s",
        flush=True,
    )
    if args.prerender:
        emulator = prerendering_emulator(data)
    else:
        emulator = TenkfeetEmulator(data, token=TOKEN, max_per_page=1000)
    api_url = await emulator.start()  # type: ignore[attr-defined]
    try:
        if args.prerender:
            began = time.perf_counter()
            await warm_up(api_url, START, end)
            print(f"pre-rendered the emulator's pages in {time.perf_counter() - began:.1f} s")
        raw = await measure_raw(api_url, START, end)
        raw_rate = raw["rows"] / raw["seconds"]
        print(
            f"raw      sqlite3.executemany of {int(raw['rows']):,} flattened entries (20 columns) "
            f"{raw['seconds']:.2f} s = {raw_rate:,.0f} rows/s; fetching and hashing their pages "
            f"alone {raw['fetch']:.2f} s (an unchanged re-sync's floor)",
            flush=True,
        )
        backends = ["sqlite", "postgres"] if args.db == "both" else [args.db]
        for backend in backends:
            r = await measure(backend, api_url, START, end)
            speedup = r["first_seconds"] / r["second_seconds"] if r["second_seconds"] else 0
            rate = r["stored"] / r["first_seconds"]
            print(
                f"{backend:8s} stored {int(r['stored']):,} entries | first sync "
                f"{r['first_seconds']:.2f} s = {rate:,.0f} entries/s = {rate / raw_rate:.0%} of "
                f"raw, CPU {r['first_cpu']:.2f} s | unchanged re-sync {r['second_seconds']:.2f} s "
                f"({speedup:.1f}× faster, CPU {r['second_cpu']:.2f} s, "
                f"{int(r['second_changed'])} changed) | peak RSS {r['peak_rss_mb']:.0f} MB",
                flush=True,
            )
    finally:
        await emulator.stop()  # type: ignore[attr-defined]


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--raw-child":
        _, _, raw_path, api, first_day, last_day = sys.argv
        first_date, last_date = date.fromisoformat(first_day), date.fromisoformat(last_day)
        asyncio.run(raw_child(api, first_date, last_date, raw_path))
        sys.exit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _, _, db, api, first_day, last_day = sys.argv
        run = child(db, api, date.fromisoformat(first_day), date.fromisoformat(last_day))
        if os.environ.get("BENCH_PROFILE"):  # write a cProfile of the sync process there
            import cProfile

            cProfile.run("asyncio.run(run)", os.environ["BENCH_PROFILE"])
        else:
            asyncio.run(run)
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--no-prerender",
        dest="prerender",
        action="store_false",
        help="let the emulator render every page on every request (its time then counts)",
    )
    asyncio.run(main(parser.parse_args()))
