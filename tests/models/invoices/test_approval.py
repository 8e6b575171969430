"""Recording a review: who may, what each submission means, the states, and one at a time."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from decimal import Decimal

import pytest

from core.errors import InvalidInput, NotAllowed, NotFound
from models import AuditLog, Invoice, InvoiceCheck, InvoiceFixedRow, ProjectFixedRow
from models.invoices.approval import (
    Decision,
    InvoiceChanged,
    ReviewField,
    ReviewForm,
    ReviewRights,
    decide_review,
    fixed_rows_move,
    project_admin_ids,
    record_review,
    resulting_state,
    review_access,
    review_rights,
)
from models.invoices.records import InvoiceState
from models.invoices.review import InvoiceFigures, InvoiceSummary
from models.permissions import Actor
from tests.support.invoice_review import FLAGGED, ReviewCompany, join, review_company

D = Decimal
ADMIN = ReviewRights(may_approve=True, may_set_number=False)
FINANCE = ReviewRights(may_approve=False, may_set_number=True)
BOTH = ReviewRights(may_approve=True, may_set_number=True)
ALL_TICKED = frozenset(FLAGGED)


def invoice(**changes: object) -> InvoiceSummary:
    base = InvoiceSummary(
        id=uuid.UUID(int=1),
        project_name="Apollo",
        project_guid="p-1",
        project_id=1,
        client_name="Acme",
        year=2025,
        month=3,
        state=InvoiceState.CREATED,
        invoice_number="",
        figures=InvoiceFigures(
            D("21.5"), D(14), {"EUR": D(1400)}, dict.fromkeys(FLAGGED, 1), False
        ),
        review_version=0,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


APPROVED = invoice(state=InvoiceState.APPROVED)
PREVIEW = invoice(state=InvoiceState.PREVIEW, invoice_number="INV-7")
SENT = invoice(state=InvoiceState.SENT, invoice_number="INV-7")


def approve(**changes: object) -> ReviewForm:
    return dataclasses.replace(ReviewForm(confirmed=ALL_TICKED, approve=True), **changes)  # type: ignore[arg-type]


def refused_field(form: ReviewForm, on: InvoiceSummary, rights: ReviewRights) -> tuple[str, str]:
    with pytest.raises(InvalidInput) as caught:
        decide_review(form, on, rights)
    return caught.value.field, caught.value.message


# --- the states --------------------------------------------------------------------------------


def test_the_state_follows_the_latest_check() -> None:
    assert resulting_state(False, "", False) == InvoiceState.CREATED
    assert resulting_state(True, "", False) == InvoiceState.APPROVED
    assert resulting_state(True, "INV-1", False) == InvoiceState.PREVIEW
    assert resulting_state(True, "INV-1", True) == InvoiceState.SENT


@pytest.mark.parametrize(
    ("before", "after", "move"),
    [
        (InvoiceState.CREATED, InvoiceState.APPROVED, None),
        (InvoiceState.APPROVED, InvoiceState.PREVIEW, "copy"),
        (InvoiceState.CREATED, InvoiceState.SENT, "copy"),
        (InvoiceState.PREVIEW, InvoiceState.SENT, None),
        (InvoiceState.SENT, InvoiceState.PREVIEW, None),
        (InvoiceState.PREVIEW, InvoiceState.APPROVED, "remove"),
        (InvoiceState.SENT, InvoiceState.CREATED, "remove"),
    ],
)
def test_fixed_rows_follow_the_move_into_and_out_of_billing(
    before: InvoiceState, after: InvoiceState, move: str | None
) -> None:
    assert fixed_rows_move(before, after) == move


# --- deciding (pure) ---------------------------------------------------------------------------


def test_an_admin_approves_with_every_check_confirmed() -> None:
    outcome = decide_review(approve(comment=" Looks right "), invoice(), ADMIN)
    assert (outcome.decision, outcome.state, outcome.approved) == (
        Decision.APPROVE,
        InvoiceState.APPROVED,
        True,
    )
    assert outcome.confirmed == FLAGGED and outcome.comments == "Looks right"


def test_approving_without_confirming_every_check_names_the_checklist() -> None:
    field, message = refused_field(
        approve(confirmed=frozenset({"non_billable", "empty_notes"})), invoice(), ADMIN
    )
    assert field == ReviewField.CHECKLIST
    assert (
        'Not ticked: 1 entry on "[Non Phase Specific]"; 1 entry not approved in 10000ft.' in message
    )
    remarkable = invoice(figures=InvoiceFigures(D(1), D(1), {"EUR": D(1)}, {}, True))
    field, message = refused_field(approve(confirmed=frozenset()), remarkable, ADMIN)
    assert field == ReviewField.CHECKLIST and "remarkable change" in message
    assert decide_review(approve(confirmed=frozenset({"remarkable_change"})), remarkable, ADMIN)


def test_approve_and_request_changes_together_name_the_decision() -> None:
    field, _ = refused_field(approve(request_changes=True), invoice(), ADMIN)
    assert field == ReviewField.DECISION


def test_requesting_changes_needs_a_reason() -> None:
    ask = ReviewForm(confirmed=frozenset(), approve=False, request_changes=True, comment="  ")
    assert refused_field(ask, invoice(), ADMIN)[0] == ReviewField.COMMENT
    outcome = decide_review(dataclasses.replace(ask, comment="Fix the notes"), APPROVED, ADMIN)
    assert (outcome.decision, outcome.state) == (Decision.REQUEST_CHANGES, InvoiceState.CREATED)
    assert (outcome.changes_requested, outcome.comments) == ("Fix the notes", "")


def test_unticking_the_approval_takes_it_back() -> None:
    outcome = decide_review(ReviewForm(confirmed=ALL_TICKED, approve=False), APPROVED, ADMIN)
    assert (outcome.decision, outcome.state) == (Decision.NONE, InvoiceState.CREATED)


def test_finance_records_the_number_and_sending_on_an_approved_invoice() -> None:
    numbered = decide_review(ReviewForm(invoice_number=" INV-7 ", sent=False), APPROVED, FINANCE)
    assert (numbered.decision, numbered.state, numbered.invoice_number) == (
        Decision.CARRIED,
        InvoiceState.PREVIEW,
        "INV-7",
    )
    sent = decide_review(ReviewForm(invoice_number="INV-7", sent=True), PREVIEW, FINANCE)
    assert sent.state == InvoiceState.SENT
    back = decide_review(ReviewForm(invoice_number="INV-7", sent=False), SENT, FINANCE)
    assert back.state == InvoiceState.PREVIEW
    cleared = decide_review(ReviewForm(invoice_number="", sent=False), PREVIEW, FINANCE)
    assert cleared.state == InvoiceState.APPROVED


def test_a_number_on_an_unapproved_invoice_is_refused() -> None:
    field, message = refused_field(
        ReviewForm(invoice_number="INV-7", sent=False), invoice(), FINANCE
    )
    assert field == ReviewField.NUMBER and "needs an approved invoice" in message
    # Someone in both roles unticks the approval but leaves the number.
    field, _ = refused_field(
        ReviewForm(confirmed=ALL_TICKED, approve=False, invoice_number="INV-7", sent=False),
        PREVIEW,
        BOTH,
    )
    assert field == ReviewField.NUMBER
    # An admin alone cannot take back the approval of a numbered invoice.
    field, message = refused_field(ReviewForm(confirmed=ALL_TICKED, approve=False), PREVIEW, ADMIN)
    assert field == ReviewField.DECISION and "INV-7" in message


def test_sent_needs_a_number_and_numbers_have_a_length() -> None:
    assert refused_field(ReviewForm(invoice_number="", sent=True), APPROVED, FINANCE)[0] == (
        ReviewField.SENT
    )
    field, _ = refused_field(ReviewForm(invoice_number="N" * 65, sent=False), APPROVED, FINANCE)
    assert field == ReviewField.NUMBER
    assert decide_review(ReviewForm(invoice_number="N" * 64, sent=False), APPROVED, FINANCE)


def test_a_changed_invoice_gets_no_number_until_approved_again() -> None:
    changed = dataclasses.replace(APPROVED, changed_since_approval=True)
    field, message = refused_field(ReviewForm(invoice_number="INV-7", sent=False), changed, FINANCE)
    assert field == ReviewField.NUMBER and "approve it again" in message
    # Approving again in the same form is fine.
    outcome = decide_review(approve(invoice_number="INV-7", sent=False), changed, BOTH)
    assert outcome.state == InvoiceState.PREVIEW


def test_parts_the_person_may_not_fill_are_refused_even_if_forged() -> None:
    with pytest.raises(NotAllowed, match="Only the finance group"):
        decide_review(approve(invoice_number="INV-7", sent=False), invoice(), ADMIN)
    with pytest.raises(NotAllowed, match="Only the admins of Apollo"):
        decide_review(approve(invoice_number="INV-7", sent=False), APPROVED, FINANCE)
    with pytest.raises(NotAllowed, match="Only the admins of Apollo"):
        decide_review(ReviewForm(request_changes=True, comment="x"), APPROVED, FINANCE)
    with pytest.raises(NotAllowed, match="nothing you may record"):
        decide_review(ReviewForm(), APPROVED, BOTH)


def test_rights_come_from_the_project_admins_and_the_finance_group() -> None:
    admins = {1, 2}
    assert review_rights(Actor(1, False, frozenset()), admins) == ADMIN
    assert review_rights(Actor(3, False, frozenset({"finance"})), admins) == FINANCE
    assert review_rights(Actor(2, False, frozenset({"finance"})), admins) == BOTH
    nobody = ReviewRights(False, False)
    assert review_rights(Actor(3, False, frozenset({"admin", "hr"})), admins) == nobody
    assert review_rights(Actor(1, True, frozenset({"finance"})), admins) == nobody  # archived
    assert review_rights(None, admins) == nobody


# --- recording (database) ----------------------------------------------------------------------


async def record(
    company: ReviewCompany,
    form: ReviewForm,
    *,
    as_: str = "ada",
    version: int | None = None,
    figures: str | None = None,
) -> object:
    person = getattr(company, as_)
    summary = await company.summary()
    access = await review_access(company.invoice.id, person)
    return await record_review(
        company.invoice.id,
        seen_version=summary.review_version if version is None else version,
        seen_figures=summary.fingerprint if figures is None else figures,
        form=form,
        checker=person,
        checker_slack_id=person.slack_id or "",
        rights=access.rights,
        hours_currency="EUR",
    )


async def test_project_admins_are_its_non_archived_tagged_people(db: str) -> None:
    company = await review_company()
    assert await project_admin_ids(company.project.id) == {company.ada.id, company.bob.id}
    company.bob.archived = True
    await company.bob.save()
    assert await project_admin_ids(company.project.id) == {company.ada.id}
    assert not (await review_access(company.invoice.id, company.bob)).rights.may_review
    assert (await review_access(company.invoice.id, company.fay)).rights == FINANCE
    with pytest.raises(NotFound):
        await review_access(uuid.uuid4(), company.ada)


async def test_an_approval_is_recorded_with_its_baseline_and_audit(db: str) -> None:
    company = await review_company()
    await record(company, approve(comment="ok"))
    stored = await company.current()
    assert (stored.state, stored.review_version) == ("Approved", 1)
    assert (stored.approved_hours, stored.approved_money) == (D("21.5"), {"EUR": "1400"})
    (check,) = await InvoiceCheck.all()
    assert (check.checker_id, check.checker_slack_id, check.approved, check.comments) == (  # type: ignore[attr-defined]
        company.ada.id,
        "U0ADA",
        True,
        "ok",
    )
    assert check.checklist == {"confirmed": list(FLAGGED), "decision": "approve"}
    assert check.resulting_state == "Approved"
    (audit,) = await AuditLog.all()
    assert (audit.actor, audit.entity, audit.action) == (
        "slack:ada.admin@example.com",
        "invoice_check",
        "approve",
    )
    assert audit.after["state_before"] == "Created" and audit.after["state"] == "Approved"
    assert audit.after["invoice"] == str(company.invoice.id)
    summary = await company.summary()
    assert summary.status.approved_by == "Ada Admin"


async def test_preview_copies_the_fixed_rows_and_moving_back_removes_only_those(db: str) -> None:
    company = await review_company()
    await record(company, approve())
    await InvoiceFixedRow.create(invoice=company.invoice, description="Extra", price=D(10))
    await record(company, ReviewForm(invoice_number="INV-7", sent=False), as_="fay")
    rows = await InvoiceFixedRow.filter(invoice_id=company.invoice.id).order_by("id")
    assert [(r.description, r.price, r.from_project) for r in rows] == [
        ("Extra", D(10), False),
        ("Hosting", D(250), True),
    ]
    await record(company, ReviewForm(invoice_number="INV-7", sent=True), as_="fay")
    assert (await company.current()).state == "Sent"
    assert await InvoiceFixedRow.filter(invoice_id=company.invoice.id).count() == 2  # no double
    await record(company, ReviewForm(invoice_number="", sent=False), as_="fay")
    stored = await company.current()
    assert (stored.state, stored.invoice_number) == ("Approved", "")
    remaining = await InvoiceFixedRow.filter(invoice_id=company.invoice.id)
    assert [r.description for r in remaining] == ["Extra"]
    assert await ProjectFixedRow.all().count() == 1
    actions = await AuditLog.all().order_by("id").values_list("action", flat=True)
    assert actions == ["approve", "record", "record", "record"]


async def test_a_stale_version_records_nothing(db: str) -> None:
    company = await review_company()
    summary = await company.summary()
    await record(company, approve(), as_="bob")  # someone else saved first
    with pytest.raises(InvoiceChanged, match="Someone else saved a review"):
        await record(company, approve(), version=summary.review_version)
    await Invoice.filter(id=company.invoice.id).update(hours=D(22))  # a sync changed it
    with pytest.raises(InvoiceChanged, match="figures changed"):
        await record(company, approve(), figures=summary.fingerprint, version=1)
    stored = await company.current()
    assert stored.review_version == 1  # the stale attempt's bump was rolled back
    assert await InvoiceCheck.all().count() == 1 and await AuditLog.all().count() == 1


async def test_an_invalid_submission_records_nothing(db: str) -> None:
    company = await review_company()
    with pytest.raises(InvalidInput):
        await record(company, approve(confirmed=frozenset()))
    with pytest.raises(NotAllowed):
        await record(company, approve(), as_="fay")
    assert (await company.current()).review_version == 0
    assert await InvoiceCheck.all().count() == 0 and await AuditLog.all().count() == 0


async def test_two_approvers_at_once_one_is_recorded(db: str) -> None:
    company = await review_company()
    outcomes = await asyncio.gather(
        record(company, approve(comment="Ada")),
        record(company, approve(comment="Bob"), as_="bob"),
        record(company, ReviewForm(request_changes=True, comment="Eve"), as_="bob"),
        return_exceptions=True,
    )
    stale = [o for o in outcomes if isinstance(o, InvoiceChanged)]
    assert len(stale) == 2, outcomes
    assert await InvoiceCheck.all().count() == 1
    assert (await company.current()).review_version == 1


async def test_a_person_in_finance_and_admin_can_do_both_at_once(db: str) -> None:
    company = await review_company()
    await join("finance", company.ada)
    await record(company, approve(invoice_number="INV-9", sent=True))
    stored = await company.current()
    assert (stored.state, stored.invoice_number) == ("Sent", "INV-9")
    assert (
        await InvoiceFixedRow.filter(invoice_id=company.invoice.id, from_project=True).count() == 1
    )
