"""The scheduled notification jobs: when they run, and that one replica sends the month."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent

from bot.emulators.slack import SlackEmulator
from bot.notifications import registry
from bot.notifications.batch import Batch, Outgoing
from bot.notifications.registry import KINDS
from bot.notifications.schedule import (
    CATCH_UP_JOB,
    CHANGES_JOB,
    REVIEW_JOB,
    RUN_ATTEMPTS,
    catch_up,
    due_kinds,
    run_notification_kind,
    run_review_requests,
)
from bot.scheduler import build_scheduler
from core.clock import company_today
from core.settings import Settings, load_settings
from models import JobClaim, Notification, SyncRun
from models.notifications.periods import reminder_period
from models.notifications.recipients import Conversation
from sync.slack_delivery import Notice, SlackMessage
from tests.conftest import bot_settings_for
from tests.support.flex_people import make_person
from tests.support.hour_reminders import entry, project
from tests.support.invoice_review import review_company


async def hours_synced() -> None:
    """What a completed hours sync leaves: scheduled runs may claim their periods."""
    await SyncRun.create(kind="hours", status="succeeded")


def posted_to(emulator: SlackEmulator) -> Counter[str]:
    return Counter(channel for channel, _ts in emulator.messages)


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
    await hours_synced()
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


def _fake_planners(  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    *kinds: str,
    calls: list[str] | None = None,
    users: tuple[str, ...] = ("U0SOMEONE",),
):
    """Registers planners for ``kinds`` that plan one DM to each of ``users`` (and count
    their runs)."""

    def planner_for(kind: str):  # type: ignore[no-untyped-def]
        async def planner(settings: Settings, today: date, *, run: object = None) -> Batch:
            if calls is not None:
                calls.append(kind)
            message = SlackMessage(text=f"{kind} for you")
            period = KINDS[kind].period(today)
            return Batch(
                kind,
                period,
                tuple(
                    Outgoing(Notice(kind, period, Conversation((user,)), message, kind), user)
                    for user in users
                ),
            )

        return planner

    monkeypatch.setattr(registry, "PLANNERS", {kind: planner_for(kind) for kind in kinds})


def test_every_kind_is_a_cron_job_on_its_day_at_its_time(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_planners(monkeypatch, *(kind for kind in KINDS if kind != "invoices"))
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "TIME_ZONE": "Europe/Helsinki",
            "NOTIFY_CONTRACTS_AT": "07:15",
        }
    )
    scheduler = build_scheduler(settings)
    after = datetime(2026, 11, 30, 12, 0, tzinfo=HELSINKI)  # a Monday
    expected = {
        "notify-unsubmitted": datetime(2026, 12, 7, 10, 0, tzinfo=HELSINKI),
        "notify-unapproved": datetime(2026, 12, 1, 10, 0, tzinfo=HELSINKI),
        "notify-flex-saldo": datetime(2026, 12, 2, 10, 0, tzinfo=HELSINKI),  # 1st Wednesday
        "notify-manager-digest": datetime(2026, 12, 7, 9, 0, tzinfo=HELSINKI),
        "notify-contracts": datetime(2026, 12, 7, 7, 15, tzinfo=HELSINKI),
        "notify-invoices": datetime(2026, 12, 2, 9, 0, tzinfo=HELSINKI),
    }
    for job_id, when in expected.items():
        job = scheduler.get_job(job_id)
        assert job is not None, job_id
        assert job.trigger.get_next_fire_time(None, after) == when, job_id
        assert (job.coalesce, job.max_instances) == (True, 1)
    flex = scheduler.get_job("notify-flex-saldo")
    assert flex is not None
    january = datetime(2026, 12, 3, 0, 0, tzinfo=HELSINKI)
    assert flex.trigger.get_next_fire_time(None, january) == datetime(
        2027, 1, 6, 10, 0, tzinfo=HELSINKI
    )
    assert scheduler.get_job(CATCH_UP_JOB) is not None


def test_a_kind_is_due_once_its_time_in_the_period_has_passed() -> None:
    settings = load_settings({"TIME_ZONE": "Europe/Helsinki"})
    monday_half_past_nine = datetime(2026, 11, 30, 9, 30, tzinfo=HELSINKI)
    due = {kind.name for kind in due_kinds(KINDS.values(), settings, monday_half_past_nine)}
    # The flex message's first Wednesday (11-04) and the invoices' 2nd have passed this month.
    assert due == {"contracts", "manager-digest", "flex-saldo", "invoices"}
    thursday = datetime(2026, 12, 3, 12, 0, tzinfo=HELSINKI)
    due = {kind.name for kind in due_kinds(KINDS.values(), settings, thursday)}
    assert due == set(KINDS)
    tuesday_first = datetime(2026, 12, 1, 12, 0, tzinfo=HELSINKI)  # before the 2nd and 1st Wed
    due = {kind.name for kind in due_kinds(KINDS.values(), settings, tuesday_first)}
    assert due == {"unsubmitted", "unapproved", "manager-digest", "contracts"}


async def test_a_missed_run_is_made_up_for_once(
    db: str, slack_emulator: SlackEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    _fake_planners(monkeypatch, "contracts", calls=calls)
    settings = bot_settings_for(slack_emulator, db, NOTIFY_CONTRACTS_AT="00:00")
    await hours_synced()
    assert await catch_up(settings) == ["contracts"]  # Monday 00:00 of this week has passed
    assert await catch_up(settings) == []
    assert calls == ["contracts"]
    assert len(slack_emulator.calls_to("chat.postMessage")) == 1
    (claim,) = await JobClaim.all()
    assert claim.job == "notify-contracts" and claim.finished_at is not None


async def test_a_run_that_died_is_taken_over_when_its_claim_lapses(
    db: str, slack_emulator: SlackEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    _fake_planners(monkeypatch, "contracts", calls=calls)
    settings = bot_settings_for(slack_emulator, db, NOTIFY_CONTRACTS_AT="00:00")
    await hours_synced()
    period = KINDS["contracts"].period(company_today(settings))
    in_an_hour = datetime.now(HELSINKI) + timedelta(hours=1)
    # What a replica that died half-way through the run leaves behind: its claim, unfinished.
    await JobClaim.create(
        job="notify-contracts", period=period, holder="gone", expires_at=in_an_hour
    )
    assert await catch_up(settings) == ["contracts"]  # due and unfinished: tried, but held
    assert calls == [] and slack_emulator.messages == {}
    await JobClaim.all().update(expires_at=datetime(2026, 1, 1, tzinfo=HELSINKI))
    assert await catch_up(settings) == ["contracts"]  # lapsed: taken over
    assert calls == ["contracts"] and len(slack_emulator.messages) == 1
    assert await catch_up(settings) == []
    claim = await JobClaim.get(job="notify-contracts")
    assert claim.finished_at is not None and claim.holder != "gone"


async def test_a_message_a_dead_run_had_in_flight_keeps_the_period_open_until_it_is_looked_up(
    db: str, slack_emulator: SlackEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_planners(monkeypatch, "contracts", users=("U0ANNA", "U0BEN"))
    settings = bot_settings_for(
        slack_emulator, db, NOTIFY_CONTRACTS_AT="00:00", NOTIFY_CLAIM_MINUTES="30"
    )
    await hours_synced()
    period = KINDS["contracts"].period(company_today(settings))
    # A run that died (its claim lapsed) right after claiming Anna's message, before posting it.
    lapsed = datetime.now(UTC) - timedelta(seconds=1)
    await JobClaim.create(job="notify-contracts", period=period, holder="gone", expires_at=lapsed)
    anna = await Notification.create(
        type="contracts", period=period, recipient="U0ANNA", subject="", status="sending"
    )
    assert await catch_up(settings) == ["contracts"]  # takes over: Ben's goes out
    ben_dm = slack_emulator.conversation_id("U0BEN")
    assert posted_to(slack_emulator) == {ben_dm: 1}
    claim = await JobClaim.get(job="notify-contracts")
    # Anna's is not counted as sent: the period stays open until her row's lease has passed.
    assert claim.finished_at is None
    assert claim.expires_at == anna.sent_at + timedelta(minutes=30)
    assert await catch_up(settings) == ["contracts"]  # held until then
    assert posted_to(slack_emulator) == {ben_dm: 1}
    # Once it has passed, the next run finds the message not posted, and posts it.
    past = datetime.now(UTC) - timedelta(minutes=31)
    await Notification.filter(id=anna.id).update(sent_at=past)
    await JobClaim.all().update(expires_at=lapsed)
    assert await catch_up(settings) == ["contracts"]
    anna_dm = slack_emulator.conversation_id("U0ANNA")
    assert posted_to(slack_emulator) == {anna_dm: 1, ben_dm: 1}
    assert await JobClaim.filter(finished_at__isnull=False).count() == 1
    assert await catch_up(settings) == []


async def test_a_failed_recipient_is_tried_again_by_the_catch_up(
    db: str, slack_emulator: SlackEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_planners(monkeypatch, "contracts", users=("U0ANNA", "U0BEN"))
    settings = bot_settings_for(slack_emulator, db, NOTIFY_CONTRACTS_AT="00:00")
    await hours_synced()
    slack_emulator.fail_once("chat.postMessage", status=200, error="fatal_error")  # Anna's
    assert await catch_up(settings) == ["contracts"]
    anna, ben = (slack_emulator.conversation_id(user) for user in ("U0ANNA", "U0BEN"))
    assert posted_to(slack_emulator) == {ben: 1}
    claim = await JobClaim.get(job="notify-contracts")
    assert claim.finished_at is None and claim.attempts == 1  # left open for the catch-up
    assert await catch_up(settings) == ["contracts"]  # the next one, at once: Anna only
    assert posted_to(slack_emulator) == {anna: 1, ben: 1}
    claim = await JobClaim.get(job="notify-contracts")
    assert claim.finished_at is not None and claim.attempts == 2
    assert await catch_up(settings) == []
    assert posted_to(slack_emulator) == {anna: 1, ben: 1}


async def test_a_recipient_failing_every_attempt_stays_failed_and_is_logged(
    db: str,
    slack_emulator: SlackEmulator,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _fake_planners(monkeypatch, "contracts", users=("U0ANNA", "U0BEN"))
    settings = bot_settings_for(slack_emulator, db, NOTIFY_CONTRACTS_AT="00:00")
    await hours_synced()
    for attempt in range(RUN_ATTEMPTS):  # Anna's post on every run (Ben's, the 2nd, goes)
        after = 1 if attempt == 1 else 0
        slack_emulator.fail_once(
            "chat.postMessage", status=200, error="account_inactive", after=after
        )
    with caplog.at_level(logging.WARNING, logger="bot.notifications.schedule"):
        for _ in range(RUN_ATTEMPTS):
            assert await catch_up(settings) == ["contracts"]
        assert await catch_up(settings) == []  # the period is closed
    claim = await JobClaim.get(job="notify-contracts")
    assert claim.finished_at is not None and claim.attempts == RUN_ATTEMPTS
    row = await Notification.get(recipient="U0ANNA")
    assert (row.status, row.error) == ("failed", "account_inactive")
    ben = slack_emulator.conversation_id("U0BEN")
    assert posted_to(slack_emulator) == {ben: 1}  # Ben's went out once, on the first run
    retries = [r.message for r in caplog.records if "the next catch-up tries again" in r.message]
    assert len(retries) == RUN_ATTEMPTS - 1
    (gave_up,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert gave_up.getMessage().startswith("contracts ") and "1 not sent after 4 attempts" in (
        gave_up.getMessage()
    )


async def test_nothing_is_claimed_before_an_hours_sync_has_completed(
    db: str, slack_emulator: SlackEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    _fake_planners(monkeypatch, "contracts", calls=calls)
    settings = bot_settings_for(slack_emulator, db, NOTIFY_CONTRACTS_AT="00:00")
    assert await catch_up(settings) == []
    assert await run_notification_kind(settings, "contracts") is None  # the cron job's run
    await SyncRun.create(kind="hours", status="running")  # `serve`'s start-up sync
    assert await catch_up(settings) == []
    await SyncRun.create(kind="hours", status="failed", error="boom")
    assert await catch_up(settings) == []
    assert calls == [] and not await JobClaim.exists() and slack_emulator.messages == {}
    await SyncRun.filter(status="running").update(status="succeeded")
    assert await catch_up(settings) == ["contracts"]
    assert calls == ["contracts"] and len(slack_emulator.messages) == 1


async def test_serve_sends_the_weeks_reminders_once_its_start_up_sync_has_completed(
    db: str, slack_emulator: SlackEmulator
) -> None:
    settings = bot_settings_for(
        slack_emulator,
        db,
        NOTIFY_UNSUBMITTED_AT="00:00",  # this week's send time has passed
        TENKFEET_AUTH="a-token",  # so the hours sync is scheduled, with its follow-up
        TIME_ZONE="Europe/Helsinki",
    )
    period = reminder_period(company_today(settings))
    apollo = await project("Apollo")
    people = ("U0ANNA", "U0BEN", "U0CARL")
    for n, slack_id in enumerate(people):
        someone = await make_person(f"Person{n}", "Waiting", slack_id)
        await entry(someone, period.last - timedelta(days=n), "7.5", on=apollo)
    scheduler = build_scheduler(settings)
    ran: asyncio.Queue[str] = asyncio.Queue()

    def on_job(event: JobExecutionEvent) -> None:
        ran.put_nowait(event.job_id)

    async def next_run_of(job_id: str) -> None:
        while await asyncio.wait_for(ran.get(), 60) != job_id:
            pass

    scheduler.add_listener(on_job, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    start_up_sync = await SyncRun.create(kind="hours", status="running")  # `serve` started it
    scheduler.start()
    try:
        await next_run_of(CATCH_UP_JOB)  # at once, at start
        assert not await JobClaim.exists() and slack_emulator.messages == {}
        start_up_sync.status = "succeeded"
        await start_up_sync.save()
        assert scheduler.get_job("sync-hours") is not None
        assert scheduler.sync_retries is not None and scheduler.sync_retries.after is not None
        follow_up = scheduler.sync_retries.after  # what the sync job runs after a finished run
        lines = await follow_up("hours", settings)
        assert "notifications waiting for the hours: catch-up started" in lines
        await next_run_of(CATCH_UP_JOB)
    finally:
        await scheduler.stop(5)
    dms = {slack_emulator.conversation_id(slack_id) for slack_id in people}
    assert {channel: n for channel, n in posted_to(slack_emulator).items() if channel in dms} == {
        channel: 1 for channel in dms
    }
    claim = await JobClaim.get(job="notify-unsubmitted")
    assert claim.finished_at is not None
    # The week has been tried: a later hours sync leaves the catch-up to its interval.
    assert "notifications waiting for the hours: catch-up started" not in await follow_up(
        "hours", settings
    )
