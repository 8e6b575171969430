"""The weekly unsubmitted-hours reminder through the Slack emulator, and its Submit button
clicked in the DM (the real bolt app over Socket Mode, 10000ft at its emulator)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest

from bot.emulators.slack import ApiCall, SlackEmulator
from bot.emulators.tenkfeet import TenkfeetEmulator
from bot.lifespan import bot_lifespan
from bot.notifications.batch import send_batch
from bot.notifications.unsubmitted import plan_unsubmitted
from core.clock import company_today
from handlers.home.listeners import NOT_YOUR_REMINDER
from handlers.slack_ids import ActionId
from models import HourEntry, Notification, Person
from models.notifications.periods import reminder_period
from sync.slack_client import build_notification_client
from tests.conftest import BotUnderTest, bot_settings_for
from tests.support.flex_people import make_person
from tests.support.hour_reminders import entry, project

MONDAY = date(2026, 11, 30)  # period 2026-09-30 .. 2026-11-29
ADMINS = "U0NOTE,U0AINO"


def posted_to(emulator: SlackEmulator, channel: str) -> list[ApiCall]:
    return [c for c in emulator.calls_to("chat.postMessage") if c.args["channel"] == channel]


def blocks_of(call: ApiCall) -> list[dict[str, Any]]:
    blocks = call.args["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def shown(call: ApiCall) -> str:
    return json.dumps(blocks_of(call), ensure_ascii=False)


async def _company() -> dict[str, Person]:
    aino = await make_person("Aino", "Korhonen", "U0AINO")
    ben = await make_person("Ben", "Archived", "U0BEN", archived=True)
    carl = await make_person("Carl", "Offline", None)
    apollo = await project("Apollo", admins=(aino,))
    old = await project("Old Times", archived=True)
    await entry(aino, date(2026, 9, 30), "7.5", on=apollo, notes="first day")
    await entry(aino, date(2026, 11, 29), "2.25", on=apollo, notes="last day")
    await entry(aino, date(2026, 9, 29), "5", on=apollo)  # the day before the period
    await entry(aino, date(2026, 11, 30), "5", on=apollo)  # the day after
    await entry(aino, date(2026, 10, 5), "3", on=old, notes="forgotten work")
    await entry(aino, date(2026, 10, 6), "0", on=apollo)  # no hours
    await entry(aino, date(2026, 10, 7), "4", on=apollo, status="Pending Approval")
    await entry(aino, date(2026, 10, 9), "7.5", leave_type="Vacation")
    await entry(ben, date(2026, 10, 1), "8", on=apollo)
    await entry(carl, date(2026, 10, 1), "1.5", on=apollo)
    await entry(carl, date(2026, 10, 2), "2", on=apollo)
    return {"aino": aino, "ben": ben, "carl": carl}


async def test_dm_copy_and_no_slack_report_sent_once(
    db: str, slack_emulator: SlackEmulator
) -> None:
    await _company()
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN=ADMINS)
    batch = await plan_unsubmitted(settings, MONDAY)
    assert (batch.kind, batch.period, batch.covers) == (
        "unsubmitted",
        "2026-W49",
        "2026-09-30..2026-11-29",
    )
    assert batch.unreachable == ()
    report = await send_batch(build_notification_client(settings), batch, send_rate=100)
    assert report.failed == 0

    # Aino: 7.5 + 2.25 + 3 (archived project) + 7.5 (leave) = 20.25 h in 4 entries.
    (dm,) = posted_to(slack_emulator, slack_emulator.conversation_id("U0AINO"))
    assert dm.args["text"] == (
        "You have 4 entries unsubmitted, 20.25h, dated 2026-09-30..2026-11-29."
    )
    text = shown(dm)
    assert "*4 entries* not submitted for approval in 10000ft, *20.25h*" in text
    assert "• 2026-09-30 · Acme – Apollo · Build · Development · 7.50h · _first day_" in text
    assert "• 2026-10-09 · Vacation (leave) · 7.50h" in text
    assert "• 2026-11-29 · Acme – Apollo" in text
    assert "Old Times" not in text and "forgotten work" not in text and "2026-09-29" not in text
    assert "1 entry of archived projects (counted above, not listed)" in text
    (actions,) = [b for b in blocks_of(dm) if b["type"] == "actions"]
    buttons = {b["action_id"]: b for b in actions["elements"]}
    assert buttons[ActionId.REMINDER_SUBMIT_HOURS]["text"]["text"] == "Submit to 10000ft"
    assert buttons[ActionId.REMINDER_OPEN_TENKFEET]["url"] == settings.tenkfeet_app_url
    assert buttons[ActionId.REMINDER_OPEN_SITE]["url"] == settings.public_link("/")

    # The copy goes to the other notifications admin only (Aino got the DM herself).
    (copy,) = posted_to(slack_emulator, slack_emulator.conversation_id("U0NOTE"))
    assert copy.args["text"].startswith("This was sent to Aino Korhonen: You have 4 entries")
    assert "Aino Korhonen" in shown(copy)
    # Carl has no Slack: both notifications admins are told, in one group DM.
    (told,) = posted_to(slack_emulator, slack_emulator.conversation_id("U0AINO", "U0NOTE"))
    assert told.args["text"].startswith("Carl Offline has 2 entries unsubmitted, 3.50h")
    # Ben is archived: nothing about him anywhere.
    assert len(slack_emulator.calls_to("chat.postMessage")) == 3
    assert "Ben" not in json.dumps([c.args for c in slack_emulator.calls], ensure_ascii=False)
    rows = await Notification.all().order_by("recipient", "subject")
    assert [(r.type, r.period, r.recipient, r.subject, r.status) for r in rows] == [
        ("unsubmitted", "2026-W49", "U0AINO", "", "sent"),
        ("unsubmitted", "2026-W49", "U0AINO,U0NOTE", f"no-slack:{(await _guid('Carl'))}", "sent"),
        ("unsubmitted", "2026-W49", "U0NOTE", "copy:U0AINO", "sent"),
    ]

    # A second run in the same week (even another day of it) sends nothing.
    again = await send_batch(
        build_notification_client(settings),
        await plan_unsubmitted(settings, MONDAY + timedelta(days=3)),
    )
    assert {o.status for o in again.outcomes} == {"already sent"}
    assert len(slack_emulator.calls_to("chat.postMessage")) == 3
    assert slack_emulator.violations == []


async def _guid(first: str) -> str:
    return (await Person.get(first_name=first)).guid


async def test_without_notifications_admins_no_slack_is_unreachable(
    db: str, slack_emulator: SlackEmulator
) -> None:
    await _company()
    settings = bot_settings_for(slack_emulator, db)
    batch = await plan_unsubmitted(settings, MONDAY)
    assert [o.about for o in batch.messages] == ["Aino Korhonen: 4 entries, 20.25h"]
    assert batch.unreachable == (
        "Carl Offline: 2 entries, 3.50h: no Slack account and SLACK_NOTIFICATIONS_ADMIN is empty",
    )


async def test_an_empty_period_sends_nothing(db: str, slack_emulator: SlackEmulator) -> None:
    aino = await make_person("Aino", "Korhonen", "U0AINO")
    await entry(aino, date(2026, 9, 29), "5", on=await project("Apollo"))
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN=ADMINS)
    batch = await plan_unsubmitted(settings, MONDAY)
    assert batch.messages == () and batch.unreachable == ()


async def test_upstream_text_is_escaped_and_long_lists_are_cut(
    db: str, slack_emulator: SlackEmulator
) -> None:
    evil = await make_person("<!channel>", "<https://evil.example|x>", "U0EVIL")
    tricky = await project("<!here> & co", client="<@U0BOSS>")
    for n in range(55):
        await entry(
            evil, date(2026, 10, 1) + timedelta(days=n), "1", on=tricky, notes="<!everyone>"
        )
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN="U0NOTE")
    await send_batch(build_notification_client(settings), await plan_unsubmitted(settings, MONDAY))
    (dm,) = posted_to(slack_emulator, slack_emulator.conversation_id("U0EVIL"))
    text = shown(dm)
    assert "&lt;@U0BOSS&gt; – &lt;!here&gt; &amp; co" in text
    assert "_&lt;!everyone&gt;_" in text
    assert "<!" not in text and "<@" not in text and "<https" not in text
    assert "… and 15 more" in text  # 40 of the 55 listed
    assert len(blocks_of(dm)) <= 50
    (copy,) = posted_to(slack_emulator, slack_emulator.conversation_id("U0NOTE"))
    heading = "This was sent to &lt;!channel&gt; &lt;https://evil.example|x&gt;:"
    assert copy.args["text"].startswith(heading)
    assert "<!" not in copy.args["text"] and "<!" not in shown(copy)
    assert slack_emulator.violations == []


# --- the Submit button in the DM ------------------------------------------------------------


@pytest.fixture
async def tenkfeet() -> AsyncIterator[TenkfeetEmulator]:
    async with TenkfeetEmulator() as emulator:
        yield emulator


@pytest.fixture
async def bot(
    db: str, slack_emulator: SlackEmulator, tenkfeet: TenkfeetEmulator
) -> AsyncIterator[BotUnderTest]:
    settings = bot_settings_for(
        slack_emulator,
        db,
        TENKFEET_API_URL=tenkfeet.base_url,
        TENKFEET_AUTH=tenkfeet.token,
        SLACK_NOTIFICATIONS_ADMIN="U0NOTE",
    )
    async with bot_lifespan(settings, database_ready=True) as running:
        await slack_emulator.wait_for_connections(1)
        yield BotUnderTest(
            web_url=running.web_url, emulator=slack_emulator, app=running.app, settings=settings
        )
    assert not slack_emulator.violations, "\n".join(slack_emulator.violations)


def upstream(row: HourEntry, user_id: int) -> dict[str, Any]:
    return {
        "id": row.tenkfeet_id,
        "user_id": user_id,
        "assignable_id": 1,
        "assignable_type": "Project",
        "date": row.date.isoformat(),
        "hours": float(row.hours),
        "notes": row.notes,
        "task": row.category,
        "is_suggestion": False,
        "created_at": row.upstream_updated_at,
        "updated_at": row.upstream_updated_at,
        "approvals": {"data": [], "paging": {}},
    }


async def _reminded(bot: BotUnderTest, tenkfeet: TenkfeetEmulator) -> tuple[Person, str, str]:
    """Aino with a complete entry, one without notes and a leave day; the reminder sent.
    Returns Aino, her DM channel and the Submit button's value."""
    today = company_today(bot.settings)
    aino = await make_person("Aino", "Korhonen", "U0AINO")
    await make_person("Bob", "Builder", "U0NOTE")
    apollo = await project("Apollo")
    good = await entry(aino, today - timedelta(days=9), "7.5", on=apollo)
    no_notes = await entry(aino, today - timedelta(days=10), "2", on=apollo, notes="")
    leave = await entry(aino, today - timedelta(days=11), "7.5", leave_type="Vacation")
    for row in (good, no_notes, leave):
        tenkfeet.data.time_entries.add(upstream(row, aino.tenkfeet_id))
    await send_batch(
        build_notification_client(bot.settings), await plan_unsubmitted(bot.settings, today)
    )
    channel = bot.emulator.conversation_id("U0AINO")
    (dm,) = posted_to(bot.emulator, channel)
    (actions,) = [b for b in blocks_of(dm) if b["type"] == "actions"]
    (submit,) = [b for b in actions["elements"] if b["action_id"] == ActionId.REMINDER_SUBMIT_HOURS]
    return aino, channel, submit["value"]


