"""The ledger's notification types: one value per kind of message, kept forever (the ledger's
rows and the messages already posted are found by them)."""

from __future__ import annotations

from enum import StrEnum


class NotificationType(StrEnum):
    INVOICE_REVIEW = "invoice-review"
    """An invoice is ready for review: to its project's admins, once per invoice."""
    INVOICE_CHANGED = "invoice-changed"
    """An approved invoice changed in a sync: to its admins, once per change."""
    INVOICE_CHANGES_REQUESTED = "invoice-changes-requested"
    """An approver asked for changes: to each person whose entries are flagged."""
