"""`financebot sync` as an operator runs it: a real process, settings from the environment."""

from __future__ import annotations

import asyncio
import os
import socket
from dataclasses import dataclass

from bot.emulators.tenkfeet import DEFAULT_TOKEN, TenkfeetEmulator
from models import AwsBillingMonth, HourEntry, LeaveType, Person, PublicHoliday, SyncRun
from tests.support.processes import start_cli
from tests.support.s3 import LEGACY_HEADER, LEGACY_KEY, S3Server, csv_bytes, legacy_row
from tests.support.s3 import s3_server as s3_server
from tests.support.sync_company import running_emulator

RANGE = ["--start-date", "2024-03-01", "--end-date", "2024-04-30"]


@dataclass
class Result:
    code: int
    out: str
    err: str


async def financebot(*args: str, **env: str) -> Result:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TENKFEET_", "SLACK_", "AWS_", "DATABASE_URL"))
    }
    environment.update(env)
    process = await start_cli(*args, env=environment)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return Result(process.returncode, out.decode(), err.decode())


def tenkfeet_env(db: str, emulator: TenkfeetEmulator, token: str = DEFAULT_TOKEN) -> dict[str, str]:
    return {"DATABASE_URL": db, "TENKFEET_API_URL": emulator.base_url, "TENKFEET_AUTH": token}


async def test_sync_users_then_hours(db: str) -> None:
    async with running_emulator() as emulator:
        env = tenkfeet_env(db, emulator)
        users = await financebot("sync", "users", **env)
        assert users.code == 0, users.err
        assert "users: added 4, updated 0, deleted 0, skipped 0" in users.out
        hours = await financebot("sync", "hours", *RANGE, **env)
        assert hours.code == 0, hours.err
        assert "hours 2024-03-01..2024-04-30: added 5," in hours.out
        again = await financebot("sync", "hours", *RANGE, **env)
        assert "added 0, updated 0, deleted 0, skipped 61" in again.out
    assert await Person.all().count() == 4
    assert await HourEntry.all().count() == 5
    assert await SyncRun.filter(kind="hours", status="succeeded").count() == 2


async def test_sync_hours_completes_with_an_invalid_entry_skipped(db: str) -> None:
    from bot.emulators.tenkfeet_data import time_entry
    from tests.support.sync_company import ACME_DEV, ALICE, DAY2

    async with running_emulator() as emulator:
        emulator.data.time_entries.add(time_entry(77, ALICE, ACME_DEV, DAY2, "2", task="t" * 300))
        env = tenkfeet_env(db, emulator)
        hours = await financebot("sync", "hours", *RANGE, **env)
    assert hours.code == 0, hours.err
    assert (
        "hours 2024-03-01..2024-04-30: added 5, updated 0, deleted 0, "
        "skipped 1 (1 invalid upstream, recorded as events)"
    ) in hours.out
    run = await SyncRun.get(kind="hours")
    assert (run.status, run.invalid) == ("succeeded", 1)
    assert await HourEntry.all().count() == 5


async def test_sync_all_runs_configured_kinds_and_notes_the_rest(db: str) -> None:
    async with running_emulator() as emulator:
        result = await financebot("sync", "all", *RANGE, **tenkfeet_env(db, emulator))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    kinds = [line.split(":")[0].split(" ")[0] for line in lines]
    assert kinds == [
        "users",
        "projects",
        "leave-types",
        "holidays",
        "hours",
        "slack-users",
        "slack-channels",
        "aws-billing",
    ]
    assert "slack-users: skipped (SLACK_BOT_TOKEN is not set)" in lines
    assert "aws-billing: skipped (AWS_BILLING_BUCKET is not set)" in lines
    assert await LeaveType.all().count() == 3
    assert await PublicHoliday.all().count() == 2
    assert await HourEntry.all().count() == 5


async def test_sync_all_without_anything_configured_notes_each_and_fails(db: str) -> None:
    result = await financebot("sync", "all", DATABASE_URL=db)
    assert result.code == 1, result.err
    assert "nothing to sync: set TENKFEET_AUTH" in result.err
    assert "users: skipped (TENKFEET_AUTH is not set)" in result.out
    assert "hours: skipped (TENKFEET_AUTH is not set)" in result.out
    assert await SyncRun.all().count() == 0


async def test_sync_all_ends_with_one_line_naming_the_syncs_that_failed(db: str) -> None:
    async with running_emulator() as emulator:
        result = await financebot("sync", "all", *RANGE, **tenkfeet_env(db, emulator, "wrong"))
    assert result.code == 1
    *each, last = result.err.strip().splitlines()
    kinds = ["users", "projects", "leave-types", "holidays", "hours"]
    assert [line.split(":")[0] for line in each] == kinds
    assert all("HTTP 401" in line for line in each)
    assert last == f"financebot: 5 of 5 syncs failed: {', '.join(kinds)}"


