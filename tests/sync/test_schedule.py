"""The scheduler's sync jobs: which are registered, how often, and how a job body behaves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.emulators.tenkfeet import DEFAULT_TOKEN
from core.settings import Settings, SettingsError, SyncSchedule, load_settings
from models import JobClaim, PublicHoliday, SyncLock, SyncRun
from sync.schedule import (
    AT_START_JOB,
    CLAIMS_KEPT,
    register_sync_jobs,
    run_scheduled_sync,
    run_sync_job,
    sync_period,
)
from tests.support.sync_company import running_emulator


def test_jobs_for_configured_kinds_only() -> None:
    scheduler = AsyncIOScheduler()
    settings = Settings(tenkfeet_auth="token", sync_schedule=SyncSchedule(hours_minutes=5))
    register_sync_jobs(scheduler, settings)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert sorted(jobs) == [
        "sync-holidays",
        "sync-hours",
        "sync-leave-types",
        "sync-projects",
        "sync-users",
    ]
    assert jobs["sync-hours"].trigger.interval == timedelta(minutes=5)
    assert jobs["sync-users"].trigger.interval == timedelta(minutes=60)
    assert "hour='3'" in str(jobs["sync-holidays"].trigger)

    with_slack = AsyncIOScheduler()
    register_sync_jobs(with_slack, Settings(slack_bot_token="xoxb-1"))
    assert sorted(job.id for job in with_slack.get_jobs()) == [
        "sync-slack-channels",
        "sync-slack-users",
    ]

    with_aws = AsyncIOScheduler()
    register_sync_jobs(with_aws, Settings(aws_billing_bucket="bills", aws_billing_key="{year}"))
    [aws] = with_aws.get_jobs()
    assert aws.id == "sync-aws-billing"
    assert "hour='3'" in str(aws.trigger) and "minute='30'" in str(aws.trigger)


def test_malformed_schedule_settings_name_the_variable() -> None:
    with pytest.raises(SettingsError, match="SYNC_HOURS_INTERVAL_MINUTES"):
        load_settings({"SYNC_HOURS_INTERVAL_MINUTES": "often"})
    with pytest.raises(SettingsError, match="SYNC_DAILY_AT"):
        load_settings({"SYNC_DAILY_AT": "25:00"})
    schedule = load_settings({"SYNC_DAILY_AT": "4:05"}).sync_schedule
    assert (schedule.daily_hour, schedule.daily_minute) == (4, 5)


async def test_job_body_runs_a_sync_and_yields_to_a_running_one(db: str) -> None:
    async with running_emulator() as emulator:
        settings = Settings(tenkfeet_api_url=emulator.base_url, tenkfeet_auth=DEFAULT_TOKEN)
        await run_scheduled_sync("holidays", settings)
        assert await PublicHoliday.all().count() == 2

        now = datetime.now(UTC)
        await SyncLock.create(
            kind="holidays",
            holder="other replica",
            acquired_at=now,
            expires_at=now + timedelta(minutes=5),
        )
        await run_scheduled_sync("holidays", settings)  # quietly skipped
        await SyncLock.all().delete()

        await run_scheduled_sync(
            "users", Settings(tenkfeet_api_url=emulator.base_url, tenkfeet_auth="wrong")
        )  # logged, not raised
    statuses = sorted(await SyncRun.all().values_list("kind", "status"))
    assert statuses == [("holidays", "succeeded"), ("users", "failed")]


# --- once per period, whichever replica ------------------------------------------------------

HELSINKI = ZoneInfo("Europe/Helsinki")


def test_a_period_is_the_interval_holding_the_moment_or_the_day() -> None:
    settings = Settings(
        time_zone="Europe/Helsinki",
        sync_schedule=SyncSchedule(hours_minutes=15, reference_minutes=60),
    )
    moment = datetime(2026, 12, 1, 10, 29, 59, tzinfo=HELSINKI)  # 08:29:59 UTC
    assert sync_period("hours", settings, moment) == "2026-12-01T08:15Z"
    assert sync_period("hours", settings, moment + timedelta(seconds=1)) == "2026-12-01T08:30Z"
    assert sync_period("users", settings, moment) == "2026-12-01T08:00Z"
    assert sync_period("holidays", settings, moment) == "2026-12-01"
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # already the 2nd in Helsinki
    assert sync_period("slack-users", settings, late) == "2026-12-02"


def test_interval_jobs_fire_at_the_same_moments_wherever_they_start() -> None:
    """Replicas started at different times run each interval's sync at its start, together."""
    settings = Settings(tenkfeet_auth="token", sync_schedule=SyncSchedule(hours_minutes=15))
    fire_times = []
    for started in ("08:07:13", "08:14:59"):
        scheduler = AsyncIOScheduler()
        register_sync_jobs(scheduler, settings)
        trigger = scheduler.get_job("sync-hours").trigger
        now = datetime.fromisoformat(f"2026-12-01T{started}+00:00")
        first = trigger.get_next_fire_time(None, now)
        fire_times.append((first, trigger.get_next_fire_time(first, first)))
    expected = datetime(2026, 12, 1, 8, 15, tzinfo=UTC)
    assert fire_times == [(expected, expected + timedelta(minutes=15))] * 2


