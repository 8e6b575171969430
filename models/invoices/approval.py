"""Recording an invoice check: who may, what a submission means, and the state it leads to.

A check is one submission of the review form. Its decision is ``approve``, ``request-changes``
or ``none`` for a project admin, and ``carried`` for finance alone (the approval stays as it
was). The latest check decides the state (docs/domain-rules.md, "Invoices"):

    Created → Approved (approved) → Preview (an invoice number) → Sent ("sent to customer")

and back when a tick or the number is taken away. Moving into Preview or Sent copies the
project's fixed rows onto the invoice; moving back out removes those copies.

:func:`decide_review` is pure: it checks a submission against the invoice and the person's
rights and says what to record, or raises ``InvalidInput`` naming the field (the modal shows
it there) or ``NotAllowed``. :func:`record_review` is the one write: in one transaction it
takes the version the approver saw (``review_version`` and the figures' fingerprint), bumps
the version only if it is still the same (a conditional UPDATE, so of two approvers
submitting at once exactly one is recorded, on SQLite and PostgreSQL alike), re-reads the
invoice, decides, and stores the check, the new state, the approval baseline, the fixed rows
and the audit row. A stale version raises :class:`InvoiceChanged` and records nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Literal
from uuid import UUID

from tortoise.transactions import in_transaction

from core.errors import InvalidInput, NotAllowed, NotFound, RequestRefused
from models.audit import record_change
from models.invoices.records import (
    Invoice,
    InvoiceCheck,
    InvoiceFixedRow,
    InvoiceState,
    ProjectFixedRow,
)
from models.invoices.review import InvoiceSummary, invoice_summary, money_as_text
from models.invoices.wording import check_text
from models.people import Person
from models.permissions import Actor, Capability, actor_for, allows, may_approve_invoice

INVOICE_NUMBER_MAX = 64
DEFAULT_RATE_MIN, DEFAULT_RATE_MAX = Decimal(50), Decimal(170)  # BILL_RATE_MIN/MAX's defaults
CHECK_ENTITY = "invoice_check"


class ReviewField(StrEnum):
    """The parts of the review form a refusal can point at."""

    CHECKLIST = "checklist"
    DECISION = "decision"
    COMMENT = "comment"
    NUMBER = "invoice_number"
    SENT = "sent"


class Decision(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request-changes"
    NONE = "none"  # an admin saved without approving (e.g. withdrew an approval, or commented)
    CARRIED = "carried"  # finance alone: the approval stays as it was


class InvoiceChanged(RequestRefused):
    """The invoice is not the version the person saw: nothing was recorded."""


@dataclass(frozen=True, slots=True)
class ReviewRights:
    may_approve: bool
    may_set_number: bool

    @property
    def may_review(self) -> bool:
        return self.may_approve or self.may_set_number


def review_rights(actor: Actor | None, project_admin_ids: Collection[int]) -> ReviewRights:
    """What ``actor`` may do on an invoice of the project administered by those people."""
    return ReviewRights(
        may_approve=may_approve_invoice(actor, project_admin_ids),
        may_set_number=allows(actor, Capability.SET_INVOICE_NUMBER),
    )


async def project_admin_ids(project_id: int) -> set[int]:
    """The non-archived people a project's tags name as its admins (one query)."""
    ids = await Person.filter(admin_of_projects__id=project_id, archived=False).values_list(
        "id", flat=True
    )
    return {int(str(i)) for i in ids}


@dataclass(frozen=True, slots=True)
class ReviewAccess:
    """What one person may do on one invoice."""

    invoice_id: UUID
    project_name: str
    actor: Actor | None
    rights: ReviewRights

    def refusal(self) -> str:
        return refusal_to_review(self.project_name, self.actor)


async def review_access(invoice_id: UUID, person: Person | None) -> ReviewAccess:
    """The rights of ``person`` (None: no 10000ft person) on the invoice; NotFound if it is
    gone (three queries)."""
    invoice = await Invoice.filter(id=invoice_id).select_related("project").first()
    if invoice is None:
        raise NotFound("That invoice no longer exists.")
    actor = await actor_for(person)
    rights = review_rights(actor, await project_admin_ids(invoice.project.id))
    return ReviewAccess(invoice.id, invoice.project.name, actor, rights)


def refusal_to_review(project_name: str, actor: Actor | None) -> str:
    """Why someone without rights gets no review form."""
    if actor is not None and actor.archived:
        return "Archived people cannot review invoices."
    return (
        f"Only the admins of {project_name} (named by its tags in 10000ft) can approve this "
        "invoice, and only the finance group can record its number and that it was sent."
    )


