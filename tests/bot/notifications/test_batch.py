"""Sending a batch through the ledger: once, dry runs, 429 storms, failing recipients, crashes."""

from __future__ import annotations

import asyncio
from collections import Counter

from bot.emulators.slack import SlackEmulator
from bot.notifications.batch import Batch, Outgoing, copies_for_admins, send_batch
from models import Notification
from models.notifications.recipients import Conversation
from sync.slack_client import build_notification_client
from sync.slack_delivery import Notice, SlackMessage
from tests.conftest import bot_settings_for

PEOPLE = [f"U0P{n:03d}" for n in range(12)]


def outgoing(user: str, text: str = "You have 3 unsubmitted entries") -> Outgoing:
    message = SlackMessage(
        text=text, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    )
    notice = Notice("unsubmitted", "2026-W49", Conversation((user,)), message, summary=text)
    return Outgoing(notice, f"{user}: 3 entries, 12.50h")


def batch_for(users: list[str]) -> Batch:
    return Batch("unsubmitted", "2026-W49", tuple(outgoing(user) for user in users))


def posted_to(emulator: SlackEmulator) -> Counter[str]:
    """How many messages each conversation got (refused calls post nothing)."""
    return Counter(channel for channel, _ts in emulator.messages)


async def test_each_message_goes_out_once_and_a_rerun_sends_nothing(
    db: str, slack_emulator: SlackEmulator
) -> None:
    client = build_notification_client(bot_settings_for(slack_emulator, db))
    report = await send_batch(client, batch_for(PEOPLE[:3]), send_rate=1000)
    assert [outcome.status for outcome in report.outcomes] == ["sent"] * 3
    assert report.failed == 0
    assert sorted(posted_to(slack_emulator)) == sorted(
        slack_emulator.conversation_id(user) for user in PEOPLE[:3]
    )
    again = await send_batch(client, batch_for(PEOPLE[:3]), send_rate=1000)
    assert [outcome.status for outcome in again.outcomes] == ["already sent"] * 3
    assert len(slack_emulator.calls_to("chat.postMessage")) == 3
    forced = await send_batch(client, batch_for(PEOPLE[:1]), force=True, send_rate=1000)
    assert [outcome.status for outcome in forced.outcomes] == ["sent"]
    assert await Notification.filter(status="sent").count() == 3


async def test_a_dry_run_says_what_it_would_send_and_writes_nothing(
    db: str, slack_emulator: SlackEmulator
) -> None:
    client = build_notification_client(bot_settings_for(slack_emulator, db))
    await send_batch(client, batch_for(PEOPLE[:1]), send_rate=1000)
    before = await Notification.all().count()
    report = await send_batch(client, batch_for(PEOPLE[:2]), dry_run=True)
    assert [outcome.status for outcome in report.outcomes] == ["already sent", "would send"]
    assert await Notification.all().count() == before
    assert len(slack_emulator.calls_to("chat.postMessage")) == 1
    assert report.lines()[-1] == "unsubmitted 2026-W49: 1 already sent, 1 would send"


async def test_a_429_storm_is_waited_out_and_the_batch_goes_on(
    db: str, slack_emulator: SlackEmulator
) -> None:
    for _ in range(12):  # a long run of 429s: more than a reply-path client would wait out
        slack_emulator.fail_once("chat.postMessage", retry_after=0)
    slack_emulator.fail_once("conversations.open", retry_after=1, after=3)
    client = build_notification_client(bot_settings_for(slack_emulator, db))
    report = await send_batch(client, batch_for(PEOPLE[:6]), send_rate=1000)
    assert [outcome.status for outcome in report.outcomes] == ["sent"] * 6
    assert set(posted_to(slack_emulator).values()) == {1}  # each once: 429s post nothing
    opens = slack_emulator.calls_to("conversations.open")
    limited, retried = opens[3], opens[4]
    assert retried.args == limited.args and retried.at - limited.at >= 1.0  # its Retry-After


