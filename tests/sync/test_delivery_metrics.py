"""Notifications in the metrics: sent, failed and in doubt (unknown) by type; a message that
had been sent already is not counted again."""

from __future__ import annotations

import uuid

from bot.emulators.slack import SlackEmulator
from models.notifications.recipients import Conversation
from sync.slack_client import build_notification_client
from sync.slack_delivery import Notice, SlackMessage, deliver
from tests.conftest import bot_settings_for
from tests.support.metrics import sample

NOTIFICATIONS = "financebot_notifications_total"


async def test_each_delivery_is_counted_by_type_and_outcome(
    db: str, slack_emulator: SlackEmulator
) -> None:
    type_ = f"t{uuid.uuid4().hex[:8]}"

    def notice(user: str) -> Notice:
        return Notice(type_, "2026-W49", Conversation((user,)), SlackMessage(text="hi"), "hi")

    def counted() -> dict[str, float]:
        outcomes = ("sent", "failed", "unknown", "already sent")
        return {o: sample(NOTIFICATIONS, type=type_, outcome=o) for o in outcomes}

    client = build_notification_client(bot_settings_for(slack_emulator, db))
    assert (await deliver(client, notice("U1"))).status == "sent"
    assert (await deliver(client, notice("U1"))).status == "already sent"
    slack_emulator.fail_once("chat.postMessage", status=400, error="channel_not_found")
    assert (await deliver(client, notice("U2"))).status == "failed"
    slack_emulator.fail_once("chat.postMessage", status=500, error="internal_error")
    assert (await deliver(client, notice("U3"))).status == "unknown"
    assert counted() == {"sent": 1, "failed": 1, "unknown": 1, "already sent": 0}