@dataclass(frozen=True, slots=True)
class ReviewForm:
    """A submitted review form. ``None`` marks a part the form did not have: the approver's
    part (``confirmed``, ``approve``) or finance's (``invoice_number``, ``sent``)."""

    confirmed: frozenset[str] | None = None
    approve: bool | None = None
    request_changes: bool = False
    comment: str = ""
    invoice_number: str | None = None
    sent: bool | None = None

    @property
    def has_approver_part(self) -> bool:
        return self.confirmed is not None or self.approve is not None or self.request_changes

    @property
    def has_finance_part(self) -> bool:
        return self.invoice_number is not None or self.sent is not None


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """What a valid submission records."""

    decision: Decision
    approved: bool
    invoice_number: str
    sent: bool
    state: InvoiceState
    confirmed: tuple[str, ...]
    comments: str
    changes_requested: str


def resulting_state(approved: bool, invoice_number: str, sent: bool) -> InvoiceState:
    if sent:
        return InvoiceState.SENT
    if invoice_number:
        return InvoiceState.PREVIEW
    if approved:
        return InvoiceState.APPROVED
    return InvoiceState.CREATED


def fixed_rows_move(before: InvoiceState, after: InvoiceState) -> Literal["copy", "remove"] | None:
    """Into Preview/Sent the project's fixed rows are copied; back out they are removed."""
    billed = {InvoiceState.PREVIEW, InvoiceState.SENT}
    if before not in billed and after in billed:
        return "copy"
    if before in billed and after not in billed:
        return "remove"
    return None


def _approver_decision(
    form: ReviewForm, invoice: InvoiceSummary, rate_min: Decimal, rate_max: Decimal
) -> Decision:
    approve = bool(form.approve)
    if approve and form.request_changes:
        raise InvalidInput(
            ReviewField.DECISION, "Either approve the invoice or request changes, not both."
        )
    if approve:
        missing = [key for key in invoice.figures.flagged() if key not in (form.confirmed or ())]
        if missing:
            names = "; ".join(
                check_text(key, invoice.figures.checks.get(key, 0), rate_min, rate_max)
                for key in missing
            )
            raise InvalidInput(
                ReviewField.CHECKLIST,
                f"Tick every flagged check to confirm it before approving. Not ticked: {names}.",
            )
        return Decision.APPROVE
    if form.request_changes:
        if not form.comment.strip():
            raise InvalidInput(
                ReviewField.COMMENT,
                "Write what should change: the people whose entries are flagged get this text.",
            )
        return Decision.REQUEST_CHANGES
    return Decision.NONE


def decide_review(
    form: ReviewForm,
    invoice: InvoiceSummary,
    rights: ReviewRights,
    *,
    rate_min: Decimal = DEFAULT_RATE_MIN,
    rate_max: Decimal = DEFAULT_RATE_MAX,
) -> ReviewOutcome:
    """What ``form`` records on ``invoice`` for someone with ``rights``, or why not.

    Parts of the form the person may not fill (forged into the payload, or rights lost since
    the form opened) are refused as a whole; nothing is quietly dropped.
    """
    if form.has_approver_part and not rights.may_approve:
        raise NotAllowed(
            f"Only the admins of {invoice.project_name} can approve this invoice or request "
            "changes, so nothing was recorded."
        )
    if form.has_finance_part and not rights.may_set_number:
        raise NotAllowed(
            "Only the finance group can record an invoice number or that the invoice was "
            "sent, so nothing was recorded."
        )
    if not form.has_approver_part and not form.has_finance_part:
        raise NotAllowed("There was nothing you may record on this invoice.")

    if form.has_approver_part:
        decision = _approver_decision(form, invoice, rate_min, rate_max)
        approved = decision == Decision.APPROVE
    else:
        decision = Decision.CARRIED
        approved = invoice.approved

    if form.has_finance_part:
        number = (form.invoice_number or "").strip()
        sent = bool(form.sent)
    else:
        number, sent = invoice.invoice_number, invoice.sent

    if len(number) > INVOICE_NUMBER_MAX:
        raise InvalidInput(
            ReviewField.NUMBER, f"An invoice number has at most {INVOICE_NUMBER_MAX} characters."
        )
    if number and not approved:
        if form.has_finance_part:
            raise InvalidInput(
                ReviewField.NUMBER,
                "An invoice number needs an approved invoice: approve it first, or leave the "
                "number empty.",
            )
        raise InvalidInput(
            ReviewField.DECISION,
            f"This invoice already has the number {number}, so it stays approved until "
            "finance clears the number.",
        )
    if sent and not number:
        raise InvalidInput(
            ReviewField.SENT, "Enter the invoice number before marking the invoice sent."
        )
    moves_on = (number and number != invoice.invoice_number) or (sent and not invoice.sent)
    if invoice.changed_since_approval and decision != Decision.APPROVE and moves_on:
        field = ReviewField.SENT if sent and not invoice.sent else ReviewField.NUMBER
        raise InvalidInput(
            field,
            "This invoice changed after it was approved: its admins must approve it again "
            "before it gets a number or is sent.",
        )

    comment = form.comment.strip()
    return ReviewOutcome(
        decision=decision,
        approved=approved,
        invoice_number=number,
        sent=sent,
        state=resulting_state(approved, number, sent),
        confirmed=tuple(key for key in invoice.figures.flagged() if key in (form.confirmed or ())),
        comments="" if decision == Decision.REQUEST_CHANGES else comment,
        changes_requested=comment if decision == Decision.REQUEST_CHANGES else "",
    )