async def test_submit_in_the_dm_submits_and_says_what_was_not(
    bot: BotUnderTest, tenkfeet: TenkfeetEmulator
) -> None:
    aino, channel, value = await _reminded(bot, tenkfeet)
    emulator = bot.emulator
    seen = len(emulator.calls)
    ack = await emulator.send_block_action(
        ActionId.REMINDER_SUBMIT_HOURS, value, user_id="U0AINO", channel_id=channel
    )
    assert ack.payload is None
    reply = await emulator.wait_for_call("chat.postMessage", after=seen)
    assert reply.args["channel"] == channel
    assert reply.args["text"] == (
        ":white_check_mark: Submitted 1 entry (7.50h) to 10000ft for approval."
    )
    text = shown(reply)
    assert "Not submitted: 2 entries that cannot be submitted from here" in text
    assert "Apollo / Build 2.00h: no notes" in text
    assert "Vacation 7.50h: leave (submit it in 10000ft)" in text
    posts = [r for r in tenkfeet.requests if r.method == "POST"]
    assert len(posts) == 1 and posts[0].path == "/api/v1/approvals"
    assert len(json.loads(posts[0].body)["approvables"]) == 1
    statuses = sorted(await HourEntry.filter(person=aino).values_list("status", flat=True))
    assert statuses == ["Pending Approval", "Unsubmitted", "Unsubmitted"]


