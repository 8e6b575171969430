"""The ledger claims a message before it is sent: once, even with several replicas at once."""

from __future__ import annotations

import asyncio

from models import Notification
from models.notifications.ledger import (
    FAILED,
    SENDING,
    SENT,
    LedgerKey,
    PostedMessage,
    claim,
    mark_failed,
    mark_sent,
    posted_messages,
    recipients_to_send,
    statuses,
)

KEY = LedgerKey("invoice-review", "2025-03", "U1,U2", "invoice-1")


async def test_the_first_claim_wins_and_the_rest_get_nothing(db: str) -> None:
    claims = await asyncio.gather(*(claim(KEY) for _ in range(6)))
    won = [c for c in claims if c is not None]
    assert len(won) == 1 and won[0].status == SENDING
    assert await Notification.all().count() == 1
    await mark_sent(won[0], "G1", "1700000000.000100", "Apollo 2025-03")
    assert await claim(KEY) is None  # sent: never again without force
    row = await Notification.get()
    assert (row.status, row.channel, row.message_ts, row.summary) == (
        SENT,
        "G1",
        "1700000000.000100",
        "Apollo 2025-03",
    )
    assert await posted_messages("invoice-review", "invoice-1") == [
        PostedMessage("G1", "1700000000.000100")
    ]


async def test_a_failed_message_is_claimed_again_once(db: str) -> None:
    first = await claim(KEY)
    assert first is not None
    await mark_failed(first, "channel_not_found", "Apollo")
    assert (await Notification.get()).error == "channel_not_found"
    again = await asyncio.gather(*(claim(KEY) for _ in range(4)))
    assert len([c for c in again if c is not None]) == 1
    row = await Notification.get()
    assert (row.status, row.error) == (SENDING, "")


async def test_force_claims_a_sent_message(db: str) -> None:
    first = await claim(KEY)
    assert first is not None
    await mark_sent(first, "G1", "1.1", "")
    forced = await claim(KEY, force=True)
    assert forced is not None and forced.id == first.id and forced.status == SENDING
    assert await Notification.all().count() == 1


async def test_other_subjects_periods_and_recipients_are_other_messages(db: str) -> None:
    keys = [
        KEY,
        LedgerKey("invoice-review", "2025-03", "U1,U2", "invoice-2"),
        LedgerKey("invoice-review", "2025-04", "U1,U2", "invoice-1"),
        LedgerKey("invoice-review", "2025-03", "U3", "invoice-1"),
        LedgerKey("invoice-changed", "2025-03", "U1,U2", "invoice-1"),
    ]
    assert all([await claim(key) for key in keys])
    assert await statuses("invoice-review", "2025-03", "invoice-1") == {
        "U1,U2": SENDING,
        "U3": SENDING,
    }


async def test_posted_messages_are_the_sent_ones(db: str) -> None:
    sent = await claim(KEY)
    failed = await claim(LedgerKey("invoice-review", "2025-03", "U3", "invoice-1"))
    assert sent is not None and failed is not None
    await mark_sent(sent, "G1", "1.5", "")
    await mark_failed(failed, "ratelimited", "")
    (posted,) = await posted_messages("invoice-review", "invoice-1")
    assert (posted.channel, posted.ts) == ("G1", "1.5")


def test_which_recipients_a_run_sends_to() -> None:
    wanted = ["U1,U2", "U3"]
    assert recipients_to_send(wanted, {}) == wanted
    # Sent once: a new audience (a new admin since) does not get it again...
    assert recipients_to_send(["U1,U2,U4"], {"U1,U2": SENT}) == []
    # ...but a part whose send failed is tried again, and force sends to all.
    assert recipients_to_send(wanted, {"U1,U2": SENT, "U3": FAILED}) == ["U3"]
    assert recipients_to_send(wanted, {"U1,U2": SENT, "U3": SENDING}) == []
    assert recipients_to_send(wanted, {"U1,U2": SENT}, force=True) == wanted
