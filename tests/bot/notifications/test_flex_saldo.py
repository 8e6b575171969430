"""The monthly flex saldo message through the Slack emulator, on the admin-site test company
(tests/support/web_company.py, hand-counted as of 2025-02-28), run on the first Wednesday of
March 2025: Frank (-120.00, below the band) gets a DM and the notifications admins a copy (with
his figures for the one in HR, only that it was sent for the other);
Gina (+150.00, above) has no Slack, so they are told her name only; Alice (+8.75, changed by
+2.25), Bob (not active), Carol (no contract on 16 Jan), Dave (archived) and Erin (no
contract) get nothing."""

from __future__ import annotations

import datetime as dt
import json

from bot.emulators.slack import SlackEmulator
from bot.notifications.batch import send_batch
from bot.notifications.flex_saldo import plan_flex_saldo
from core.off_loop import WorkerProcess
from handlers.slack_ids import ActionId
from models import Notification, Person
from sync.slack_client import build_web_client
from tests.bot.notifications.test_unsubmitted import blocks_of, posted_to, shown
from tests.conftest import bot_settings_for
from tests.support.signed_in import join
from tests.support.web_company import Company, build_company, make_person

FIRST_WEDNESDAY = dt.date(2025, 3, 5)
ADMINS = "U0NOTE,UALICE"


async def _company() -> Company:
    company = await build_company()
    await Person.filter(id=company.frank.id).update(slack_id="U0FRANK")
    await Person.filter(id=company.dave.id).update(slack_id="U0DAVE")
    return company