async def test_someone_else_clicking_the_button_submits_nothing(
    bot: BotUnderTest, tenkfeet: TenkfeetEmulator
) -> None:
    aino, _, value = await _reminded(bot, tenkfeet)
    emulator = bot.emulator
    # Bob (U0NOTE) got a copy of Aino's reminder as a notifications admin, without buttons
    # ("your hours" would open his own); a forged click with the button's value is refused.
    copy_channel = emulator.conversation_id("U0NOTE")
    (copy,) = posted_to(emulator, copy_channel)
    assert all(block["type"] != "actions" for block in blocks_of(copy))
    seen = len(emulator.calls)
    await emulator.send_block_action(
        ActionId.REMINDER_SUBMIT_HOURS, value, user_id="U0NOTE", channel_id=copy_channel
    )
    told = await emulator.wait_for_call("response_url", after=seen)
    assert told.args["text"] == NOT_YOUR_REMINDER
    assert told.args["response_type"] == "ephemeral"
    assert [r for r in tenkfeet.requests if r.method == "POST"] == []
    assert await HourEntry.filter(person=aino, status="Unsubmitted").count() == 3
    assert [c for c in emulator.calls[seen:] if c.method == "chat.postMessage"] == []


async def test_submit_takes_the_days_the_reminder_listed_as_they_stand_at_the_click(
    bot: BotUnderTest, tenkfeet: TenkfeetEmulator
) -> None:
    # The DM lists last Sunday − 60 days … last Sunday; its oldest day is older than the App
    # Home's 60 days, and the days after last Sunday are not listed.
    today = company_today(bot.settings)
    period = reminder_period(today)
    aino = await make_person("Aino", "Korhonen", "U0AINO")
    apollo = await project("Apollo")
    oldest = await entry(aino, period.first, "1.5", on=apollo)
    submitted_since = await entry(aino, period.last, "2", on=apollo)
    not_listed = await entry(aino, period.last + timedelta(days=1), "3", on=apollo)
    for row in (oldest, submitted_since, not_listed):
        tenkfeet.data.time_entries.add(upstream(row, aino.tenkfeet_id))
    await send_batch(
        build_notification_client(bot.settings), await plan_unsubmitted(bot.settings, today)
    )
    emulator = bot.emulator
    channel = emulator.conversation_id("U0AINO")
    (dm,) = posted_to(emulator, channel)
    assert f"• {period.first.isoformat()} · Acme – Apollo" in shown(dm)
    assert f"• {not_listed.date.isoformat()}" not in shown(dm)
    (actions,) = [b for b in blocks_of(dm) if b["type"] == "actions"]
    (submit,) = [b for b in actions["elements"] if b["action_id"] == ActionId.REMINDER_SUBMIT_HOURS]
    assert submit["confirm"]["text"]["text"] == (
        f"Submit your complete unsubmitted entries dated {period.first.isoformat()} … "
        f"{period.last.isoformat()} to 10000ft for approval?"
    )
    # Between the DM and the click a sync brings one listed entry as submitted.
    await HourEntry.filter(id=submitted_since.id).update(status="Pending Approval")

    seen = len(emulator.calls)
    await emulator.send_block_action(
        ActionId.REMINDER_SUBMIT_HOURS, submit["value"], user_id="U0AINO", channel_id=channel
    )
    reply = await emulator.wait_for_call("chat.postMessage", after=seen)
    assert reply.args["text"] == (
        ":white_check_mark: Submitted 1 entry (1.50h) to 10000ft for approval."
    )
    (post,) = [r for r in tenkfeet.requests if r.method == "POST"]
    assert [a["id"] for a in json.loads(post.body)["approvables"]] == [oldest.tenkfeet_id]
    statuses = dict(await HourEntry.filter(person=aino).values_list("id", "status"))
    assert statuses == {
        oldest.id: "Pending Approval",
        submitted_since.id: "Pending Approval",
        not_listed.id: "Unsubmitted",
    }
