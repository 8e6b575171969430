"""The global error handler end to end: a typed refusal becomes the reply its request kind needs.

Test listeners raise each error type through the real app over Socket Mode; the unexpected
failures (the apology) are covered in tests/bot/commands/test_serve.py.
"""

from __future__ import annotations

import json
import logging
import uuid
from decimal import Decimal
from typing import Any

import pytest
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from core.errors import DatabaseUnavailable, InvalidInput, NotAllowed, NotFound, RequestRefused
from handlers.error_replies import APOLOGY, OUTAGE_APOLOGY
from handlers.flow_reference import BROKEN_REFERENCE
from handlers.invoices.references import InvoiceReference
from models import Client, Invoice, Project
from models.invoices.review import load_invoice_summary
from tests.conftest import BotUnderTest

UPSTREAM = "Project <!channel> & <https://evil.example|click>"
ESCAPED = "Project &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"


def raising(error: Exception, *, ack_first: bool = False) -> Any:
    async def listener(ack: AsyncAck) -> None:
        if ack_first:
            await ack()
        raise error

    return listener


# --- slash commands ------------------------------------------------------------------------


async def test_a_refused_command_is_answered_in_the_ack(
    running_bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    running_bot.app.command("/refuse")(raising(NotAllowed("Only finance can do that.")))
    with caplog.at_level(logging.INFO, logger="handlers.error_replies"):
        ack = await running_bot.emulator.send_slash_command("/refuse", user_id="U0ADA")
    assert ack.payload == {"response_type": "ephemeral", "text": "Only finance can do that."}
    # A refusal is an answer, not a failure: logged without a traceback, nobody paged.
    refused = [r for r in caplog.records if r.name == "handlers.error_replies"]
    assert [r.levelno for r in refused] == [logging.INFO]
    assert "NotAllowed" in refused[0].getMessage() and refused[0].exc_info is None


async def test_upstream_text_in_a_refusal_is_escaped(running_bot: BotUnderTest) -> None:
    running_bot.app.command("/missing")(raising(NotFound(f"No such project: {UPSTREAM}")))
    ack = await running_bot.emulator.send_slash_command("/missing")
    assert ack.payload == {"response_type": "ephemeral", "text": f"No such project: {ESCAPED}"}


async def test_a_refusal_after_the_ack_goes_by_response_url(running_bot: BotUnderTest) -> None:
    error = InvalidInput("month", "Give a month like 2025-03.")
    running_bot.app.command("/late-refuse")(raising(error, ack_first=True))
    emulator = running_bot.emulator
    ack = await emulator.send_slash_command("/late-refuse")
    assert ack.payload is None
    call = await emulator.wait_for_call("response_url", timeout=3)
    assert call.args["text"] == "Give a month like 2025-03."
    assert call.args["response_type"] == "ephemeral"


# --- clicks and events ---------------------------------------------------------------------


async def test_a_refused_click_in_a_message_is_answered_ephemerally(
    running_bot: BotUnderTest,
) -> None:
    running_bot.app.action("test_approve")(raising(NotAllowed(f"Not yours: {UPSTREAM}")))
    emulator = running_bot.emulator
    ack = await emulator.send_block_action("test_approve", user_id="U0ADA")
    assert ack.payload is None
    call = await emulator.wait_for_call("response_url", timeout=3)
    assert call.args["text"] == f"Not yours: {ESCAPED}"
    assert call.args["response_type"] == "ephemeral"
    assert call.args["replace_original"] is False


async def test_a_refused_click_without_response_url_is_a_direct_message(
    running_bot: BotUnderTest,
) -> None:
    running_bot.app.action("test_home_click")(raising(NotFound("That invoice is gone.")))
    emulator = running_bot.emulator
    await emulator.send_block_action(
        "test_home_click", user_id="U0ADA", view={"id": "VHOME", "type": "home"}
    )
    call = await emulator.wait_for_call("chat.postMessage", timeout=3)
    assert (call.args["channel"], call.args["text"]) == ("U0ADA", "That invoice is gone.")


async def test_a_refusal_in_an_event_listener_is_ephemeral_in_the_channel(
    running_bot: BotUnderTest,
) -> None:
    running_bot.app.event("member_joined_channel")(raising(NotAllowed("Not in this channel.")))
    emulator = running_bot.emulator
    await emulator.send_event(
        {"type": "member_joined_channel", "user": "U0ADA", "channel": "C0GENERAL"}
    )
    call = await emulator.wait_for_call("chat.postEphemeral", timeout=3)
    assert call.args["channel"] == "C0GENERAL" and call.args["user"] == "U0ADA"
    assert call.args["text"] == "Not in this channel."


# --- view submissions ----------------------------------------------------------------------

NUMBER_BLOCK = "invoice_number"
NUMBER_INPUT = "number"


def number_values(number: str) -> dict[str, dict[str, dict[str, Any]]]:
    return {NUMBER_BLOCK: {NUMBER_INPUT: {"type": "plain_text_input", "value": number}}}


async def test_invalid_input_goes_back_as_field_errors_in_the_ack(
    running_bot: BotUnderTest,
) -> None:
    error = InvalidInput(NUMBER_BLOCK, "An invoice number has digits <and> dashes only.")
    running_bot.app.view("test_number")(raising(error))
    ack = await running_bot.emulator.send_view_submission(
        "test_number", number_values("INV?"), user_id="U0ADA"
    )
    assert ack.payload == {
        "response_action": "errors",
        # Shown under the input as plain text: not escaped.
        "errors": {NUMBER_BLOCK: "An invoice number has digits <and> dashes only."},
    }


async def test_invalid_input_naming_no_input_block_replaces_the_modal(
    running_bot: BotUnderTest,
) -> None:
    # Slack would refuse errors for a block the modal does not have; say it in a view.
    running_bot.app.view("test_number")(raising(InvalidInput("nowhere", "Pick a month.")))
    ack = await running_bot.emulator.send_view_submission("test_number", number_values("1"))
    assert ack.payload is not None and ack.payload["response_action"] == "update"
    assert ack.payload["view"]["blocks"][0]["text"]["text"] == "Pick a month."


@pytest.mark.parametrize(
    ("error", "title"),
    [
        (NotAllowed(f"Only the project's admin can approve {UPSTREAM}."), "Not allowed"),
        (NotFound(f"The invoice of {UPSTREAM} is gone."), "Not found"),
        (RequestRefused(f"That cannot be undone for {UPSTREAM}."), "Cannot do that"),
    ],
)
async def test_other_refusals_replace_the_modal_with_an_error_view(
    running_bot: BotUnderTest, error: RequestRefused, title: str
) -> None:
    running_bot.app.view("test_refuse")(raising(error))
    ack = await running_bot.emulator.send_view_submission("test_refuse", user_id="U0ADA")
    assert ack.payload is not None
    assert ack.payload["response_action"] == "update"
    view = ack.payload["view"]
    assert view["type"] == "modal" and view["title"]["text"] == title
    assert view["blocks"] == [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": error.message.replace(UPSTREAM, ESCAPED)},
        }
    ]
    assert APOLOGY not in json.dumps(view)


