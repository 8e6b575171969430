"""The real `financebot` console script, run as a subprocess with environment variables:
migrate, imports, cleanup, --help, and one clear line on stderr for every failure."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import sqlite3
import uuid
from pathlib import Path

import pytest

from models import AuditLog, Event, Person, SyncRun, WorkContract
from tests.conftest import PG_ADMIN_URL, TEST_DB
from tests.support.cli import (
    CONTRACTS_HEADER,
    FINANCEBOT,
    SETTING_NAMES,
    assert_one_line_failure,
    financebot,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- help and settings -----------------------------------------------------------------------


async def test_help_lists_every_command_of_this_release() -> None:
    result = await financebot("--help")
    assert result.code == 0
    for command in ("serve", "demo", "migrate", "sync", "import", "flex", "cleanup", "group"):
        assert f"    {command} " in result.stdout, command
    imports = await financebot("import", "--help")
    assert "contracts or corrections" in imports.stdout
    cleanup = await financebot("cleanup", "--help")
    assert "{events,runs}" in cleanup.stdout and "--older-than" in cleanup.stdout


async def test_a_malformed_setting_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    result = await financebot(
        "migrate", DATABASE_URL=f"sqlite://{tmp_path / 'x.sqlite3'}", SLACK_APP_TOKEN="xoxb-1"
    )
    assert_one_line_failure(result, "SLACK_APP_TOKEN must start with xapp-")
    assert not (tmp_path / "x.sqlite3").exists()


# --- migrate ---------------------------------------------------------------------------------


def sqlite_tables(path: Path) -> tuple[set[str], int]:
    with sqlite3.connect(path) as conn:
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        applied = conn.execute("SELECT COUNT(*) FROM tortoise_migrations").fetchone()[0]
    return tables, int(applied)


async def test_migrate_twice_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite3"
    first = await financebot("migrate", DATABASE_URL=f"sqlite://{path}")
    assert (first.code, first.stdout.strip()) == (0, "database is at the current schema")
    tables, applied = sqlite_tables(path)
    assert {"person", "work_contract", "flex_correction", "audit_log", "event"} <= tables
    assert applied >= 1

    second = await financebot("migrate", DATABASE_URL=f"sqlite://{path}")
    assert second.code == 0, second.stderr
    assert sqlite_tables(path) == (tables, applied)


async def test_the_default_database_is_a_sqlite_file_in_the_working_directory(
    tmp_path: Path,
) -> None:
    result = await financebot("migrate", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert (tmp_path / "financebot.sqlite3").is_file()


@pytest.mark.skipif(
    TEST_DB != "postgres", reason="PostgreSQL runs with FINANCEBOT_TEST_DB=postgres"
)
async def test_migrate_twice_on_a_fresh_postgres_database() -> None:
    import asyncpg

    admin = PG_ADMIN_URL.replace("postgres://", "postgresql://", 1)
    name = f"financebot_cli_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
        counts = []
        for _ in range(2):
            result = await financebot("migrate", DATABASE_URL=url)
            assert result.code == 0, result.stderr
            db = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
            try:
                tables = {
                    row["tablename"]
                    for row in await db.fetch(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    )
                }
                counts.append(await db.fetchval("SELECT COUNT(*) FROM tortoise_migrations"))
            finally:
                await db.close()
            assert {"person", "work_contract", "flex_correction", "audit_log"} <= tables
        assert counts[0] == counts[1] >= 1
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def test_a_wrong_database_url_scheme_is_one_line() -> None:
    result = await financebot("migrate", DATABASE_URL="mysql://fb:hunter2@db.internal/finance")
    line = assert_one_line_failure(result, "DATABASE_URL must start with sqlite:// or postgres://")
    assert "hunter2" not in result.stderr + line


@pytest.mark.parametrize("command", [["migrate"], ["cleanup", "--type", "events"]])
async def test_an_unreachable_postgres_is_one_line_without_the_password(
    command: list[str],
) -> None:
    url = f"postgres://fb:hunter2@127.0.0.1:{free_port()}/finance"
    result = await financebot(*command, DATABASE_URL=url)
    assert_one_line_failure(result, "database 127.0.0.1:", "not usable")
    assert "hunter2" not in result.stderr + result.stdout


# --- import ------------------------------------------------------------------------------


async def people() -> None:
    await Person.create(tenkfeet_id=1, guid="g-1", first_name="Ada", email="ada@example.com")
    await Person.create(tenkfeet_id=2, guid="g-2", first_name="Bob", email="bob@example.com")


async def test_import_contracts_end_to_end(db: str, tmp_path: Path) -> None:
    await people()
    good = tmp_path / "good.csv"
    good.write_text(
        f"{CONTRACTS_HEADER}\n"
        "ada@example.com,2024-01-01,,100,true\n"
        "BOB@example.com,2024-02-01,2024-12-31,60,false\n"
    )

    first = await financebot("import", "contracts", str(good), DATABASE_URL=db)
    assert first.code == 0, first.stderr
    assert first.stdout.strip() == "contracts: 2 created, 0 updated, 0 unchanged"
    assert await WorkContract.all().count() == 2
    actors = {str(actor) for actor in await AuditLog.all().values_list("actor", flat=True)}
    assert len(actors) == 1 and actors.pop().startswith("import:good.csv (")

    again = await financebot("import", "contracts", str(good), DATABASE_URL=db)
    assert again.stdout.strip() == "contracts: 0 created, 0 updated, 2 unchanged"
    assert await AuditLog.all().count() == 2

    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"{CONTRACTS_HEADER}\n"
        "ada@example.com,2024-01-01,2024-06-30,100,true\n"
        "carol@example.com,2024-01-01,,100,true\n"
        "bob@example.com,2025-01-01,,120,true\n"
    )
    rejected = await financebot("import", "contracts", str(bad), DATABASE_URL=db)
    assert rejected.code == 1
    assert rejected.stderr_lines == [
        f"{bad}:3: unknown email 'carol@example.com': no person has that e-mail",
        f"{bad}:4: worktime_percent '120' must be a whole number from 1 to 100",
        f"financebot: 2 bad rows in {bad}; nothing imported",
    ]
    assert rejected.stdout == ""
    ada = await WorkContract.get(person__email="ada@example.com")
    assert ada.end_date is None  # line 2 was good, but nothing of a bad file is written
    assert await AuditLog.all().count() == 2


async def test_import_corrections_end_to_end(db: str, tmp_path: Path) -> None:
    await people()
    path = tmp_path / "corrections.csv"
    path.write_text(
        "email,date,adjust_by,set_to,note\nada@example.com,2024-01-01,,12.5,opening balance\n"
    )
    result = await financebot("import", "corrections", str(path), DATABASE_URL=db)
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == "corrections: 1 created, 0 updated, 0 unchanged"
    audit = await AuditLog.get()
    assert (audit.entity, audit.note) == ("flex_correction", "opening balance")


async def test_a_missing_or_unreadable_import_file_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'db.sqlite3'}"
    missing = await financebot("import", "contracts", str(tmp_path / "nope.csv"), DATABASE_URL=url)
    assert_one_line_failure(missing, "nope.csv: no such file")
    directory = await financebot("import", "corrections", str(tmp_path), DATABASE_URL=url)
    assert_one_line_failure(directory, "is a directory")


async def test_a_file_that_is_not_utf8_is_rejected_through_the_cli(db: str, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        f"{CONTRACTS_HEADER}\njös@example.com,2024-01-01,,100,true\n".encode("latin-1")
    )
    result = await financebot("import", "contracts", str(path), DATABASE_URL=db)
    assert result.code == 1
    assert len(result.stderr_lines) == 2
    assert result.stderr_lines[0].startswith(f"{path}:2: the file is not valid UTF-8 text")
    assert result.stderr_lines[1] == f"financebot: 1 bad row in {path}; nothing imported"


# --- cleanup ---------------------------------------------------------------------------------


async def test_cleanup_deletes_only_old_rows(db: str) -> None:
    now = dt.datetime.now(dt.UTC)
    old_event = await Event.create(kind="note", message="old")
    new_event = await Event.create(kind="note", message="new")
    await Event.filter(id=old_event.id).update(created_at=now - dt.timedelta(days=40))
    await Event.filter(id=new_event.id).update(created_at=now - dt.timedelta(days=20))
    old_run = await SyncRun.create(kind="hours", status="succeeded")
    stuck_run = await SyncRun.create(kind="users", status="running")
    new_run = await SyncRun.create(kind="projects", status="failed")
    for run, age in ((old_run, 40), (stuck_run, 40), (new_run, 20)):
        await SyncRun.filter(id=run.id).update(started_at=now - dt.timedelta(days=age))

    events = await financebot("cleanup", "--type", "events", "--older-than", "30", DATABASE_URL=db)
    assert events.code == 0, events.stderr
    assert events.stdout.strip() == "deleted 1 events older than 30 days"
    assert await Event.all().values_list("message", flat=True) == ["new"]
    assert await SyncRun.all().count() == 3

    runs = await financebot("cleanup", "--type", "runs", "--older-than", "30", DATABASE_URL=db)
    assert runs.stdout.strip() == "deleted 1 runs older than 30 days"
    assert set(await SyncRun.all().values_list("kind", flat=True)) == {"users", "projects"}

    everything = await financebot(
        "cleanup", "--type", "events", "--older-than", "0", DATABASE_URL=db
    )
    assert everything.stdout.strip() == "deleted 1 events older than 0 days"

    negative = await financebot("cleanup", "--type", "runs", "--older-than", "-1", DATABASE_URL=db)
    assert_one_line_failure(negative, "--older-than: '-1' must be a whole number of days 0-36500")


async def test_an_unusable_sqlite_path_is_one_line(tmp_path: Path) -> None:
    """A directory, or a missing folder, as the SQLite file: one line, no hang."""
    folder = tmp_path / "db.sqlite3"
    folder.mkdir()
    result = await financebot("cleanup", "--type", "events", DATABASE_URL=f"sqlite://{folder}")
    assert_one_line_failure(result, "is a directory")
    missing = tmp_path / "no" / "such" / "db.sqlite3"
    result = await financebot("migrate", DATABASE_URL=f"sqlite://{missing}")
    assert_one_line_failure(result, "does not exist")


async def test_a_reader_that_goes_away_ends_quietly(tmp_path: Path) -> None:
    """`financebot … | head`: a closed stdout is not an error worth a message."""
    assert FINANCEBOT
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written
    environment = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    environment["DATABASE_URL"] = f"sqlite://{tmp_path / 'db.sqlite3'}"
    process = await asyncio.create_subprocess_exec(
        FINANCEBOT, "migrate", stdout=write_end, stderr=asyncio.subprocess.PIPE, env=environment
    )
    os.close(write_end)
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert (process.returncode, err.decode()) == (0, "")


# --- read-only commands stay read-only ---------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["flex", "--all"],
        ["flex", "ada@example.com"],
        ["cleanup", "--type", "events"],
        ["sync", "users"],
    ],
)
async def test_a_missing_sqlite_file_is_not_created(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "financebot.sqlite3"
    result = await financebot(
        *command, DATABASE_URL=f"sqlite://{path}", TENKFEET_AUTH="t", TENKFEET_API_URL="http://x"
    )
    assert_one_line_failure(result, "does not exist: run `financebot migrate` first")
    assert not path.exists()


async def test_a_database_without_our_tables_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER)")
    result = await financebot("flex", "--all", DATABASE_URL=f"sqlite://{path}")
    assert_one_line_failure(result, "has no Finance Bot tables: run `financebot migrate` first")
    with sqlite3.connect(path) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master")]
    assert tables == ["notes"]


@pytest.mark.skipif(
    TEST_DB != "postgres", reason="PostgreSQL runs with FINANCEBOT_TEST_DB=postgres"
)
async def test_an_empty_postgres_database_gets_no_tables() -> None:
    import asyncpg

    name = f"financebot_empty_{uuid.uuid4().hex[:10]}"
    admin = PG_ADMIN_URL.replace("postgres://", "postgresql://", 1)
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        result = await financebot("flex", "--all", DATABASE_URL=url)
        assert_one_line_failure(result, "has no Finance Bot tables")
        empty = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        count = await empty.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        await empty.close()
        assert count == 0
    finally:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.close()


async def test_a_migrated_empty_database_says_what_to_run_next(db: str) -> None:
    everyone = await financebot("flex", "--all", DATABASE_URL=db)
    assert_one_line_failure(everyone, "no people in the database yet: run `financebot sync users`")
    one = await financebot("flex", "ada@example.com", DATABASE_URL=db)
    assert_one_line_failure(one, "no people in the database yet")
