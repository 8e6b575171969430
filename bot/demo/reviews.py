"""The sample company's invoice history: what its approvers and finance did before today.

A company a few years in has reviewed its old invoices: every client-project invoice up to
the month before last was approved by a project admin, then numbered and sent by finance. The
month before last is still in hand: its invoices are approved and wait for their numbers, one
is numbered and waits to be sent (``AWAITING_SENDING``), one has changes requested
(``CHANGES_REQUESTED``) and one changed after it was approved (``CHANGED_AFTER_APPROVAL``:
approved before its month's last workday was synced, see :func:`late_hours_from`). Last
month's invoices wait for their admins' review.

Every check is recorded by the review flow itself (``models.invoices.approval.record_review``),
as the Review modal in Slack records it: the rights are the real ones (a project's admins
approve, the finance group numbers and sends) and approving confirms each flagged check. An
invoice that already has a check is left alone, so a second run changes nothing, and reviews
made in a running demo stay as they were.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from uuid import UUID

from tortoise.transactions import in_transaction

from bot.demo.company import DATA_PLATFORM, MOBILE_APP, WEB_SHOP, finnish_holidays
from core.settings import Settings
from models import GroupMembership, Person
from models.invoices.approval import ReviewForm, ReviewRights, record_review, review_rights
from models.invoices.fixed_row_edits import save_project_fixed_row
from models.invoices.records import Invoice, InvoiceCheck, ProjectFixedRow
from models.invoices.review import load_invoice_summary
from models.permissions import FINANCE_GROUP, actor_for
from models.projects import Project

CHANGED_AFTER_APPROVAL = MOBILE_APP
CHANGES_REQUESTED = DATA_PLATFORM
AWAITING_SENDING = WEB_SHOP
CHANGES_TEXT = "Please add notes to the entries that have none before this goes to the client."
FIXED_ROWS = {DATA_PLATFORM: {"description": "Platform hosting", "price": "450.00"}}
"""Fixed rows finance keeps on projects (billed with each invoice that is numbered)."""
ACTOR = "financebot demo"

Month = tuple[int, int]


def month_before(month: Month, count: int = 1) -> Month:
    """The month ``count`` months before ``month`` (negative: after)."""
    index = month[0] * 12 + month[1] - 1 - count
    return index // 12, index % 12 + 1


def last_closed_month(today: dt.date) -> Month:
    """The month whose invoices wait for review: the calendar month before ``today``'s."""
    return month_before((today.year, today.month))


def late_hours_from(today: dt.date) -> dt.date:
    """The first day whose hours are synced after ``CHANGED_AFTER_APPROVAL``'s invoice of the
    month before last was approved: that month's last workday, so that its hours arrive late
    and the invoice is marked changed since approval."""
    year, month = month_before((today.year, today.month), 2)
    holidays = {day for day, _ in finnish_holidays(year)}
    day = dt.date(*month_before((year, month), -1), 1) - dt.timedelta(days=1)
    while day.weekday() >= 5 or day in holidays:
        day -= dt.timedelta(days=1)
    return day


@dataclass
class ReviewCounts:
    approved: int = 0
    numbered: int = 0
    sent: int = 0
    changes_requested: int = 0

    def summary(self) -> str:
        return (
            f"{self.approved} approved, {self.numbered} numbered, {self.sent} sent, "
            f"{self.changes_requested} with changes requested"
        )


@dataclass(frozen=True)
class Reviewer:
    person: Person
    rights: ReviewRights


async def _reviewer(person: Person | None, admin_ids: Collection[int]) -> Reviewer | None:
    if person is None:
        return None
    return Reviewer(person, review_rights(await actor_for(person), admin_ids))


async def _record(
    invoice_id: UUID, reviewer: Reviewer, form: ReviewForm, settings: Settings
) -> None:
    summary = await load_invoice_summary(invoice_id, settings.hours_currency)
    if summary is None:
        return
    if form.approve:
        form = ReviewForm(confirmed=frozenset(summary.figures.flagged()), approve=True)
    await record_review(
        summary.id,
        seen_version=summary.review_version,
        seen_figures=summary.fingerprint,
        form=form,
        checker=reviewer.person,
        checker_slack_id=reviewer.person.slack_id or "",
        rights=reviewer.rights,
        hours_currency=settings.hours_currency,
        rate_min=settings.bill_rate_min,
        rate_max=settings.bill_rate_max,
    )


def invoice_number(invoice: Invoice, project: Project) -> str:
    return f"{invoice.year}-{invoice.month:02d}-{project.tenkfeet_id}"


