"""Block Kit for invoice review: the messages, the review modal and its answers.

Pure functions from domain data to Slack payloads. Every message has a plain-text ``text``
(notifications, and clients that cannot show blocks) naming the project, client and month
with hours and money in two decimals and the invoice's link; every text from 10000ft (names,
phases) or typed by a person (comments, reasons) is escaped for mrkdwn.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from core.formatting import format_hours
from core.settings import Settings
from core.slack_text import escape_mrkdwn
from handlers.flex.blocks import (
    MESSAGE_BLOCK_LIMIT,
    Block,
    context,
    mrkdwn_section,
    sections_of,
    url_button,
)
from handlers.invoices.references import InvoiceReference
from handlers.slack_ids import ActionId, BlockId, CallbackId, InputId
from models.invoices.approval import (
    INVOICE_NUMBER_MAX,
    Decision,
    RecordedReview,
    ReviewRights,
)
from models.invoices.flagged_entries import FlaggedEntry, PersonToTell
from models.invoices.review import InvoiceSummary
from models.invoices.waiting import WaitingInvoice
from models.invoices.wording import (
    check_text,
    confirm_text,
    difference_text,
    hours_text,
    money_text,
    state_text,
)
from sync.slack_delivery import SlackMessage

VIEW_TITLE_LIMIT = 24
OPTION_TEXT_LIMIT = 75
COMMENT_MAX = 2000
ENTRIES_SHOWN = 30

REVIEW_HEADING = "Invoice ready for review"
CHANGED_HEADING = "Invoice changed since approval"
APPROVE_TEXT = "I have checked this invoice and approve it"
REQUEST_CHANGES_TEXT = "Request changes (say what in the comment)"
SENT_TEXT = "Sent to customer"


def invoice_url(invoice: InvoiceSummary, settings: Settings) -> str:
    return settings.public_link(f"/invoices/{invoice.id}")


def _at(moment: datetime | None, settings: Settings) -> str:
    return moment.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M") if moment else ""


def title_text(invoice: InvoiceSummary) -> str:
    """``Apollo (Acme), October 2026 (2026-10)``, plain (not escaped)."""
    client = f" ({invoice.client_name})" if invoice.client_name else ""
    return f"{invoice.project_name}{client}, {invoice.month_name} ({invoice.period})"


def figures_line(invoice: InvoiceSummary) -> str:
    """``120.50 h, billable 100.00 h, 12000.00 EUR``."""
    figures = invoice.figures
    return (
        f"{hours_text(figures.hours)} h, billable {hours_text(figures.billable_hours)} h, "
        f"{money_text(figures.money)}"
    )


def status_lines(invoice: InvoiceSummary, settings: Settings) -> list[str]:
    """Who approved, who asked for changes and why, what changed since approval (mrkdwn)."""
    status, lines = invoice.status, []
    if invoice.approved and status.approved_by:
        lines.append(
            f":white_check_mark: {state_text(invoice.state)}: approved by "
            f"*{escape_mrkdwn(status.approved_by)}* on {_at(status.approved_at, settings)}"
        )
    elif invoice.approved:
        lines.append(f":white_check_mark: {state_text(invoice.state)}")
    if invoice.invoice_number:
        lines.append(f"Invoice number *{escape_mrkdwn(invoice.invoice_number)}*")
    if status.changes_requested_by:
        reason = escape_mrkdwn(status.changes_requested_reason)
        lines.append(
            f":memo: Changes requested by *{escape_mrkdwn(status.changes_requested_by)}* on "
            f"{_at(status.changes_requested_at, settings)}: {reason}"
        )
    if invoice.changed_since_approval:
        change = difference_text(
            invoice.hours_change_since_approval, invoice.money_change_since_approval
        )
        lines.append(
            f":warning: *Changed since approval*: {change}. It needs to be approved again."
        )
    return lines


def checks_text(
    invoice: InvoiceSummary, settings: Settings, heading: str = "Checks to confirm"
) -> str:
    """Each non-zero check (and a remarkable change) in words under ``heading``, or that
    nothing is flagged."""
    flagged = invoice.figures.flagged()
    if not flagged:
        return "*Checks:* nothing flagged."
    lines = [
        "• "
        + check_text(
            key, invoice.figures.checks.get(key, 0), settings.bill_rate_min, settings.bill_rate_max
        )
        for key in flagged
    ]
    return f"*{heading}*\n" + "\n".join(lines)


def figure_fields(invoice: InvoiceSummary) -> Block:
    figures = invoice.figures
    return {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": f"*Hours*\n{hours_text(figures.hours)}"},
            {"type": "mrkdwn", "text": f"*Billable hours*\n{hours_text(figures.billable_hours)}"},
            {"type": "mrkdwn", "text": f"*Money*\n{money_text(figures.money)}"},
            {"type": "mrkdwn", "text": f"*State*\n{state_text(invoice.state)}"},
        ],
    }


def title_section(invoice: InvoiceSummary, settings: Settings) -> Block:
    client = f" ({escape_mrkdwn(invoice.client_name)})" if invoice.client_name else ""
    return mrkdwn_section(
        f"*{escape_mrkdwn(invoice.project_name)}*{client}, {invoice.month_name} "
        f"({invoice.period})\n<{invoice_url(invoice, settings)}|Open the invoice in Finance Bot>"
    )


def review_button(invoice: InvoiceSummary, text: str = "Review") -> Block:
    return _review_button(InvoiceReference.of(invoice), text)


def waiting_review_button(invoice: WaitingInvoice) -> Block:
    """The same Review button for an invoice in a list of those waiting (App Home, the
    manager digest): it opens the same modal."""
    return _review_button(InvoiceReference.of_waiting(invoice), "Review")


def _review_button(reference: InvoiceReference, text: str) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "style": "primary",
        "action_id": ActionId.INVOICE_REVIEW,
        "value": reference.as_button_value(),
    }


def invoice_message(
    invoice: InvoiceSummary, settings: Settings, heading: str = REVIEW_HEADING
) -> SlackMessage:
    """The message about one invoice: sent to its admins, and updated in place as it moves."""
    lines = status_lines(invoice, settings)
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": heading}},
        title_section(invoice, settings),
        figure_fields(invoice),
        mrkdwn_section(checks_text(invoice, settings)),
    ]
    if lines:
        blocks.append(context(*lines))
    blocks.append(
        {
            "type": "actions",
            "elements": [
                review_button(invoice),
                url_button("Open", invoice_url(invoice, settings), ActionId.INVOICE_OPEN),
            ],
        }
    )
    state = state_text(invoice.state)
    text = (
        f"{heading}: {title_text(invoice)}: {figures_line(invoice)}. {state}. "
        f"{invoice_url(invoice, settings)}"
    )
    return SlackMessage(text=escape_mrkdwn(text), blocks=blocks[:MESSAGE_BLOCK_LIMIT])


def changed_since_approval_message(invoice: InvoiceSummary, settings: Settings) -> SlackMessage:
    return invoice_message(invoice, settings, CHANGED_HEADING)


# --- the review modal ------------------------------------------------------------------------


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text[:OPTION_TEXT_LIMIT]}, "value": value}


def _checkboxes_input(
    block_id: BlockId,
    action_id: InputId,
    label: str,
    options: Sequence[dict[str, Any]],
    selected: Sequence[str] = (),
    hint: str | None = None,
) -> Block:
    element: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": action_id,
        "options": list(options),
    }
    initial = [option for option in options if option["value"] in selected]
    if initial:
        element["initial_options"] = initial
    return _optional_input(block_id, label, element, hint)


def _text_input(
    block_id: BlockId,
    action_id: InputId,
    label: str,
    *,
    initial: str = "",
    multiline: bool = False,
    max_length: int,
    hint: str | None = None,
) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial
    return _optional_input(block_id, label, element, hint)


def _optional_input(
    block_id: BlockId, label: str, element: dict[str, Any], hint: str | None
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def _modal(blocks: list[Block], *, title: str = "Review invoice", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title[:VIEW_TITLE_LIMIT]},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks,
        **extra,
    }


def loading_view(project_name: str) -> dict[str, Any]:
    """Opened at once with the click's trigger id; :func:`review_modal` replaces it."""
    return _modal(
        [mrkdwn_section(f"Loading the invoice of *{escape_mrkdwn(project_name)}*…")],
        callback_id=CallbackId.INVOICE_REVIEW,
    )