# --- a whole flow: button → modal with a reference → submission on "another replica" ----------


async def start_review(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
    """``/test-review <invoice id>``: opens the review modal at once, the reference inside."""
    await ack()
    invoice = await load_invoice_summary(uuid.UUID(command["text"]), "EUR")
    if invoice is None:
        raise NotFound("No such invoice.")
    await client.views_open(
        trigger_id=command["trigger_id"],
        view={
            "type": "modal",
            "callback_id": "test_review",
            "private_metadata": InvoiceReference.of(invoice).as_private_metadata(),
            "title": {"type": "plain_text", "text": "Review"},
            "submit": {"type": "plain_text", "text": "Approve"},
            "blocks": [
                {
                    "type": "input",
                    "block_id": NUMBER_BLOCK,
                    "label": {"type": "plain_text", "text": "Invoice number"},
                    "element": {"type": "plain_text_input", "action_id": NUMBER_INPUT},
                }
            ],
        },
    )


async def review_submitted(ack: AsyncAck, view: dict[str, Any]) -> None:
    """Reads everything from the submission itself, as a different replica would."""
    reference = InvoiceReference.from_private_metadata(view["private_metadata"])
    invoice = await load_invoice_summary(reference.invoice, "EUR")
    if invoice is None or not reference.is_current(invoice):
        raise NotFound(
            "The invoice changed after you opened it; open it again to see the new figures."
        )
    number = view["state"]["values"][NUMBER_BLOCK][NUMBER_INPUT]["value"] or ""
    if not number.strip():
        raise InvalidInput(NUMBER_BLOCK, "Type the invoice number.")
    await Invoice.filter(id=invoice.id).update(invoice_number=number.strip())
    await ack()


async def test_a_modal_flow_carries_its_reference_and_refuses_a_stale_one(
    running_bot: BotUnderTest,
) -> None:
    client = await Client.create(name="Acme")
    project = await Project.create(tenkfeet_id=77, guid="p-77", name="Apollo", client=client)
    invoice = await Invoice.create(project=project, year=2025, month=3, hours=Decimal(120))
    app, emulator = running_bot.app, running_bot.emulator
    app.command("/test-review")(start_review)
    app.view("test_review")(review_submitted)

    seen = len(emulator.calls)
    await emulator.send_slash_command("/test-review", str(invoice.id), user_id="U0ADA")
    opened = await emulator.wait_for_call("views.open", after=seen, timeout=3)
    view = opened.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    metadata = view["private_metadata"]
    assert InvoiceReference.from_private_metadata(metadata).invoice == invoice.id

    async def submit(number: str, private_metadata: str = metadata) -> dict[str, Any] | None:
        ack = await emulator.send_view_submission(
            "test_review", number_values(number), private_metadata=private_metadata
        )
        return ack.payload

    assert await submit(" ") == {
        "response_action": "errors",
        "errors": {NUMBER_BLOCK: "Type the invoice number."},
    }
    forged = await submit("INV-1", metadata.replace("invoice:", "submit-hours:"))
    assert forged is not None and BROKEN_REFERENCE in json.dumps(forged["view"])

    changed = await Invoice.get(id=invoice.id)  # its figures are refreshed meanwhile
    changed.hours = Decimal(122)
    await changed.save()
    stale = await submit("INV-1")
    assert stale is not None and stale["response_action"] == "update"
    assert "The invoice changed after you opened it" in json.dumps(stale["view"])
    assert (await Invoice.get(id=invoice.id)).invoice_number == ""

    current = await load_invoice_summary(invoice.id, "EUR")
    assert current is not None
    fresh = InvoiceReference.of(current).as_private_metadata()
    assert await submit("INV-1", fresh) is None
    assert (await Invoice.get(id=invoice.id)).invoice_number == "INV-1"


# --- the database out of reach -------------------------------------------------------------


async def test_a_database_outage_gets_its_own_short_apology_and_one_log_line(
    running_bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    lost = DatabaseUnavailable("the database did not answer within 2 s")
    running_bot.app.command("/outage")(raising(lost))
    running_bot.app.view("outage")(raising(lost))
    running_bot.app.action("outage")(raising(lost, ack_first=True))
    emulator = running_bot.emulator
    with caplog.at_level(logging.INFO, logger="handlers.error_replies"):
        command = await emulator.send_slash_command("/outage", user_id="U0ADA")
        submission = await emulator.send_view_submission("outage", user_id="U0ADA")
        await emulator.send_block_action("outage", user_id="U0ADA")
        told = await emulator.wait_for_call("response_url", timeout=3)
    assert command.payload == {"response_type": "ephemeral", "text": OUTAGE_APOLOGY}
    assert submission.payload is not None
    assert OUTAGE_APOLOGY in json.dumps(submission.payload["view"])
    assert told.args["text"] == OUTAGE_APOLOGY
    # An outage is not a bug: a warning line each, no traceback.
    lines = [r for r in caplog.records if r.name == "handlers.error_replies"]
    assert [r.levelno for r in lines] == [logging.WARNING] * 3
    assert all(r.exc_info is None and "out of reach" in r.getMessage() for r in lines)
