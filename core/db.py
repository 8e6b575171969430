"""Database setup: the Tortoise config built from DATABASE_URL, migrations, connection checks."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import DBConnectionError
from tortoise.migrations.api import migrate as tortoise_migrate

from core.errors import DatabaseUnavailable

APP_LABEL = "financebot"
T = TypeVar("T")

_opened_url: str | None = None


class DatabaseError(RuntimeError):
    """The database is unreachable or unusable; the message is one line for the operator."""


_OUTAGE = (
    DatabaseUnavailable,
    DBConnectionError,
    asyncpg.PostgresConnectionError,  # the connection was lost or never made
    asyncpg.CannotConnectNowError,  # the server is starting up or shutting down
    asyncpg.AdminShutdownError,
    asyncpg.InterfaceError,  # e.g. "connection is closed"
)
"""What only a database outage raises, wherever it is caught."""

_UNREACHABLE = (*_OUTAGE, ConnectionError, TimeoutError)
"""What a database call raises when the server cannot be reached or does not answer (a
refused or reset connect comes up from the driver as a plain ``ConnectionError``)."""


def _in_chain(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kinds):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def is_unreachable(exc: BaseException) -> bool:
    """True when ``exc``, raised by a database call, says the database could not be reached
    or did not answer: an outage that passes, not a fault of the request."""
    return _in_chain(exc, _UNREACHABLE)


def is_database_outage(exc: BaseException) -> bool:
    """True when ``exc``, raised anywhere, can only come from a database out of reach."""
    return _in_chain(exc, _OUTAGE)


async def within(seconds: float, work: Awaitable[T]) -> T:
    """``work``'s result, or TimeoutError once ``seconds`` have passed without it.

    Unlike ``asyncio.wait_for`` this does not wait for the cancelled work to wind down: a query
    cancelled on a connection that gets no answer (a network partition) ends only when the
    driver hears from the server again, and whoever set the deadline must not wait for that.
    """
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        task.cancel()
        task.add_done_callback(_forget)
        raise TimeoutError(f"no answer within {seconds:g} s")
    return task.result()


def _forget(task: asyncio.Future[Any]) -> None:
    """Retrieves the outcome of work left behind, so that nothing logs it as lost."""
    if not task.cancelled():
        task.exception()


def tortoise_config(database_url: str) -> dict[str, Any]:
    if database_url.startswith("postgresql://"):
        database_url = "postgres://" + database_url[len("postgresql://") :]
    connection: str | dict[str, Any] = database_url
    if database_url.startswith("sqlite://"):
        # Our SQLite engine: reads on a connection of their own (core/sqlite_engine.py).
        connection = {**expand_db_url(database_url), "engine": "core.sqlite_engine"}
    elif database_url.startswith("postgres://"):
        from core.postgres_pool import PooledConnection  # asyncpg: only PostgreSQL needs it

        expanded = expand_db_url(database_url)
        expanded["credentials"]["connection_class"] = PooledConnection
        connection = expanded
    return {
        "connections": {"default": connection},
        "apps": {
            APP_LABEL: {
                "models": ["models"],
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _describe(exc: BaseException, database_url: str) -> str:
    where = _shown(database_url)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"database {where} is not usable: {text}"


def check_sqlite_path(database_url: str) -> None:
    """A SQLite file must be creatable: Tortoise hangs instead of failing when it is not."""
    if not database_url.startswith("sqlite://"):
        return
    path = Path(database_url[len("sqlite://") :])
    if str(path) == ":memory:":
        return
    if path.is_dir():
        raise DatabaseError(f"database {database_url} is not usable: {path} is a directory")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise DatabaseError(
            f"database {database_url} is not usable: folder {folder} does not exist"
        )
    if not os.access(path if path.exists() else folder, os.W_OK):
        raise DatabaseError(f"database {database_url} is not usable: {path} is not writable")


MIGRATION_LOCK = 0x46424D47
"""The PostgreSQL advisory lock key that migrations hold ("FBMG")."""


async def migrate_database(database_url: str) -> None:
    """Apply every pending migration; a no-op when the schema is current.

    On PostgreSQL one process migrates at a time: replicas starting together (or `migrate`
    beside a starting `serve`) would otherwise create the same tables at once, and all but one
    stop with a duplicate key error.
    """
    check_sqlite_path(database_url)
    try:
        async with _one_migration_at_a_time(database_url):
            await tortoise_migrate(config=tortoise_config(database_url))
    except Exception as exc:
        raise DatabaseError(_describe(exc, database_url)) from exc
    finally:
        await Tortoise.close_connections()


@asynccontextmanager
async def _one_migration_at_a_time(database_url: str) -> AsyncIterator[None]:
    """Holds :data:`MIGRATION_LOCK` (a session advisory lock, on a connection of its own)
    on PostgreSQL; the next process waits for it, then finds nothing left to migrate.
    SQLite needs nothing: a migration there is one process's file."""
    if not database_url.startswith(("postgres://", "postgresql://")):
        yield
        return
    import asyncpg  # only PostgreSQL needs it

    credentials = tortoise_config(database_url)["connections"]["default"]["credentials"]
    wanted = ("host", "port", "user", "password", "database", "ssl")
    conn = await asyncpg.connect(**{k: credentials[k] for k in wanted if k in credentials})
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        yield
    finally:
        await conn.close()  # ends the session, and the lock with it


