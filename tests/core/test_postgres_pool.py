"""The ORM's PostgreSQL pool hands connections back without asyncpg's reset round trip."""

from __future__ import annotations

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from tests.conftest import TEST_DB

pytestmark = pytest.mark.skipif(TEST_DB != "postgres", reason="PostgreSQL's pool only")


async def test_a_pooled_connection_has_no_reset_query(db: str) -> None:
    async with connections.get("default").acquire_connection() as raw:
        assert raw.get_reset_query() == ""


async def test_nothing_of_a_transaction_outlives_it_on_the_pooled_connection(db: str) -> None:
    async with in_transaction() as conn:
        await conn.execute_query("SELECT pg_advisory_xact_lock(4242)")
        await conn.execute_query("SET LOCAL statement_timeout = 1234")
    _, rows = await connections.get("default").execute_query(
        "SELECT current_setting('statement_timeout') AS timeout, (SELECT count(*) FROM pg_locks"
        " JOIN pg_database ON pg_database.oid = pg_locks.database"
        " WHERE locktype = 'advisory' AND datname = current_database()) AS locks"
    )
    assert (rows[0]["timeout"], rows[0]["locks"]) == ("0", 0)
