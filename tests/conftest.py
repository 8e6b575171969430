"""Shared fixtures.

The backend is chosen per pytest run with FINANCEBOT_TEST_DB=sqlite|postgres (Tortoise 1.1
caches insert SQL per model regardless of dialect, so one process must not mix the two).
On PostgreSQL every run creates its own database and drops it at the end, so parallel runs
never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from slack_bolt.app.async_app import AsyncApp
from tortoise import Tortoise, connections

from bot.emulators.slack import SlackEmulator
from core.db import close_database, init_database, migrate_database
from core.settings import Settings, load_settings

TEST_DB = os.environ.get("FINANCEBOT_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("FINANCEBOT_TEST_PG", "postgres://postgres@127.0.0.1:5432/test")


def pytest_report_header() -> str:
    return f"financebot test database: {TEST_DB}"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A fresh, empty database for this test run (not yet migrated)."""
    if TEST_DB == "sqlite":
        path = Path(tmp_path_factory.mktemp("db")) / "test.sqlite3"
        yield f"sqlite://{path}"
        return
    if TEST_DB != "postgres":
        raise RuntimeError(f"FINANCEBOT_TEST_DB must be sqlite or postgres, not {TEST_DB!r}")
    name = f"financebot_test_{uuid.uuid4().hex[:12]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        await Tortoise.close_connections()
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def migrated_database(database_url: str) -> AsyncIterator[str]:
    """The run's database migrated to the current schema and opened for the ORM."""
    await migrate_database(database_url)
    await init_database(database_url)
    yield database_url
    await close_database()


async def clear_tables() -> None:
    conn = connections.get("default")
    tables = [m._meta.db_table for m in Tortoise.apps["financebot"].values()]
    tables.append("project_admin")
    if "sqlite" in type(conn).__module__:
        await conn.execute_script(
            "PRAGMA foreign_keys=OFF;"
            + "".join(f'DELETE FROM "{t}";' for t in tables)
            + "PRAGMA foreign_keys=ON;"
        )
    else:
        await conn.execute_script(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )


@pytest.fixture
async def db(migrated_database: str) -> AsyncIterator[str]:
    """Empty tables for one test; yields the database URL."""
    await clear_tables()
    yield migrated_database


# ---------------------------------------------------------------------- Slack and the running bot


@pytest.fixture
async def slack_emulator() -> AsyncIterator[SlackEmulator]:
    """A local Slack workspace (Web API + Socket Mode) on 127.0.0.1, a random port."""
    emulator = SlackEmulator()
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


def bot_settings_for(emulator: SlackEmulator, database_url: str, **env: str) -> Settings:
    """Settings for a bot that talks to ``emulator`` and serves its admin site on a free port."""
    return load_settings(
        {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": emulator.bot_token,
            "SLACK_APP_TOKEN": emulator.app_token,
            "SLACK_API_URL": emulator.api_url,
            "WEB_HOST": "127.0.0.1",
            "WEB_PORT": "0",
            **env,
        }
    )


@dataclass
class BotUnderTest:
    web_url: str
    emulator: SlackEmulator
    app: AsyncApp
    settings: Settings


@pytest.fixture
async def running_bot(db: str, slack_emulator: SlackEmulator) -> AsyncIterator[BotUnderTest]:
    """`serve`'s lifespan against the emulator and the `db` fixture's database, connected."""
    from bot.lifespan import bot_lifespan  # imported here so a broken listener fails only these

    settings = bot_settings_for(slack_emulator, db)
    async with bot_lifespan(settings, database_ready=True) as bot:
        await slack_emulator.wait_for_connections(1)
        yield BotUnderTest(
            web_url=bot.web_url, emulator=slack_emulator, app=bot.app, settings=settings
        )
    # Anything real Slack would have refused (over the Block Kit limits, missing arguments).
    assert not slack_emulator.violations, "\n".join(slack_emulator.violations)
