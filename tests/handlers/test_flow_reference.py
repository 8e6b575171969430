"""Flow references: compact text out, the same reference back, typed refusals for anything else."""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal
from typing import ClassVar

import pytest

from core.errors import NotFound
from handlers.flow_reference import (
    BROKEN_REFERENCE,
    BUTTON_VALUE_LIMIT,
    PRIVATE_METADATA_LIMIT,
    BrokenReference,
    FlowReference,
)
from handlers.home.references import HoursSubmission, ReminderSubmission
from handlers.invoices.references import InvoiceReference
from models import Client, Invoice, Project
from models.invoices.review import InvoiceSummary, load_invoice_summary

INVOICE_ID = uuid.UUID("0b5c6a4e-3f0e-4a57-9c51-2d6f1e9b7a10")
FIGURES = "5d41402abc4b"


class Note(FlowReference):
    """A reference with free text, to reach the size limits."""

    kind: ClassVar[str] = "test-note"

    text: str


def test_a_reference_round_trips_through_a_button_value_and_private_metadata() -> None:
    invoice = InvoiceReference(invoice=INVOICE_ID, version=3, figures=FIGURES)
    submission = HoursSubmission(person="guid-jane-1001", shown_on=date(2025, 4, 2))
    for reference in (invoice, submission):
        kind = type(reference)
        assert kind.from_button_value(reference.as_button_value()) == reference
        assert kind.from_private_metadata(reference.as_private_metadata()) == reference


def test_the_text_is_compact_and_names_its_kind() -> None:
    value = InvoiceReference(invoice=INVOICE_ID, version=3, figures=FIGURES).as_button_value()
    kind, _, payload = value.partition(":")
    assert kind == "invoice"
    assert json.loads(payload) == {"invoice": str(INVOICE_ID), "version": 3, "figures": FIGURES}
    assert " " not in value and len(value) < 100
    submission = HoursSubmission(person="guid-jane-1001", shown_on=date(2025, 4, 2))
    assert submission.as_button_value() == (
        'submit-hours:{"person":"guid-jane-1001","shown_on":"2025-04-02"}'
    )


GOOD_PAYLOAD = {"invoice": str(INVOICE_ID), "version": 0, "figures": FIGURES}


def invoice_text(**changes: object) -> str:
    payload = {**GOOD_PAYLOAD, **changes}
    return "invoice:" + json.dumps({k: v for k, v in payload.items() if v is not None})


@pytest.mark.parametrize(
    "value",
    [
        None,
        42,
        "",
        "submit",  # what the Home button carried before it carried a reference
        "invoice",
        "invoice:",
        "invoice:{",
        "invoice:[]",
        "invoice:null",
        'invoice:"0b5c6a4e-3f0e-4a57-9c51-2d6f1e9b7a10"',
        json.dumps(GOOD_PAYLOAD),  # no kind
        "INVOICE:" + json.dumps(GOOD_PAYLOAD),
        "submit-hours:" + json.dumps(GOOD_PAYLOAD),  # another flow's kind
        invoice_text(invoice="not-a-uuid"),
        invoice_text(invoice=None),  # missing
        invoice_text(version=None),
        invoice_text(figures=None),
        invoice_text(version="0"),  # strict: a text is no number here
        invoice_text(version=-1),
        invoice_text(version=1.5),
        invoice_text(figures="5D41402ABC4B"),  # a fingerprint is lowercase hex
        invoice_text(figures="5d41402abc4"),
        invoice_text(figures="yesterday!!!"),
        invoice_text(approved=True),  # a field the reference does not have
        invoice_text() + " trailing",
        "invoice:" + json.dumps(GOOD_PAYLOAD) + "x" * BUTTON_VALUE_LIMIT,
    ],
)
def test_garbage_and_forged_values_are_refused_politely(value: object) -> None:
    with pytest.raises(BrokenReference) as caught:
        InvoiceReference.from_button_value(value)
    assert isinstance(caught.value, NotFound)
    assert caught.value.message == BROKEN_REFERENCE
    assert caught.value.__cause__ is None  # no pydantic traceback rides along


