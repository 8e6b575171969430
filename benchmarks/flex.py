"""Flex saldo computation benchmark (issue 4 item 7, computation part).

Generates a company into a fresh database — a SQLite file, and a throwaway PostgreSQL
database created and dropped here — then measures:

* one person with LONG_YEARS (default 5) of daily entries: per-call p50/p95 milliseconds of
  ``flex_for_person`` (loading + computing, daily log included) and of ``compute_flex`` alone;
* the whole company, PEOPLE (default 1,000) people with YEARS (default 3) of entries each:
  seconds for ``flex_for_all`` (one batch: load + compute), and its load/compute split.

Targets on the 2-core dev machine: one person p95 < 5 ms; whole company < 10 s.

    python benchmarks/flex.py                       # both backends, default sizes
    python benchmarks/flex.py --backend sqlite --people 200
    FINANCEBOT_BENCH_PG=postgres://postgres@127.0.0.1:5432/postgres python benchmarks/flex.py

Each backend runs in its own process (Tortoise caches SQL per model, so one process must not
mix dialects). The generated data are bulk-loaded with executemany (COPY on PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from tortoise import Tortoise, connections

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.db import init_database, migrate_database
from core.settings import Settings
from models import FlexCorrection, Person, PublicHoliday, WorkContract
from models.flex.data import flex_for_all, flex_for_person, load_flex_inputs
from models.flex.saldo import compute_flex
from models.flex.sums import rebuild_all_flex_sums
from sync.tenkfeet.hours import COLUMNS as HOUR_ENTRY_COLUMNS

PG_ADMIN_URL = os.environ.get(
    "FINANCEBOT_BENCH_PG",
    os.environ.get("FINANCEBOT_TEST_PG", "postgres://postgres@127.0.0.1:5432/test"),
)
SETTINGS = Settings()
HOUR_COLUMNS = HOUR_ENTRY_COLUMNS
LEAVE_TYPES = ("Vacation", "Sick leave", "Unpaid leave", "Flex time Leave")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def history(
    rng: random.Random, person_id: int, first: dt.date, last: dt.date, ids: Iterator[int]
) -> Iterator[tuple[Any, ...]]:
    """A person's entries: every workday 1–2 project entries, ~25 days of leave a year,
    weekly overtime, occasional weekend work, the last week partly unsubmitted."""
    day = first
    while day <= last:
        status = "Unsubmitted" if (last - day).days < 5 and rng.random() < 0.5 else "Approved"
        if day.weekday() < 5:
            roll = rng.random()
            if roll < 0.10:
                leave = LEAVE_TYPES[0 if roll < 0.07 else 1 if roll < 0.09 else rng.randrange(4)]
                yield _row(next(ids), day, person_id, "", leave, Decimal("7.5"), status)
            else:
                hours = Decimal(rng.randrange(24, 38)) / 4
                if rng.random() < 0.3:
                    part = Decimal(rng.randrange(4, 16)) / 4
                    yield _row(next(ids), day, person_id, "Meetings", "", part, status)
                    hours -= part
                yield _row(next(ids), day, person_id, "Development", "", hours, status)
                if day.weekday() == 3 and rng.random() < 0.3:
                    yield _row(next(ids), day, person_id, "Overtime", "", Decimal(2), status)
        elif rng.random() < 0.03:
            yield _row(next(ids), day, person_id, "Development", "", Decimal(3), status)
        day += dt.timedelta(days=1)


def _row(
    tenkfeet_id: int,
    day: dt.date,
    person_id: int,
    phase: str,
    leave: str,
    hours: Decimal,
    status: str,
) -> tuple[Any, ...]:
    return (tenkfeet_id, day, person_id, None, "", phase, leave, "", "", hours, 0, 0, status, "")


async def insert_hours(rows: list[tuple[Any, ...]], sqlite: bool) -> None:
    conn = connections.get("default")
    if sqlite:
        sql = (
            f"INSERT INTO hour_entry ({', '.join(HOUR_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(HOUR_COLUMNS))})"
        )
        text_rows = [
            (r[0], r[1].isoformat(), *r[2:9], str(r[9]), str(r[10]), str(r[11]), *r[12:])
            for r in rows
        ]
        await conn.execute_many(sql, text_rows)
        return
    async with conn.acquire_connection() as raw:
        await raw.copy_records_to_table(
            "hour_entry",
            records=[(*r[:10], Decimal(r[10]), Decimal(r[11]), *r[12:]) for r in rows],
            columns=list(HOUR_COLUMNS),
        )


async def generate(people: int, years: int, long_years: int, as_of: dt.date, sqlite: bool) -> int:
    """Fills the database; returns the id of the long-history person."""
    rng = random.Random(4)
    ids = iter(range(1, 10**9))
    company_start = as_of - dt.timedelta(days=round(365.25 * years))
    long_start = as_of - dt.timedelta(days=round(365.25 * long_years))

    holidays = []
    for year in range(long_start.year, as_of.year + 1):
        for month, dom in ((1, 1), (1, 6), (5, 1), (6, 21), (12, 6), (12, 24), (12, 25), (12, 26)):
            holidays.append(PublicHoliday(date=dt.date(year, month, dom), name=f"{month}-{dom}"))
    await PublicHoliday.bulk_create(holidays)

    await Person.bulk_create(
        [
            Person(
                tenkfeet_id=n,
                guid=f"bench-{n}",
                first_name="Person",
                last_name=str(n),
                email=f"person{n}@example.com",
                archived=n == 0,  # the long-history person is not part of the company run
            )
            for n in range(people + 1)
        ],
        batch_size=1000,
    )
    person_ids = dict(await Person.all().values_list("tenkfeet_id", "id"))

    contracts = []
    corrections = []
    for n, person_id in person_ids.items():
        start = long_start if n == 0 else company_start
        middle = start + (as_of - start) / 2
        contracts.append(
            WorkContract(
                person_id=person_id,
                start_date=start,
                end_date=middle,
                worktime_percent=100 if n % 5 else 80,
                flex_enabled=True,
            )
        )
        contracts.append(
            WorkContract(
                person_id=person_id,
                start_date=middle + dt.timedelta(days=1),
                end_date=None,
                worktime_percent=100,
                flex_enabled=n % 50 != 7,
            )
        )
        for k in range(4):
            corrections.append(
                FlexCorrection(
                    person_id=person_id,
                    date=start + dt.timedelta(days=100 + 200 * k),
                    adjust_by=Decimal(rng.randrange(-20, 20)),
                )
            )
    await WorkContract.bulk_create(contracts, batch_size=1000)
    await FlexCorrection.bulk_create(corrections, batch_size=1000)

    batch: list[tuple[Any, ...]] = []
    for n, person_id in person_ids.items():
        start = long_start if n == 0 else company_start
        batch.extend(history(rng, person_id, start, as_of + dt.timedelta(days=3), ids))
        if len(batch) > 100_000:
            await insert_hours(batch, sqlite)
            batch = []
    if batch:
        await insert_hours(batch, sqlite)
    await rebuild_all_flex_sums()  # as the hours sync keeps them
    if not sqlite:
        await connections.get("default").execute_script("ANALYZE")
    return person_ids[0]


@asynccontextmanager
async def bench_database(backend: str) -> AsyncIterator[str]:
    """A migrated, open throwaway database (a SQLite file, or a PostgreSQL database that is
    dropped afterwards); yields its URL."""
    with tempfile.TemporaryDirectory() as tmp:
        admin = name = ""
        if backend == "sqlite":
            url = f"sqlite://{tmp}/bench.sqlite3"
        else:
            import asyncpg

            name = f"financebot_bench_{uuid.uuid4().hex[:10]}"
            admin = PG_ADMIN_URL.replace("postgres://", "postgresql://", 1)
            conn = await asyncpg.connect(admin)
            await conn.execute(f'CREATE DATABASE "{name}"')
            await conn.close()
            url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        try:
            await migrate_database(url)
            await init_database(url)
            yield url
        finally:
            await Tortoise.close_connections()
            if name:
                import asyncpg

                conn = await asyncpg.connect(admin)
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await conn.close()


async def measure(backend: str, people: int, years: int, long_years: int, repeat: int) -> None:
    as_of = dt.date(2024, 6, 30)
    async with bench_database(backend):
        started = time.perf_counter()
        long_id = await generate(people, years, long_years, as_of, backend == "sqlite")
        entries = (
            await connections.get("default").execute_query_dict(
                "SELECT COUNT(*) AS n FROM hour_entry"
            )
        )[0]["n"]
        print(
            f"[{backend}] generated {people} people × {years} y + 1 × {long_years} y: "
            f"{entries} entries in {time.perf_counter() - started:.1f} s"
        )
        await report(backend, long_id, as_of, long_years, people, years, repeat)


async def report(
    backend: str,
    long_id: int,
    as_of: dt.date,
    long_years: int,
    people: int,
    years: int,
    repeat: int,
) -> None:
    person = await Person.get(id=long_id)
    await flex_for_person(person, as_of, SETTINGS)  # warm-up
    with_load = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = await flex_for_person(person, as_of, SETTINGS)
        with_load.append((time.perf_counter() - started) * 1000)
    inp = (await load_flex_inputs([long_id], as_of))[long_id]
    alone = []
    for _ in range(repeat):
        started = time.perf_counter()
        compute_flex(inp, as_of, SETTINGS.workday_hours)
        alone.append((time.perf_counter() - started) * 1000)
    print(
        f"[{backend}] one person, {long_years} y ({len(result.days)} days, status "
        f"{result.status}, saldo {result.saldo}): load+compute p50 "
        f"{statistics.median(with_load):.2f} ms p95 {percentile(with_load, 0.95):.2f} ms; "
        f"compute alone p50 {statistics.median(alone):.2f} ms p95 "
        f"{percentile(alone, 0.95):.2f} ms"
    )

    runs = []
    for _ in range(3):
        started = time.perf_counter()
        everyone = await flex_for_all(as_of, SETTINGS)
        runs.append(time.perf_counter() - started)
    ids = [p.id for p, _ in everyone]
    started = time.perf_counter()
    inputs = await load_flex_inputs(ids, as_of)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    for person_id in ids:
        compute_flex(inputs[person_id], as_of, SETTINGS.workday_hours, with_days=False)
    computed = time.perf_counter() - started
    ok = sum(1 for _, r in everyone if r.status == "ok")
    print(
        f"[{backend}] whole company, {len(everyone)} people × {years} y ({ok} ok): "
        f"flex_for_all best {min(runs):.2f} s, runs {', '.join(f'{r:.2f}' for r in runs)} s "
        f"(load {loaded:.2f} s + compute {computed:.2f} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--long-years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    if args.backend == "both":
        status = 0
        for backend in ("sqlite", "postgres"):
            argv = [sys.argv[0], "--backend", backend, "--people", str(args.people)]
            argv += ["--years", str(args.years), "--long-years", str(args.long_years)]
            argv += ["--repeat", str(args.repeat)]
            status |= subprocess.call([sys.executable, *argv])
        return status
    asyncio.run(measure(args.backend, args.people, args.years, args.long_years, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
