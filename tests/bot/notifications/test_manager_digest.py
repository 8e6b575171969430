"""The weekly manager digest through the Slack emulator: one DM per project admin with
everything waiting for them, copies, an admin without Slack, nothing for those with nothing
waiting, the repeat that sends nothing, --dry-run, a digest too long for one message, and its
Review button clicked by the admin (the real bolt app over Socket Mode)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from bot.emulators.slack import ApiCall, SlackEmulator
from bot.lifespan import bot_lifespan
from bot.notifications.batch import send_batch
from bot.notifications.manager_digest import plan_manager_digest
from bot.notifications.registry import scheduled_kinds
from handlers.slack_ids import ActionId
from models import Invoice, Notification, Project
from sync.slack_client import build_web_client
from tests.conftest import BotUnderTest, bot_settings_for
from tests.handlers.invoices.test_review_flow import APPROVE, click_review, open_review, submit
from tests.support.flex_people import make_person
from tests.support.hour_reminders import entry, project
from tests.support.invoice_review import ReviewCompany, review_company

MONDAY = date(2026, 11, 30)  # period 2026-09-30 .. 2026-11-29; invoices up to 2026-10
DATED = "dated between 2026-09-30 and 2026-11-29"


def posted_to(emulator: SlackEmulator, *users: str) -> list[ApiCall]:
    channel = emulator.conversation_id(*users)
    return [c for c in emulator.calls_to("chat.postMessage") if c.args["channel"] == channel]


def blocks_of(call: ApiCall) -> list[dict[str, Any]]:
    blocks = call.args["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def shown(call: ApiCall) -> str:
    return json.dumps(blocks_of(call), ensure_ascii=False)


def buttons_of(call: ApiCall) -> list[dict[str, Any]]:
    found = []
    for block in blocks_of(call):
        found += block.get("elements", []) if block["type"] == "actions" else []
        if block.get("accessory"):
            found.append(block["accessory"])
    return found


async def invoice(on: Project, year: int, month: int, **fields: object) -> Invoice:
    values: dict[str, object] = {"hours": Decimal("12.5"), "money": Decimal(1000)}
    return await Invoice.create(project=on, year=year, month=month, **(values | fields))


async def _company() -> dict[str, Any]:
    ann = await make_person("Ann", "Admin", "U0ANN")
    nils = await make_person("Nils", "Noslack", None)
    gone = await make_person("Gone", "Admin", "U0GONE", archived=True)
    idle = await make_person("Ida", "Idle", "U0IDA")  # administers Done only: nothing waiting
    wes = await make_person("Wes", "Worker", "U0WES")
    nine = [await make_person(f"Admin{n}", "Nine", f"U9{n}") for n in range(9)]
    apollo = await project("Apollo", admins=(ann, gone))
    hermes = await project("Hermes", client="Beta", admins=(ann, nils))
    big = await project("Big", client="Beta", admins=tuple(nine))
    done = await project("Done", admins=(idle,))
    await entry(wes, date(2026, 9, 30), "7.5", on=apollo, status="Pending Approval", rate="100")
    await entry(wes, date(2026, 11, 29), "2.25", on=apollo, rate="80.50")  # Unsubmitted
    await entry(wes, date(2026, 11, 30), "5", on=apollo, rate="100")  # after the period
    await entry(wes, date(2026, 10, 5), "6", on=big, status="Pending Approval", rate="10")
    await entry(wes, date(2026, 10, 6), "6", on=done, status="Approved", rate="10")
    created = await invoice(apollo, 2026, 10)
    changed = await invoice(
        hermes,
        2026,
        9,
        state="Approved",
        approved_hours=Decimal(10),
        changed_since_approval=True,
    )
    await invoice(done, 2026, 10, state="Approved", approved_hours=Decimal("12.5"))
    await invoice(apollo, 2026, 11)  # the running month: not waiting yet
    return {"apollo": apollo, "created": created, "changed": changed, "nils": nils}


async def test_one_dm_per_admin_copies_no_slack_and_the_repeat(
    db: str, slack_emulator: SlackEmulator
) -> None:
    made = await _company()
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN="U0NOTE")
    batch = await plan_manager_digest(settings, MONDAY)
    assert (batch.kind, batch.period, batch.covers, batch.unreachable) == (
        "manager-digest",
        "2026-W49",
        "2026-09-30..2026-11-29",
        (),
    )
    report = await send_batch(build_web_client(settings), batch, send_rate=100)
    assert report.failed == 0

    # Ann: Apollo (7.5 × 100 + 2.25 × 80.50 = 931.125 → 931.13 EUR, Wes unsubmitted 2.25 h,
    # the October invoice) and Hermes (its September invoice, changed since approval).
    (dm,) = posted_to(slack_emulator, "U0ANN")
    assert dm.args["text"] == (
        "Waiting for you: Acme – Apollo: 2 entries not approved (9.75h, 931.13 EUR), "
        "1 invoice waiting for approval, 1 person with unsubmitted hours; Beta – Hermes: "
        "1 invoice waiting for approval."
    )
    text = shown(dm)
    assert "*Acme – Apollo*" in text and "*Beta – Hermes*" in text
    assert "Hours not approved: *2 entries*, *9.75h*, *931.13 EUR*" in text
    assert "(1 pending approval, 1 not submitted yet)" in text
    assert "Unsubmitted hours: Wes Worker (1 entry, 2.25h)" in text
    assert "Invoice *2026-10*: Waiting for approval, 12.50h" in text
    assert "Invoice *2026-09*: Approved, 12.50h, *changed since approval*" in text
    assert "Invoice *2026-11*" not in text and "hours " + DATED in text
    reviews = [b for b in buttons_of(dm) if b["action_id"] == ActionId.INVOICE_REVIEW]
    assert len(reviews) == 2
    links = {b["url"] for b in buttons_of(dm) if b["action_id"] == ActionId.DIGEST_OPEN_TENKFEET}
    hermes = await Project.get(name="Hermes")
    assert links == {
        f"{settings.tenkfeet_app_url}/viewproject?id={made['apollo'].tenkfeet_id}",
        f"{settings.tenkfeet_app_url}/viewproject?id={hermes.tenkfeet_id}",
    }
    site = {b["url"] for b in buttons_of(dm) if b["action_id"] == ActionId.DIGEST_OPEN_PROJECT}
    assert site == {settings.public_link(f"/projects/{p.guid}") for p in (made["apollo"], hermes)}
    assert f"/invoices/{made['created'].id}|Open>" in text

    # Nils has no Slack: the notifications admin gets his digest, without Review buttons.
    (told,) = [c for c in posted_to(slack_emulator, "U0NOTE") if "no Slack" in c.args["text"]]
    assert told.args["text"] == (
        "Nils Noslack has no Slack account; waiting for them: Beta – Hermes: 1 invoice "
        "waiting for approval."
    )
    assert "*Nils Noslack* has no Slack account" in shown(told)
    assert all(b.get("url") for b in buttons_of(told))

    # Big's nine admins each get their own DM; copies of every DM go to U0NOTE.
    for n in range(9):
        (big,) = posted_to(slack_emulator, f"U9{n}")
        assert big.args["text"] == (
            "Waiting for you: Beta – Big: 1 entry not approved (6.00h, 60.00 EUR)."
        )
    copies = [c for c in posted_to(slack_emulator, "U0NOTE") if c is not told]
    assert len(copies) == 10
    ann_copy = next(c for c in copies if "Ann Admin" in c.args["text"])
    assert ann_copy.args["text"].startswith("This was sent to Ann Admin: Waiting for you: Acme")
    # A copy is for reading: no Review, no links to pages of Ann's projects or invoices.
    assert buttons_of(ann_copy) == [] and "<http" not in shown(ann_copy)
    assert "Invoice *2026-10*: Waiting for approval, 12.50h · Open" in shown(ann_copy)
    # Nothing for Ida (nothing waiting), Gone (archived) or Wes (no project of his).
    for nobody in ("U0IDA", "U0GONE", "U0WES"):
        assert posted_to(slack_emulator, nobody) == []
    assert len(slack_emulator.calls_to("chat.postMessage")) == 1 + 9 + 1 + 10

    rows = await Notification.filter(recipient__in=["U0ANN", "U0NOTE"]).order_by("subject")
    nils = made["nils"]
    assert [(r.type, r.period, r.recipient, r.subject, r.status) for r in rows][:3] == [
        ("manager-digest", "2026-W49", "U0ANN", "", "sent"),
        ("manager-digest", "2026-W49", "U0NOTE", "copy:U0ANN", "sent"),
        ("manager-digest", "2026-W49", "U0NOTE", "copy:U90", "sent"),
    ]
    assert rows[-1].subject == f"no-slack:{nils.guid}"

    again = await send_batch(
        build_web_client(settings), await plan_manager_digest(settings, date(2026, 12, 3))
    )
    assert len(again.outcomes) == len(batch.messages)
    assert {o.status for o in again.outcomes} == {"already sent"}
    assert len(slack_emulator.calls_to("chat.postMessage")) == 21
    assert slack_emulator.violations == []


async def test_a_dry_run_writes_nothing_and_without_notifications_admins_nobody_is_told(
    db: str, slack_emulator: SlackEmulator
) -> None:
    await _company()
    settings = bot_settings_for(slack_emulator, db)
    batch = await plan_manager_digest(settings, MONDAY)
    assert batch.unreachable == (
        "Nils Noslack: 1 project: 0 entries not approved, 1 invoice, 0 people with unsubmitted "
        "hours: no Slack account and SLACK_NOTIFICATIONS_ADMIN is empty",
    )
    report = await send_batch(build_web_client(settings), batch, dry_run=True)
    assert [o.status for o in report.outcomes] == ["would send"] * 10
    assert "Ann Admin: 2 projects: 2 entries not approved, 2 invoices, 1 person with " in (
        "\n".join(report.lines())
    )
    assert slack_emulator.calls == [] and await Notification.all().count() == 0


async def test_an_empty_week_sends_nothing(db: str, slack_emulator: SlackEmulator) -> None:
    ann = await make_person("Ann", "Admin", "U0ANN")
    apollo = await project("Apollo", admins=(ann,))
    await entry(ann, date(2026, 9, 29), "5", on=apollo)  # before the period
    await entry(ann, date(2026, 10, 1), "5", on=apollo, status="Approved")
    await invoice(apollo, 2026, 10, state="Approved", approved_hours=Decimal("12.5"))
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN="U0NOTE")
    batch = await plan_manager_digest(settings, MONDAY)
    assert batch.messages == () and batch.unreachable == ()


async def test_a_long_digest_is_split_between_projects(
    db: str, slack_emulator: SlackEmulator
) -> None:
    ann = await make_person("<!channel>", "Admin", "U0ANN")
    for n in range(12):
        tricky = await project(f"<!here> P{n:02d}", client="<@U0BOSS>", admins=(ann,))
        for month in range(1, 5):
            await invoice(tricky, 2026, month)
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN="U0NOTE")
    batch = await plan_manager_digest(settings, MONDAY)
    # Each project: its section, 4 invoices, its links (6 blocks); 47 blocks a part: 7 + 5.
    assert [o.notice.subject for o in batch.messages] == [
        "",
        "copy:U0ANN",
        "part-2",
        "copy:part-2:U0ANN",
    ]
    await send_batch(build_web_client(settings), batch, send_rate=100)
    first, second = posted_to(slack_emulator, "U0ANN")
    assert first.args["text"].startswith("Waiting for you (part 1 of 2): &lt;@U0BOSS&gt; – ")
    assert (
        shown(first).count("Open in 10000ft") == 7 and shown(second).count("Open in 10000ft") == 5
    )
    assert "Waiting for you (2/2)" in shown(second)
    for call in (first, second, *posted_to(slack_emulator, "U0NOTE")):
        assert len(blocks_of(call)) <= 50
        assert "<!" not in call.args["text"] + shown(call) and "<@" not in shown(call)
    assert slack_emulator.violations == []


def test_the_scheduler_and_the_admin_site_know_the_kind() -> None:
    assert "manager-digest" in {kind.name for kind in scheduled_kinds()}


# --- the Review button, clicked by the admin ------------------------------------------------


@pytest.fixture
async def bot(db: str, slack_emulator: SlackEmulator) -> AsyncIterator[BotUnderTest]:
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN="U0NOTE")
    async with bot_lifespan(settings, database_ready=True) as running:
        await slack_emulator.wait_for_connections(1)
        yield BotUnderTest(running.web_url, slack_emulator, running.app, running.settings)
    assert not slack_emulator.violations, "\n".join(slack_emulator.violations)


async def _digest_sent(bot: BotUnderTest) -> tuple[ReviewCompany, dict[str, Any]]:
    """Apollo's March 2025 invoice waiting for Ada and Bob, and the digest of the week of
    2025-04-07 sent; returns the company and how to click Review in Ada's digest."""
    company = await review_company()
    batch = await plan_manager_digest(bot.settings, date(2025, 4, 7))
    report = await send_batch(bot.app.client, batch, send_rate=100)
    assert report.failed == 0
    row = await Notification.get(recipient="U0ADA", type="manager-digest")
    message = bot.emulator.messages[(row.channel, row.message_ts)]
    (value,) = [
        block["accessory"]["value"]
        for block in message["blocks"]
        if block.get("accessory", {}).get("action_id") == ActionId.INVOICE_REVIEW
    ]
    return company, {"message": (row.channel, row.message_ts), "value": value}


