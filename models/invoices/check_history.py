"""Every recorded check of an invoice, newest first: who, when, what they decided and ticked,
their comment, the invoice number, "sent", the changes they asked for and the state it led to.

The state and the approver come from :func:`models.invoices.review.review_status`; this is
the whole history behind them, as the invoice page lists it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from models.invoices.records import InvoiceCheck
from models.people import full_name

#: The most checks an invoice page lists (an invoice gets a handful in practice).
HISTORY_LIMIT = 200

DECISION_WORDS = {
    "approve": "approved",
    "request-changes": "requested changes",
    "none": "saved without approving",
    "carried": "recorded by finance",
}


@dataclass(frozen=True, slots=True)
class HistoryCheck:
    id: int
    at: datetime
    checker: str
    decision: str
    confirmed: tuple[str, ...]
    comments: str
    invoice_number: str
    approved: bool
    sent: bool
    changes_requested: str
    state: str

    @property
    def decision_text(self) -> str:
        return DECISION_WORDS.get(self.decision, self.decision)


async def check_history(invoice_id: UUID, limit: int = HISTORY_LIMIT) -> list[HistoryCheck]:
    """The invoice's checks, newest first, with the checker's name (one query)."""
    rows = (
        await InvoiceCheck.filter(invoice_id=invoice_id)
        .order_by("-checked_at", "-id")
        .limit(limit)
        .values(
            "id",
            "checked_at",
            "checklist",
            "comments",
            "invoice_number",
            "approved",
            "sent",
            "changes_requested",
            "resulting_state",
            "checker_slack_id",
            "checker__first_name",
            "checker__last_name",
            "checker__display_name",
        )
    )
    history = []
    for row in rows:
        checklist = row["checklist"] if isinstance(row["checklist"], dict) else {}
        confirmed = checklist.get("confirmed")
        name = full_name(
            row["checker__first_name"] or "",
            row["checker__last_name"] or "",
            row["checker__display_name"] or "",
        )
        history.append(
            HistoryCheck(
                id=int(row["id"]),
                at=row["checked_at"],
                checker=name or str(row["checker_slack_id"] or "someone"),
                decision=str(checklist.get("decision", "none")),
                confirmed=tuple(map(str, confirmed)) if isinstance(confirmed, list) else (),
                comments=str(row["comments"] or ""),
                invoice_number=str(row["invoice_number"] or ""),
                approved=bool(row["approved"]),
                sent=bool(row["sent"]),
                changes_requested=str(row["changes_requested"] or ""),
                state=str(row["resulting_state"] or ""),
            )
        )
    return history
