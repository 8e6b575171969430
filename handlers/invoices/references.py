"""The reference an invoice flow carries: which invoice, and which version of it was shown.

A person approves what they saw. If the invoice changed after the message or modal was made
(its figures were refreshed, someone else acted on it), :meth:`InvoiceReference.is_current`
is false and the flow shows the new version instead of acting on the old one.
"""

from __future__ import annotations

from typing import ClassVar, Self
from uuid import UUID

from pydantic import AwareDatetime

from handlers.flow_reference import FlowReference
from models.invoices.records import Invoice


class InvoiceReference(FlowReference):
    kind: ClassVar[str] = "invoice"

    invoice: UUID
    seen: AwareDatetime  # the invoice's ``updated_at`` when it was shown

    @classmethod
    def of(cls, invoice: Invoice) -> Self:
        return cls(invoice=invoice.id, seen=invoice.updated_at)

    def is_current(self, invoice: Invoice) -> bool:
        """True when ``invoice`` is the one referenced, unchanged since it was shown."""
        return invoice.id == self.invoice and invoice.updated_at == self.seen
