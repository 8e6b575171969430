"""The one listener for every URL button: Slack opens the link, the bot only acks the click."""

from __future__ import annotations

import re

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from handlers.slack_ids import LINK_BUTTONS


async def ack_link_button(ack: AsyncAck) -> None:
    """URL buttons still send an action; acking it keeps Slack from showing a warning."""
    await ack()


def register(app: AsyncApp) -> None:
    pattern = re.compile("^(?:" + "|".join(re.escape(a) for a in LINK_BUTTONS) + ")$")
    app.action(pattern)(ack_link_button)