async def init_database(database_url: str) -> None:
    """Open the ORM's connections (schema must already be migrated)."""
    global _opened_url
    check_sqlite_path(database_url)
    try:
        await Tortoise.init(config=tortoise_config(database_url))
        await check_database()
    except DatabaseError:
        raise
    except Exception as exc:
        raise DatabaseError(_describe(exc, database_url)) from exc
    _opened_url = database_url


def opened_database_url() -> str | None:
    """The URL :func:`init_database` opened (and :func:`close_database` has not closed): where
    a process started to share this one's work must connect."""
    return _opened_url


async def check_database() -> None:
    """One round trip; raises when the database does not answer."""
    await connections.get("default").execute_query("SELECT 1")


async def close_database() -> None:
    global _opened_url
    _opened_url = None
    await Tortoise.close_connections()


MIGRATE_FIRST = "run `financebot migrate` first"


def _shown(database_url: str) -> str:
    return database_url.split("@")[-1] if "@" in database_url else database_url


def sqlite_file_missing(database_url: str) -> bool:
    """A ``sqlite://`` URL whose file is not there (connecting would create it)."""
    if not database_url.startswith("sqlite://"):
        return False
    path = Path(database_url[len("sqlite://") :])
    return str(path) != ":memory:" and not path.exists()


async def has_schema() -> bool:
    """True when the open database holds Finance Bot's tables (its migration history)."""
    try:
        await connections.get("default").execute_query("SELECT 1 FROM tortoise_migrations LIMIT 1")
    except Exception:
        return False
    return True


@asynccontextmanager
async def open_database(database_url: str, *, migrate: bool = False) -> AsyncIterator[None]:
    """Open the database for the duration of a CLI command.

    Only ``migrate``, ``serve`` and ``demo`` create or change the schema (``migrate=True``).
    Every other command needs a migrated database and leaves an unmigrated one untouched: a
    SQLite file that does not exist is not created, and a database without our tables is
    refused with one line saying what to run.
    """
    if migrate:
        await migrate_database(database_url)
    elif sqlite_file_missing(database_url):
        raise DatabaseError(f"database {database_url} does not exist: {MIGRATE_FIRST}")
    await init_database(database_url)
    try:
        if not migrate and not await has_schema():
            raise DatabaseError(
                f"database {_shown(database_url)} has no Finance Bot tables: {MIGRATE_FIRST}"
            )
        yield
    finally:
        await close_database()


def dialect() -> str:
    """ "sqlite" or "postgres" for the open default connection."""
    name = type(connections.get("default")).__module__
    return "sqlite" if "sqlite" in name else "postgres"


def _cli_config() -> dict[str, Any]:
    import os

    return tortoise_config(os.environ.get("DATABASE_URL", "sqlite://financebot.sqlite3"))


# For Tortoise's own CLI when changing models:
#   tortoise -c core.db.TORTOISE_ORM makemigrations --name WHAT
TORTOISE_ORM = _cli_config()
