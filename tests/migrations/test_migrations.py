"""Migrations bring an empty database to the current schema and are a no-op the second time."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from tortoise import Tortoise, connections

from core.db import init_database, migrate_database
from models import Person
from tests.conftest import PG_ADMIN_URL, TEST_DB, _pg_admin
from tests.support.cli import financebot


async def test_migrate_twice_is_a_no_op(db: str) -> None:
    await Person.create(tenkfeet_id=1, guid="g-1", first_name="Ada", last_name="Lovelace")
    await migrate_database(db)  # closes the ORM's connections when done
    await init_database(db)
    assert await Person.filter(guid="g-1").count() == 1
    _, rows = await connections.get("default").execute_query(
        "SELECT COUNT(*) AS n FROM tortoise_migrations"
    )
    assert rows[0]["n"] >= 1


async def test_model_comments_are_sql_safe(db: str) -> None:
    """Tortoise splits DDL on ';', so a ';' in a table comment (the docstring) breaks migrate."""
    for model in Tortoise.apps["financebot"].values():
        assert ";" not in (model._meta.table_description or ""), model.__name__


@pytest.mark.skipif(TEST_DB != "postgres", reason="a SQLite file is migrated by one process")
async def test_replicas_migrating_one_new_database_at_once_all_succeed() -> None:
    """Without the advisory lock, two of three created the same tables at once and stopped
    with a duplicate key error."""
    name = f"financebot_migrate_{uuid.uuid4().hex[:12]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
        results = await asyncio.gather(*(financebot("migrate", DATABASE_URL=url) for _ in range(3)))
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert [r.code for r in results] == [0, 0, 0], [r.stderr for r in results]
