"""Counts and hours as every notification says them: ``3 entries``, ``1 person``, ``12.50h``."""

from __future__ import annotations

from decimal import Decimal

from core.formatting import format_hours


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def entries_text(count: int) -> str:
    return plural(count, "entry", "entries")


def people_text(count: int) -> str:
    return plural(count, "person", "people")


def invoices_text(count: int) -> str:
    return plural(count, "invoice", "invoices")


def hours_text(hours: Decimal) -> str:
    """``12.50h``: a count of hours (format_hours without the plus sign)."""
    return format_hours(hours).lstrip("+")
