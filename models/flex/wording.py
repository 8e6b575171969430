"""What the bot says about a flex saldo, in words: shared by Slack replies and web pages.

Plain functions from domain data to text, so `/flex-hours`, the App Home, unfurls and the
person's web page word the saldo, the change and the band alike.
"""

from __future__ import annotations

from decimal import Decimal

from core.formatting import format_hours
from models.flex.report import FlexReport
from models.flex.saldo import band_position


def saldo_sentence(name: str, saldo: Decimal) -> str:
    return f"Flex saldo for {name} is {format_hours(saldo)}"


def change_text(change: Decimal | None) -> str:
    if change is None:
        return "Change from last month: none to show (only one month so far)"
    return f"Change from last month: {format_hours(change)}"


def band_text(saldo: Decimal, max_minus: Decimal, max_plus: Decimal) -> str:
    """Where the saldo stands against the healthy band, in words."""
    band = f"healthy band {format_hours(max_minus)} … {format_hours(max_plus)}"
    position = band_position(saldo, max_minus, max_plus)
    if position == "above":
        return f"Above the {band} by {format_hours(saldo - max_plus)[1:]}"
    if position == "below":
        return f"Below the {band} by {format_hours(max_minus - saldo)[1:]}"
    return f"Inside the {band}"


def report_text(report: FlexReport, *, about_self: bool) -> str:
    """One line for every report status (the fallback text, and the body when no number)."""
    name = report.name
    result = report.result
    if report.status == "ok" and result is not None and result.saldo is not None:
        return saldo_sentence(name, result.saldo)
    if report.status == "archived":
        return f"{name} is archived in 10000ft, so there is no flex saldo to show."
    if report.status == "not_active":
        who = "your" if about_self else f"{name}'s"
        return (
            f"Flex time is not activated for {name}: no work contract covers "
            f"{report.as_of.isoformat()}. If that is wrong, ask HR to check {who} contract."
        )
    if report.status == "not_synced":
        return (
            "Hours have not been synced from 10000ft yet, so there is no flex saldo for "
            f"{name} yet. Try again after the first sync."
        )
    reason = result.message if result is not None and result.message else "no work contract"
    return f"Flex saldo for {name} cannot be computed: {reason}. HR can fix this."
