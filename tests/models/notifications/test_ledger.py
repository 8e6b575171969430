"""The ledger claims a message before it is sent: once, even with several replicas at once."""

from __future__ import annotations

import asyncio
import datetime as dt

from models import Notification
from models.notifications.ledger import (
    FAILED,
    SENDING,
    SENT,
    UNKNOWN,
    LedgerKey,
    PostedMessage,
    claim,
    in_doubt,
    mark_failed,
    mark_sent,
    mark_unknown,
    narrowed,
    posted_messages,
    reached_users,
    row_in_doubt,
    statuses,
    take_over,
)
from models.notifications.recipients import Conversation

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


def test_a_message_reaches_each_person_once_whatever_the_conversation() -> None:
    group, alone = Conversation(("U1", "U2")), Conversation(("U3",))
    nobody = reached_users({})
    assert (narrowed(group, nobody), narrowed(alone, nobody)) == (group, alone)
    # Sent to U1 and U2: a new admin (U4) since then gets it alone, and only U4.
    reached = reached_users({"U1,U2": SENT})
    assert reached == {"U1", "U2"}
    assert narrowed(Conversation(("U1", "U2", "U4")), reached) == Conversation(("U4",))
    assert narrowed(group, reached) is None
    # Another split of the same people (U2 now with U3): U3 alone.
    assert narrowed(Conversation(("U2", "U3")), reached) == Conversation(("U3",))
    # A failed try reached nobody; a row being sent or in doubt may have.
    reached = reached_users({"U1,U2": SENT, "U3": FAILED, "U5": SENDING, "U6": UNKNOWN})
    assert reached == {"U1", "U2", "U5", "U6"}
    assert narrowed(alone, reached) == alone
    assert narrowed(Conversation(("U5", "U6")), reached) is None
    # The notifications admins standing in stay marked as such; force sends to everybody.
    admins = Conversation(("U1", "U7"), for_admins=True)
    assert narrowed(admins, reached) == Conversation(("U7",), for_admins=True)
    assert narrowed(group, reached, force=True) == group


async def test_rows_in_doubt_are_taken_over_by_one_run(db: str) -> None:
    lease = dt.timedelta(minutes=30)
    stale = await claim(KEY)
    fresh_key = LedgerKey("invoice-review", "2025-03", "U3", "invoice-1")
    fresh = await claim(fresh_key)
    lost = await claim(LedgerKey("invoice-review", "2025-03", "U4", "invoice-1"))
    assert stale is not None and fresh is not None and lost is not None
    await mark_unknown(lost, "ServerDisconnectedError", "Apollo")
    # Only a sending row older than the lease is in doubt (its run stopped): not a fresh one.
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    await Notification.filter(id=stale.id).update(sent_at=an_hour_ago)
    doubtful = await in_doubt("invoice-review", "2025-03", lease=lease)
    assert [row.id for row in doubtful] == [stale.id, lost.id]
    assert await row_in_doubt(KEY, lease=lease) is not None
    assert (
        await row_in_doubt(LedgerKey("invoice-review", "2025-03", "U3", "invoice-1"), lease=lease)
        is None
    )
    # Of two runs taking a row over at once, one gets it; it is sending again, freshly.
    for row in doubtful:
        taken = await asyncio.gather(*(take_over(row, lease=lease) for _ in range(4)))
        assert sorted(taken) == [False, False, False, True]
        again = await Notification.get(id=row.id)
        assert again.status == SENDING and again.sent_at > an_hour_ago
    assert await in_doubt("invoice-review", "2025-03", lease=lease) == []
