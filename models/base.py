"""Shared field helpers for the Tortoise models."""

from __future__ import annotations

from typing import Any

from tortoise import fields


def hours_field(**kwargs: Any) -> Any:
    """Hours as exact decimals (10000ft sends up to a few decimals, e.g. 0.25)."""
    return fields.DecimalField(max_digits=12, decimal_places=4, **kwargs)


def money_field(**kwargs: Any) -> Any:
    """Money as exact decimals: rate × hours keeps every digit (2 + 4 decimals)."""
    return fields.DecimalField(max_digits=20, decimal_places=6, **kwargs)


def rate_field(**kwargs: Any) -> Any:
    return fields.DecimalField(max_digits=12, decimal_places=2, **kwargs)


def cost_field(**kwargs: Any) -> Any:
    """AWS amounts as AWS writes them: CUR 2.0 line items carry up to 10 decimals."""
    return fields.DecimalField(max_digits=28, decimal_places=10, **kwargs)
