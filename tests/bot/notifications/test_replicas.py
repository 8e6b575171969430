"""Three `serve` processes on one database send each scheduled message once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from bot.emulators.slack import SlackEmulator
from core.clock import company_today
from core.settings import load_settings
from models import JobClaim, Notification
from models.notifications.periods import reminder_period
from tests.support.flex_people import make_person
from tests.support.hour_reminders import entry, project
from tests.support.processes import first_line, kill_if_running, serve_env, start_serve

PEOPLE = 12


async def test_three_replicas_send_the_weekly_reminder_once(
    db: str, slack_emulator: SlackEmulator
) -> None:
    today = company_today(load_settings({}))
    period = reminder_period(today)
    apollo = await project("Apollo")
    for n in range(PEOPLE):
        someone = await make_person(f"Person{n}", "Replica", f"U0R{n:03d}")
        await entry(someone, period.last - timedelta(days=n % 5), "7.5", on=apollo)
    env = serve_env(
        slack_emulator,
        db,
        NOTIFY_UNSUBMITTED_AT="00:00",  # this week's send time has passed: each catches up
        NOTIFY_SEND_RATE="1000",
        TIME_ZONE="Europe/Helsinki",
    )
    replicas = [await start_serve(env) for _ in range(3)]
    try:
        # Each replica's catch-up ends with one line, after sending or after finding the
        # period taken (the sender logs it only once its batch is through).
        done = await asyncio.gather(
            *(first_line(r.stderr, "notification catch-up done", 120) for r in replicas)
        )
    finally:
        for replica in replicas:
            await kill_if_running(replica)
    posts = Counter(
        str(call.args["channel"]) for call in slack_emulator.calls_to("chat.postMessage")
    )
    expected = {slack_emulator.conversation_id(f"U0R{n:03d}") for n in range(PEOPLE)}
    assert set(posts) == expected and set(posts.values()) == {1}
    assert await Notification.filter(type="unsubmitted", status="sent").count() == PEOPLE
    claims = await JobClaim.filter(job="notify-unsubmitted")
    assert len(claims) == 1 and claims[0].finished_at is not None
    assert sum("unsubmitted" in line for line in done) >= 1, done