async def test_a_failing_recipient_is_recorded_and_the_batch_goes_on(
    db: str, slack_emulator: SlackEmulator
) -> None:
    slack_emulator.fail_once("chat.postMessage", status=200, error="is_archived", after=1)
    client = build_notification_client(bot_settings_for(slack_emulator, db))
    report = await send_batch(client, batch_for(PEOPLE[:3]), send_rate=1000)
    assert [outcome.status for outcome in report.outcomes] == ["sent", "failed", "sent"]
    assert report.failed == 1 and report.outcomes[1].error == "is_archived"
    row = await Notification.get(recipient=PEOPLE[1])
    assert (row.status, row.error) == ("failed", "is_archived")
    assert "1 failed, 2 sent" in report.lines()[-1]
    # The next run tries the failed one again and only that one.
    again = await send_batch(client, batch_for(PEOPLE[:3]), send_rate=1000)
    assert [outcome.status for outcome in again.outcomes] == [
        "already sent",
        "sent",
        "already sent",
    ]
    assert set(posted_to(slack_emulator).values()) == {1}


async def test_a_run_stopped_half_way_is_resumed_without_doubles(
    db: str, slack_emulator: SlackEmulator
) -> None:
    client = build_notification_client(bot_settings_for(slack_emulator, db))
    run = asyncio.create_task(send_batch(client, batch_for(PEOPLE), send_rate=1000))
    await slack_emulator.wait_for_call(
        "chat.postMessage", after=0, where=_nth_post(slack_emulator, 5)
    )
    run.cancel()  # the process dies in the middle of the batch
    await asyncio.gather(run, return_exceptions=True)
    first = posted_to(slack_emulator)
    assert 5 <= sum(first.values()) < len(PEOPLE)

    report = await send_batch(client, batch_for(PEOPLE), send_rate=1000)
    after = posted_to(slack_emulator)
    assert set(after.values()) == {1}  # nobody got it twice
    statuses = Counter(outcome.status for outcome in report.outcomes)
    assert statuses["sent"] == sum(after.values()) - sum(first.values()) > 0
    # Everyone has it but, at most, the one whose message was in flight when the run stopped
    # (claimed, maybe not posted: sent at most once; `--force` would send it).
    assert len(PEOPLE) - 1 <= sum(after.values()) <= len(PEOPLE)
    assert statuses["already sent"] == len(PEOPLE) - statuses["sent"]


def _nth_post(emulator: SlackEmulator, n: int):  # type: ignore[no-untyped-def]
    return lambda _call: len(emulator.calls_to("chat.postMessage")) >= n


async def test_copies_go_to_the_notifications_admins_who_are_not_recipients(
    db: str, slack_emulator: SlackEmulator
) -> None:
    original = outgoing("U0ADMIN1")
    copies = copies_for_admins(original, ["U0ADMIN1", "U0ADMIN2"], "<!channel> Aino")
    assert [copy.notice.conversation.users for copy in copies] == [("U0ADMIN2",)]
    (copy,) = copies
    assert copy.notice.subject == "copy:U0ADMIN1"
    assert copy.notice.message.blocks[0]["elements"][0]["text"] == (
        "This was sent to &lt;!channel&gt; Aino:"
    )
    client = build_notification_client(bot_settings_for(slack_emulator, db))
    report = await send_batch(
        client, Batch("unsubmitted", "2026-W49", (original, *copies)), send_rate=1000
    )
    assert [outcome.status for outcome in report.outcomes] == ["sent", "sent"]


def test_copies_of_two_messages_to_the_same_people_are_two_copies() -> None:
    def project_message(guid: str) -> Outgoing:
        notice = Notice(
            "unapproved",
            "2026-W49",
            Conversation(("U0ADA", "U0BOB")),
            SlackMessage(text=guid),
            summary=guid,
            subject=guid,
        )
        return Outgoing(notice, guid)

    apollo, hermes = (project_message(guid) for guid in ("apollo-guid", "hermes-guid"))
    (apollo_copy,) = copies_for_admins(apollo, ["U0NOTE"], "Ada, Bob")
    (hermes_copy,) = copies_for_admins(hermes, ["U0NOTE"], "Ada, Bob")
    assert apollo_copy.notice.key != hermes_copy.notice.key
    assert apollo_copy.notice.subject == "copy:apollo-guid:U0ADA,U0BOB"
    crowd = Notice(
        "unapproved",
        "2026-W49",
        Conversation(tuple(f"U0PERSON{n:02d}" for n in range(8))),
        SlackMessage(text="crowd"),
        summary="crowd",
        subject="a-project-guid-of-36-characters-long",
    )
    (crowd_copy,) = copies_for_admins(Outgoing(crowd, "crowd"), ["U0NOTE"], "eight")
    assert len(crowd_copy.notice.subject) <= 64 and crowd_copy.notice.subject.startswith("copy:")
