"""Sending a batch through the ledger: once, dry runs, 429 storms, failing recipients, crashes,
posts in doubt, and once per person when the audience changes between two runs."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from datetime import date

from bot.emulators.slack import SlackEmulator
from bot.notifications.batch import Batch, Outgoing, copies_for_admins, send_batch
from bot.notifications.unapproved import plan_unapproved
from models import Notification
from models.notifications.recipients import Conversation
from sync.retry_budget import RetryBudget
from sync.slack_client import build_notification_client
from sync.slack_delivery import Notice, SlackMessage
from tests.conftest import bot_settings_for
from tests.support.flex_people import make_person
from tests.support.hour_reminders import entry, project

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


async def test_a_429_storm_longer_than_the_batchs_budget_fails_some_and_the_batch_goes_on(
    db: str, slack_emulator: SlackEmulator
) -> None:
    for _ in range(4):
        slack_emulator.fail_once("chat.postMessage", retry_after=2)
    budget = RetryBudget(total=3)  # one Retry-After of 2 s (and its jitter) fits, not two
    client = build_notification_client(bot_settings_for(slack_emulator, db), budget)
    report = await send_batch(client, batch_for(PEOPLE[:4]), send_rate=1000)
    assert [outcome.status for outcome in report.outcomes] == ["failed"] * 3 + ["sent"]
    assert {outcome.error for outcome in report.outcomes[:3]} == {"ratelimited"}
    assert budget.retries == 1 and 2.0 <= budget.waited <= 3.0
    limited = slack_emulator.calls_to("chat.postMessage")
    assert limited[1].at - limited[0].at >= 2.0  # its Retry-After, honoured
    # Recorded failed, so the next run (a budget of its own) sends them, once.
    again = await send_batch(
        build_notification_client(bot_settings_for(slack_emulator, db)),
        batch_for(PEOPLE[:4]),
        send_rate=1000,
    )
    assert [outcome.status for outcome in again.outcomes] == ["sent"] * 3 + ["already sent"]
    assert Counter(posted_to(slack_emulator).values()) == {1: 4}


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
    run.cancel()  # the process dies in the middle of the batch, a post on its way
    await asyncio.gather(run, return_exceptions=True)
    first = posted_to(slack_emulator)
    assert 4 <= sum(first.values()) < len(PEOPLE)
    in_flight = await Notification.filter(status="sending").count()
    assert in_flight == 1

    # Within the lease the message in flight is left to its run, and not counted as sent (its
    # run may have died before posting it); the rest goes out.
    report = await send_batch(client, batch_for(PEOPLE), send_rate=1000)
    after = posted_to(slack_emulator)
    assert set(after.values()) == {1}  # nobody got it twice
    statuses = Counter(outcome.status for outcome in report.outcomes)
    assert statuses["sent"] == sum(after.values()) - sum(first.values()) > 0
    assert statuses["in flight"] == report.in_flight == 1
    assert statuses["already sent"] == len(PEOPLE) - statuses["sent"] - 1
    # Past the lease it is looked up in Slack: marked sent if it was posted, else sent now.
    late = await send_batch(client, batch_for(PEOPLE), send_rate=1000, lease=dt.timedelta(0))
    assert Counter(posted_to(slack_emulator).values()) == {1: len(PEOPLE)}
    assert await Notification.filter(status="sent").count() == len(PEOPLE)
    assert len(slack_emulator.calls_to("conversations.history")) == 1
    assert {outcome.status for outcome in late.outcomes} <= {"sent", "already sent"}


async def test_a_post_answered_with_a_5xx_is_looked_up_not_posted_again(
    db: str, slack_emulator: SlackEmulator
) -> None:
    client = build_notification_client(bot_settings_for(slack_emulator, db))
    slack_emulator.fail_once(
        "chat.postMessage", status=500, error="internal_error", after=1, handled=True
    )
    report = await send_batch(client, batch_for(PEOPLE[:3]), send_rate=1000)
    assert [outcome.status for outcome in report.outcomes] == ["sent", "unknown", "sent"]
    assert report.failed == 1 and "unknown" in report.lines()[1]
    assert Counter(posted_to(slack_emulator).values()) == {1: 3}
    dry = await send_batch(client, batch_for(PEOPLE[:3]), dry_run=True)
    assert [outcome.status for outcome in dry.outcomes] == [
        "already sent",
        "in doubt",
        "already sent",
    ]
    again = await send_batch(client, batch_for(PEOPLE[:3]), send_rate=1000)
    assert {outcome.status for outcome in again.outcomes} == {"already sent"}
    assert again.failed == 0
    assert Counter(posted_to(slack_emulator).values()) == {1: 3}
    assert await Notification.filter(status="sent").count() == 3


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


TUESDAY = date(2026, 12, 1)  # week 2026-W49; the reminders count 2026-09-30..2026-11-29


def users_reached(emulator: SlackEmulator, text: str) -> Counter[str]:
    """How many times each user got a message starting with ``text`` (in any conversation)."""
    channels = {emulator.conversation_id(*users): users for users in _opened(emulator)}
    reached: Counter[str] = Counter()
    for (channel, _ts), message in emulator.messages.items():
        if message["text"].startswith(text):
            reached.update(channels[channel])
    return reached


def _opened(emulator: SlackEmulator) -> set[tuple[str, ...]]:
    return {
        tuple(call.args["users"].split(",")) for call in emulator.calls_to("conversations.open")
    }


async def test_a_message_reaches_each_person_once_when_its_audience_changes(
    db: str, slack_emulator: SlackEmulator
) -> None:
    """The review's probe: Apollo's reminder went to Ada alone on Tuesday; Bob became an
    admin before the week's next run. Bob gets it, alone; Ada does not get it again."""
    ada = await make_person("Ada", "Lovelace", "U0ADA")
    worker = await make_person("Wes", "Worker", "U0WES")
    apollo = await project("Apollo", admins=(ada,))
    hermes = await project("Hermes", admins=(await make_person("Nils", "Noslack", None),))
    await entry(worker, date(2026, 10, 1), "2", on=apollo, status="Pending Approval")
    await entry(worker, date(2026, 10, 2), "3", on=hermes, status="Pending Approval")
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN="U0NOTE")
    client = build_notification_client(settings)
    first = await send_batch(client, await plan_unapproved(settings, TUESDAY), send_rate=1000)
    assert first.failed == 0
    assert users_reached(slack_emulator, "Acme – Apollo") == {"U0ADA": 1}
    assert users_reached(slack_emulator, "This was sent to Ada Lovelace:") == {"U0NOTE": 1}
    assert users_reached(slack_emulator, "Acme – Hermes") == {"U0NOTE": 1}

    await apollo.admins.add(await make_person("Bob", "Builder", "U0BOB"))
    # And another notifications admin: Hermes' message (no admin of it on Slack) reaches them.
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN="U0NOTE,U0NEW")
    preview = await send_batch(None, await plan_unapproved(settings, TUESDAY), dry_run=True)
    would = [o.line() for o in preview.outcomes if o.status == "would send"]
    assert [line.split("->")[1].strip() for line in would] == [
        "DM U0BOB",  # Apollo: Bob alone
        "DM U0NEW",  # its copies, for Bob's message
        "DM U0NOTE",
        "DM U0NEW",  # Hermes: the new notifications admin alone
    ]
    second = await send_batch(client, await plan_unapproved(settings, TUESDAY), send_rate=1000)
    assert second.failed == 0
    assert users_reached(slack_emulator, "Acme – Apollo") == {"U0ADA": 1, "U0BOB": 1}
    assert users_reached(slack_emulator, "Acme – Hermes") == {"U0NOTE": 1, "U0NEW": 1}
    # The copy goes with the message: the notifications admins hear that Bob got it now.
    copies = users_reached(slack_emulator, "This was sent to Ada Lovelace, Bob Builder:")
    assert copies == {"U0NOTE": 1, "U0NEW": 1}
    rows = await Notification.filter(subject=apollo.guid).values_list("recipient", flat=True)
    assert sorted(rows) == ["U0ADA", "U0BOB"]

    posts = len(slack_emulator.calls_to("chat.postMessage"))
    third = await send_batch(client, await plan_unapproved(settings, TUESDAY), send_rate=1000)
    assert {outcome.status for outcome in third.outcomes} == {"already sent"}
    assert len(slack_emulator.calls_to("chat.postMessage")) == posts
    # --force sends to everybody again, in the conversations planned.
    forced = await send_batch(
        client, await plan_unapproved(settings, TUESDAY), force=True, send_rate=1000
    )
    assert users_reached(slack_emulator, "Acme – Apollo") == {"U0ADA": 2, "U0BOB": 2}
    assert forced.outcomes[0].outgoing.notice.conversation.users == ("U0ADA", "U0BOB")
    assert slack_emulator.violations == []


