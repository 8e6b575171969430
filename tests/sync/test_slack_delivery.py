"""Delivering a notification through the Slack emulator: claimed, sent once, failures recorded."""

from __future__ import annotations

import asyncio

from bot.emulators.slack import SlackEmulator
from models import Notification
from models.notifications.recipients import Conversation
from sync.slack_client import build_web_client
from sync.slack_delivery import Notice, SlackMessage, deliver, update_message
from tests.conftest import bot_settings_for

MESSAGE = SlackMessage(
    text="Invoice ready for review: Apollo 2025-03",
    blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*Apollo*"}}],
)


def notice(*users: str, subject: str = "inv-1") -> Notice:
    return Notice("invoice-review", "2025-03", Conversation(users), MESSAGE, "Apollo", subject)


async def test_a_group_dm_is_opened_posted_to_and_recorded(
    db: str, slack_emulator: SlackEmulator
) -> None:
    client = build_web_client(bot_settings_for(slack_emulator, db))
    delivery = await deliver(client, notice("U2", "U1"))
    group = slack_emulator.conversation_id("U1", "U2")
    assert (delivery.status, delivery.channel) == ("sent", group)
    (opened,) = slack_emulator.calls_to("conversations.open")
    assert opened.args["users"] == "U1,U2"
    (posted,) = slack_emulator.calls_to("chat.postMessage")
    assert posted.args["channel"] == group and posted.args["text"] == MESSAGE.text
    assert slack_emulator.messages[(group, delivery.ts)]["blocks"] == MESSAGE.blocks
    row = await Notification.get()
    assert (row.recipient, row.subject, row.status, row.channel, row.message_ts) == (
        "U1,U2",
        "inv-1",
        "sent",
        group,
        delivery.ts,
    )
    # Once: a second run (or replica) sends nothing, a forced one sends again.
    assert (await deliver(client, notice("U1", "U2"))).status == "already sent"
    assert (await deliver(client, notice("U1", "U2"), force=True)).status == "sent"
    assert len(slack_emulator.calls_to("chat.postMessage")) == 2
    assert slack_emulator.violations == []


async def test_replicas_sending_at_once_send_once(db: str, slack_emulator: SlackEmulator) -> None:
    client = build_web_client(bot_settings_for(slack_emulator, db))
    deliveries = await asyncio.gather(*(deliver(client, notice("U1")) for _ in range(5)))
    assert sorted(d.status for d in deliveries) == ["already sent"] * 4 + ["sent"]
    assert len(slack_emulator.calls_to("chat.postMessage")) == 1


async def test_a_slack_error_is_recorded_and_tried_again_next_time(
    db: str, slack_emulator: SlackEmulator
) -> None:
    client = build_web_client(bot_settings_for(slack_emulator, db))
    slack_emulator.fail_once("chat.postMessage", status=200, error="is_archived")
    failed = await deliver(client, notice("U1"))
    assert (failed.status, failed.error) == ("failed", "is_archived")
    row = await Notification.get()
    assert (row.status, row.error, row.message_ts) == ("failed", "is_archived", "")
    # Another message of the batch is not held up by it.
    assert (await deliver(client, notice("U2", subject="inv-2"))).status == "sent"
    retried = await deliver(client, notice("U1"))
    assert retried.status == "sent"
    assert (await Notification.get(id=row.id)).status == "sent"


async def test_an_unreachable_slack_is_a_failure_not_a_crash(
    db: str, slack_emulator: SlackEmulator
) -> None:
    settings = bot_settings_for(slack_emulator, db, SLACK_API_URL="http://127.0.0.1:9/api/")
    delivery = await deliver(build_web_client(settings), notice("U1"))
    assert delivery.status == "failed" and delivery.error
    assert (await Notification.get()).status == "failed"


async def test_a_posted_message_is_updated_in_place(db: str, slack_emulator: SlackEmulator) -> None:
    client = build_web_client(bot_settings_for(slack_emulator, db))
    sent = await deliver(client, notice("U1"))
    new = SlackMessage(text="Approved", blocks=[])
    assert await update_message(client, sent.channel, sent.ts, new) is None
    assert slack_emulator.messages[(sent.channel, sent.ts)]["text"] == "Approved"
    # A DM named by the user id instead of its channel is no message Slack knows.
    assert await update_message(client, "U1", sent.ts, new) == "message_not_found"


async def test_a_conversation_is_opened_once_and_remembered(
    db: str, slack_emulator: SlackEmulator
) -> None:
    client = build_web_client(bot_settings_for(slack_emulator, db))
    assert (await deliver(client, notice("U1", subject="week-1"))).status == "sent"
    assert (await deliver(client, notice("U1", subject="week-2"))).status == "sent"
    assert len(slack_emulator.calls_to("conversations.open")) == 1
    posted = slack_emulator.calls_to("chat.postMessage")
    assert [call.args["channel"] for call in posted] == [slack_emulator.conversation_id("U1")] * 2