async def test_dm_copies_and_a_word_about_no_slack_sent_once(
    db: str, slack_emulator: SlackEmulator
) -> None:
    company = await _company()
    await join(await make_person("Hanna", "Hr", slack_id="U0NOTE"), "hr")
    await join(company.alice, "admin")  # an admin, but not HR: no one else's flex figures
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN=ADMINS)
    batch = await plan_flex_saldo(settings, FIRST_WEDNESDAY)
    assert (batch.kind, batch.period, batch.covers) == ("flex-saldo", "2025-02", "as of 2025-02-28")
    assert [o.about for o in batch.messages] == [
        "Frank Fisher: -120.00h, change -, below_band",
        "copy of Frank Fisher: -120.00h, change -, below_band",
        "copy of Frank Fisher: -120.00h, change -, below_band (without the figures)",
        "Gina Gray (no Slack: told the notifications admins, no figures)",
    ]

    dry = await send_batch(None, batch, dry_run=True)
    assert {o.status for o in dry.outcomes} == {"would send"}
    assert slack_emulator.calls_to("chat.postMessage") == []
    assert await Notification.all().count() == 0

    report = await send_batch(build_web_client(settings), batch, send_rate=100)
    assert report.failed == 0 and report.tally() == "4 sent"

    (dm,) = posted_to(slack_emulator, slack_emulator.conversation_id("U0FRANK"))
    assert dm.args["text"] == (
        "Your flex saldo is -120.00h. In the long run it should stay between -40.00h and "
        "+120.00h. If you already have a plan to fix this, no action is needed. If not, please "
        "make one: work more hours to balance it, or take a one-off pay cut."
    )
    blocks = blocks_of(dm)
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Your monthly flex saldo"},
    }
    fields = [f["text"] for b in blocks if b["type"] == "section" for f in b.get("fields", [])]
    assert fields == ["*Saldo on 2025-02-28*\n-120.00h", "*Change during February 2025*\n-"]
    (actions,) = [b for b in blocks if b["type"] == "actions"]
    buttons = {b["action_id"]: b for b in actions["elements"]}
    assert buttons[ActionId.FLEX_OPEN_DETAILS]["url"] == settings.public_link(
        f"/users/{company.frank.guid}/flexhours"
    )
    assert buttons[ActionId.FLEX_OPEN_TENKFEET]["url"] == settings.tenkfeet_app_url

    # Hanna (HR) reads the whole message, without its buttons and links.
    (full,) = posted_to(slack_emulator, slack_emulator.conversation_id("U0NOTE"))
    assert full.args["text"].startswith("This was sent to Frank Fisher: Your flex saldo is")
    assert "-120.00h" in shown(full)
    assert all(b["type"] != "actions" for b in blocks_of(full))
    assert "flexhours" not in shown(full) and "http" not in shown(full)
    # Alice (not HR) reads only that it went out: no figures, words or links of it.
    (short,) = posted_to(slack_emulator, slack_emulator.conversation_id("UALICE"))
    assert short.args["text"] == (
        "This was sent to Frank Fisher: Their monthly flex saldo message for February 2025. "
        "Its figures are for them and HR only, so this copy leaves them out."
    )
    for figure in ("120", "-40.00", "below", "band", "http", "flexhours"):
        assert figure not in shown(short) and figure not in short.args["text"]
    assert all(b["type"] != "actions" for b in blocks_of(short))
    (told,) = posted_to(slack_emulator, slack_emulator.conversation_id("U0NOTE", "UALICE"))
    assert told.args["text"].startswith("Gina Gray has a flex saldo message for February 2025")
    assert "150" not in shown(told) and "150" not in told.args["text"]  # her figures are hers
    everything = json.dumps([c.args for c in slack_emulator.calls], ensure_ascii=False)
    for nobody in ("Alice Aalto", "Bob", "Carol", "Dave", "Erin", "U0DAVE", "8.75"):
        assert nobody not in everything
    summaries = dict(
        await Notification.filter(subject="copy:U0FRANK").values_list("recipient", "summary")
    )
    assert "-120.00h" in summaries["U0NOTE"] and "120" not in summaries["UALICE"]
    rows = await Notification.all().order_by("recipient", "subject")
    assert [(r.type, r.period, r.recipient, r.subject, r.status) for r in rows] == [
        ("flex-saldo", "2025-02", "U0FRANK", "", "sent"),
        ("flex-saldo", "2025-02", "U0NOTE", "copy:U0FRANK", "sent"),
        ("flex-saldo", "2025-02", "U0NOTE,UALICE", f"no-slack:{company.gina.guid}", "sent"),
        ("flex-saldo", "2025-02", "UALICE", "copy:U0FRANK", "sent"),
    ]

    # Again within the month (another day of March): nothing more.
    again = await send_batch(
        build_web_client(settings), await plan_flex_saldo(settings, dt.date(2025, 3, 20))
    )
    assert {o.status for o in again.outcomes} == {"already sent"}
    assert len(slack_emulator.calls_to("chat.postMessage")) == 4
    assert slack_emulator.violations == []


async def test_without_notifications_admins_no_slack_is_unreachable(
    db: str, slack_emulator: SlackEmulator
) -> None:
    await _company()
    settings = bot_settings_for(slack_emulator, db)
    batch = await plan_flex_saldo(settings, FIRST_WEDNESDAY)
    assert [o.about for o in batch.messages] == ["Frank Fisher: -120.00h, change -, below_band"]
    assert batch.unreachable == (
        "Gina Gray: no Slack account and SLACK_NOTIFICATIONS_ADMIN is empty",
    )


async def test_the_worker_process_plans_the_same_batch(
    db: str, slack_emulator: SlackEmulator
) -> None:
    await _company()
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN=ADMINS)
    inline = await plan_flex_saldo(settings, FIRST_WEDNESDAY)
    worker = WorkerProcess()
    try:
        there = await plan_flex_saldo(settings, FIRST_WEDNESDAY, run=worker.run)
    finally:
        await worker.close()
    assert there == inline


async def test_an_empty_company_sends_nothing(db: str, slack_emulator: SlackEmulator) -> None:
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN=ADMINS)
    batch = await plan_flex_saldo(settings, FIRST_WEDNESDAY)
    assert batch.messages == () and batch.unreachable == ()
    assert (await send_batch(None, batch, dry_run=True)).lines() == [
        "flex-saldo 2025-02 (as of 2025-02-28): nothing to send"
    ]