def test_the_hours_sync_at_start_is_a_job_of_its_own() -> None:
    """The interval job keeps its moments; the start-up run is a one-off beside it."""
    settings = Settings(tenkfeet_auth="token", time_zone="UTC")
    scheduler = AsyncIOScheduler()
    register_sync_jobs(scheduler, settings, hours_at_start=True)
    at_start = scheduler.get_job(AT_START_JOB)
    assert at_start is not None and at_start.name == "sync hours"
    assert at_start.args[0] == "hours"
    assert "date" in str(at_start.trigger)
    without = AsyncIOScheduler()
    register_sync_jobs(without, settings)
    assert without.get_job(AT_START_JOB) is None
    assert sorted(j.id for j in scheduler.get_jobs()) == sorted(
        [AT_START_JOB, *(j.id for j in without.get_jobs())]
    )


async def test_a_period_is_synced_by_its_first_claimer_only(db: str) -> None:
    async with running_emulator() as emulator:
        settings = Settings(tenkfeet_api_url=emulator.base_url, tenkfeet_auth=DEFAULT_TOKEN)
        await asyncio.gather(*(run_sync_job("holidays", settings) for _ in range(3)))
        await run_sync_job("holidays", settings)  # later in the same day: nothing
        runs = await SyncRun.filter(kind="holidays").values_list("status", flat=True)
        assert runs == ["succeeded"]
        (claim,) = await JobClaim.filter(job="sync-holidays")
        assert claim.finished_at is not None

        # A failed run gives its period back: the next job in it runs.
        broken = Settings(tenkfeet_api_url=emulator.base_url, tenkfeet_auth="wrong")
        await run_sync_job("users", broken)
        assert (await JobClaim.get(job="sync-users")).finished_at is None
        await run_sync_job("users", settings)
        assert await SyncRun.filter(kind="users").order_by("id").values_list(
            "status", flat=True
        ) == ["failed", "succeeded"]
        assert (await JobClaim.get(job="sync-users")).finished_at is not None


async def test_a_claim_the_database_cannot_take_logs_one_line_and_hands_over_to_the_retries(
    db: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """During an outage every replica's every job fails to claim: one warning line each (no
    traceback), and the job's body (its retries) still runs. Any other failure is a fault of
    the code: it is raised, and the period is not run unclaimed."""
    from sync import schedule

    async def unreachable(*args: object, **kwargs: object) -> bool:
        raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")

    bodies: list[str] = []

    async def body(kind: str) -> str:
        bodies.append(kind)
        return "failed"

    monkeypatch.setattr(schedule, "claim_job_run", unreachable)
    settings = Settings(tenkfeet_auth=DEFAULT_TOKEN)
    with caplog.at_level("WARNING", logger="sync.schedule"):
        await run_sync_job("holidays", settings, body=body)
    assert bodies == ["holidays"]
    (record,) = [r for r in caplog.records if r.name == "sync.schedule"]
    assert record.levelname == "WARNING" and record.exc_info is None
    assert "could not claim" in record.getMessage()
    assert "Connect call failed" in record.getMessage()

    async def broken(*args: object, **kwargs: object) -> bool:
        raise KeyError("a bug")

    monkeypatch.setattr(schedule, "claim_job_run", broken)
    with pytest.raises(KeyError):
        await run_sync_job("holidays", settings, body=body)
    assert bodies == ["holidays"]


async def test_a_period_held_by_a_running_sync_is_finished_not_run_again(db: str) -> None:
    now = datetime.now(UTC)
    await SyncLock.create(
        kind="holidays", holder="sync now", acquired_at=now, expires_at=now + timedelta(minutes=5)
    )
    async with running_emulator() as emulator:
        settings = Settings(tenkfeet_api_url=emulator.base_url, tenkfeet_auth=DEFAULT_TOKEN)
        await run_sync_job("holidays", settings)
    assert not await SyncRun.filter(kind="holidays").exists()
    (claim,) = await JobClaim.filter(job="sync-holidays")
    assert claim.finished_at is not None


async def test_old_claims_of_a_sync_job_are_forgotten(db: str) -> None:
    old = datetime.now(UTC) - CLAIMS_KEPT - timedelta(hours=1)
    await JobClaim.create(job="sync-holidays", period="2026-01-01", finished_at=old)
    await JobClaim.filter(period="2026-01-01").update(claimed_at=old)
    await JobClaim.create(job="notify-unsubmitted", period="2026-W01")
    await JobClaim.filter(period="2026-W01").update(claimed_at=old)
    async with running_emulator() as emulator:
        settings = Settings(tenkfeet_api_url=emulator.base_url, tenkfeet_auth=DEFAULT_TOKEN)
        await run_sync_job("holidays", settings)
    periods = sorted(await JobClaim.all().values_list("job", "period"))
    assert periods == [
        ("notify-unsubmitted", "2026-W01"),
        ("sync-holidays", sync_period("holidays", settings, datetime.now(UTC))),
    ]
