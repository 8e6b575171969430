"""The weekly unapproved-hours reminder through the Slack emulator: per project to its admins
(DM, group DM, split beyond eight), to the notifications admins when nobody can be told,
unapproved leave apart, copies, and the repeat that sends nothing."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.emulators.slack import ApiCall, SlackEmulator
from bot.notifications.batch import send_batch
from bot.notifications.unapproved import plan_unapproved
from handlers.slack_ids import ActionId
from models import Notification, Project
from sync.slack_client import build_web_client
from tests.conftest import bot_settings_for
from tests.support.flex_people import make_person
from tests.support.hour_reminders import entry, project

TUESDAY = date(2026, 12, 1)  # period 2026-09-30 .. 2026-11-29


def posted_to(emulator: SlackEmulator, *users: str) -> list[ApiCall]:
    channel = emulator.conversation_id(*users)
    return [c for c in emulator.calls_to("chat.postMessage") if c.args["channel"] == channel]


def blocks_of(call: ApiCall) -> list[dict[str, Any]]:
    blocks = call.args["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def shown(call: ApiCall) -> str:
    return json.dumps(blocks_of(call), ensure_ascii=False)


async def _company() -> dict[str, Project]:
    ann = await make_person("Ann", "Admin", "U0ANN")
    nils = await make_person("Nils", "Noslack", None)
    gone = await make_person("Gone", "Admin", "U0GONE", archived=True)
    worker = await make_person("Wes", "Worker", "U0WES")
    nine = [await make_person(f"Admin{n}", "Nine", f"U9{n}") for n in range(9)]
    apollo = await project("Apollo", admins=(ann, gone))
    hermes = await project("Hermes", client="Beta", admins=(nils,))
    zeus = await project("Zeus", archived=True)  # archived, no admins: still reported
    big = await project("Big", client="Beta", admins=tuple(nine))
    done = await project("Done")
    await entry(worker, date(2026, 9, 30), "7.5", on=apollo, status="Pending Approval", rate="100")
    await entry(worker, date(2026, 11, 29), "2.25", on=apollo, rate="80.50")  # Unsubmitted
    await entry(worker, date(2026, 10, 1), "1", on=apollo, status="Pending Approval")
    await entry(worker, date(2026, 10, 2), "8", on=apollo, status="Approved", rate="100")
    await entry(worker, date(2026, 9, 29), "5", on=apollo, status="Pending Approval", rate="100")
    await entry(worker, date(2026, 11, 30), "5", on=apollo, status="Pending Approval", rate="100")
    await entry(worker, date(2026, 10, 3), "4", on=hermes, status="Pending Approval", rate="90")
    await entry(worker, date(2026, 10, 4), "3", on=zeus, status="Pending Approval", rate="50")
    await entry(worker, date(2026, 10, 5), "6", on=big, status="Pending Approval", rate="10")
    await entry(worker, date(2026, 10, 6), "6", on=done, status="Approved", rate="10")
    await entry(worker, date(2026, 10, 7), "7.5", status="Pending Approval")  # leave
    await entry(worker, date(2026, 10, 8), "7.5")  # leave, Unsubmitted
    await entry(worker, date(2026, 10, 9), "7.5", status="Approved")  # leave, approved
    return {"apollo": apollo, "hermes": hermes, "zeus": zeus, "big": big}


async def test_per_project_messages_copies_leave_and_the_repeat(
    db: str, slack_emulator: SlackEmulator
) -> None:
    projects = await _company()
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN="U0NOTE,U0ANN")
    batch = await plan_unapproved(settings, TUESDAY)
    assert (batch.kind, batch.period, batch.covers, batch.unreachable) == (
        "unapproved",
        "2026-W49",
        "2026-09-30..2026-11-29",
        (),
    )
    report = await send_batch(build_web_client(settings), batch, send_rate=100)
    assert report.failed == 0

    # Apollo: 7.5 h × 100 + 2.25 h × 80.50 + 1 h × 0 = 931.125 → 931.13 EUR; to Ann alone (the
    # archived admin is no admin). Ann is a notifications admin too: no copy of it for her,
    # but copies of Big's two messages.
    dated = "dated between 2026-09-30 and 2026-11-29."
    big = "Beta – Big: 1 entry, 6.00h, 60.00 EUR not approved, " + dated
    first_five = "Admin0 Nine, Admin1 Nine, Admin2 Nine, Admin3 Nine, Admin4 Nine"
    last_four = "Admin5 Nine, Admin6 Nine, Admin7 Nine, Admin8 Nine"
    to_ann = sorted(posted_to(slack_emulator, "U0ANN"), key=lambda c: c.args["text"])
    assert [c.args["text"] for c in to_ann] == [
        "Acme – Apollo: 3 entries, 10.75h, 931.13 EUR not approved, " + dated,
        f"This was sent to {first_five}: {big}",
        f"This was sent to {last_four}: {big}",
    ]
    apollo = to_ann[0]
    text = shown(apollo)
    assert "(2 pending approval, 1 not submitted yet)" in text
    (actions,) = [b for b in blocks_of(apollo) if b["type"] == "actions"]
    urls = {b["action_id"]: b["url"] for b in actions["elements"]}
    guid = projects["apollo"].guid
    assert urls[ActionId.UNAPPROVED_OPEN_PROJECT] == settings.public_link(f"/projects/{guid}")
    tenkfeet_id = projects["apollo"].tenkfeet_id
    assert urls[ActionId.UNAPPROVED_OPEN_TENKFEET] == (
        f"{settings.tenkfeet_app_url}/viewproject?id={tenkfeet_id}"
    )

    to_note = posted_to(slack_emulator, "U0NOTE")
    assert sorted(c.args["text"] for c in to_note) == [
        f"This was sent to {first_five}: {big}",
        f"This was sent to {last_four}: {big}",
        "This was sent to Ann Admin: Acme – Apollo: 3 entries, 10.75h, 931.13 EUR not approved, "
        + dated,
    ]
    # A copy is for reading: the project's page needs its admins or finance, so no buttons.
    assert all(b["type"] != "actions" for c in to_note for b in blocks_of(c))
    # Hermes' only admin has no Slack and Zeus has no admin: both notifications admins are
    # told in their group DM, saying why; leave goes there too, in a message of its own.
    group = posted_to(slack_emulator, "U0ANN", "U0NOTE")
    by_text = {c.args["text"].split(":")[0]: c for c in group}
    assert sorted(by_text) == ["Acme – Zeus (archived)", "Beta – Hermes", "Leave"]
    assert "none of its admins (Nils Noslack) has a Slack account" in shown(
        by_text["Beta – Hermes"]
    )
    assert "the project has no admins" in shown(by_text["Acme – Zeus (archived)"])
    assert by_text["Leave"].args["text"] == (
        "Leave: 2 entries, 15.00h, 0.00 EUR not approved, dated between 2026-09-30 and 2026-11-29."
    )
    assert (
        by_text["Beta – Hermes"]
        .args["text"]
        .startswith("Beta – Hermes: 1 entry, 4.00h, 360.00 EUR")
    )
    # Big's nine admins: two group DMs, five and four.
    nine = [f"U9{n}" for n in range(9)]
    (first,) = posted_to(slack_emulator, *nine[:5])
    (second,) = posted_to(slack_emulator, *nine[5:])
    assert first.args["text"] == second.args["text"]
    assert first.args["text"] == big
    assert len(slack_emulator.calls_to("chat.postMessage")) == len(batch.messages)
    subjects = await Notification.filter(recipient="U0ANN").values_list("subject", flat=True)
    assert sorted(subjects)[-1] == guid and len(subjects) == 3
    big_guid = projects["big"].guid
    assert sorted(subjects)[:2] == sorted(s for s in subjects if s.startswith(f"copy:{big_guid}:"))

    again = await send_batch(build_web_client(settings), await plan_unapproved(settings, TUESDAY))
    assert {o.status for o in again.outcomes} == {"already sent"}
    assert len(slack_emulator.calls_to("chat.postMessage")) == len(batch.messages)
    assert slack_emulator.violations == []


async def test_without_notifications_admins_nobody_is_told_and_the_batch_says_so(
    db: str, slack_emulator: SlackEmulator
) -> None:
    await _company()
    settings = bot_settings_for(slack_emulator, db)
    batch = await plan_unapproved(settings, TUESDAY)
    assert batch.unreachable == (
        "Acme – Zeus: 1 entry, 3.00h, 150.00 EUR: the project has no admins (no tag names a "
        "person) and SLACK_NOTIFICATIONS_ADMIN is empty",
        "Beta – Hermes: 1 entry, 4.00h, 360.00 EUR: none of its admins (Nils Noslack) has a "
        "Slack account and SLACK_NOTIFICATIONS_ADMIN is empty",
        "Leave: 2 entries, 15.00h, 0.00 EUR: SLACK_NOTIFICATIONS_ADMIN is empty",
    )
    # Apollo to Ann, Big in two group DMs: no copies without notifications admins.
    assert sorted(o.about for o in batch.messages) == [
        "Acme – Apollo: 3 entries, 10.75h, 931.13 EUR",
        "Beta – Big: 1 entry, 6.00h, 60.00 EUR",
        "Beta – Big: 1 entry, 6.00h, 60.00 EUR",
    ]


async def test_an_empty_period_sends_nothing(db: str, slack_emulator: SlackEmulator) -> None:
    ann = await make_person("Ann", "Admin", "U0ANN")
    await entry(ann, date(2026, 11, 30), "5", on=await project("Apollo", admins=(ann,)))
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN="U0NOTE")
    batch = await plan_unapproved(settings, TUESDAY)
    assert batch.messages == () and batch.unreachable == ()


async def test_upstream_names_are_escaped(db: str, slack_emulator: SlackEmulator) -> None:
    boss = await make_person("<!channel>", "<https://evil.example|x>", "U0BOSS")
    tricky = await project("<!here> & co", client="<@U0SOMEONE>", admins=(boss,))
    await entry(boss, date(2026, 10, 1), "1", on=tricky, rate="10")
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN="U0NOTE")
    await send_batch(build_web_client(settings), await plan_unapproved(settings, TUESDAY))
    (message,) = posted_to(slack_emulator, "U0BOSS")
    assert message.args["text"].startswith("&lt;@U0SOMEONE&gt; – &lt;!here&gt; &amp; co: 1 entry")
    assert "*&lt;@U0SOMEONE&gt; – &lt;!here&gt; &amp; co*" in shown(message)
    (copy,) = posted_to(slack_emulator, "U0NOTE")
    assert copy.args["text"].startswith(
        "This was sent to &lt;!channel&gt; &lt;https://evil.example|x&gt;:"
    )
    for call in (message, copy):
        assert "<!" not in call.args["text"] + shown(call) and "<@" not in shown(call)
    assert slack_emulator.violations == []
