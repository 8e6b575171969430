"""How fast 10000ft time entries are generated, fetched, parsed and mapped.

    PYTHONPATH=. python benchmarks/tenkfeet_parse.py [--people 500] [--years 2.5]

Prints entries/s for: generating the company, fetching raw pages from the emulator through
the real client (in one process, so emulator rendering is included), ``parse_page`` alone,
and parsing + ``map_time_entry`` page by page (as the hours sync does).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import date, timedelta

from bot.emulators.tenkfeet import DEFAULT_TOKEN, TenkfeetEmulator
from bot.emulators.tenkfeet_data import generate_company
from sync.tenkfeet.client import RawPage, TenkfeetClient
from sync.tenkfeet.mapping import HourRow, assignable_index, map_time_entry
from sync.tenkfeet.schema import Project, TimeEntry, parse_item, parse_page


def rate(count: int, seconds: float) -> str:
    return f"{count:>9,} entries in {seconds:6.2f} s = {count / seconds:>10,.0f} entries/s"


async def main(people: int, years: float) -> None:
    began = time.perf_counter()
    data = generate_company(people, years)
    print("generate      ", rate(len(data.time_entries), time.perf_counter() - began))

    start = date(2022, 1, 1)
    end = start + timedelta(days=round(years * 366))
    pages: list[RawPage] = []
    async with (
        TenkfeetEmulator(data, max_per_page=1000) as emulator,
        TenkfeetClient(emulator.base_url, DEFAULT_TOKEN) as client,
    ):
        began = time.perf_counter()
        window = start
        while window <= end:
            window_end = min(window + timedelta(days=89), end)
            pages.extend([page async for page in client.time_entry_pages(window, window_end)])
            window = window_end + timedelta(days=1)
        fetched = time.perf_counter() - began
    size = sum(len(page.body) for page in pages)

    print(
        "fetch raw     ",
        rate(count_entries(pages), fetched),
        f"({len(pages)} pages, {size >> 20} MB)",
    )

    # Parsed entries are not kept: the hours sync maps page by page, so memory stays bounded.
    began = time.perf_counter()
    count = sum(len(parse_page(page.body, TimeEntry).items) for page in pages)
    print("parse_page    ", rate(count, time.perf_counter() - began))

    index = assignable_index([parse_item(p, Project) for p in data.projects])
    leave_types = {lt["id"]: lt["name"] for lt in data.leave_types}
    began = time.perf_counter()
    rows: list[HourRow | None] = []
    for page in pages:
        rows.extend(
            map_time_entry(entry, index, leave_types)
            for entry in parse_page(page.body, TimeEntry).items
        )
    print("parse and map ", rate(len(rows), time.perf_counter() - began), "(rows kept)")


def count_entries(pages: list[RawPage]) -> int:
    return sum(page.body.count(b'"assignable_type"') for page in pages)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--years", type=float, default=2.5)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.people, arguments.years))
