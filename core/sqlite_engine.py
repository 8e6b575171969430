"""Tortoise's SQLite engine, changed so that no read waits for a write.

Tortoise talks to a SQLite file through one connection guarded by one lock, and a transaction
holds that lock until it ends: while any write of this process was open or waiting for the
file's write lock (held by a sync in another process, say), every other query here waited
too, `/flex-hours` included. SQLite in WAL mode does not need that: readers see the last
committed state and never wait for a writer. So this engine keeps a second, read-only
connection:

* a ``SELECT`` outside a transaction goes to the reader, which waits for nothing but other
  reads (a read inside a transaction stays on the transaction's connection, so it sees the
  transaction's own writes);
* everything else (writes, transactions, DDL) goes to the writer, as before;
* a transaction starts with ``BEGIN IMMEDIATE``: it takes the file's write lock at once
  (waiting for another process's writer if need be), instead of failing with "database is
  locked" when it later tries to write after another process has committed;
* every connection waits up to ``BUSY_TIMEOUT_MS`` for the file's write lock, which another
  process (a sync running on its own, the CLI) may hold for the seconds its write takes.

Configured by :func:`core.db.tortoise_config` for every ``sqlite://`` URL; ``:memory:``
databases keep the one connection (a second one would open another, empty, database).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
    translate_exceptions,
)
from tortoise.exceptions import TransactionManagementError

#: How long a statement waits for another connection's write lock before "database is locked".
BUSY_TIMEOUT_MS = 60_000

_READ = re.compile(r"\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*SELECT\b", re.IGNORECASE | re.DOTALL)


def reads_only(sql: str) -> bool:
    """True for a plain ``SELECT`` (a ``WITH`` may hide a write, so it counts as a write)."""
    return _READ.match(sql) is not None


class ReaderSqliteClient(SqliteClient):
    """The SQLite client with a separate read-only connection (see the module docstring)."""

    def __init__(self, file_path: str, **kwargs: Any) -> None:
        super().__init__(file_path, **kwargs)
        self.pragmas.setdefault("busy_timeout", BUSY_TIMEOUT_MS)
        self._reader: aiosqlite.Connection | None = None
        self._read_lock = asyncio.Lock()

    @property
    def _in_memory(self) -> bool:
        return self.filename == ":memory:" or "mode=memory" in self.filename

    async def create_connection(self, with_db: bool) -> None:
        await super().create_connection(with_db)
        if self._reader is None and not self._in_memory:
            reader = await aiosqlite.connect(self.filename, isolation_level=None)
            reader._conn.row_factory = sqlite3.Row
            await reader.execute(f"PRAGMA busy_timeout={int(self.pragmas['busy_timeout'])}")
            await reader.execute("PRAGMA query_only=ON")
            self._reader = reader

    async def close(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            await reader.close()
        await super().close()

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransaction(self), self._lock)

    async def execute_query(
        self, query: str, values: list[Any] | None = None
    ) -> tuple[int, Sequence[dict[str, Any]]]:
        if self._reader is None or not reads_only(query):
            return await super().execute_query(query, values)
        rows = await self._read(query, values)
        return len(rows), rows

    async def execute_query_dict(self, query: str, values: list[Any] | None = None) -> list[dict]:
        if self._reader is None or not reads_only(query):
            return await super().execute_query_dict(query, values)
        return [dict(row) for row in await self._read(query, values)]

    @translate_exceptions
    async def _read(self, query: str, values: list[Any] | None) -> list[Any]:
        query = query.replace("\x00", "'||CHAR(0)||'")  # as Tortoise's own client does
        async with self._read_lock:
            reader = self._reader
            if reader is None:  # closed meanwhile
                raise sqlite3.OperationalError("the database connection is closed")
            self.log.debug("%s: %s", query, values)
            return list(await reader.execute_fetchall(query, values or []))


class ImmediateTransaction(SqliteTransactionWrapper):
    """A transaction that takes the write lock when it begins (``BEGIN IMMEDIATE``)."""

    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


client_class = ReaderSqliteClient
