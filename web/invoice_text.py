"""How the invoice and project pages write figures: hours and money with two decimals (the
site's convention), shares and changes in percent, money per currency. Plain text; the
templates escape it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from core.formatting import format_hours, format_money, hours_figure
from models.invoices.figures import HUNDRED, Change
from models.invoices.records import InvoiceState
from models.invoices.wording import difference_text, money_text, signed_money, state_text

#: The states as the filters and tables name them, in their order.
STATES = tuple(state.value for state in InvoiceState)
CHECK_LABELS = {
    "non_phase_specific": "Non phase specific",
    "non_billable": "Non-billable",
    "odd_rate": "Odd bill rate",
    "no_category": "No category",
    "not_approved": "Not approved",
    "empty_notes": "Empty notes",
    "remarkable_change": "Remarkable change",
}


def percent(fraction: Decimal) -> str:
    """A fraction (0–1) as ``74.68 %``."""
    return f"{format_money(fraction * HUNDRED)} %"


def change_percent(change: Change) -> str:
    """``+97.50 %``; ``—`` when undefined (the previous value was 0)."""
    if change.percentage is None:
        return "—"
    return f"{signed_money(change.percentage)} %"


def state_words(state: str) -> str:
    try:
        return state_text(InvoiceState(state))
    except ValueError:
        return state


def check_label(key: str) -> str:
    return CHECK_LABELS.get(key, key)


def money_parts(money: Mapping[str, Decimal]) -> list[str]:
    """``["12000.00 EUR", "30.00 USD"]``."""
    return [f"{format_money(amount)} {currency}" for currency, amount in sorted(money.items())]


def template_helpers() -> dict[str, Any]:
    """The functions the invoice templates write numbers with."""
    return {
        "hours": hours_figure,
        "signed_hours": format_hours,
        "money": format_money,
        "signed_money": signed_money,
        "money_text": money_text,
        "money_parts": money_parts,
        "percent": percent,
        "change_percent": change_percent,
        "state_words": state_words,
        "check_label": check_label,
        "difference_text": difference_text,
    }
