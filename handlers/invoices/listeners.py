"""Invoice review in Slack: the Review button, the modal's submission, and what follows.

The button (in the review-request message, App Home, or a modal that asks to reopen) carries
an :class:`~handlers.invoices.references.InvoiceReference`. A click is acked, the person's
rights are checked (someone who may neither approve nor record the number gets an ephemeral
refusal and no modal), a "loading" modal is opened at once with the click's trigger id
(single-use, 3 s), and the form is filled in with ``views.update``.

The submission is recorded by :func:`models.invoices.approval.record_review` before the ack,
since a refusal or a field error must travel in the ack; the ack then turns the modal into a
"saved" view. After it, when changes were requested, each person whose entries are flagged
gets a DM; then the invoice's messages are updated in place (``chat.update``).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.errors import InvalidInput, NotAllowed, NotFound
from core.settings import Settings
from handlers.invoices.blocks import (
    loading_view,
    review_modal,
    saved_view,
    stale_view,
)
from handlers.invoices.follow_up import tell_people_about_changes, update_invoice_messages
from handlers.invoices.references import InvoiceReference
from handlers.slack_ids import ActionId, BlockId, CallbackId, InputId
from models.invoices.approval import (
    Decision,
    InvoiceChanged,
    ReviewField,
    ReviewForm,
    record_review,
    review_access,
)
from models.invoices.review import load_invoice_summary
from models.people import Person

log = logging.getLogger(__name__)

NO_PERSON = (
    "I couldn't find an active 10000ft person for your Slack account (people are matched by "
    "e-mail), so you cannot review invoices."
)

#: Where each field of the form lives in the modal.
BLOCK_OF_FIELD: dict[str, BlockId] = {
    ReviewField.CHECKLIST: BlockId.REVIEW_CHECKLIST,
    ReviewField.DECISION: BlockId.REVIEW_DECISION,
    ReviewField.COMMENT: BlockId.REVIEW_COMMENT,
    ReviewField.NUMBER: BlockId.REVIEW_NUMBER,
    ReviewField.SENT: BlockId.REVIEW_SENT,
}

# --- the button ---------------------------------------------------------------------------


def _modal_of(body: dict[str, Any]) -> dict[str, Any] | None:
    """The modal the click came from (a "reopen" button), or None (a message, App Home)."""
    view = body.get("view")
    return view if isinstance(view, dict) and view.get("type") == "modal" else None


async def review_clicked(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    settings: Settings,
    person: Person | None,
) -> None:
    await ack()
    reference = InvoiceReference.from_button_value(action.get("value"))
    if person is None:
        raise NotAllowed(NO_PERSON)
    access = await review_access(reference.invoice, person)
    if not access.rights.may_review:
        raise NotAllowed(access.refusal())
    modal = _modal_of(body)
    loading = loading_view(access.project_name)
    if modal is not None:
        opened = await client.views_update(view_id=modal["id"], view=loading)
    else:
        opened = await client.views_open(trigger_id=body["trigger_id"], view=loading)
    invoice = await load_invoice_summary(reference.invoice, settings.hours_currency)
    if invoice is None:
        raise NotFound("That invoice no longer exists.")
    view = review_modal(
        invoice,
        access.rights,
        settings,
        confirmed_before=invoice.status.approved_confirmed,
        changed_since_shown=not reference.is_current(invoice),
    )
    shown = opened.get("view") or {}
    try:
        await client.views_update(view_id=shown["id"], hash=shown.get("hash"), view=view)
    except SlackApiError as exc:
        # Closed meanwhile (not_found) or changed by the person (hash_conflict): nothing to do.
        if exc.response.get("error") not in ("not_found", "hash_conflict"):
            raise
        log.info("review modal not filled in: %s", exc.response.get("error"))


# --- the submission -----------------------------------------------------------------------


def _input(values: dict[str, Any], block: BlockId, action: InputId) -> dict[str, Any] | None:
    found = (values.get(block) or {}).get(action)
    return found if isinstance(found, dict) else None


def _selected(state: dict[str, Any] | None) -> frozenset[str]:
    options = (state or {}).get("selected_options") or []
    return frozenset(str(o.get("value")) for o in options if isinstance(o, dict))


def _text(state: dict[str, Any] | None) -> str:
    value = (state or {}).get("value")
    return value if isinstance(value, str) else ""


def review_form(view: dict[str, Any]) -> ReviewForm:
    """The submitted form; a part is there when any of its blocks is (in ``state.values`` or
    the view's blocks), whether or not the person touched it."""
    values = (view.get("state") or {}).get("values") or {}
    present = set(values) | {
        str(block.get("block_id"))
        for block in view.get("blocks") or []
        if isinstance(block, dict) and block.get("type") == "input"
    }
    checklist = _input(values, BlockId.REVIEW_CHECKLIST, InputId.REVIEW_CHECKLIST)
    decision = _selected(_input(values, BlockId.REVIEW_DECISION, InputId.REVIEW_DECISION))
    approver = bool({BlockId.REVIEW_CHECKLIST, BlockId.REVIEW_DECISION} & present)
    finance = bool({BlockId.REVIEW_NUMBER, BlockId.REVIEW_SENT} & present)
    return ReviewForm(
        confirmed=_selected(checklist) if approver else None,
        approve=Decision.APPROVE.value in decision if approver else None,
        request_changes=Decision.REQUEST_CHANGES.value in decision,
        comment=_text(_input(values, BlockId.REVIEW_COMMENT, InputId.REVIEW_COMMENT)),
        invoice_number=(
            _text(_input(values, BlockId.REVIEW_NUMBER, InputId.REVIEW_NUMBER)) if finance else None
        ),
        sent=(
            "sent" in _selected(_input(values, BlockId.REVIEW_SENT, InputId.REVIEW_SENT))
            if finance
            else None
        ),
    )


async def review_submitted(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    client: AsyncWebClient,
    settings: Settings,
    person: Person | None,
) -> None:
    reference = InvoiceReference.from_private_metadata(view.get("private_metadata"))
    if person is None:
        raise NotAllowed(NO_PERSON)
    access = await review_access(reference.invoice, person)
    if not access.rights.may_review:
        raise NotAllowed(access.refusal() + " Nothing was recorded.")
    try:
        recorded = await record_review(
            reference.invoice,
            seen_version=reference.version,
            seen_figures=reference.figures,
            form=review_form(view),
            checker=person,
            checker_slack_id=str((body.get("user") or {}).get("id") or ""),
            rights=access.rights,
            hours_currency=settings.hours_currency,
            rate_min=settings.bill_rate_min,
            rate_max=settings.bill_rate_max,
        )
    except InvoiceChanged as changed:
        current = await load_invoice_summary(reference.invoice, settings.hours_currency)
        await ack(response_action="update", view=stale_view(changed.message, current))
        return
    except InvalidInput as invalid:
        block = BLOCK_OF_FIELD.get(invalid.field, invalid.field)
        raise InvalidInput(block, invalid.message) from None
    invoice = await load_invoice_summary(reference.invoice, settings.hours_currency)
    if invoice is None:  # deleted in the very moment after the check was stored
        await ack()
        return
    await ack(response_action="update", view=saved_view(invoice, recorded, settings))
    if recorded.outcome.decision == Decision.REQUEST_CHANGES:
        await tell_people_about_changes(invoice, recorded, person, settings)
    await update_invoice_messages(client, invoice, settings)


def register(app: AsyncApp) -> None:
    app.action(ActionId.INVOICE_REVIEW)(review_clicked)
    app.view(CallbackId.INVOICE_REVIEW)(review_submitted)
