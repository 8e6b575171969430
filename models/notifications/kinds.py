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
    UNSUBMITTED = "unsubmitted"
    """Weekly: a person's unsubmitted hours of the reminder period (recipient: the person)."""
    UNAPPROVED = "unapproved"
    """Weekly: a project's hours not approved in the reminder period (subject: the project)."""
    FLEX_SALDO = "flex-saldo"
    """Monthly: the flex saldo message of rule 8 (period: the month it is computed for)."""
    MANAGER_DIGEST = "manager-digest"
    """Weekly: everything waiting for one project admin."""
    CONTRACTS = "contracts"
    """Weekly: contract problems, to the notifications admins."""
    NEW_PROJECT = "new-project"
    """A new project, posted to the channels marked for it (subject: the project)."""
