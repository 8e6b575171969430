"""PostgreSQL connections for the ORM's pool, handed back without asyncpg's reset query.

asyncpg resets a connection each time it goes back to its pool: a round trip running
``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``. Tortoise takes a pool
connection for every query outside a transaction, so that doubled the round trips of every
read: `/flex-hours` made ten instead of five (``benchmarks/load.py``). Nothing here leaves
that session state behind on a pooled connection: advisory locks are taken per transaction
(``pg_advisory_xact_lock``; the migration lock has a connection of its own), and nothing
LISTENs, SETs session variables or keeps cursors outside a transaction. An open transaction
is still rolled back on release (asyncpg does that whatever the reset query is).
"""

from __future__ import annotations

from asyncpg.connection import Connection


class PooledConnection(Connection):  # type: ignore[misc]
    """asyncpg's connection with an empty reset query."""

    def get_reset_query(self) -> str:
        return ""
