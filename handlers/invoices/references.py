"""The reference an invoice flow carries: which invoice, and which version of it was shown.

A person approves what they saw. The version is the invoice's ``review_version`` (bumped by
every recorded check) and the fingerprint of its figures (changed by a sync that changes
them): if either differs when the form comes back, the invoice changed after it was shown
(another approver saved, or the hours were synced), and nothing is recorded.
"""

from __future__ import annotations

from typing import ClassVar, Self
from uuid import UUID

from pydantic import Field

from handlers.flow_reference import FlowReference
from models.invoices.review import InvoiceSummary
from models.invoices.waiting import WaitingInvoice


class InvoiceReference(FlowReference):
    kind: ClassVar[str] = "invoice"

    invoice: UUID
    version: int = Field(ge=0)  # Invoice.review_version when shown
    figures: str = Field(pattern=r"^[0-9a-f]{12}$")  # figures_fingerprint when shown

    @classmethod
    def of(cls, invoice: InvoiceSummary) -> Self:
        return cls(invoice=invoice.id, version=invoice.review_version, figures=invoice.fingerprint)

    @classmethod
    def of_waiting(cls, invoice: WaitingInvoice) -> Self:
        return cls(
            invoice=UUID(invoice.id), version=invoice.review_version, figures=invoice.figures
        )

    def is_current(self, invoice: InvoiceSummary) -> bool:
        """True when ``invoice`` is the one referenced, unchanged since it was shown."""
        return (
            invoice.id == self.invoice
            and invoice.review_version == self.version
            and invoice.fingerprint == self.figures
        )
