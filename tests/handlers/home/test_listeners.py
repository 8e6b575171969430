"""App Home end to end: app_home_opened → views.publish; "Submit to 10000ft" → approvals."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.emulators.slack import SlackEmulator
from bot.emulators.tenkfeet import TenkfeetEmulator
from bot.lifespan import bot_lifespan
from handlers.flow_reference import BROKEN_REFERENCE
from handlers.home.references import HoursSubmission
from handlers.slack_ids import ActionId
from models import Client, HourEntry, Invoice, Person, Project
from models.unsubmitted_hours import UnsubmittedEntry, is_submittable, missing_for_submission
from tests.conftest import BotUnderTest, bot_settings_for
from tests.support.flex_people import add_entry, company_today, full_month_history, make_person


@pytest.fixture
async def tenkfeet() -> AsyncIterator[TenkfeetEmulator]:
    async with TenkfeetEmulator() as emulator:
        yield emulator


@pytest.fixture
async def home_bot(
    db: str, slack_emulator: SlackEmulator, tenkfeet: TenkfeetEmulator
) -> AsyncIterator[BotUnderTest]:
    """The running bot, with 10000ft at the emulator."""
    settings = bot_settings_for(
        slack_emulator, db, TENKFEET_API_URL=tenkfeet.base_url, TENKFEET_AUTH=tenkfeet.token
    )
    async with bot_lifespan(settings, database_ready=True) as bot:
        await slack_emulator.wait_for_connections(1)
        yield BotUnderTest(
            web_url=bot.web_url, emulator=slack_emulator, app=bot.app, settings=settings
        )


def submit_value(bot: BotUnderTest, person: Person) -> str:
    """What the Submit button of ``person``'s Home page of today carries."""
    return HoursSubmission(
        person=person.guid, shown_on=company_today(bot.settings)
    ).as_button_value()


