"""Invoice review end to end, through the real app over Socket Mode and the Slack emulator:
review message → Review click → modal (opened at once, filled by views.update) → submission →
state → the message updated in place; every refusal, every field error, two approvers at
once, request changes, changed after approval, and App Home.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from bot.emulators.slack import SlackEmulator
from bot.lifespan import bot_lifespan
from bot.notifications.invoices import send_change_notices, send_review_requests
from handlers.invoices.listeners import NO_PERSON
from handlers.slack_ids import ActionId, BlockId, CallbackId, InputId
from models import AuditLog, Invoice, InvoiceCheck, InvoiceFixedRow, Notification
from models.invoices.after_approval import note_changes_after_approval
from tests.conftest import BotUnderTest, bot_settings_for
from tests.support.invoice_review import (
    FLAGGED,
    ReviewCompany,
    join,
    review_company,
    ticks,
    typed,
)

D = Decimal
ADMINS_DM = "U0ADA,U0BOB"


@pytest.fixture
async def bot(db: str, slack_emulator: SlackEmulator) -> AsyncIterator[BotUnderTest]:
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN="U0NOTIFY")
    async with bot_lifespan(settings, database_ready=True) as running:
        await slack_emulator.wait_for_connections(1)
        yield BotUnderTest(running.web_url, slack_emulator, running.app, settings)
    assert not slack_emulator.violations, "\n".join(slack_emulator.violations)


@pytest.fixture
async def company(db: str) -> ReviewCompany:
    return await review_company()


def text_of(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False)


async def review_message(bot: BotUnderTest) -> tuple[str, str]:
    """Sends the month's review requests; (channel, ts) of Apollo's message."""
    results = await send_review_requests(bot.settings, bot.app.client, 2025, 3)
    assert [r.status for r in results] == ["sent"]
    row = await Notification.get(type="invoice-review")
    return row.channel, row.message_ts


def review_value(blocks: list[dict[str, Any]]) -> str:
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == ActionId.INVOICE_REVIEW:
                return str(element["value"])
    raise AssertionError("no Review button")


async def click_review(
    bot: BotUnderTest,
    user_id: str,
    message: tuple[str, str] | None = None,
    *,
    value: str | None = None,
    view: dict[str, Any] | None = None,
) -> None:
    emulator = bot.emulator
    if value is None:
        assert message is not None
        value = review_value(emulator.messages[message]["blocks"])
    channel, ts = message or ("D0NONE", "1.1")
    ack = await emulator.send_block_action(
        ActionId.INVOICE_REVIEW,
        value,
        user_id=user_id,
        channel_id=channel,
        message_ts=ts,
        view=view,
    )
    assert ack.payload is None


async def open_review(
    bot: BotUnderTest, user_id: str, message: tuple[str, str] | None = None, **how: Any
) -> dict[str, Any]:
    """Clicks Review and returns the modal once it is filled in."""
    emulator = bot.emulator
    seen = len(emulator.calls)
    await click_review(bot, user_id, message, **how)
    updated = await emulator.wait_for_call(
        "views.update",
        after=seen,
        where=lambda c: "submit" in text_of(c.args.get("view")),
    )
    return emulator.views[str(updated.args["view_id"])]


async def submit(
    bot: BotUnderTest, user_id: str, view: dict[str, Any], **values: dict[str, Any]
) -> dict[str, Any] | None:
    """Submits ``view`` with these inputs changed (block id → the input's state)."""
    actions = {
        BlockId.REVIEW_CHECKLIST: InputId.REVIEW_CHECKLIST,
        BlockId.REVIEW_DECISION: InputId.REVIEW_DECISION,
        BlockId.REVIEW_COMMENT: InputId.REVIEW_COMMENT,
        BlockId.REVIEW_NUMBER: InputId.REVIEW_NUMBER,
        BlockId.REVIEW_SENT: InputId.REVIEW_SENT,
    }
    state = {BlockId(block): {actions[BlockId(block)]: value} for block, value in values.items()}
    ack = await bot.emulator.send_view_submission(
        CallbackId.INVOICE_REVIEW, state, user_id=user_id, view_id=view["id"]
    )
    return ack.payload


APPROVE = {
    BlockId.REVIEW_CHECKLIST.value: ticks(*FLAGGED),
    BlockId.REVIEW_DECISION.value: ticks("approve"),
}


def blocks_of(view: dict[str, Any]) -> set[str]:
    return {str(b.get("block_id")) for b in view["blocks"] if b.get("block_id")}


# --- the whole path ----------------------------------------------------------------------------


async def test_message_click_modal_submit_state_and_the_message_updated(
    bot: BotUnderTest, company: ReviewCompany
) -> None:
    emulator = bot.emulator
    message = await review_message(bot)
    assert message[0] == emulator.conversation_id("U0ADA", "U0BOB")  # one group DM, both admins
    posted = emulator.messages[message]
    link = f"{bot.settings.public_url}/invoices/{company.invoice.id}"
    for words in (
        "Apollo (Acme), March 2025 (2025-03)",
        "21.50 h",
        "billable 14.00 h",
        "1400.00 EUR",
        link,
    ):
        assert words in posted["text"], posted["text"]
    shown = text_of(posted["blocks"])
    for words in (
        '1 entry on \\"[Non Phase Specific]\\"',
        "1 entry on a non-billable phase",
        "1 entry not approved in 10000ft",
        "1 entry without notes",
        "*Money*\\n1400.00 EUR",
    ):
        assert words in shown

    seen = len(emulator.calls)
    view = await open_review(bot, "U0ADA", message)
    opened = emulator.calls_to("views.open")[-1]
    assert "Loading the invoice of *Apollo*" in text_of(opened.args["view"])
    assert [c.method for c in emulator.calls[seen:] if c.method.startswith("views.")] == [
        "views.open",
        "views.update",
    ]
    assert blocks_of(view) == {
        BlockId.REVIEW_CHECKLIST,
        BlockId.REVIEW_DECISION,
        BlockId.REVIEW_COMMENT,
    }  # Ada is no finance member: no number, no "sent"
    checklist = next(b for b in view["blocks"] if b.get("block_id") == BlockId.REVIEW_CHECKLIST)
    assert [o["value"] for o in checklist["element"]["options"]] == list(FLAGGED)
    assert "I have checked this invoice and approve it" in text_of(view)

    answer = await submit(bot, "U0ADA", view, **APPROVE, invoice_comment=typed("All good"))
    assert answer is not None and answer["response_action"] == "update"
    assert "You approved it. It moved from Created to Approved." in text_of(answer["view"])
    stored = await company.current()
    assert (stored.state, stored.review_version) == ("Approved", 1)
    (check,) = await InvoiceCheck.all()
    assert (check.comments, check.approved, check.checker_slack_id) == ("All good", True, "U0ADA")
    assert await AuditLog.filter(entity="invoice_check", action="approve").count() == 1

    update = await emulator.wait_for_call("chat.update", after=seen)
    assert (update.args["channel"], update.args["ts"]) == message
    after = text_of(emulator.messages[message])
    assert "approved by *Ada Admin*" in after and "*State*\\nApproved" in after

    # Finance records the number from the same message: Preview, the fixed rows copied.
    view = await open_review(bot, "U0FAY", message)
    assert blocks_of(view) == {BlockId.REVIEW_NUMBER, BlockId.REVIEW_SENT}
    seen = len(emulator.calls)
    answer = await submit(bot, "U0FAY", view, invoice_number=typed("INV-2025-7"))
    assert answer is not None and "moved from Approved to Preview" in text_of(answer)
    assert (await company.current()).invoice_number == "INV-2025-7"
    assert (
        await InvoiceFixedRow.filter(invoice_id=company.invoice.id, from_project=True).count() == 1
    )
    await emulator.wait_for_call("chat.update", after=seen)
    assert "Invoice number *INV-2025-7*" in text_of(emulator.messages[message])
    assert "approved by *Ada Admin*" in text_of(emulator.messages[message])  # still Ada

    view = await open_review(bot, "U0FAY", message)
    number = next(b for b in view["blocks"] if b.get("block_id") == BlockId.REVIEW_NUMBER)
    assert number["element"]["initial_value"] == "INV-2025-7"
    answer = await submit(bot, "U0FAY", view, invoice_sent=ticks("sent"))
    assert answer is not None and "moved from Preview to Sent" in text_of(answer)
    assert (await company.current()).state == "Sent"


# --- who may ---------------------------------------------------------------------------------


async def refusal_for(bot: BotUnderTest, user_id: str, message: tuple[str, str]) -> str:
    emulator = bot.emulator
    seen = len(emulator.calls)
    await click_review(bot, user_id, message)
    told = await emulator.wait_for_call("response_url", after=seen)
    assert told.args["response_type"] == "ephemeral"
    assert not [c for c in emulator.calls[seen:] if c.method.startswith("views.")]
    return str(told.args["text"])


async def test_everyone_else_gets_a_refusal_and_no_modal(
    bot: BotUnderTest, company: ReviewCompany
) -> None:
    message = await review_message(bot)
    assert "Only the admins of Apollo" in await refusal_for(bot, "U0EVE", message)
    assert await refusal_for(bot, "U0NOBODY", message) == NO_PERSON
    await join("admin", company.eve)  # the admin group is no superuser
    assert "Only the admins of Apollo" in await refusal_for(bot, "U0EVE", message)
    company.bob.archived = True
    await company.bob.save()
    assert "Archived people cannot review invoices." in await refusal_for(bot, "U0BOB", message)
    assert await InvoiceCheck.all().count() == 0


async def test_forged_fields_are_refused_and_nothing_is_recorded(
    bot: BotUnderTest, company: ReviewCompany
) -> None:
    message = await review_message(bot)
    view = await open_review(bot, "U0ADA", message)
    answer = await submit(bot, "U0ADA", view, **APPROVE, invoice_number=typed("INV-1"))
    assert answer is not None and answer["response_action"] == "update"
    assert "Only the finance group" in text_of(answer["view"])

    view = await open_review(bot, "U0FAY", message)
    answer = await submit(bot, "U0FAY", view, **APPROVE)
    assert answer is not None and "Only the admins of Apollo" in text_of(answer["view"])

    # Rights lost after the form was opened count too.
    view = await open_review(bot, "U0BOB", message)
    await company.project.admins.remove(company.bob)
    answer = await submit(bot, "U0BOB", view, **APPROVE)
    assert answer is not None and "Only the admins of Apollo" in text_of(answer["view"])
    assert await InvoiceCheck.all().count() == 0
    assert (await company.current()).state == "Created"


# --- field errors ------------------------------------------------------------------------------


async def test_every_field_error_names_its_block_and_records_nothing(
    bot: BotUnderTest, company: ReviewCompany
) -> None:
    message = await review_message(bot)
    view = await open_review(bot, "U0ADA", message)

    async def error(
        user: str, form: dict[str, Any] = view, **values: dict[str, Any]
    ) -> dict[str, str]:
        answer = await submit(bot, user, form, **values)
        assert answer is not None and answer["response_action"] == "errors", answer
        return dict(answer["errors"])

    errors = await error(
        "U0ADA",
        invoice_checklist=ticks("non_billable"),
        invoice_decision=ticks("approve"),
    )
    assert (
        list(errors) == [BlockId.REVIEW_CHECKLIST]
        and "Not ticked" in errors[BlockId.REVIEW_CHECKLIST]
    )
    errors = await error(
        "U0ADA", **{**APPROVE, "invoice_decision": ticks("approve", "request-changes")}
    )
    assert list(errors) == [BlockId.REVIEW_DECISION]
    errors = await error("U0ADA", invoice_decision=ticks("request-changes"))
    assert list(errors) == [BlockId.REVIEW_COMMENT]

    await join("finance", company.ada)  # both roles: the number and "sent" show up
    view = await open_review(bot, "U0ADA", message)
    errors = await error("U0ADA", view, invoice_number=typed("INV-1"))
    assert (
        list(errors) == [BlockId.REVIEW_NUMBER]
        and "approved invoice" in errors[BlockId.REVIEW_NUMBER]
    )
    errors = await error("U0ADA", view, **APPROVE, invoice_sent=ticks("sent"))
    assert list(errors) == [BlockId.REVIEW_SENT]
    errors = await error("U0ADA", view, **APPROVE, invoice_number=typed("N" * 65))
    assert list(errors) == [BlockId.REVIEW_NUMBER]

    assert await InvoiceCheck.all().count() == 0
    assert (await company.current()).review_version == 0
    # The form was never spoiled: the same modal still saves.
    answer = await submit(bot, "U0ADA", view, **APPROVE, invoice_number=typed("INV-1"))
    assert answer is not None and "moved from Created to Preview" in text_of(answer)


async def test_an_admin_alone_cannot_unapprove_a_numbered_invoice(
    bot: BotUnderTest, company: ReviewCompany
) -> None:
    message = await review_message(bot)
    await submit(bot, "U0ADA", await open_review(bot, "U0ADA", message), **APPROVE)
    await submit(
        bot, "U0FAY", await open_review(bot, "U0FAY", message), invoice_number=typed("INV-3")
    )
    view = await open_review(bot, "U0BOB", message)
    decision = next(b for b in view["blocks"] if b.get("block_id") == BlockId.REVIEW_DECISION)
    assert [o["value"] for o in decision["element"]["initial_options"]] == ["approve"]
    answer = await submit(bot, "U0BOB", view, invoice_decision=ticks())
    assert answer is not None and answer["response_action"] == "errors"
    assert "INV-3" in answer["errors"][BlockId.REVIEW_DECISION]
    assert (await company.current()).state == "Preview"


# --- the invoice changed meanwhile ------------------------------------------------------------


async def test_a_sync_meanwhile_asks_to_reopen_and_records_nothing(
    bot: BotUnderTest, company: ReviewCompany
) -> None:
    message = await review_message(bot)
    view = await open_review(bot, "U0ADA", message)
    await Invoice.filter(id=company.invoice.id).update(hours=D("23.5"), money=D(1600))
    answer = await submit(bot, "U0ADA", view, **APPROVE)
    assert answer is not None and answer["response_action"] == "update"
    stale = answer["view"]
    assert "figures changed after you opened it" in text_of(
        stale
    ) and "nothing was recorded" in text_of(stale)
    assert await InvoiceCheck.all().count() == 0

    # "Open it again" in that view shows the new figures in the same modal, and then saves.
    emulator = bot.emulator
    seen = len(emulator.calls)
    fresh = await open_review(
        bot, "U0ADA", value=review_value(stale["blocks"]), view=emulator.views[view["id"]]
    )
    assert fresh["id"] == view["id"] and not emulator.calls_to("views.open")[1:]
    assert "23.50" in text_of(fresh) and "1600.00 EUR" in text_of(fresh)
    assert [c.method for c in emulator.calls[seen:] if c.method.startswith("views.")] == [
        "views.update",
        "views.update",
    ]
    answer = await submit(bot, "U0ADA", fresh, **APPROVE)
    assert answer is not None and "You approved it" in text_of(answer)


async def test_a_message_older_than_the_invoice_opens_the_current_figures(
    bot: BotUnderTest, company: ReviewCompany
) -> None:
    message = await review_message(bot)
    await Invoice.filter(id=company.invoice.id).update(hours=D(30))
    view = await open_review(bot, "U0ADA", message)
    assert "changed after that message was sent" in text_of(view) and "30.00" in text_of(view)


async def test_two_approvers_at_once_one_is_recorded_the_other_asked_to_reopen(
    bot: BotUnderTest, company: ReviewCompany
) -> None:
    message = await review_message(bot)
    ada_view = await open_review(bot, "U0ADA", message)
    bob_view = await open_review(bot, "U0BOB", message)
    answers = await asyncio.gather(
        submit(bot, "U0ADA", ada_view, **APPROVE, invoice_comment=typed("Ada")),
        submit(bot, "U0BOB", bob_view, **APPROVE, invoice_comment=typed("Bob")),
    )
    texts = sorted(text_of(a) for a in answers)
    assert sum("You approved it" in t for t in texts) == 1
    assert sum("Someone else saved a review" in t for t in texts) == 1
    (check,) = await InvoiceCheck.all()
    assert check.comments in ("Ada", "Bob")
    assert (await company.current()).review_version == 1


# --- request changes ---------------------------------------------------------------------------


async def test_request_changes_tells_each_flagged_person_once(
    bot: BotUnderTest, company: ReviewCompany
) -> None:
    emulator = bot.emulator
    message = await review_message(bot)
    view = await open_review(bot, "U0ADA", message)
    seen = len(emulator.calls)
    answer = await submit(
        bot,
        "U0ADA",
        view,
        invoice_decision=ticks("request-changes"),
        invoice_comment=typed("Notes please <!channel> & phases"),
    )
    assert answer is not None and "You requested changes" in text_of(answer)
    (check,) = await InvoiceCheck.all()
    assert (check.changes_requested, check.approved) == ("Notes please <!channel> & phases", False)

    def dm_to(*users: str) -> Any:
        channel = emulator.conversation_id(*users)
        return emulator.wait_for_call(
            "chat.postMessage", after=seen, where=lambda c: c.args["channel"] == channel
        )

    eve = await dm_to("U0EVE")
    eve_text = text_of(eve.args)
    assert "2025-03-03 Apollo / Non-billable meetings, 7.50h: on a non-billable phase" in eve_text
    assert "2025-03-04 Apollo / Build, 4.00h: no notes" in eve_text
    assert "Notes please &lt;!channel&gt; &amp; phases" in eve_text and "<!channel>" not in eve_text
    assert "Nils" not in eve_text
    nils = await dm_to("U0NOTIFY")  # no Slack account: the notifications admins pass it on
    assert "the entries of Nils Noslack" in text_of(
        nils.args
    ) and "has no Slack account" in text_of(nils.args)
    await emulator.wait_for_call("chat.update", after=seen)
    posted_dms = [c for c in emulator.calls[seen:] if c.method == "chat.postMessage"]
    assert len(posted_dms) == 2  # Ada's own entry is fine: she gets no DM
    assert await Notification.filter(type="invoice-changes-requested", status="sent").count() == 2
    shown = text_of(emulator.messages[message])
    assert "Changes requested by *Ada Admin*" in shown and "&lt;!channel&gt;" in shown
    assert (await company.current()).state == "Created"

    # Approved later: the request no longer shows.
    view = await open_review(bot, "U0BOB", message)
    seen = len(emulator.calls)
    await submit(bot, "U0BOB", view, **APPROVE)
    await emulator.wait_for_call("chat.update", after=seen)
    assert "Changes requested" not in text_of(emulator.messages[message])


async def test_a_changes_requested_dm_answered_with_a_5xx_after_posting_is_not_posted_twice(
    bot: BotUnderTest, company: ReviewCompany
) -> None:
    """Slack may post a message and still answer 5xx: the DM is recorded in doubt, never
    retried blindly (a retry would reach the person twice)."""
    emulator = bot.emulator
    message = await review_message(bot)
    view = await open_review(bot, "U0ADA", message)
    seen = len(emulator.calls)
    emulator.fail_once("chat.postMessage", status=500, error="internal_error", handled=True)
    await submit(
        bot,
        "U0ADA",
        view,
        invoice_decision=ticks("request-changes"),
        invoice_comment=typed("Notes please"),
    )
    await emulator.wait_for_call("chat.update", after=seen)
    posts = [c for c in emulator.calls[seen:] if c.method == "chat.postMessage"]
    assert len(posts) == 2  # Eve's DM (answered 500) and the admins' copy, each once
    dms = {emulator.conversation_id("U0EVE"), emulator.conversation_id("U0NOTIFY")}
    delivered = [channel for channel, _ in emulator.messages if channel in dms]
    assert len(delivered) == 2
    statuses = sorted(
        await Notification.filter(type="invoice-changes-requested").values_list("status", flat=True)
    )
    assert statuses == ["sent", "unknown"]


# --- changed after approval --------------------------------------------------------------------


async def test_changed_after_approval_is_told_once_shown_and_cleared_by_approving(
    bot: BotUnderTest, company: ReviewCompany
) -> None:
    emulator = bot.emulator
    message = await review_message(bot)
    view = await open_review(bot, "U0ADA", message)
    seen = len(emulator.calls)
    await submit(bot, "U0ADA", view, **APPROVE)
    await emulator.wait_for_call("chat.update", after=seen)  # the approval shown first

    # A later sync: the refresh writes the figures, then notes the change.
    await Invoice.filter(id=company.invoice.id).update(hours=D("23.5"), money=D(1600))
    await note_changes_after_approval([company.invoice.id], hours_currency="EUR")
    seen = len(emulator.calls)
    results = await send_change_notices(bot.settings, bot.app.client)
    assert [(r.status, r.conversation.key if r.conversation else "") for r in results] == [
        ("sent", ADMINS_DM)
    ]
    dm = await emulator.wait_for_call("chat.postMessage", after=seen)
    assert "Invoice changed since approval" in dm.args["text"]
    assert "+2.00h, +200.00 EUR" in text_of(dm.args)
    assert "Changed since approval" in text_of(emulator.messages[message])  # updated in place
    assert (await company.current()).state == "Approved"  # nothing re-approved or dropped
    assert [r.status for r in await send_change_notices(bot.settings, bot.app.client)] == [
        "already sent"
    ]

    # Approving again needs the tick again (not pre-ticked), and clears the mark.
    view = await open_review(bot, "U0BOB", message)
    decision = next(b for b in view["blocks"] if b.get("block_id") == BlockId.REVIEW_DECISION)
    assert "initial_options" not in decision["element"]
    seen = len(emulator.calls)
    answer = await submit(bot, "U0BOB", view, **APPROVE)
    assert answer is not None and "You approved it" in text_of(answer)
    stored = await company.current()
    assert not stored.changed_since_approval and stored.approved_hours == D("23.5")
    await emulator.wait_for_call("chat.update", after=seen)
    assert "Changed since approval" not in text_of(emulator.messages[message])
    assert await send_change_notices(bot.settings, bot.app.client) == []


# --- App Home ----------------------------------------------------------------------------------


async def open_home(bot: BotUnderTest, user_id: str) -> dict[str, Any]:
    emulator = bot.emulator
    seen = len(emulator.calls)
    await emulator.send_event(
        {"type": "app_home_opened", "user": user_id, "channel": "D1", "tab": "home"}
    )
    await emulator.wait_for_call("views.publish", after=seen)
    return emulator.home_views[user_id]  # as Slack stores it, with its id


async def test_app_home_lists_my_invoices_with_the_same_review_modal(
    bot: BotUnderTest, company: ReviewCompany
) -> None:
    home = await open_home(bot, "U0ADA")
    assert "Invoices waiting for your approval" in text_of(home)
    value = review_value(home["blocks"])
    view = await open_review(bot, "U0ADA", value=value, view={"id": home["id"], "type": "home"})
    assert blocks_of(view) >= {BlockId.REVIEW_CHECKLIST, BlockId.REVIEW_DECISION}
    answer = await submit(bot, "U0ADA", view, **APPROVE)
    assert answer is not None and "You approved it" in text_of(answer)
    assert "Invoices waiting for your approval" not in text_of(await open_home(bot, "U0ADA"))
    assert "Invoices waiting" not in text_of(await open_home(bot, "U0EVE"))
    finance = await open_home(bot, "U0FAY")
    assert "Invoices waiting for a number or sending" in text_of(finance)
    view = await open_review(
        bot,
        "U0FAY",
        value=review_value(finance["blocks"]),
        view={"id": finance["id"], "type": "home"},
    )
    assert blocks_of(view) == {BlockId.REVIEW_NUMBER, BlockId.REVIEW_SENT}