async def test_review_in_the_digest_opens_the_review_and_approves(bot: BotUnderTest) -> None:
    company, click = await _digest_sent(bot)
    (dm,) = posted_to(bot.emulator, "U0ADA")
    assert "Invoice *2025-03*: Waiting for approval, 21.50h" in shown(dm)
    # Nils's Pending Approval entry of 2 h at 100 is the period's one unapproved entry.
    assert "Hours not approved: *1 entry*, *2.00h*, *200.00 EUR*" in shown(dm)
    view = await open_review(bot, "U0ADA", **click)
    assert "I have checked this invoice and approve it" in json.dumps(view)
    answer = await submit(bot, "U0ADA", view, **APPROVE)
    assert answer is not None and answer["response_action"] == "update"
    assert (await company.current()).state == "Approved"
    # Approved and unchanged: next week's digest shows no invoice.
    later = await plan_manager_digest(bot.settings, date(2025, 4, 14))
    assert later.messages
    assert all("Invoice *" not in json.dumps(o.notice.message.blocks) for o in later.messages)


async def test_someone_else_clicking_review_gets_a_refusal_and_no_modal(
    bot: BotUnderTest,
) -> None:
    _, click = await _digest_sent(bot)
    emulator = bot.emulator
    seen = len(emulator.calls)
    # Eve logged hours on Apollo but administers nothing.
    await click_review(bot, "U0EVE", **click)
    told = await emulator.wait_for_call("response_url", after=seen)
    assert told.args["response_type"] == "ephemeral"
    assert "Only the admins of Apollo" in told.args["text"]
    assert emulator.calls_to("views.open") == []
    assert (await Invoice.get()).state == "Created"


