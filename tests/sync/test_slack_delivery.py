"""Delivering a notification through the Slack emulator: claimed, sent once, failures
recorded, and a post in doubt (its answer lost, or its run stopped) looked up in Slack before
it is sent again."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulators.slack import SlackEmulator
from models import Notification
from models.notifications.recipients import Conversation
from sync import slack_delivery
from sync.slack_client import build_notification_client, build_web_client
from sync.slack_delivery import EVENT_TYPE, Notice, SlackMessage, deliver, update_message
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


def notification_client(slack_emulator: SlackEmulator, db: str) -> AsyncWebClient:
    return build_notification_client(bot_settings_for(slack_emulator, db))


async def age(row_id: int) -> None:
    """The row's claim is older than any lease: its run stopped long ago."""
    await Notification.filter(id=row_id).update(
        sent_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    )


async def test_a_post_carries_its_ledger_key_as_metadata(
    db: str, slack_emulator: SlackEmulator
) -> None:
    sent = await deliver(notification_client(slack_emulator, db), notice("U1"))
    (posted,) = slack_emulator.calls_to("chat.postMessage")
    payload = {"type": "invoice-review", "period": "2025-03", "subject": "inv-1", "recipient": "U1"}
    assert posted.args["metadata"] == {"event_type": EVENT_TYPE, "event_payload": payload}
    assert slack_emulator.messages[(sent.channel, sent.ts)]["metadata"]["event_payload"] == payload


async def test_the_notification_client_waits_out_429s_but_never_retries_a_5xx(
    db: str, slack_emulator: SlackEmulator
) -> None:
    client = notification_client(slack_emulator, db)
    slack_emulator.fail_once("chat.postMessage", status=429, retry_after=0)
    assert (await deliver(client, notice("U1", subject="inv-0"))).status == "sent"
    assert len(slack_emulator.calls_to("chat.postMessage")) == 2  # the 429, then the post
    # Slack posts the message, then answers 500: retrying would post it twice.
    slack_emulator.fail_once("chat.postMessage", status=500, error="internal_error", handled=True)
    lost = await deliver(client, notice("U1"))
    assert (lost.status, lost.error) == ("unknown", "internal_error")
    assert len(slack_emulator.calls_to("chat.postMessage")) == 3
    row = await Notification.get(subject="inv-1")
    assert (row.status, row.error, row.channel) == ("unknown", "internal_error", lost.channel)
    # The next run looks it up in the conversation's history, finds it and posts nothing.
    again = await deliver(client, notice("U1"))
    assert again.status == "already sent"
    assert len(slack_emulator.calls_to("chat.postMessage")) == 3
    (looked,) = slack_emulator.calls_to("conversations.history")
    assert looked.args["channel"] == lost.channel
    assert looked.args["include_all_metadata"] in (True, "true", "1")
    assert float(looked.args["oldest"]) < row.sent_at.timestamp()
    ((channel, ts),) = [key for key, m in slack_emulator.messages.items() if "inv-1" in str(m)]
    row = await Notification.get(subject="inv-1")
    assert (row.status, row.channel, row.message_ts) == ("sent", channel, ts)
    assert (await deliver(client, notice("U1"))).status == "already sent"
    assert len(slack_emulator.calls_to("conversations.history")) == 1


async def test_a_5xx_before_slack_posted_is_sent_once_by_the_next_run(
    db: str, slack_emulator: SlackEmulator
) -> None:
    client = notification_client(slack_emulator, db)
    slack_emulator.fail_once("chat.postMessage", status=503, error="service_unavailable")
    assert (await deliver(client, notice("U1"))).status == "unknown"
    assert slack_emulator.messages == {}
    retried = await deliver(client, notice("U1"))
    assert retried.status == "sent"
    assert len(slack_emulator.messages) == 1
    row = await Notification.get()
    assert (row.status, row.message_ts, row.error) == ("sent", retried.ts, "")


async def test_a_run_that_stopped_after_posting_is_marked_sent_without_a_second_post(
    db: str, slack_emulator: SlackEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = notification_client(slack_emulator, db)

    async def stopped(*args: object, **kwargs: object) -> None:
        raise asyncio.CancelledError  # the process went down before recording the post

    with monkeypatch.context() as patched:
        patched.setattr(slack_delivery, "mark_sent", stopped)
        with pytest.raises(asyncio.CancelledError):
            await deliver(client, notice("U1"))
    assert len(slack_emulator.messages) == 1
    row = await Notification.get()
    assert row.status == "sending"
    # Within the lease its run may still be at it: left alone.
    assert (await deliver(client, notice("U1"))).status == "already sent"
    assert slack_emulator.calls_to("conversations.history") == []
    await age(row.id)
    assert (await deliver(client, notice("U1"))).status == "already sent"
    assert len(slack_emulator.calls_to("chat.postMessage")) == 1
    ((channel, ts),) = slack_emulator.messages
    row = await Notification.get()
    assert (row.status, row.channel, row.message_ts) == ("sent", channel, ts)


async def test_a_run_that_stopped_before_posting_is_sent_once_by_the_next_run(
    db: str, slack_emulator: SlackEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = notification_client(slack_emulator, db)

    async def stopped(*args: object, **kwargs: object) -> None:
        raise asyncio.CancelledError

    # Stopped after the channel was recorded, before the post (looked up: not there), and
    # stopped before even the channel was known (nothing to look up).
    with monkeypatch.context() as patched:
        patched.setattr(client, "chat_postMessage", stopped)
        with pytest.raises(asyncio.CancelledError):
            await deliver(client, notice("U1"))
    with monkeypatch.context() as patched:
        patched.setattr(slack_delivery, "mark_posting", stopped)
        with pytest.raises(asyncio.CancelledError):
            await deliver(client, notice("U2", subject="inv-2"))
    rows = await Notification.all().order_by("id")
    assert [(r.status, bool(r.channel)) for r in rows] == [("sending", True), ("sending", False)]
    for row in rows:
        await age(row.id)
    assert (await deliver(client, notice("U1"))).status == "sent"
    assert (await deliver(client, notice("U2", subject="inv-2"))).status == "sent"
    assert len(slack_emulator.calls_to("conversations.history")) == 1  # only the first
    assert len(slack_emulator.messages) == 2
    assert (await deliver(client, notice("U1"))).status == "already sent"
    assert len(slack_emulator.messages) == 2
    assert {row.status for row in await Notification.all()} == {"sent"}


async def test_a_row_slack_cannot_be_asked_about_stays_in_doubt(
    db: str, slack_emulator: SlackEmulator
) -> None:
    client = notification_client(slack_emulator, db)
    slack_emulator.fail_once("chat.postMessage", status=502, error="bad_gateway", handled=True)
    assert (await deliver(client, notice("U1"))).status == "unknown"
    slack_emulator.fail_once("conversations.history", status=200, error="missing_scope")
    unchecked = await deliver(client, notice("U1"))
    assert (unchecked.status, unchecked.error) == ("unknown", "in doubt, not checked in Slack")
    row = await Notification.get()
    assert (row.status, row.error) == ("unknown", "in doubt, not checked in Slack: missing_scope")
    assert (await deliver(client, notice("U1"))).status == "already sent"
    assert (await Notification.get()).status == "sent"
    assert len(slack_emulator.messages) == 1
