"""How hours and money are written everywhere: Slack, the web, the CLI and JSON, and how a value
a person typed is quoted back in a message.

Two decimals rounded half up; a zero never shows as ``-0.00``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def _two_decimals(value: Decimal) -> Decimal:
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return abs(rounded) if rounded == 0 else rounded


def format_hours(hours: Decimal) -> str:
    """``+12.50h`` / ``-3.75h``: ASCII sign, two decimals rounded half up; zero is ``+0.00h``."""
    return f"{_two_decimals(hours):+.2f}h"


def hours_figure(value: Decimal) -> str:
    """``7.50`` / ``-3.75``: two decimals, no sign for positives, no unit (tables and JSON)."""
    return f"{_two_decimals(value):.2f}"


def format_money(amount: Decimal) -> str:
    """``1234.50``: money with two decimals, rounded half up."""
    return f"{_two_decimals(amount):.2f}"


def quoted(raw: str, limit: int = 40) -> str:
    """``raw`` quoted for a message, cut to ``limit`` characters with its length when longer:
    a value of thousands of characters is named, not repeated."""
    if len(raw) <= limit:
        return repr(raw)
    return f"{raw[:limit] + '…'!r} ({len(raw)} characters)"
