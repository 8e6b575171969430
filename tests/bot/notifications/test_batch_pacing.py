"""Pacing a batch per conversation: the copies for the notifications admins, all in one
conversation, go at the per-conversation rate without holding up the DMs."""

from __future__ import annotations

import asyncio
from collections import Counter

from bot.emulators.slack import SlackEmulator
from bot.notifications.batch import (
    CONVERSATION_BURST,
    Batch,
    Outgoing,
    copies_for_admins,
    in_order_of_readiness,
    send_batch,
)
from models.notifications.recipients import Conversation
from sync.slack_client import build_notification_client
from sync.slack_delivery import Notice, SlackMessage
from tests.conftest import bot_settings_for

ADMIN = "U0NOTEADMIN"


def dm(user: str) -> Outgoing:
    message = SlackMessage(text=f"Hello {user}")
    notice = Notice("unsubmitted", "2026-W49", Conversation((user,)), message, summary=user)
    return Outgoing(notice, user)


def with_copies(people: list[str]) -> tuple[Outgoing, ...]:
    """A DM to each of ``people``, each followed by its copy for ADMIN (as planners build)."""
    messages: list[Outgoing] = []
    for user in people:
        original = dm(user)
        messages += [original, *copies_for_admins(original, [ADMIN], user)]
    return tuple(messages)


async def test_held_back_copies_let_the_dms_go_first_then_follow_at_the_rate() -> None:
    messages = with_copies([f"U0P{n:03d}" for n in range(8)])  # DMs even, copies odd
    loop = asyncio.get_running_loop()
    order: list[int] = []
    copy_times: list[float] = []
    async for index in in_order_of_readiness(messages, conversation_rate=10):
        order.append(index)
        if index % 2:
            copy_times.append(loop.time())
    # The admin's conversation takes a burst of 3, then every DM goes before the 4th copy.
    assert CONVERSATION_BURST == 3
    assert order == [0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 7, 9, 11, 13, 15]
    # 10 a second after the burst: the k-th copy (from 0) no sooner than (k - 2) / 10 s after
    # the first.
    for k in range(CONVERSATION_BURST, len(copy_times)):
        assert copy_times[k] - copy_times[0] >= (k - CONVERSATION_BURST + 1) / 10 - 0.005


async def test_copies_reach_the_admin_at_the_conversation_rate(
    db: str, slack_emulator: SlackEmulator
) -> None:
    people = [f"U0P{n:03d}" for n in range(6)]
    client = build_notification_client(bot_settings_for(slack_emulator, db))
    batch = Batch("unsubmitted", "2026-W49", with_copies(people))
    report = await send_batch(client, batch, send_rate=1000, conversation_rate=4)
    # The report keeps the batch's order, whatever order the messages went in.
    assert [outcome.outgoing for outcome in report.outcomes] == list(batch.messages)
    assert {outcome.status for outcome in report.outcomes} == {"sent"}
    admin_channel = slack_emulator.conversation_id(ADMIN)
    posts = [
        (call.at, str(call.args["channel"])) for call in slack_emulator.calls_to("chat.postMessage")
    ]
    assert Counter(channel for _, channel in posts) == {
        **{slack_emulator.conversation_id(user): 1 for user in people},
        admin_channel: len(people),
    }
    to_admin = [at for at, channel in posts if channel == admin_channel]
    to_people = [at for at, channel in posts if channel != admin_channel]
    # A burst of 3, then 4 a second: the k-th copy (from 0) no sooner than (k - 2) / 4 s after
    # the first. These are arrival times: a loaded machine can delay one request by tens of
    # milliseconds more than the next (the in-process pacing test above times the sending
    # itself), so allow 0.1 s; without pacing all six arrive within a few milliseconds.
    assert len(to_admin) == 6
    for k in range(CONVERSATION_BURST, len(to_admin)):
        assert to_admin[k] - to_admin[0] >= (k - CONVERSATION_BURST + 1) / 4 - 0.1, to_admin
    assert max(to_people) < max(to_admin)  # the DMs were through before the copies