def review_modal(
    invoice: InvoiceSummary,
    rights: ReviewRights,
    settings: Settings,
    *,
    confirmed_before: Sequence[str] = (),
    changed_since_shown: bool = False,
) -> dict[str, Any]:
    """The review form: the figures, then the approver's part and/or finance's part.

    ``confirmed_before``: the checks the standing approval confirmed (ticked again while the
    approval stands); ``changed_since_shown``: the invoice changed after the button's message
    was made, so the approver is told these are the current figures.
    """
    blocks: list[Block] = [title_section(invoice, settings), figure_fields(invoice)]
    if changed_since_shown:
        blocks.append(
            context(
                ":information_source: This invoice changed after that message was sent: "
                "these are its current figures."
            )
        )
    blocks.append(mrkdwn_section(checks_text(invoice, settings)))
    lines = status_lines(invoice, settings)
    if lines:
        blocks.append(context(*lines))
    blocks.append({"type": "divider"})
    approval_stands = invoice.approved and not invoice.changed_since_approval
    if rights.may_approve:
        flagged = invoice.figures.flagged()
        if flagged:
            options = [
                _option(
                    confirm_text(
                        key,
                        invoice.figures.checks.get(key, 0),
                        settings.bill_rate_min,
                        settings.bill_rate_max,
                    ),
                    key,
                )
                for key in flagged
            ]
            blocks.append(
                _checkboxes_input(
                    BlockId.REVIEW_CHECKLIST,
                    InputId.REVIEW_CHECKLIST,
                    "Confirm each flagged check",
                    options,
                    confirmed_before if approval_stands else (),
                    hint="Approving needs every flagged check ticked.",
                )
            )
        blocks.append(
            _checkboxes_input(
                BlockId.REVIEW_DECISION,
                InputId.REVIEW_DECISION,
                "Your decision",
                [
                    _option(APPROVE_TEXT, Decision.APPROVE.value),
                    _option(REQUEST_CHANGES_TEXT, Decision.REQUEST_CHANGES.value),
                ],
                [Decision.APPROVE.value] if approval_stands else (),
                hint="Untick the approval to take it back.",
            )
        )
        blocks.append(
            _text_input(
                BlockId.REVIEW_COMMENT,
                InputId.REVIEW_COMMENT,
                "Comment",
                multiline=True,
                max_length=COMMENT_MAX,
                hint="When you request changes, this is the reason the people whose entries "
                "are flagged receive.",
            )
        )
    elif not invoice.approved:
        blocks.append(context("Waiting for the project's admins to approve it."))
    if rights.may_set_number:
        blocks.append(
            _text_input(
                BlockId.REVIEW_NUMBER,
                InputId.REVIEW_NUMBER,
                "Invoice number",
                initial=invoice.invoice_number,
                max_length=INVOICE_NUMBER_MAX,
                hint="Only for an approved invoice. Clear it to move the invoice back.",
            )
        )
        blocks.append(
            _checkboxes_input(
                BlockId.REVIEW_SENT,
                InputId.REVIEW_SENT,
                "Sending",
                [_option(SENT_TEXT, "sent")],
                ["sent"] if invoice.sent else (),
            )
        )
    return _modal(
        blocks,
        callback_id=CallbackId.INVOICE_REVIEW,
        submit={"type": "plain_text", "text": "Save"},
        private_metadata=InvoiceReference.of(invoice).as_private_metadata(),
    )


