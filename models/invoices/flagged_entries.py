"""The entries behind an invoice's flagged checks, per person: who is told what to fix when an
approver requests changes.

Which entry trips which check follows docs/domain-rules.md ("Invoices"): only entries that
count (not Unsubmitted, hours > 0); *billable* means a phase not starting with "non-billable"
/ "non billable" on a project that is not internal. :func:`entry_problems` is pure.
Only the checks the invoice's figures flag (a non-zero count) are listed, so the people told
see the same problems the approver saw.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from core.formatting import format_money
from models.hours import HourEntry, HourStatus
from models.invoices.figures import (
    InvoiceRules,
    has_no_category,
    is_approved,
    is_billable,
    is_non_phase_specific,
    is_odd_rate,
    notes_are_blank,
)
from models.invoices.records import Invoice
from models.people import full_name


@dataclass(frozen=True, slots=True)
class EntryFacts:
    """What the checks look at in one entry."""

    phase_name: str
    category: str
    notes: str
    hours: Decimal
    bill_rate: Decimal
    status: str


def entry_problems(
    entry: EntryFacts, *, internal_project: bool, rate_min: Decimal, rate_max: Decimal
) -> dict[str, str]:
    """Check key → what is wrong with ``entry`` in words (empty: nothing). The rules are the
    figures' own (models/invoices/figures.py), so the people told see what the counts count."""
    rules = InvoiceRules(bill_rate_min=rate_min, bill_rate_max=rate_max)
    problems: dict[str, str] = {}
    if is_billable(entry.phase_name, internal_project=internal_project):
        if is_odd_rate(entry.bill_rate, rules):
            problems["odd_rate"] = (
                f"bill rate {format_money(entry.bill_rate)} (expected between "
                f"{format_money(rate_min)} and {format_money(rate_max)})"
            )
    else:
        problems["non_billable"] = "on a non-billable phase"
    if is_non_phase_specific(entry.phase_name):
        problems["non_phase_specific"] = 'no phase ("[Non Phase Specific]")'
    if not is_approved(entry.status):
        problems["not_approved"] = f"not approved in 10000ft ({entry.status})"
    if notes_are_blank(entry.notes):
        problems["empty_notes"] = "no notes"
    if has_no_category(entry.category):
        problems["no_category"] = "no category"
    return problems


@dataclass(frozen=True, slots=True)
class FlaggedEntry:
    date: date
    project_name: str
    phase_name: str
    hours: Decimal
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PersonToTell:
    """One person whose entries are behind a flagged check, and those entries."""

    person_id: int
    name: str
    slack_id: str | None
    entries: tuple[FlaggedEntry, ...]


def people_to_tell(
    rows: Sequence[dict[str, object]],
    flagged: Collection[str],
    *,
    project_name: str,
    internal_project: bool,
    rate_min: Decimal,
    rate_max: Decimal,
) -> list[PersonToTell]:
    """Groups entry rows (as :func:`load_people_to_tell` reads them) by person, keeping the
    entries with a problem among the ``flagged`` checks; people by name, entries by date."""
    people: dict[int, tuple[str, str | None, list[FlaggedEntry]]] = {}
    for row in rows:
        facts = EntryFacts(
            phase_name=str(row["phase_name"] or ""),
            category=str(row["category"] or ""),
            notes=str(row["notes"] or ""),
            hours=Decimal(str(row["hours"])),
            bill_rate=Decimal(str(row["bill_rate"] or 0)),
            status=str(row["status"]),
        )
        problems = entry_problems(
            facts, internal_project=internal_project, rate_min=rate_min, rate_max=rate_max
        )
        wrong = tuple(text for key, text in problems.items() if key in flagged)
        if not wrong:
            continue
        person_id = int(str(row["person_id"]))
        name = full_name(
            str(row["person__first_name"] or ""),
            str(row["person__last_name"] or ""),
            str(row["person__display_name"] or ""),
        )
        slack_id = row["person__slack_id"] if not row["person__archived"] else None
        entry_day = row["date"]
        assert isinstance(entry_day, date)
        _, _, entries = people.setdefault(person_id, (name, str(slack_id or "") or None, []))
        entries.append(FlaggedEntry(entry_day, project_name, facts.phase_name, facts.hours, wrong))
    return sorted(
        (
            PersonToTell(person_id, name, slack_id, tuple(sorted(entries, key=lambda e: e.date)))
            for person_id, (name, slack_id, entries) in people.items()
        ),
        key=lambda person: (person.name.casefold(), person.person_id),
    )


async def load_people_to_tell(
    invoice_id: UUID,
    flagged: Collection[str],
    *,
    rate_min: Decimal,
    rate_max: Decimal,
) -> list[PersonToTell]:
    """:func:`people_to_tell` for a stored invoice (two queries)."""
    invoice = await Invoice.filter(id=invoice_id).select_related("project").first()
    if invoice is None or not flagged:
        return []
    first = date(invoice.year, invoice.month, 1)
    last = date(invoice.year, invoice.month, calendar.monthrange(invoice.year, invoice.month)[1])
    rows = (
        await HourEntry.filter(
            project_id=invoice.project.id, date__gte=first, date__lte=last, hours__gt=0
        )
        .exclude(status=HourStatus.UNSUBMITTED.value)
        .order_by("date", "id")
        .values(
            "date",
            "phase_name",
            "category",
            "notes",
            "hours",
            "bill_rate",
            "status",
            "person_id",
            "person__first_name",
            "person__last_name",
            "person__display_name",
            "person__slack_id",
            "person__archived",
        )
    )
    return people_to_tell(
        rows,
        flagged,
        project_name=invoice.project.name,
        internal_project=invoice.project.is_internal,
        rate_min=rate_min,
        rate_max=rate_max,
    )
