"""Migrations bring an empty database to the current schema and are a no-op the second time."""

from __future__ import annotations

from tortoise import Tortoise, connections

from core.db import init_database, migrate_database
from models import Person


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