def saved_view(
    invoice: InvoiceSummary, recorded: RecordedReview, settings: Settings
) -> dict[str, Any]:
    """What the modal turns into once the check is recorded."""
    outcome = recorded.outcome
    what = {
        Decision.APPROVE: "You approved it.",
        Decision.REQUEST_CHANGES: "You requested changes; the people whose entries are "
        "flagged are told what to fix.",
        Decision.NONE: "Saved.",
        Decision.CARRIED: "Saved.",
    }[outcome.decision]
    moved = (
        f"It moved from {recorded.before.state.value} to {outcome.state.value}."
        if recorded.before.state != outcome.state
        else f"It stays {outcome.state.value}."
    )
    return _modal(
        [
            title_section(invoice, settings),
            mrkdwn_section(f":white_check_mark: {what} {moved}"),
        ],
        title="Invoice saved",
    )


def stale_view(reason: str, invoice: InvoiceSummary | None) -> dict[str, Any]:
    """The invoice changed after the form was opened: nothing recorded, open it again."""
    blocks: list[Block] = [mrkdwn_section(f":arrows_counterclockwise: {escape_mrkdwn(reason)}")]
    if invoice is not None:
        blocks.append({"type": "actions", "elements": [review_button(invoice, "Open it again")]})
    return _modal(blocks, title="Invoice changed")