def audit_action(decision: Decision, before: InvoiceState, after: InvoiceState) -> str:
    if decision == Decision.APPROVE:
        return "approve"
    if decision == Decision.REQUEST_CHANGES:
        return "request-changes"
    if before != InvoiceState.CREATED and after == InvoiceState.CREATED:
        return "withdraw"
    return "record"


@dataclass(frozen=True, slots=True)
class RecordedReview:
    check_id: int
    outcome: ReviewOutcome
    before: InvoiceSummary


async def record_review(
    invoice_id: UUID,
    *,
    seen_version: int,
    seen_figures: str,
    form: ReviewForm,
    checker: Person,
    checker_slack_id: str,
    rights: ReviewRights,
    hours_currency: str,
    rate_min: Decimal = DEFAULT_RATE_MIN,
    rate_max: Decimal = DEFAULT_RATE_MAX,
) -> RecordedReview:
    """Records ``form`` as a new check if the invoice is still the version the person saw.

    Raises :class:`InvoiceChanged` (stale), ``InvalidInput``/``NotAllowed`` (from
    :func:`decide_review`) or ``NotFound``; in every such case nothing is stored.
    """
    async with in_transaction():
        taken = await Invoice.filter(id=invoice_id, review_version=seen_version).update(
            review_version=seen_version + 1
        )
        invoice = (
            await Invoice.filter(id=invoice_id).select_related("project", "project__client").first()
        )
        if invoice is None:
            raise NotFound("That invoice no longer exists.")
        if not taken:
            raise InvoiceChanged(
                "Someone else saved a review of this invoice after you opened it, so nothing "
                "was recorded. Open it again to see what they did."
            )
        before = invoice_summary(invoice, hours_currency)
        if before.fingerprint != seen_figures:
            raise InvoiceChanged(
                "The invoice's figures changed after you opened it (the hours were synced "
                "from 10000ft), so nothing was recorded. Open it again to see the new figures."
            )
        outcome = decide_review(form, before, rights, rate_min=rate_min, rate_max=rate_max)
        check = await InvoiceCheck.create(
            invoice_id=invoice.id,
            checker=checker,
            checker_slack_id=checker_slack_id,
            checklist={"confirmed": list(outcome.confirmed), "decision": outcome.decision.value},
            comments=outcome.comments,
            invoice_number=outcome.invoice_number,
            approved=outcome.approved,
            sent=outcome.sent,
            changes_requested=outcome.changes_requested,
            resulting_state=outcome.state.value,
        )
        await Invoice.filter(id=invoice.id).update(**_invoice_changes(outcome, before))
        await _move_fixed_rows(invoice.id, before.project_id, before.state, outcome.state)
        await record_change(
            actor=f"slack:{checker.email or checker_slack_id}",
            entity=CHECK_ENTITY,
            entity_id=check.id,
            action=audit_action(outcome.decision, before.state, outcome.state),
            before=None,
            after={
                "invoice": str(invoice.id),
                "project": before.project_name,
                "month": before.period,
                "name": checker.full_name,
                "state_before": before.state.value,
                "state": outcome.state.value,
                "decision": outcome.decision.value,
                "confirmed": list(outcome.confirmed),
                "comments": outcome.comments,
                "changes_requested": outcome.changes_requested,
                "invoice_number": outcome.invoice_number,
                "sent": outcome.sent,
            },
        )
    return RecordedReview(check.id, outcome, before)


def _invoice_changes(outcome: ReviewOutcome, before: InvoiceSummary) -> dict[str, object]:
    """The invoice's new state and number; approving sets the baseline that "changed since
    approval" compares against, and clears that mark; withdrawing drops both."""
    changes: dict[str, object] = {
        "state": outcome.state.value,
        "invoice_number": outcome.invoice_number,
    }
    if outcome.decision == Decision.APPROVE:
        changes.update(
            approved_hours=before.figures.hours,
            approved_money=money_as_text(before.figures.money),
            changed_since_approval=False,
            hours_change_since_approval=0,
            money_change_since_approval={},
        )
    elif not outcome.approved:
        changes.update(
            approved_hours=None,
            approved_money=None,
            changed_since_approval=False,
            hours_change_since_approval=0,
            money_change_since_approval={},
        )
    return changes


async def _move_fixed_rows(
    invoice_id: UUID, project_id: int, before: InvoiceState, after: InvoiceState
) -> None:
    move = fixed_rows_move(before, after)
    if move == "copy":
        rows = await ProjectFixedRow.filter(project_id=project_id).order_by("id")
        await InvoiceFixedRow.bulk_create(
            [
                InvoiceFixedRow(
                    invoice_id=invoice_id,
                    description=row.description,
                    price=row.price,
                    currency=row.currency,
                    from_project=True,
                )
                for row in rows
            ]
        )
    elif move == "remove":
        await InvoiceFixedRow.filter(invoice_id=invoice_id, from_project=True).delete()
