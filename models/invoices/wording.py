"""How the invoice review says things: checks in words, states, differences. Plain text.

Messages, the modal and App Home all take their sentences from here, so an approver reads the
same words everywhere. Nothing here is escaped for Slack: the builders do that.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from core.formatting import format_hours, format_money, hours_figure
from models.invoices.records import InvoiceState
from models.invoices.review import REMARKABLE

REMARKABLE_TEXT = "A remarkable change from the previous month (hours, average rate or money)"


def entries(count: int) -> str:
    return f"{count} {'entry' if count == 1 else 'entries'}"


def check_text(key: str, count: int, rate_min: Decimal, rate_max: Decimal) -> str:
    """One flagged check as a sentence, e.g. ``3 entries on "[Non Phase Specific]"``."""
    if key == REMARKABLE:
        return REMARKABLE_TEXT
    low, high = format_money(rate_min), format_money(rate_max)
    texts = {
        "odd_rate": f"{entries(count)} billed at a rate of {low} or less, or {high} or more",
        "non_billable": f"{entries(count)} on a non-billable phase",
        "non_phase_specific": f'{entries(count)} on "[Non Phase Specific]"',
        "not_approved": f"{entries(count)} not approved in 10000ft",
        "empty_notes": f"{entries(count)} without notes",
        "no_category": f"{entries(count)} without a category",
    }
    return texts[key]


def confirm_text(key: str, count: int, rate_min: Decimal, rate_max: Decimal) -> str:
    """The checkbox an approver ticks to confirm one check (Slack shows at most 75 chars)."""
    if key == REMARKABLE:
        return "Checked: the remarkable change from last month"
    return f"Checked: {check_text(key, count, rate_min, rate_max)}"[:75]


def money_text(money: Mapping[str, Decimal]) -> str:
    """``12000.00 EUR, 30.00 USD`` (``0.00`` in no currency: nothing)."""
    parts = [f"{format_money(amount)} {currency}" for currency, amount in sorted(money.items())]
    return ", ".join(parts) or "0.00"


def signed_money(amount: Decimal) -> str:
    text = format_money(amount)
    return text if text.startswith("-") else "+" + text


def difference_text(hours: Decimal, money: Mapping[str, Decimal]) -> str:
    """``+2.00h, +150.00 EUR``: how the figures moved since approval."""
    parts = [format_hours(hours)] if hours != 0 else []
    parts += [f"{signed_money(amount)} {currency}" for currency, amount in sorted(money.items())]
    return ", ".join(parts) or "no change in hours or money"


def state_text(state: InvoiceState) -> str:
    return {
        InvoiceState.CREATED: "Waiting for approval",
        InvoiceState.APPROVED: "Approved",
        InvoiceState.PREVIEW: "Approved, invoice number recorded (Preview)",
        InvoiceState.SENT: "Sent to the customer",
    }[state]


def hours_text(hours: Decimal) -> str:
    """``120.50`` (an amount of hours, no sign)."""
    return hours_figure(hours)
