"""The scheduler's sync jobs: which are registered, how often, and how a job body behaves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.emulators.tenkfeet import DEFAULT_TOKEN
from core.settings import Settings, SettingsError, SyncSchedule, load_settings
from models import PublicHoliday, SyncLock, SyncRun
from sync.schedule import register_sync_jobs, run_scheduled_sync
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
