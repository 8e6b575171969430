"""Admin-site flex pages benchmark: how fast ``/users/<guid>/flexhours`` and ``/users`` answer.

Fills a fresh database with ``benchmarks/flex.py``'s generator (one person with LONG_YEARS,
default 5, of daily entries; PEOPLE, default 300, with YEARS, default 3, each), serves the
admin site on 127.0.0.1 (a free port) and times real HTTP GETs:

* the long-history person's flexhours page (daily log of every day, all months in the HTML):
  p50/p95 ms per request, page size, and the share spent in ``flex_for_person``;
* ``/users`` for the whole company (one ``flex_for_all`` batch): p50/p95 ms.

Target on the 2-core dev machine: a flexhours page with 3+ years of days well under 200 ms.

    python benchmarks/web_flex.py                           # SQLite
    python benchmarks/web_flex.py --backend postgres --people 1000
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# benchmarks/flex.py: the data generator
import flex as flex_benchmark
from demo_session import signed_in_session

from core.settings import Settings
from models import Group, GroupMembership, Person
from models.flex.data import flex_for_all, flex_for_person
from web.app import build_web_app

AS_OF = dt.date(2024, 6, 30)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def timed_gets(session: aiohttp.ClientSession, url: str, repeat: int) -> tuple[list, int]:
    async with session.get(url) as response:  # warm-up
        assert response.status == 200, (url, response.status)
        size = len(await response.read())
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        async with session.get(url) as response:
            await response.read()
        times.append((time.perf_counter() - started) * 1000)
    return times, size


async def measure(backend: str, people: int, years: int, long_years: int, repeat: int) -> None:
    async with flex_benchmark.bench_database(backend):
        long_id = await flex_benchmark.generate(
            people, years, long_years, AS_OF, backend == "sqlite"
        )
        person = await Person.get(id=long_id)
        await report(backend, person, people, years, long_years, repeat)


async def report(
    backend: str, person: Person, people: int, years: int, long_years: int, repeat: int
) -> None:
    settings = Settings(web_port=0, demo_sign_in=True)  # the demo page signs in as HR
    # The pages need a signed-in HR member (no e-mail: not part of the company batch).
    hr = await Person.create(tenkfeet_id=10**8, guid="bench-hr", first_name="Helen", last_name="Hr")
    await GroupMembership.create(group=await Group.create(name="hr"), person=hr)
    runner = web.AppRunner(build_web_app(settings), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    base = f"http://{host}:{port}"
    try:
        async with await signed_in_session(base, hr.id) as session:
            page, size = await timed_gets(
                session, f"{base}/users/{person.guid}/flexhours?as_of={AS_OF}", repeat
            )
            engine = []
            for _ in range(repeat):
                started = time.perf_counter()
                result = await flex_for_person(person, AS_OF, settings)
                engine.append((time.perf_counter() - started) * 1000)
            print(
                f"[{backend}] flexhours page, {long_years} y ({len(result.days)} days, "
                f"{len(result.months)} months, {size / 1024:.0f} KiB): p50 "
                f"{statistics.median(page):.1f} ms p95 {percentile(page, 0.95):.1f} ms; "
                f"flex_for_person p50 {statistics.median(engine):.1f} ms"
            )
            users, size = await timed_gets(
                session, f"{base}/users?as_of={AS_OF}", max(3, repeat // 10)
            )
            batch = []
            for _ in range(3):
                started = time.perf_counter()
                await flex_for_all(AS_OF, settings)
                batch.append((time.perf_counter() - started) * 1000)
            print(
                f"[{backend}] /users, {people} people × {years} y ({size / 1024:.0f} KiB): "
                f"p50 {statistics.median(users):.0f} ms p95 {percentile(users, 0.95):.0f} ms; "
                f"flex_for_all alone p50 {statistics.median(batch):.0f} ms"
            )
    finally:
        await runner.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--long-years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(measure(args.backend, args.people, args.years, args.long_years, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
