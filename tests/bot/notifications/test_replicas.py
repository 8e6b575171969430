"""Three `serve` processes on one database send each scheduled message once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from bot.emulators.slack import SlackEmulator
from core.clock import company_today
from core.settings import load_settings
from models import JobClaim, Notification, SyncRun
from models.notifications.periods import reminder_period
from tests.support.flex_people import make_person
from tests.support.hour_reminders import entry, project
from tests.support.processes import kill_if_running, serve_env, start_serve

PEOPLE = 12
HOLD_SECONDS = 10
"""How long the first post is held (a 429's Retry-After): the claim stays taken that long."""


async def lines_until(stream: asyncio.StreamReader | None, marker: str, seconds: float) -> str:
    """Everything ``stream`` says up to and including the first line containing ``marker``."""
    assert stream is not None

    async def read() -> str:
        lines = []
        while line := (await stream.readline()).decode():
            lines.append(line)
            if marker in line:
                return "".join(lines)
        raise AssertionError(f"the stream ended without {marker!r}:\n{''.join(lines)}")

    return await asyncio.wait_for(read(), seconds)


async def test_three_replicas_race_for_the_weekly_reminder_and_one_sends_it(
    db: str, slack_emulator: SlackEmulator
) -> None:
    today = company_today(load_settings({}))
    period = reminder_period(today)
    apollo = await project("Apollo")
    for n in range(PEOPLE):
        someone = await make_person(f"Person{n}", "Replica", f"U0R{n:03d}")
        await entry(someone, period.last - timedelta(days=n % 5), "7.5", on=apollo)
    await SyncRun.create(kind="hours", status="succeeded")  # the hours are in
    env = serve_env(
        slack_emulator,
        db,
        NOTIFY_UNSUBMITTED_AT="00:00",  # this week's send time has passed: each catches up
        NOTIFY_SEND_RATE="1000",
        TIME_ZONE="Europe/Helsinki",
    )
    # The gate: no replica connects (nor starts its scheduler, whose catch-up runs at once)
    # before all three have started; then the first post is held, so the claim is still
    # taken while the others' catch-ups try for it.
    slack_emulator.refuse_socket_connects(10_000)
    slack_emulator.fail_once("chat.postMessage", status=429, retry_after=HOLD_SECONDS)
    replicas = [await start_serve(env) for _ in range(3)]

    def every_replica_up(_call: object) -> bool:  # each checks its token first
        return len(slack_emulator.calls_to("auth.test")) >= len(replicas)

    try:
        await slack_emulator.wait_for_call("auth.test", timeout=90, where=every_replica_up)
        slack_emulator.accept_socket_connects()
        logs = await asyncio.gather(
            *(lines_until(r.stderr, "notification catch-up done", 120) for r in replicas)
        )
    finally:
        for replica in replicas:
            await kill_if_running(replica)
    sent = [log for log in logs if f": {PEOPLE} sent" in log]
    held = [log for log in logs if "unsubmitted for " in log and ": already claimed" in log]
    assert len(sent) == 1 and len(held) == 2, logs
    posts = Counter(channel for channel, _ts in slack_emulator.messages)
    expected = {slack_emulator.conversation_id(f"U0R{n:03d}") for n in range(PEOPLE)}
    assert set(posts) == expected and set(posts.values()) == {1}
    assert await Notification.filter(type="unsubmitted", status="sent").count() == PEOPLE
    (claim,) = await JobClaim.filter(job="notify-unsubmitted")
    assert claim.finished_at is not None and claim.attempts == 1
