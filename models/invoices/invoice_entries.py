"""An invoice's hour entries one by one: what each adds to the figures and what its checks say,
grouped by phase and person, and listed per flagged check (the invoice page and its exports).

The rules are the figures' own (models/invoices/figures.py) and the words the ones the people
told about flagged entries read (:func:`models.invoices.flagged_entries.entry_problems`), so
the entries listed under a check are exactly the ones its count counts. Everything here but
:func:`load_invoice_entries` is pure.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from models.hours import HourEntry
from models.invoices.figures import (
    NON_PHASE_SPECIFIC,
    ZERO,
    InvoiceRules,
    counts_for_invoice,
    is_billable,
)
from models.invoices.flagged_entries import EntryFacts, entry_problems
from models.invoices.review import CHECK_KEYS
from models.people import full_name


@dataclass(frozen=True, slots=True)
class EntryLine:
    """One hour entry of an invoice. ``counted``: it is in the figures (not Unsubmitted,
    hours > 0); ``money``: what it adds to the hour money (rate × hours when counted and
    billable, else 0); ``problems``: check key → what is wrong, for counted entries."""

    id: int
    date: date
    person_name: str
    person_email: str
    phase_name: str
    category: str
    notes: str
    status: str
    hours: Decimal
    bill_rate: Decimal
    counted: bool
    billable: bool
    money: Decimal
    problems: Mapping[str, str] = field(default_factory=dict)

    @property
    def phase(self) -> str:
        """The phase as grouped and shown: an entry on the project itself is on
        "[Non Phase Specific]"."""
        return self.phase_name or NON_PHASE_SPECIFIC


def entry_line(row: Mapping[str, Any], *, internal_project: bool, rules: InvoiceRules) -> EntryLine:
    """One entry row (as :func:`load_invoice_entries` reads it) judged by the invoice rules."""
    hours = Decimal(str(row["hours"]))
    rate = Decimal(str(row["bill_rate"] or 0))
    status = str(row["status"] or "")
    phase = str(row["phase_name"] or "")
    counted = counts_for_invoice(status, hours)
    billable = counted and is_billable(phase, internal_project=internal_project)
    problems: dict[str, str] = {}
    if counted:
        facts = EntryFacts(
            phase, str(row["category"] or ""), str(row["notes"] or ""), hours, rate, status
        )
        problems = entry_problems(
            facts,
            internal_project=internal_project,
            rate_min=rules.bill_rate_min,
            rate_max=rules.bill_rate_max,
        )
    return EntryLine(
        id=int(row["id"]),
        date=row["date"],
        person_name=full_name(
            str(row["person__first_name"] or ""),
            str(row["person__last_name"] or ""),
            str(row["person__display_name"] or ""),
        ),
        person_email=str(row["person__email"] or ""),
        phase_name=phase,
        category=str(row["category"] or ""),
        notes=str(row["notes"] or ""),
        status=status,
        hours=hours,
        bill_rate=rate,
        counted=counted,
        billable=billable,
        money=rate * hours if billable else ZERO,
        problems=problems,
    )


def month_days(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


async def load_invoice_entries(
    project_id: int, year: int, month: int, *, internal_project: bool, rules: InvoiceRules
) -> list[EntryLine]:
    """Every entry of the project in the month (counted or not), by date, person and id. One
    query."""
    first, last = month_days(year, month)
    rows = (
        await HourEntry.filter(project_id=project_id, date__gte=first, date__lte=last)
        .order_by("date", "person__first_name", "person__last_name", "id")
        .values(
            "id",
            "date",
            "phase_name",
            "category",
            "notes",
            "status",
            "hours",
            "bill_rate",
            "person__first_name",
            "person__last_name",
            "person__display_name",
            "person__email",
        )
    )
    return [entry_line(row, internal_project=internal_project, rules=rules) for row in rows]


@dataclass(frozen=True, slots=True)
class EntrySum:
    """Counted entries added up: how many, their hours, billable hours and money."""

    entries: int = 0
    hours: Decimal = ZERO
    billable_hours: Decimal = ZERO
    money: Decimal = ZERO

    def plus(self, line: EntryLine) -> EntrySum:
        return EntrySum(
            self.entries + 1,
            self.hours + line.hours,
            self.billable_hours + (line.hours if line.billable else ZERO),
            self.money + line.money,
        )


@dataclass(frozen=True, slots=True)
class PersonGroup:
    name: str
    total: EntrySum
    lines: tuple[EntryLine, ...]


@dataclass(frozen=True, slots=True)
class PhaseGroup:
    phase: str
    total: EntrySum
    people: tuple[PersonGroup, ...]


def by_phase_and_person(lines: Iterable[EntryLine]) -> list[PhaseGroup]:
    """The counted entries by phase (by name, "[Non Phase Specific]" among them) and, inside
    each, by person (by name); each group with its sums, entries by date."""
    phases: dict[str, dict[str, list[EntryLine]]] = {}
    for line in lines:
        if line.counted:
            phases.setdefault(line.phase, {}).setdefault(line.person_name, []).append(line)
    groups = []
    for phase in sorted(phases, key=str.casefold):
        people = []
        for name in sorted(phases[phase], key=str.casefold):
            person_lines = sorted(phases[phase][name], key=lambda line: (line.date, line.id))
            people.append(PersonGroup(name, sum_of(person_lines), tuple(person_lines)))
        groups.append(
            PhaseGroup(phase, sum_of(line for p in people for line in p.lines), tuple(people))
        )
    return groups


def sum_of(lines: Iterable[EntryLine]) -> EntrySum:
    total = EntrySum()
    for line in lines:
        total = total.plus(line)
    return total


def entries_by_check(
    lines: Sequence[EntryLine], checks: Mapping[str, int]
) -> dict[str, list[EntryLine]]:
    """For each check the invoice's figures flag (a non-zero count), the entries it catches,
    by date; in the order people read the checks."""
    return {
        key: [line for line in lines if key in line.problems]
        for key in CHECK_KEYS
        if checks.get(key, 0) > 0
    }


def not_counted(lines: Iterable[EntryLine]) -> EntrySum:
    """The entries left out of the figures (Unsubmitted, or no hours), added up."""
    total = EntrySum()
    for line in lines:
        if not line.counted:
            total = EntrySum(total.entries + 1, total.hours + line.hours)
    return total