def view_text(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


async def open_home(bot: BotUnderTest, user_id: str) -> dict[str, Any]:
    emulator = bot.emulator
    seen = len(emulator.calls)
    ack = await emulator.send_event(
        {"type": "app_home_opened", "user": user_id, "channel": f"D{user_id}", "tab": "home"}
    )
    assert ack.payload is None
    call = await emulator.wait_for_call(
        "views.publish", after=seen, where=lambda c: c.args.get("user_id") == user_id
    )
    view = call.args["view"]
    return json.loads(view) if isinstance(view, str) else view


def upstream(entry: HourEntry, user_id: int) -> dict[str, Any]:
    """The same entry as 10000ft holds it."""
    return {
        "id": entry.tenkfeet_id,
        "user_id": user_id,
        "assignable_id": 1,
        "assignable_type": "Project",
        "date": entry.date.isoformat(),
        "hours": float(entry.hours),
        "notes": entry.notes,
        "task": entry.category,
        "is_suggestion": False,
        "created_at": entry.upstream_updated_at,
        "updated_at": entry.upstream_updated_at,
        "approvals": {"data": [], "paging": {}},
    }


# --- the selection rules (pure) ------------------------------------------------------------


def test_submittable_needs_notes_phase_category_and_the_60_day_window() -> None:
    today = date(2025, 4, 1)

    def e(**kw: Any) -> UnsubmittedEntry:
        base: dict[str, Any] = {
            "hours": Decimal(1),
            "project_name": "P",
            "phase_name": "Build",
            "category": "Dev",
            "notes": "n",
        }
        base.update(kw)
        day = base.pop("day", today)
        return UnsubmittedEntry(1, day, **base)

    assert is_submittable(e(), today)
    assert is_submittable(e(day=today - timedelta(days=60)), today)
    assert missing_for_submission(e(day=today - timedelta(days=61)), today) == [
        "older than 60 days"
    ]
    assert missing_for_submission(e(day=today + timedelta(days=1)), today) == ["in the future"]
    assert missing_for_submission(e(notes="  "), today) == ["no notes"]
    assert missing_for_submission(e(phase_name="[Non Phase Specific]"), today) == ["no phase"]
    assert missing_for_submission(e(phase_name=""), today) == ["no phase"]
    for category in ("", "[none]", "No category", "NO CATEGORY"):
        assert missing_for_submission(e(category=category), today) == ["no category"]
    leave = e(project_name="", phase_name="", category="", notes="", leave_type="Vacation")
    assert missing_for_submission(leave, today) == ["leave (submit it in 10000ft)"]


# --- end to end ----------------------------------------------------------------------------


async def test_home_shows_saldo_unsubmitted_hours_and_invoices(home_bot: BotUnderTest) -> None:
    jane = await make_person("Jane", "Doe", "U0JANE")
    await full_month_history(jane, home_bot.settings)
    today = company_today(home_bot.settings)
    await add_entry(jane, today - timedelta(days=3), "2.5", status="Unsubmitted", notes="")
    client = await Client.create(name="Acme")
    project = await Project.create(tenkfeet_id=77, guid="p-77", name="Apollo", client=client)
    await project.admins.add(jane)
    invoice = await Invoice.create(project=project, year=2025, month=2, hours=Decimal("120.5"))
    await Invoice.create(project=project, year=2025, month=1, hours=10, state="Approved")
    # The running month's invoice is not ready for review yet.
    running = await Invoice.create(project=project, year=today.year, month=today.month, hours=9)

    view = await open_home(home_bot, "U0JANE")
    text = view_text(view)
    assert view["type"] == "home"
    assert "Flex saldo for Jane Doe is +3.25h" in text
    # The history's 5 h Unsubmitted entry on the last workday, and the 2.5 h one just added.
    assert "*2* entries, *7.50h*" in text
    assert "1 of them (5.00h) can be submitted" in text
    assert "Submit 1 entry (5.00h) to 10000ft for approval?" in text
    assert "no notes" in text
    assert ActionId.HOME_SUBMIT_HOURS in text
    assert f"/invoices/{invoice.id}" in text
    assert "*Acme: Apollo* 2025-02, 120.50h" in text
    assert "2025-01" not in text
    assert f"/invoices/{running.id}" not in text


async def test_home_for_someone_unknown_and_the_messages_tab(home_bot: BotUnderTest) -> None:
    emulator = home_bot.emulator
    await emulator.send_event(
        {"type": "app_home_opened", "user": "U0NOBODY", "channel": "D1", "tab": "messages"}
    )
    view = await open_home(home_bot, "U0NOBODY")
    assert "I couldn't find you in 10000ft" in view_text(view)
    assert len(emulator.calls_to("views.publish")) == 1


async def _jane_with_three_unsubmitted(
    bot: BotUnderTest, tenkfeet: TenkfeetEmulator
) -> tuple[Person, list[HourEntry]]:
    jane = await make_person("Jane", "Doe", "U0JANE")
    today = company_today(bot.settings)
    good = await add_entry(
        jane,
        today - timedelta(days=2),
        "7.5",
        status="Unsubmitted",
        updated_at="2025-01-02T00:00:00Z",
    )
    stale = await add_entry(
        jane,
        today - timedelta(days=3),
        "4",
        status="Unsubmitted",
        updated_at="2025-01-03T00:00:00Z",
    )
    incomplete = await add_entry(
        jane, today - timedelta(days=4), "1", status="Unsubmitted", category="[none]"
    )
    old = await add_entry(jane, today - timedelta(days=90), "3", status="Unsubmitted")
    for entry in (good, stale, incomplete, old):
        tenkfeet.data.time_entries.add(upstream(entry, jane.tenkfeet_id))
    # Someone changed this one in 10000ft after our last sync.
    tenkfeet.data.time_entries.update(stale.tenkfeet_id, updated_at="2025-02-01T00:00:00Z")
    return jane, [good, stale, incomplete, old]


async def test_submit_sends_only_submittable_entries_and_refreshes_home(
    home_bot: BotUnderTest, tenkfeet: TenkfeetEmulator
) -> None:
    jane, (good, stale, incomplete, old) = await _jane_with_three_unsubmitted(home_bot, tenkfeet)
    emulator = home_bot.emulator
    seen = len(emulator.calls)
    ack = await emulator.send_block_action(
        ActionId.HOME_SUBMIT_HOURS,
        submit_value(home_bot, jane),
        user_id="U0JANE",
        view={"id": "VHOME", "type": "home"},
    )
    assert ack.payload is None
    call = await emulator.wait_for_call("views.publish", after=seen)

    posts = [r for r in tenkfeet.requests if r.method == "POST"]
    assert len(posts) == 1 and posts[0].path == "/api/v1/approvals"
    assert posts[0].headers.get("auth") == tenkfeet.token
    body = json.loads(posts[0].body)
    assert body["status"] == "pending"
    assert body["approvables"] == [
        {"id": stale.tenkfeet_id, "type": "TimeEntry", "updated_at": "2025-01-03T00:00:00Z"},
        {"id": good.tenkfeet_id, "type": "TimeEntry", "updated_at": "2025-01-02T00:00:00Z"},
    ]
    statuses = dict(await HourEntry.filter(person=jane).values_list("tenkfeet_id", "status"))
    assert statuses == {
        good.tenkfeet_id: "Pending Approval",
        stale.tenkfeet_id: "Unsubmitted",
        incomplete.tenkfeet_id: "Unsubmitted",
        old.tenkfeet_id: "Unsubmitted",
    }
    view = call.args["view"]
    text = view_text(json.loads(view) if isinstance(view, str) else view)
    assert ":white_check_mark:" not in text
    assert "Submitted 1 entry (7.50h) to 10000ft for approval." in text
    assert "1 entry was changed in 10000ft since the last sync" in text
    # The refreshed view counts what is still unsubmitted: stale 4 h, incomplete 1 h, old 3 h.
    assert "*3* entries, *8.00h*" in text


async def test_a_10000ft_error_is_shown_and_changes_nothing(
    home_bot: BotUnderTest, tenkfeet: TenkfeetEmulator
) -> None:
    jane, entries = await _jane_with_three_unsubmitted(home_bot, tenkfeet)
    tenkfeet.fail_request(1, status=403, message="Token lacks permission")
    emulator = home_bot.emulator
    seen = len(emulator.calls)
    await emulator.send_block_action(
        ActionId.HOME_SUBMIT_HOURS,
        submit_value(home_bot, jane),
        user_id="U0JANE",
        view={"id": "VHOME", "type": "home"},
    )
    call = await emulator.wait_for_call("views.publish", after=seen)
    view = call.args["view"]
    text = view_text(json.loads(view) if isinstance(view, str) else view)
    assert ":warning: 10000ft did not take the submission" in text
    assert "403" in text and "Token lacks permission" in text
    assert "Nothing was changed" in text
    assert await HourEntry.filter(person=jane, status="Unsubmitted").count() == len(entries)


# --- the button's reference ----------------------------------------------------------------


def approval_posts(tenkfeet: TenkfeetEmulator) -> list[Any]:
    return [r for r in tenkfeet.requests if r.method == "POST"]


async def test_the_published_button_names_the_person_and_the_day(
    home_bot: BotUnderTest, tenkfeet: TenkfeetEmulator
) -> None:
    jane, _ = await _jane_with_three_unsubmitted(home_bot, tenkfeet)
    view = await open_home(home_bot, "U0JANE")
    values = [
        b["accessory"]["value"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("action_id") == ActionId.HOME_SUBMIT_HOURS
    ]
    assert values == [submit_value(home_bot, jane)]
    assert HoursSubmission.from_button_value(values[0]) == HoursSubmission(
        person=jane.guid, shown_on=company_today(home_bot.settings)
    )


async def test_a_click_on_a_page_made_for_someone_else_is_refused(
    home_bot: BotUnderTest, tenkfeet: TenkfeetEmulator
) -> None:
    await _jane_with_three_unsubmitted(home_bot, tenkfeet)
    # The page was published for Bob; since then U0JANE's account links to Jane.
    bob = await make_person("Bob", "Builder", None)
    emulator = home_bot.emulator
    seen = len(emulator.calls)
    await emulator.send_block_action(
        ActionId.HOME_SUBMIT_HOURS,
        submit_value(home_bot, bob),
        user_id="U0JANE",
        view={"id": "VHOME", "type": "home"},
    )
    told = await emulator.wait_for_call("chat.postMessage", after=seen)
    assert told.args["channel"] == "U0JANE"
    assert told.args["text"].startswith("That Home page was made for someone else")
    published = emulator.calls_to("views.publish")
    assert [c.args["user_id"] for c in published] == ["U0JANE"]
    page = view_text(published[0].args["view"])
    assert "Jane Doe" in page and "Bob" not in page
    assert approval_posts(tenkfeet) == []


async def test_a_page_from_an_earlier_day_is_refreshed_not_submitted(
    home_bot: BotUnderTest, tenkfeet: TenkfeetEmulator
) -> None:
    jane, entries = await _jane_with_three_unsubmitted(home_bot, tenkfeet)
    yesterday = company_today(home_bot.settings) - timedelta(days=1)
    emulator = home_bot.emulator
    seen = len(emulator.calls)
    await emulator.send_block_action(
        ActionId.HOME_SUBMIT_HOURS,
        HoursSubmission(person=jane.guid, shown_on=yesterday).as_button_value(),
        user_id="U0JANE",
        view={"id": "VHOME", "type": "home"},
    )
    call = await emulator.wait_for_call("views.publish", after=seen)
    text = view_text(call.args["view"])
    assert f"Nothing was submitted: that page was from {yesterday.isoformat()}" in text
    assert approval_posts(tenkfeet) == []
    assert await HourEntry.filter(person=jane, status="Unsubmitted").count() == len(entries)


async def test_an_unreadable_button_value_changes_nothing(
    home_bot: BotUnderTest, tenkfeet: TenkfeetEmulator
) -> None:
    await _jane_with_three_unsubmitted(home_bot, tenkfeet)
    emulator = home_bot.emulator
    seen = len(emulator.calls)
    await emulator.send_block_action(
        ActionId.HOME_SUBMIT_HOURS, "submit", user_id="U0JANE", view={"id": "VHOME", "type": "home"}
    )
    told = await emulator.wait_for_call("chat.postMessage", after=seen)
    assert told.args["text"] == BROKEN_REFERENCE
    assert approval_posts(tenkfeet) == []
    assert emulator.calls_to("views.publish") == []


async def test_upstream_error_text_is_escaped_on_the_page(
    home_bot: BotUnderTest, tenkfeet: TenkfeetEmulator
) -> None:
    jane, _ = await _jane_with_three_unsubmitted(home_bot, tenkfeet)
    tenkfeet.fail_request(1, status=403, message="Ask <!channel> & <@U0BOSS>")
    emulator = home_bot.emulator
    seen = len(emulator.calls)
    await emulator.send_block_action(
        ActionId.HOME_SUBMIT_HOURS,
        submit_value(home_bot, jane),
        user_id="U0JANE",
        view={"id": "VHOME", "type": "home"},
    )
    call = await emulator.wait_for_call("views.publish", after=seen)
    view = call.args["view"]
    text = view_text(json.loads(view) if isinstance(view, str) else view)
    assert "Ask &lt;!channel&gt; &amp; &lt;@U0BOSS&gt;" in text
    assert "<!channel>" not in text and "<@U0BOSS>" not in text