async def test_a_refused_token_exits_non_zero_naming_the_host_and_tenkfeet_auth(db: str) -> None:
    async with running_emulator() as emulator:
        result = await financebot("sync", "holidays", **tenkfeet_env(db, emulator, "wrong"))
        host = emulator.base_url.removeprefix("http://")
    assert result.code == 1
    assert result.err.strip().count("\n") == 0
    assert result.err.startswith("financebot: holidays sync failed: GET /api/v1/holidays")
    assert result.err.strip().endswith(
        f"HTTP 401: Invalid or missing auth token; 10000ft at {host} did not accept the token: "
        "check TENKFEET_AUTH"
    )
    run = await SyncRun.get(kind="holidays")
    assert run.status == "failed" and "HTTP 401" in run.error
    assert await PublicHoliday.all().count() == 0


async def test_a_closed_port_exits_non_zero_naming_the_host_and_tenkfeet_api_url(db: str) -> None:
    """Nothing listens there: the client retries with backoff (about 8 s), then one line."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"DATABASE_URL": db, "TENKFEET_API_URL": f"http://127.0.0.1:{port}"}
    result = await financebot("sync", "users", TENKFEET_AUTH="t", **env)
    assert result.code == 1
    assert result.err.strip().count("\n") == 0
    assert result.err.startswith("financebot: users sync failed: GET /api/v1/users")
    assert result.err.strip().endswith(
        f"cannot reach 10000ft at 127.0.0.1:{port}: check TENKFEET_API_URL"
    )
    run = await SyncRun.get(kind="users")
    assert run.status == "failed" and "TENKFEET_API_URL" in run.error
    assert await Person.all().count() == 0


async def test_missing_token_and_bad_range_are_refused(db: str) -> None:
    missing = await financebot("sync", "users", DATABASE_URL=db)
    assert missing.code == 1
    assert "TENKFEET_AUTH is not set" in missing.err
    backwards = await financebot(
        "sync",
        "hours",
        "--start-date",
        "2024-05-01",
        "--end-date",
        "2024-04-01",
        DATABASE_URL=db,
        TENKFEET_AUTH="x",
    )
    assert backwards.code == 1
    assert "before --start-date" in backwards.err
    assert await SyncRun.all().count() == 0


async def test_aws_billing_without_a_bucket_says_what_to_set(db: str) -> None:
    result = await financebot("sync", "aws-billing", DATABASE_URL=db)
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        "financebot: cannot sync aws-billing: AWS_BILLING_BUCKET is not set"
    ]
    assert await SyncRun.all().count() == 0


async def test_aws_billing_takes_dates_as_months_and_force_replaces_them(
    db: str, s3_server: S3Server
) -> None:
    """INTERFACE.md's `sync WHAT [--start-date] [--end-date] [--force]` holds for aws-billing:
    the dates name months; --force replaces a month whose files hash as before."""
    for month in (3, 4):
        start = f"2024/{month:02d}/01 00:00:00"
        rows = [legacy_row("111111111111", "AccountTotal", "5", start=start, end=start)]
        s3_server.put(LEGACY_KEY.format(year=2024, month=month), csv_bytes(LEGACY_HEADER, rows))
    env = {
        "DATABASE_URL": db, "AWS_BILLING_BUCKET": "billing", "AWS_BILLING_KEY": LEGACY_KEY,
        "AWS_ENDPOINT_URL": s3_server.endpoint, "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
    }  # fmt: skip
    dates = ["--start-date", "2024-03-15", "--end-date", "2024-04-02"]
    first = await financebot("sync", "aws-billing", *dates, **env)
    assert first.code == 0, first.err
    assert first.out.startswith("aws-billing 2024-03..2024-04: added 2, updated 0, deleted 0,")
    again = await financebot("sync", "aws-billing", *dates, **env)
    assert "added 0, updated 0, deleted 0, skipped 2" in again.out
    forced = await financebot("sync", "aws-billing", "--end-date", "2024-04-30", "--force", **env)
    assert forced.out.startswith("aws-billing 2024-04: added 1, updated 0, deleted 1, skipped 0")
    assert await AwsBillingMonth.all().count() == 2
    runs = await SyncRun.filter(kind="aws-billing").order_by("id")
    assert [r.forced for r in runs] == [False, False, True]

    both = await financebot("sync", "aws-billing", "--year", "2024", "--month", "3", *dates, **env)
    assert both.code == 1
    assert "aws-billing takes --year and --month or dates, not both" in both.err