# --- changes requested --------------------------------------------------------------------------


def _entry_line(entry: FlaggedEntry) -> str:
    phase = escape_mrkdwn(entry.phase_name) or "(no phase)"
    problems = escape_mrkdwn("; ".join(entry.problems))
    return (
        f"• {entry.date.isoformat()} {escape_mrkdwn(entry.project_name)} / {phase}, "
        f"{format_hours(entry.hours).lstrip('+')}: {problems}"
    )


def changes_requested_message(
    invoice: InvoiceSummary,
    person: PersonToTell,
    reason: str,
    requested_by: str,
    settings: Settings,
    *,
    for_admins: bool = False,
) -> SlackMessage:
    """One person's flagged entries and the approver's reason (or, for the notifications
    admins, the same about someone without a Slack account)."""
    whose = "your entries" if not for_admins else f"the entries of {person.name}"
    intro = (
        f"*{escape_mrkdwn(requested_by)}* requested changes to the invoice of "
        f"*{escape_mrkdwn(invoice.project_name)}* for {invoice.month_name} ({invoice.period}), "
        f"and {escape_mrkdwn(whose)} are among those flagged."
    )
    if for_admins:
        intro += f" {escape_mrkdwn(person.name)} has no Slack account: please pass this on."
    lines = [_entry_line(entry) for entry in person.entries[:ENTRIES_SHOWN]]
    more = len(person.entries) - ENTRIES_SHOWN
    if more > 0:
        lines.append(f"…and {more} more: see {invoice_url(invoice, settings)}")
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Changes requested"}},
        mrkdwn_section(intro),
        mrkdwn_section(f"*Reason:* {escape_mrkdwn(reason)}"),
        *sections_of(lines),
        context(
            "Fix them in 10000ft; the next sync brings the changes here. "
            f"<{invoice_url(invoice, settings)}|Open the invoice>"
        ),
    ]
    text = (
        f"{requested_by} requested changes to the invoice of {invoice.project_name} "
        f"for {invoice.period}: {reason} ({len(person.entries)} flagged "
        f"{'entry' if len(person.entries) == 1 else 'entries'} of {person.name})"
    )
    return SlackMessage(text=escape_mrkdwn(text), blocks=blocks[:MESSAGE_BLOCK_LIMIT])