async def _unchecked_invoices(first: Month | None, last: Month) -> list[Invoice]:
    """Client-project invoices with hours from ``first`` (None: any) to ``last``, without a
    check yet, oldest first."""
    checked = set(
        await InvoiceCheck.all()
        .order_by("invoice_id")
        .distinct()
        .values_list("invoice_id", flat=True)
    )
    invoices = (
        await Invoice.filter(hours__gt=0)
        .exclude(project__project_state__iexact="internal")
        .select_related("project")
        .order_by("year", "month", "project__tenkfeet_id")
    )
    return [
        invoice
        for invoice in invoices
        if invoice.id not in checked
        and (first is None or (invoice.year, invoice.month) >= first)
        and (invoice.year, invoice.month) <= last
    ]


class _Reviewers:
    """Each project's approver (its first non-archived admin) and finance's member."""

    def __init__(self) -> None:
        self._approvers: dict[int, Reviewer | None] = {}
        self._finance: dict[int, Reviewer | None] = {}

    async def _admin_ids(self, project: Project) -> list[int]:
        ids = await Person.filter(admin_of_projects__id=project.id, archived=False).values_list(
            "id", flat=True
        )
        return sorted(int(str(i)) for i in ids)

    async def approver(self, project: Project) -> Reviewer | None:
        if project.id not in self._approvers:
            ids = await self._admin_ids(project)
            person = await Person.filter(id=ids[0]).first() if ids else None
            self._approvers[project.id] = await _reviewer(person, ids)
        return self._approvers[project.id]

    async def finance(self, project: Project) -> Reviewer | None:
        if project.id not in self._finance:
            member = (
                await GroupMembership.filter(group__name=FINANCE_GROUP, person__archived=False)
                .order_by("person_id")
                .prefetch_related("person")
                .first()
            )
            person = member.person if member is not None else None
            self._finance[project.id] = await _reviewer(person, await self._admin_ids(project))
        return self._finance[project.id]


async def approve_before_late_hours(settings: Settings, today: dt.date) -> int:
    """Approves ``CHANGED_AFTER_APPROVAL``'s invoice of the month before last (if it has no
    check yet); call it before the hours from :func:`late_hours_from` are synced."""
    month = month_before((today.year, today.month), 2)
    reviewers = _Reviewers()
    approved = 0
    for invoice in await _unchecked_invoices(month, month):
        if invoice.project.tenkfeet_id != CHANGED_AFTER_APPROVAL:
            continue
        approver = await reviewers.approver(invoice.project)
        if approver is not None:
            await _record(invoice.id, approver, ReviewForm(approve=True), settings)
            approved += 1
    return approved


async def add_fixed_rows() -> int:
    """The projects' fixed rows finance keeps, added to projects that have none."""
    added = 0
    for tenkfeet_id, values in FIXED_ROWS.items():
        project = await Project.filter(tenkfeet_id=tenkfeet_id).first()
        if project is None or await ProjectFixedRow.filter(project_id=project.id).exists():
            continue
        await save_project_fixed_row(project, {**values, "currency": "EUR"}, actor=ACTOR)
        added += 1
    return added


async def review_history(
    settings: Settings, today: dt.date, progress: Callable[[int, int], None] | None = None
) -> ReviewCounts:
    """Reviews every unchecked client invoice up to the month before last (module docstring);
    ``progress(done, total)`` hears of each invoice reviewed."""
    in_hand = month_before((today.year, today.month), 2)
    reviewers = _Reviewers()
    counts = ReviewCounts()
    async with in_transaction():  # one commit for them all, each review still its own savepoint
        invoices = await _unchecked_invoices(None, in_hand)
        for done, invoice in enumerate(invoices, 1):
            await _review(invoice, in_hand, reviewers, counts, settings)
            if progress is not None:
                progress(done, len(invoices))
    return counts


async def _review(
    invoice: Invoice,
    in_hand: Month,
    reviewers: _Reviewers,
    counts: ReviewCounts,
    settings: Settings,
) -> None:
    project = invoice.project
    approver = await reviewers.approver(project)
    if approver is None:
        return  # nobody may approve it (its admins left): it waits
    recent = (invoice.year, invoice.month) == in_hand
    if recent and project.tenkfeet_id == CHANGES_REQUESTED:
        form = ReviewForm(request_changes=True, comment=CHANGES_TEXT)
        await _record(invoice.id, approver, form, settings)
        counts.changes_requested += 1
        return
    await _record(invoice.id, approver, ReviewForm(approve=True), settings)
    counts.approved += 1
    if recent and project.tenkfeet_id != AWAITING_SENDING:
        return
    finance = await reviewers.finance(project)
    if finance is None:
        return
    sent = not recent
    number = invoice_number(invoice, project)
    await _record(invoice.id, finance, ReviewForm(invoice_number=number, sent=sent), settings)
    counts.numbered += 1
    counts.sent += sent
