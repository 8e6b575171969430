"""A month's validated records added up by key in a temporary SQLite file, not in memory.

A legacy file of 50 MB holds over 200,000 distinct rows; kept as Python objects until every
row was known good they grew the import by 261 MB. Here each record goes to a table whose
unique key is the stored row's key (account, record type, product, usage type, description,
period, currency); a second record with the same key adds its quantity and cost to the first
one's, exactly (decimals kept as text, added by :class:`decimal.Decimal`). The records come
back added up and ordered by their key, whatever order the files had them in (AWS does not
promise one), so the month's checksum and its stored rows do not depend on it. At most
``PENDING`` keys are added up in memory before they are written, and SQLite keeps at most
``CACHE_KIB`` of the file in memory; the file is in the system's temporary folder
(``TMPDIR``) and is removed on :meth:`MonthSpill.close`.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from models.aws_billing.records import STORED_KEY, BillingRecord, StoredKey, stored_key

BATCH = 2000
"""Records read back at a time."""
PENDING = 10_000
"""Keys added up in memory before they go to the file: CUR 2.0's hourly line items mostly
share a few thousand keys, so they are added up here and the file is written rarely."""
CACHE_KIB = 8 << 10

_KEY = STORED_KEY
_COLUMNS = (*_KEY, "quantity", "cost")
_DATES = frozenset({"period_start", "period_end"})


def _text(value: str | date) -> str:
    return value.isoformat() if isinstance(value, date) else value


def _added(first: str, second: str) -> str:
    return str(Decimal(first) + Decimal(second))


class MonthSpill:
    """Add records with :meth:`add`, read them back with :meth:`records`; :meth:`close` (or
    leaving a ``with`` block) removes the file."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="financebot-aws-")
        self._db = sqlite3.connect(Path(self._folder.name) / "month.sqlite3")
        self._db.create_function("decimal_add", 2, _added, deterministic=True)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", f"cache_size=-{CACHE_KIB}"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute(
            "CREATE TABLE record ("
            + ", ".join(f"{c} TEXT NOT NULL" for c in _COLUMNS)
            + f", PRIMARY KEY ({', '.join(_KEY)})) WITHOUT ROWID"
        )
        self._upsert = (
            f"INSERT INTO record ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
            f" ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET"
            " quantity = decimal_add(quantity, excluded.quantity),"
            " cost = decimal_add(cost, excluded.cost)"
        )
        self._pending: dict[StoredKey, list[Decimal]] = {}

    @property
    def folder(self) -> Path:
        """Where the file is (removed on :meth:`close`)."""
        return Path(self._folder.name)

    def add(self, record: BillingRecord) -> None:
        key = stored_key(record)
        sums = self._pending.get(key)
        if sums is None:
            if len(self._pending) >= PENDING:
                self._flush()
            self._pending[key] = [record.quantity, record.cost]
        else:
            sums[0] += record.quantity
            sums[1] += record.cost

    def _flush(self) -> None:
        if self._pending:
            rows = (
                (*(_text(value) for value in key), str(q), str(c))
                for key, (q, c) in self._pending.items()
            )
            self._db.executemany(self._upsert, rows)
            self._pending.clear()

    def count(self) -> int:
        """How many records, added up by key."""
        self._flush()
        (found,) = self._db.execute("SELECT count(*) FROM record").fetchone()
        return int(found)

    def records(self, names: dict[str, str]) -> Iterator[BillingRecord]:
        """The records added up, ordered by their key (the table's own order: it is kept by
        its key); ``names``: account id → its name (the last one the files gave)."""
        self._flush()
        cursor = self._db.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM record ORDER BY {', '.join(_KEY)}"
        )
        while batch := cursor.fetchmany(BATCH):
            for *key, quantity, cost in batch:
                values: dict[str, Any] = {
                    field: date.fromisoformat(value) if field in _DATES else value
                    for field, value in zip(_KEY, key, strict=True)
                }
                yield BillingRecord(
                    **values,
                    account_name=names.get(values["account_id"], ""),
                    quantity=Decimal(quantity),
                    cost=Decimal(cost),
                )

    def close(self) -> None:
        self._pending.clear()
        self._db.close()
        self._folder.cleanup()
