"""The invoice review's Block Kit: what each payload says, escaped, and within Slack's limits."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from bot.emulators import slack_limits
from core.settings import load_settings
from handlers.invoices.blocks import (
    changes_requested_message,
    invoice_message,
    loading_view,
    review_modal,
    stale_view,
)
from handlers.invoices.references import InvoiceReference
from handlers.slack_ids import BlockId
from models.invoices.approval import ReviewRights
from models.invoices.flagged_entries import FlaggedEntry, PersonToTell
from models.invoices.records import InvoiceState
from models.invoices.review import CHECK_KEYS, InvoiceFigures, InvoiceSummary, ReviewStatus

D = Decimal
SETTINGS = load_settings(
    {"PUBLIC_URL": "https://finance.example.com", "TIME_ZONE": "Europe/Helsinki"}
)
HOSTILE = "<!channel> <https://evil.example|Log in> & co"
SHOWN = "&lt;!channel&gt; &lt;https://evil.example|Log in&gt; &amp; co"
EVERYTHING = ReviewRights(may_approve=True, may_set_number=True)


def summary(**changes: object) -> InvoiceSummary:
    base = InvoiceSummary(
        id=uuid.UUID(int=42),
        project_name="Apollo",
        project_guid="p-1",
        project_id=1,
        client_name="Acme",
        year=2026,
        month=10,
        state=InvoiceState.CREATED,
        invoice_number="",
        figures=InvoiceFigures(
            D("120.5"),
            D("100.125"),
            {"EUR": D("12000.005")},
            {"odd_rate": 3, "no_category": 1},
            True,
        ),
        review_version=2,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def text_of(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_the_review_message_names_project_client_month_figures_checks_and_link() -> None:
    message = invoice_message(summary(), SETTINGS)
    link = f"https://finance.example.com/invoices/{uuid.UUID(int=42)}"
    assert message.text == (
        "Invoice ready for review: Apollo (Acme), October 2026 (2026-10): 120.50 h, billable "
        f"100.13 h, 12000.01 EUR. Waiting for approval. {link}"
    )
    shown = text_of(message.blocks)
    for words in (
        "*Apollo* (Acme), October 2026 (2026-10)",
        f"<{link}|Open the invoice in Finance Bot>",
        "*Hours*\\n120.50",
        "*Billable hours*\\n100.13",
        "*Money*\\n12000.01 EUR",
        "3 entries billed at a rate of 50.00 or less, or 170.00 or more",
        "1 entry without a category",
        "A remarkable change from the previous month",
    ):
        assert words in shown, words
    buttons = message.blocks[-1]["elements"]
    assert InvoiceReference.from_button_value(buttons[0]["value"]) == InvoiceReference(
        invoice=uuid.UUID(int=42), version=2, figures=summary().fingerprint
    )
    assert buttons[1]["url"] == link
    assert not slack_limits.message_errors(message.blocks)


def test_the_message_shows_who_approved_who_asked_for_changes_and_what_changed() -> None:
    at = datetime(2026, 11, 3, 8, 15, tzinfo=UTC)
    approved = summary(
        state=InvoiceState.PREVIEW,
        invoice_number="INV-7",
        status=ReviewStatus(approved_by="Ada Admin", approved_at=at),
        changed_since_approval=True,
        hours_change_since_approval=D(-2),
        money_change_since_approval={"EUR": D(-200)},
    )
    shown = text_of(invoice_message(approved, SETTINGS).blocks)
    assert "approved by *Ada Admin* on 2026-11-03 10:15" in shown  # in TIME_ZONE
    assert "Invoice number *INV-7*" in shown
    assert "*Changed since approval*: -2.00h, -200.00 EUR" in shown
    asked = summary(
        status=ReviewStatus(
            changes_requested_by="Bob", changes_requested_at=at, changes_requested_reason="Fix"
        )
    )
    assert "Changes requested by *Bob* on 2026-11-03 10:15: Fix" in text_of(
        invoice_message(asked, SETTINGS).blocks
    )
    clean = summary(figures=InvoiceFigures(D(1), D(1), {"EUR": D(1)}, {}, False))
    assert "*Checks:* nothing flagged." in text_of(invoice_message(clean, SETTINGS).blocks)


def test_upstream_and_typed_text_is_escaped_everywhere() -> None:
    hostile = summary(
        project_name=HOSTILE,
        client_name=HOSTILE,
        invoice_number=HOSTILE,
        state=InvoiceState.PREVIEW,
        status=ReviewStatus(
            approved_by=HOSTILE,
            approved_at=datetime(2026, 11, 3, tzinfo=UTC),
            changes_requested_reason=HOSTILE,
        ),
    )
    person = PersonToTell(
        1, HOSTILE, None, (FlaggedEntry(date(2026, 10, 1), HOSTILE, HOSTILE, D(1), (HOSTILE,)),)
    )
    modal = review_modal(hostile, EVERYTHING, SETTINGS)
    number = next(b for b in modal["blocks"] if b.get("block_id") == BlockId.REVIEW_NUMBER)
    # A text input's value is plain text: shown as typed, so it stays as it was typed.
    assert number["element"].pop("initial_value") == HOSTILE
    payloads = [
        invoice_message(hostile, SETTINGS).blocks,
        invoice_message(hostile, SETTINGS).text,
        modal,
        loading_view(HOSTILE),
        stale_view(HOSTILE, hostile),
        changes_requested_message(
            hostile, person, HOSTILE, HOSTILE, SETTINGS, for_admins=True
        ).blocks,
    ]
    for payload in payloads:
        text = text_of(payload)
        assert "<!channel>" not in text and "<https://evil.example" not in text, text
        assert SHOWN in text


def test_the_modal_has_a_checkbox_per_flagged_check_and_the_parts_a_person_may_fill() -> None:
    everything = summary(
        figures=InvoiceFigures(D(1), D(1), {"EUR": D(1)}, dict.fromkeys(CHECK_KEYS, 9), True)
    )
    modal = review_modal(everything, EVERYTHING, SETTINGS)
    assert not slack_limits.view_errors(modal)
    inputs = {b["block_id"]: b for b in modal["blocks"] if b["type"] == "input"}
    assert list(inputs) == [
        BlockId.REVIEW_CHECKLIST,
        BlockId.REVIEW_DECISION,
        BlockId.REVIEW_COMMENT,
        BlockId.REVIEW_NUMBER,
        BlockId.REVIEW_SENT,
    ]
    options = inputs[BlockId.REVIEW_CHECKLIST]["element"]["options"]
    assert len(options) == 7 <= slack_limits.CHECKBOX_OPTIONS
    assert all(len(o["text"]["text"]) <= 75 for o in options)
    assert all(b.get("optional") for b in inputs.values())
    decision = [o["text"]["text"] for o in inputs[BlockId.REVIEW_DECISION]["element"]["options"]]
    assert decision[0] == "I have checked this invoice and approve it"
    reference = InvoiceReference.from_private_metadata(modal["private_metadata"])
    assert reference.is_current(everything)

    admin_only = review_modal(everything, ReviewRights(True, False), SETTINGS)
    assert BlockId.REVIEW_NUMBER not in text_of(admin_only)
    finance_only = review_modal(everything, ReviewRights(False, True), SETTINGS)
    assert BlockId.REVIEW_DECISION not in text_of(finance_only)
    assert "Waiting for the project's admins" in text_of(finance_only)


def test_a_standing_approval_is_pre_ticked_a_changed_one_is_not() -> None:
    approved = summary(state=InvoiceState.APPROVED)
    modal = review_modal(approved, EVERYTHING, SETTINGS, confirmed_before=["odd_rate"])
    inputs = {b["block_id"]: b["element"] for b in modal["blocks"] if b["type"] == "input"}
    assert [o["value"] for o in inputs[BlockId.REVIEW_CHECKLIST]["initial_options"]] == ["odd_rate"]
    assert [o["value"] for o in inputs[BlockId.REVIEW_DECISION]["initial_options"]] == ["approve"]
    changed = review_modal(
        dataclasses.replace(approved, changed_since_approval=True),
        EVERYTHING,
        SETTINGS,
        confirmed_before=["odd_rate"],
    )
    assert "initial_options" not in text_of(changed)


def test_a_long_list_of_entries_stays_within_slack_limits() -> None:
    entries = tuple(
        FlaggedEntry(date(2026, 10, 1), "Apollo", "Build " + "x" * 150, D(1), ("no notes",) * 5)
        for _ in range(400)
    )
    message = changes_requested_message(
        summary(), PersonToTell(1, "Eve", "U1", entries), "r" * 3000, "Ada", SETTINGS
    )
    assert not slack_limits.message_errors(message.blocks)
    assert "…and 370 more: see https://finance.example.com/invoices/" in text_of(message.blocks)
    assert message.text.startswith("Ada requested changes to the invoice of Apollo for 2026-10")