# --- from the command line ----------------------------------------------------------------------


async def test_notify_manager_digest_from_the_command_line(
    db: str, slack_emulator: SlackEmulator
) -> None:
    from tests.bot.commands.test_notify import notify

    ann = await make_person("Ann", "Admin", "U0ANN")
    apollo = await project("Apollo", admins=(ann,))
    await invoice(apollo, 2025, 3)  # a closed month, whatever today is

    dry = await notify(db, slack_emulator, "manager-digest", "--dry-run", SLACK_BOT_TOKEN="")
    assert dry.code == 0, dry.err
    assert dry.out.splitlines()[0].startswith("would send   Ann Admin: 1 project: 0 entries")
    assert "manager-digest" in dry.out.splitlines()[-1] and "2 would send" in dry.out
    assert slack_emulator.calls == [] and await Notification.all().count() == 0

    sent = await notify(db, slack_emulator, "manager-digest")
    assert sent.code == 0, sent.err
    assert "2 sent" in sent.out.splitlines()[-1]  # Ann, and the copy for U0NOTIFY
    again = await notify(db, slack_emulator, "manager-digest")
    assert "2 already sent" in again.out.splitlines()[-1]
    forced = await notify(db, slack_emulator, "manager-digest", "--force")
    assert "2 sent" in forced.out.splitlines()[-1]
    assert len(posted_to(slack_emulator, "U0ANN")) == 2
    assert len(posted_to(slack_emulator, "U0NOTIFY")) == 2
