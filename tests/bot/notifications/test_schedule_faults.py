"""A `serve` replica killed (SIGKILL, its whole process group) in the middle of a weekly
reminder batch, one post made by Slack but its answer never back: the next replica takes the
period over once the dead run's claim lapses (the catch-up comes back for it then), looks the
post in doubt up in Slack instead of posting it again, and sends the rest: each person gets
the reminder exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from bot.emulators.slack import SlackEmulator
from core.clock import company_today
from core.settings import load_settings
from models import JobClaim, Notification, SyncRun
from models.notifications.periods import reminder_period
from tests.support.faults import Replica
from tests.support.flex_people import make_person
from tests.support.hour_reminders import entry, project
from tests.support.processes import serve_env

PEOPLE = 12
POSTS_BEFORE_THE_KILL = 5


async def test_a_replica_killed_mid_batch_is_taken_over_without_doubles_or_gaps(
    db: str, slack_emulator: SlackEmulator
) -> None:
    period = reminder_period(company_today(load_settings({})))
    apollo = await project("Apollo")
    people = [f"U0K{n:03d}" for n in range(PEOPLE)]
    for n, slack_id in enumerate(people):
        someone = await make_person(f"Person{n}", "Killed", slack_id)
        await entry(someone, period.last - timedelta(days=n % 5), "7.5", on=apollo)
    await SyncRun.create(kind="hours", status="succeeded")  # the hours are in
    env = serve_env(
        slack_emulator,
        db,
        NOTIFY_UNSUBMITTED_AT="00:00",  # this week's send time has passed: the start catches up
        NOTIFY_SEND_RATE="1000",
        NOTIFY_CLAIM_MINUTES="1",  # the shortest claim: the next replica waits for it to lapse
    )
    # The sixth post is made, but the replica dies before Slack's answer reaches it.
    held = slack_emulator.hold_call("chat.postMessage", after=POSTS_BEFORE_THE_KILL)
    async with await Replica.start(env) as first:
        await first.web_url()
        await slack_emulator.wait_for_call("chat.postMessage", timeout=60)
        await asyncio.wait_for(held.reached.wait(), 60)
        await first.killed()
    held.release()
    statuses = Counter(
        await Notification.filter(type="unsubmitted").values_list("status", flat=True)
    )
    assert statuses == {"sent": POSTS_BEFORE_THE_KILL, "sending": 1}
    (claim,) = await JobClaim.filter(job="notify-unsubmitted")
    assert claim.finished_at is None and claim.expires_at is not None
    lapse = claim.expires_at

    async with await Replica.start(env) as second:
        await second.wait_for_line("unsubmitted for", 90)  # its start-up catch-up: held
        assert ": already claimed" in second.log
        done = await second.wait_for_line(f"unsubmitted {claim.period}: ", 180)
        await second.stop()
    assert "already sent" in done or "sent" in done
    posts = Counter(channel for channel, _ts in slack_emulator.messages)
    assert posts == {slack_emulator.conversation_id(slack_id): 1 for slack_id in people}
    rows = await Notification.filter(type="unsubmitted").values_list("recipient", "status")
    assert sorted(rows) == sorted((slack_id, "sent") for slack_id in people)
    # The post in doubt was looked up in Slack, not made again.
    assert slack_emulator.calls_to("conversations.history")
    assert len(slack_emulator.calls_to("chat.postMessage")) == PEOPLE
    claim = await JobClaim.get(job="notify-unsubmitted")
    assert claim.finished_at is not None and claim.claimed_at >= lapse
    assert claim.attempts >= 2
