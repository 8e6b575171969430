"""How long the CSV imports take: first import, re-import (no-op) and the pure check.

Usage: python benchmarks/import_csv.py [PEOPLE]   (DATABASE_URL picks the database; default a
temporary SQLite file). A PostgreSQL DATABASE_URL must name an empty, throwaway database.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from tortoise import Tortoise

from core.db import close_database, init_database, migrate_database
from models import Person
from models.flex.contract_import import check_contracts, import_contracts
from models.flex.correction_import import import_corrections
from models.flex.csv_import import people_by_email


def contracts_csv(people: int) -> bytes:
    lines = ["email,start_date,end_date,worktime_percent,flex_enabled"]
    for n in range(people):
        lines.append(f"p{n}@example.com,2022-01-01,2023-12-31,100,true")
        lines.append(f"p{n}@example.com,2024-01-01,,{60 + n % 41},{'true' if n % 2 else 'false'}")
    return ("\n".join(lines) + "\n").encode()


def corrections_csv(people: int) -> bytes:
    lines = ["email,date,adjust_by,set_to,note"]
    for n in range(people):
        lines.append(f"p{n}@example.com,2024-01-01,,{n % 50}.25,opening balance")
        lines.append(f"p{n}@example.com,2024-03-01,-7.5,,sick day")
    return ("\n".join(lines) + "\n").encode()


async def timed(label: str, coroutine: object) -> None:
    start = time.perf_counter()
    result = await coroutine  # type: ignore[misc]
    print(f"{label:<34} {time.perf_counter() - start:7.3f} s  {result}")


async def main(people: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite://{Path(tmp) / 'bench.sqlite3'}"
        await migrate_database(url)
        await init_database(url)
        try:
            await Person.bulk_create(
                [
                    Person(tenkfeet_id=n, guid=f"g-{n}", email=f"p{n}@example.com")
                    for n in range(people)
                ]
            )
            contracts, corrections = contracts_csv(people), corrections_csv(people)
            print(f"{people} people, {2 * people} contract rows, {2 * people} correction rows")
            lookup = await people_by_email()
            start = time.perf_counter()
            check_contracts(contracts, lookup, [])
            print(f"{'check contracts (pure)':<34} {time.perf_counter() - start:7.3f} s")
            await timed("import contracts (all new)", import_contracts(contracts, actor="bench"))
            await timed("re-import contracts (no-op)", import_contracts(contracts, actor="bench"))
            await timed("import corrections (all new)", import_corrections(corrections, actor="b"))
            await timed("re-import corrections (no-op)", import_corrections(corrections, actor="b"))
        finally:
            await close_database()
            await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
