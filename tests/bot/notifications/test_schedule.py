"""The scheduled notification jobs: when they run, and that one replica sends the month."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.emulators.slack import SlackEmulator
from bot.notifications.schedule import CHANGES_JOB, REVIEW_JOB, run_review_requests
from bot.scheduler import build_scheduler
from core.settings import load_settings
from models import JobClaim, Notification
from tests.conftest import bot_settings_for
from tests.support.invoice_review import review_company

HELSINKI = ZoneInfo("Europe/Helsinki")


def test_review_requests_run_on_the_2nd_at_nine_in_the_company_time_zone() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "TIME_ZONE": "Europe/Helsinki"})
    scheduler = build_scheduler(settings)
    job = scheduler.get_job(REVIEW_JOB)
    assert job is not None
    after = datetime(2026, 11, 30, 12, 0, tzinfo=HELSINKI)
    assert job.trigger.get_next_fire_time(None, after) == datetime(
        2026, 12, 2, 9, 0, tzinfo=HELSINKI
    )
    on_the_day = datetime(2026, 12, 2, 8, 59, tzinfo=HELSINKI)
    assert job.trigger.get_next_fire_time(None, on_the_day) == datetime(
        2026, 12, 2, 9, 0, tzinfo=HELSINKI
    )
    changes = scheduler.get_job(CHANGES_JOB)
    assert changes is not None and changes.trigger.interval.total_seconds() == 15 * 60


def test_without_a_bot_token_no_notification_is_scheduled() -> None:
    scheduler = build_scheduler(load_settings({}))
    assert scheduler.get_job(REVIEW_JOB) is None and scheduler.get_job(CHANGES_JOB) is None


async def test_of_several_replicas_one_sends_the_month(
    db: str, slack_emulator: SlackEmulator
) -> None:
    await review_company()
    settings = bot_settings_for(slack_emulator, db)
    ran = await asyncio.gather(*(run_review_requests(settings, date(2025, 4, 2)) for _ in range(3)))
    assert sorted(ran) == [False, False, True]
    (claim,) = await JobClaim.all()
    assert (claim.job, claim.period) == (REVIEW_JOB, "2025-03")
    assert len(slack_emulator.calls_to("chat.postMessage")) == 1
    assert await Notification.filter(status="sent").count() == 1
    # January's run reviews December of the year before.
    assert await run_review_requests(settings, date(2026, 1, 2))
    assert await JobClaim.filter(period="2025-12").exists()