def test_a_well_formed_value_parses() -> None:
    assert InvoiceReference.from_button_value(invoice_text()) == InvoiceReference(
        invoice=INVOICE_ID, version=0, figures=FIGURES
    )


def test_typed_fields_are_checked_too() -> None:
    for payload in (
        {"person": "", "shown_on": "2025-04-02"},
        {"person": "g" * 65, "shown_on": "2025-04-02"},
        {"person": 1001, "shown_on": "2025-04-02"},
        {"person": "guid", "shown_on": "2025-02-30"},
    ):
        with pytest.raises(BrokenReference):
            HoursSubmission.from_button_value("submit-hours:" + json.dumps(payload))


def test_a_reminders_days_round_trip_and_must_be_in_order() -> None:
    reminder = ReminderSubmission(
        person="guid", sent_on=date(2026, 11, 30), first=date(2026, 9, 30), last=date(2026, 11, 29)
    )
    assert ReminderSubmission.from_button_value(reminder.as_button_value()) == reminder
    backwards = {"person": "guid", "sent_on": "2026-11-30", "first": "2026-11-29"}
    for payload in (backwards | {"last": "2026-09-30"}, backwards):  # reversed, or no last
        with pytest.raises(BrokenReference):
            ReminderSubmission.from_button_value("submit-reminded-hours:" + json.dumps(payload))


def test_size_limits_of_slack_are_kept_both_ways() -> None:
    fits_metadata = Note(text="x" * (PRIVATE_METADATA_LIMIT - 30))
    metadata = fits_metadata.as_private_metadata()
    assert BUTTON_VALUE_LIMIT < len(metadata) <= PRIVATE_METADATA_LIMIT
    assert Note.from_private_metadata(metadata) == fits_metadata
    with pytest.raises(ValueError, match="Slack takes 2000"):
        fits_metadata.as_button_value()
    with pytest.raises(BrokenReference):
        Note.from_button_value(metadata)
    with pytest.raises(ValueError, match="Slack takes 3000"):
        Note(text="x" * PRIVATE_METADATA_LIMIT).as_private_metadata()
    with pytest.raises(BrokenReference):
        Note.from_private_metadata("test-note:" + json.dumps({"text": "x" * 3000}))


def test_a_reference_is_immutable() -> None:
    reference = HoursSubmission(person="guid", shown_on=date(2025, 4, 2))
    with pytest.raises(ValueError, match="frozen"):
        reference.person = "someone-else"  # type: ignore[misc]


def test_every_kind_is_named_and_unique() -> None:
    with pytest.raises(TypeError, match="already InvoiceReference's"):

        class Other(FlowReference):
            kind: ClassVar[str] = "invoice"

    with pytest.raises(TypeError, match="needs a kind"):

        class Nameless(FlowReference):
            pass


async def test_an_invoice_reference_knows_whether_the_invoice_changed(db: str) -> None:
    client = await Client.create(name="Acme")
    project = await Project.create(tenkfeet_id=77, guid="p-77", name="Apollo", client=client)
    invoice = await Invoice.create(project=project, year=2025, month=3, hours=Decimal(120))

    async def current(invoice_id: uuid.UUID) -> InvoiceSummary:
        summary = await load_invoice_summary(invoice_id, "EUR")
        assert summary is not None
        return summary

    shown = InvoiceReference.of(await current(invoice.id))
    metadata = shown.as_private_metadata()

    # Another replica, later: only the text came back; the invoice is read anew.
    back = InvoiceReference.from_private_metadata(metadata)
    assert back.is_current(await current(back.invoice))

    # Saved again with the same figures (e.g. a sync that changed nothing): still current.
    await (await Invoice.get(id=invoice.id)).save()
    assert back.is_current(await current(back.invoice))

    await Invoice.filter(id=invoice.id).update(hours=Decimal(125))  # a sync changed it
    assert not back.is_current(await current(back.invoice))
    await Invoice.filter(id=invoice.id).update(hours=Decimal(120), review_version=1)  # a check
    assert not back.is_current(await current(back.invoice))
    other = await Invoice.create(project=project, year=2025, month=4, hours=Decimal(120))
    assert not InvoiceReference.of(await current(other.id)).is_current(await current(invoice.id))