async def test_one_admin_added_to_nine_gets_the_message_alone(
    db: str, slack_emulator: SlackEmulator
) -> None:
    """Nine admins are split five and four; a tenth (first in order) splits them five and
    five, every group different: only the tenth gets the message."""
    nine = [await make_person(f"Admin{n}", "Nine", f"U9{n}") for n in range(9)]
    big = await project("Big", admins=tuple(nine))
    await entry(nine[0], date(2026, 10, 5), "6", on=big, status="Pending Approval")
    settings = bot_settings_for(slack_emulator, db)
    client = build_notification_client(settings)
    await send_batch(client, await plan_unapproved(settings, TUESDAY), send_rate=1000)
    assert users_reached(slack_emulator, "Acme – Big") == {f"U9{n}": 1 for n in range(9)}
    assert len(slack_emulator.messages) == 2

    await big.admins.add(await make_person("Aaron", "First", "U0AAR"))
    batch = await plan_unapproved(settings, TUESDAY)
    assert [o.notice.conversation.users for o in batch.messages] == [
        ("U0AAR", "U90", "U91", "U92", "U93"),
        ("U94", "U95", "U96", "U97", "U98"),
    ]
    report = await send_batch(client, batch, send_rate=1000)
    assert [(o.status, o.outgoing.notice.conversation.users) for o in report.outcomes] == [
        ("sent", ("U0AAR",)),
        ("already sent", ("U94", "U95", "U96", "U97", "U98")),
    ]
    reached = users_reached(slack_emulator, "Acme – Big")
    assert reached == {**{f"U9{n}": 1 for n in range(9)}, "U0AAR": 1}


async def test_a_post_slack_cannot_be_asked_about_counts_as_not_sent(
    db: str, slack_emulator: SlackEmulator
) -> None:
    client = build_notification_client(bot_settings_for(slack_emulator, db))
    slack_emulator.fail_once("chat.postMessage", status=502, error="bad_gateway", handled=True)
    await send_batch(client, batch_for(PEOPLE[:1]), send_rate=1000)
    slack_emulator.fail_once("conversations.history", status=500, error="internal_error")
    report = await send_batch(client, batch_for(PEOPLE[:1]), send_rate=1000)
    assert [(o.status, o.error) for o in report.outcomes] == [
        ("unknown", "in doubt, not checked in Slack")
    ]
    assert report.failed == 1
    settled = await send_batch(client, batch_for(PEOPLE[:1]), send_rate=1000)
    assert [o.status for o in settled.outcomes] == ["already sent"] and settled.failed == 0
    assert len(slack_emulator.messages) == 1
