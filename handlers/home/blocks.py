"""Block Kit for the App Home tab: pure functions from domain data to a ``home`` view dict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from core.formatting import format_hours
from core.settings import Settings
from core.slack_text import escape_mrkdwn
from handlers.flex.blocks import (
    UNKNOWN_ASKER,
    Block,
    context,
    flex_buttons,
    for_mrkdwn,
    mrkdwn_section,
    report_text,
    saldo_blocks,
    url_button,
)
from handlers.home.references import HoursSubmission
from handlers.invoices.blocks import waiting_review_button
from handlers.notifications.wording import entries_text
from handlers.slack_ids import ActionId, CallbackId
from models.flex.report import FlexReport
from models.invoices.records import InvoiceState
from models.invoices.waiting import WaitingInvoice
from models.unsubmitted_hours import UnsubmittedEntry, UnsubmittedHours

HOME_BLOCK_LIMIT = 100
BLOCKED_SHOWN = 10
INVOICES_SHOWN = 10


@dataclass(frozen=True)
class Notice:
    """A one-off line at the top of the Home view after an action (e.g. a submission)."""

    text: str
    ok: bool = True

    def render(self) -> str:
        return (":white_check_mark: " if self.ok else ":warning: ") + self.text


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}


def divider() -> Block:
    return {"type": "divider"}


def hours_plain(hours: Decimal) -> str:
    """``7.50h`` (no sign: counts of hours, not a balance)."""
    return format_hours(hours).lstrip("+")


def entry_line(entry: UnsubmittedEntry) -> str:
    """``2026-11-02 Project / Phase 7.50h``; 10000ft's names escaped for mrkdwn."""
    what = escape_mrkdwn(entry.leave_type if entry.is_leave else entry.project_name)
    what = what or "(no project)"
    if not entry.is_leave and entry.phase_name:
        what += f" / {escape_mrkdwn(entry.phase_name)}"
    return f"{entry.date.isoformat()} {what} {hours_plain(entry.hours)}"


def flex_section(report: FlexReport | None, settings: Settings) -> list[Block]:
    blocks: list[Block] = [header("Your flex saldo")]
    if report is None:
        return blocks
    report = for_mrkdwn(report)
    if report.has_saldo:
        return blocks + saldo_blocks(report, settings)
    blocks.append(mrkdwn_section(report_text(report, about_self=True)))
    if report.status == "no_contract":
        blocks.append(flex_buttons(report.guid, settings))
    return blocks


def unsubmitted_section(
    unsubmitted: UnsubmittedHours, submission: HoursSubmission | None
) -> list[Block]:
    """The unsubmitted hours; the submit button (carrying ``submission``) when some are ready."""
    blocks: list[Block] = [header("Unsubmitted hours")]
    if unsubmitted.count == 0:
        blocks.append(mrkdwn_section("Nothing waiting: all your hours are submitted. :tada:"))
        return blocks
    oldest = unsubmitted.oldest.isoformat() if unsubmitted.oldest else "-"
    entries = "entry" if unsubmitted.count == 1 else "entries"
    summary = (
        f"*{unsubmitted.count}* {entries}, *{hours_plain(unsubmitted.hours)}*, oldest {oldest}."
    )
    ready = len(unsubmitted.submittable)
    if ready and submission is not None:
        summary += (
            f"\n{ready} of them ({hours_plain(unsubmitted.submittable_hours)}) can be "
            "submitted for approval from here."
        )
        section = mrkdwn_section(summary)
        section["accessory"] = {
            "type": "button",
            "text": {"type": "plain_text", "text": "Submit to 10000ft"},
            "style": "primary",
            "action_id": ActionId.HOME_SUBMIT_HOURS,
            "value": submission.as_button_value(),
            "confirm": {
                "title": {"type": "plain_text", "text": "Submit hours?"},
                "text": {
                    "type": "mrkdwn",
                    "text": f"Submit {entries_text(ready)} "
                    f"({hours_plain(unsubmitted.submittable_hours)}) to 10000ft for approval?",
                },
                "confirm": {"type": "plain_text", "text": "Submit"},
                "deny": {"type": "plain_text", "text": "Cancel"},
            },
        }
        blocks.append(section)
    else:
        blocks.append(mrkdwn_section(summary + "\nNone of them can be submitted from here yet."))
    if unsubmitted.blocked:
        lines = [
            f"• {entry_line(entry)}: {', '.join(reasons)}"
            for entry, reasons in unsubmitted.blocked[:BLOCKED_SHOWN]
        ]
        more = len(unsubmitted.blocked) - BLOCKED_SHOWN
        if more > 0:
            lines.append(f"…and {more} more")
        blocks.append(
            mrkdwn_section(
                "Fix these in 10000ft first (or submit them there):\n" + "\n".join(lines)
            )
        )
    return blocks


def invoices_section(
    invoices: Sequence[WaitingInvoice],
    settings: Settings,
    heading: str = "Invoices waiting for your approval",
) -> list[Block]:
    """Each invoice with a *Review* button (the same modal as the review message's) and an
    *Open* button to its page."""
    if not invoices:
        return []
    blocks: list[Block] = [header(heading)]
    for invoice in invoices[:INVOICES_SHOWN]:
        client = f"{invoice.client_name}: " if invoice.client_name else ""
        title = escape_mrkdwn(client + invoice.project_name)
        note = " (changed since approval)" if invoice.changed_since_approval else ""
        if invoice.state != InvoiceState.CREATED and not invoice.changed_since_approval:
            note = f" ({invoice.state.value})"
        blocks.append(
            mrkdwn_section(f"*{title}* {invoice.period}, {hours_plain(invoice.hours)}{note}")
        )
        review = waiting_review_button(invoice)
        link = url_button(
            "Open", settings.public_link(f"/invoices/{invoice.id}"), ActionId.HOME_OPEN_INVOICE
        )
        blocks.append({"type": "actions", "elements": [review, link]})
    more = len(invoices) - INVOICES_SHOWN
    if more > 0:
        blocks.append(context(f"…and {more} more: {settings.public_link('/invoices')}"))
    return blocks


def home_view(
    *,
    report: FlexReport | None,
    unsubmitted: UnsubmittedHours | None,
    invoices: Sequence[WaitingInvoice],
    settings: Settings,
    today: date,
    notice: Notice | None = None,
    unknown_person: bool = False,
    finance_invoices: Sequence[WaitingInvoice] = (),
) -> dict[str, Any]:
    """The whole Home tab. ``unknown_person``: the Slack user is no 10000ft person.

    The submit button names the report's person and ``today`` (see :class:`HoursSubmission`).
    """
    blocks: list[Block] = []
    if notice is not None:
        blocks.append(mrkdwn_section(notice.render()))
    if unknown_person:
        blocks.append(mrkdwn_section(UNKNOWN_ASKER))
    else:
        blocks += flex_section(report, settings)
        if unsubmitted is not None:
            blocks.append(divider())
            submission = (
                HoursSubmission(person=report.guid, shown_on=today) if report is not None else None
            )
            blocks += unsubmitted_section(unsubmitted, submission)
        waiting = invoices_section(invoices, settings)
        if waiting:
            blocks.append(divider())
            blocks += waiting
        numbering = invoices_section(
            finance_invoices, settings, "Invoices waiting for a number or sending (finance)"
        )
        if numbering:
            blocks.append(divider())
            blocks += numbering
    blocks.append(context(f"Updated {today.isoformat()}. Only you see this page."))
    return {"type": "home", "callback_id": CallbackId.HOME, "blocks": blocks[:HOME_BLOCK_LIMIT]}
