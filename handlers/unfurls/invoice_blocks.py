"""Unfurls of invoice and project links (pure functions), and where their figures may show.

An unfurl is seen by everyone in the conversation. Invoice figures are business figures, not
personal ones, so they are not kept to a DM as flex saldos are; but they show only where the
person who shared the link may see them (:func:`figures_hidden`): the sharer sees the project's
invoices (the finance and admin groups see every project's, a project's admins their own),
the link was posted into a conversation (not still being written in the composer, where it
may yet be sent anywhere), and the conversation is not shared with another organisation
(Slack Connect: the client may be in it). Otherwise the unfurl names the project, the month
and the state, and says why the figures are left out.

Every text from 10000ft (project, client and people's names) or typed by a person (an invoice
number, a reason) is escaped for mrkdwn.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from core.settings import Settings
from core.slack_text import cut_mrkdwn, escape_mrkdwn
from handlers.flex.blocks import Block, context, mrkdwn_section
from handlers.invoices.blocks import checks_text
from handlers.unfurls.blocks import unfurl
from models.invoices.overview import InvoiceOverview, ProjectInvoice, ProjectOverview
from models.invoices.review import InvoiceSummary
from models.invoices.wording import difference_text, hours_text, money_text, state_text

FIELD_TEXT_LIMIT = 2000


class FiguresHidden(StrEnum):
    """Why an invoice or project unfurl leaves its figures out."""

    NOT_ALLOWED = "not allowed"
    COMPOSER = "composer"
    OTHER_ORGANISATION = "other organisation"


HIDDEN_TEXT = {
    FiguresHidden.NOT_ALLOWED: (
        "Figures unfurl only when someone who may see them shares the link: the project's "
        "admins, the finance group or the admin group. Open the link to see what you may."
    ),
    FiguresHidden.COMPOSER: (
        "Figures unfurl once the message is posted (a message still being written may go anywhere)."
    ),
    FiguresHidden.OTHER_ORGANISATION: (
        "Figures never unfurl in a conversation shared with another organisation."
    ),
}


def figures_hidden(
    may_see: bool, *, in_composer: bool, shared_with_other_organisation: bool
) -> FiguresHidden | None:
    """Why the figures stay out of this unfurl, or None when they show (see the module doc)."""
    if shared_with_other_organisation:
        return FiguresHidden.OTHER_ORGANISATION
    if not may_see:
        return FiguresHidden.NOT_ALLOWED
    if in_composer:
        return FiguresHidden.COMPOSER
    return None


def invoice_link(settings: Settings, invoice_id: UUID) -> str:
    return settings.public_link(f"/invoices/{invoice_id}")


def _at(moment: datetime | None, settings: Settings) -> str:
    return moment.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M") if moment else ""


def _field(title: str, value: str) -> dict[str, str]:
    text = f"*{title}*\n{value}"
    return {"type": "mrkdwn", "text": cut_mrkdwn(text, FIELD_TEXT_LIMIT)}


def _money_parts(
    currency: str, hour_money: Decimal, fixed: Mapping[str, Decimal], aws: Mapping[str, Decimal]
) -> str | None:
    """``From hours 1494.98 EUR · fixed rows 250.00 EUR · AWS billing 30.00 USD`` when the money
    holds more than the hours, else None."""
    if not fixed and not aws:
        return None
    parts = [f"From hours {money_text({currency: hour_money})}"]
    if fixed:
        parts.append(f"fixed rows {money_text(fixed)}")
    if aws:
        parts.append(f"AWS billing {money_text(aws)}")
    return " · ".join(parts)


def not_found_unfurl(what: str) -> dict[str, Any]:
    """``Invoice not found``: the link names nothing we have (an unknown or malformed id)."""
    return unfurl(
        [
            mrkdwn_section(f"*{what} not found* in Finance Bot"),
            context(
                f"No {what.lower()} has this link's id: it may be mistyped, or the "
                f"{what.lower()} was removed from 10000ft."
            ),
        ]
    )


# --- invoices --------------------------------------------------------------------------------


def invoice_title(invoice: InvoiceSummary) -> str:
    """``*Invoice: Apollo* (Acme), October 2026 (2026-10)``, escaped."""
    client = f" ({escape_mrkdwn(invoice.client_name)})" if invoice.client_name else ""
    return (
        f"*Invoice: {escape_mrkdwn(invoice.project_name)}*{client}, {invoice.month_name} "
        f"({invoice.period})"
    )


def invoice_status_lines(
    invoice: InvoiceSummary, settings: Settings, *, with_figures: bool
) -> list[str]:
    """The state in words: who approved, the number, changes requested (and why), changed since
    approval (and by how much); the reason and the differences only with the figures."""
    status, lines = invoice.status, []
    if invoice.approved:
        if status.approved_by:
            lines.append(
                f":white_check_mark: Approved by *{escape_mrkdwn(status.approved_by)}* on "
                f"{_at(status.approved_at, settings)}"
            )
        else:
            lines.append(":white_check_mark: Approved")
    if invoice.invoice_number:
        lines.append(f"Invoice number *{escape_mrkdwn(invoice.invoice_number)}*")
    if status.changes_requested_by:
        line = (
            f":memo: Changes requested by *{escape_mrkdwn(status.changes_requested_by)}* on "
            f"{_at(status.changes_requested_at, settings)}"
        )
        if with_figures and status.changes_requested_reason:
            line += f": {escape_mrkdwn(status.changes_requested_reason)}"
        lines.append(line)
    if invoice.changed_since_approval:
        if with_figures:
            change = difference_text(
                invoice.hours_change_since_approval, invoice.money_change_since_approval
            )
            lines.append(
                f":warning: *Changed since approval*: {change}. It needs to be approved again."
            )
        else:
            lines.append(":warning: *Changed since approval*: it needs to be approved again.")
    return lines


def invoice_unfurl(
    overview: InvoiceOverview, settings: Settings, hidden: FiguresHidden | None
) -> dict[str, Any]:
    """The unfurl of an invoice link: with its figures unless ``hidden`` says why not."""
    invoice = overview.summary
    lines = invoice_status_lines(invoice, settings, with_figures=hidden is None)
    if hidden is not None:
        blocks: list[Block] = [
            mrkdwn_section(f"{invoice_title(invoice)}\nState: {state_text(invoice.state)}")
        ]
        if lines:
            blocks.append(context(*lines))
        blocks.append(context(HIDDEN_TEXT[hidden]))
        return unfurl(blocks)
    figures = invoice.figures
    blocks = [
        mrkdwn_section(invoice_title(invoice)),
        {
            "type": "section",
            "fields": [
                _field("Hours", hours_text(figures.hours)),
                _field("Billable hours", hours_text(figures.billable_hours)),
                _field("Money", money_text(overview.money)),
                _field("State", state_text(invoice.state)),
            ],
        },
    ]
    parts = _money_parts(
        settings.hours_currency,
        figures.money.get(settings.hours_currency, Decimal(0)),
        overview.fixed_rows,
        overview.aws_billing,
    )
    if parts:
        blocks.append(context(parts))
    blocks.append(mrkdwn_section(checks_text(invoice, settings, heading="Checks")))
    if lines:
        blocks.append(context(*lines))
    return unfurl(blocks)


# --- projects --------------------------------------------------------------------------------


def project_title(project: ProjectOverview) -> str:
    """``*Project: Apollo* (Acme)`` and its dates when 10000ft knows them, escaped."""
    client = f" ({escape_mrkdwn(project.client_name)})" if project.client_name else ""
    dates = []
    if project.starts_at is not None:
        dates.append(f"Starts {project.starts_at.isoformat()}")
    if project.ends_at is not None:
        dates.append(f"Ends {project.ends_at.isoformat()}")
    title = f"*Project: {escape_mrkdwn(project.name)}*{client}"
    return title + ("\n" + " · ".join(dates) if dates else "")


def _invoice_line(invoice: ProjectInvoice, settings: Settings, *, with_figures: bool) -> str:
    line = (
        f"• <{invoice_link(settings, invoice.id)}|{invoice.month_name} ({invoice.period})>: "
        f"{state_text(invoice.state)}"
    )
    if invoice.changed_since_approval:
        line += ", changed since approval"
    if with_figures:
        line += f" · {hours_text(invoice.hours)} h · {money_text(invoice.money)}"
    return line


def project_invoices_text(
    project: ProjectOverview, settings: Settings, *, with_figures: bool
) -> str:
    """The latest invoices as links with their state (and figures), newest first."""
    if not project.recent:
        return "*Invoices:* none yet."
    lines = [_invoice_line(i, settings, with_figures=with_figures) for i in project.recent]
    return "*Invoices, newest first*\n" + "\n".join(lines)


def project_unfurl(
    project: ProjectOverview, settings: Settings, hidden: FiguresHidden | None
) -> dict[str, Any]:
    """The unfurl of a project link: its totals and latest invoices (with figures unless
    ``hidden`` says why not)."""
    with_figures = hidden is None
    blocks: list[Block] = [mrkdwn_section(project_title(project))]
    if with_figures:
        totals = project.totals
        blocks.append(
            {
                "type": "section",
                "fields": [
                    _field("Hours, all invoices", hours_text(totals.hours)),
                    _field("Money, all invoices", money_text(totals.money)),
                    _field("Invoices", str(totals.invoices)),
                ],
            }
        )
        parts = _money_parts(
            settings.hours_currency, totals.hour_money, totals.fixed_rows, totals.aws_billing
        )
        if parts:
            blocks.append(context(parts))
    invoices = project_invoices_text(project, settings, with_figures=with_figures)
    blocks.append(mrkdwn_section(invoices))
    if project.older_invoices:
        older = project.older_invoices
        blocks.append(context(f"…and {older} older invoice{'' if older == 1 else 's'}."))
    if hidden is not None:
        blocks.append(context(HIDDEN_TEXT[hidden]))
    return unfurl(blocks)
