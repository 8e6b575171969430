"""Invoice tallies folded from ``hour_entry`` rows as they are written, instead of read back.

The hours sync's first load writes every row of an empty table; reading them back with
:func:`models.invoices.inputs.read_tallies` would cost a summing query over all of them (a
fifth of a first sync of a big company). :class:`TallyFold` applies the same rules to the
rows on their way in and hands :func:`models.invoices.refresh.refresh_invoice_figures` exactly
what ``read_tallies`` would have read: one :class:`RateTally` per invoice and bill rate, with
the database's own grouping and decimals (SQLite keeps decimals as text and groups by that
text; PostgreSQL groups by the numeric value and returns it at the column's scale).
``tests/models/invoices/test_folded_tallies.py`` holds the two equal on both databases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from models.invoices.figures import (
    RateTally,
    counts_for_invoice,
    has_no_category,
    is_approved,
    is_non_billable_phase,
    is_non_phase_specific,
)
from models.invoices.inputs import InvoiceKey

_CENTS = Decimal("0.01")  # bill_rate's scale: DECIMAL(12,2)
_NOT_COUNTED, _APPROVED, _NOT_APPROVED = 0, 1, 2
_NON_BILLABLE, _NON_PHASE_SPECIFIC = 1, 2


def _hours_of_units(units: int) -> Decimal:
    """A sum in units of 1/10000 h as ``read_tallies`` returns it (``_Query.hours_of``)."""
    return Decimal(units).scaleb(-4) if units else Decimal(0)


class TallyFold:
    """Counted entries summed per (project, month, bill rate) from rows in ``columns`` order.

    Only valid when the rows added are every row the invoices' months hold (a load into an
    empty table). Each distinct status, phase, category, hours and day value is judged once.
    """

    def __init__(self, postgres: bool) -> None:
        self._postgres = postgres
        # (project id, (year, month), bill rate as grouped) → [entries, units, non-billable
        # entries, non-billable units, non-phase-specific, not approved, blank notes, no category]
        self._sums: dict[tuple[int, tuple[int, int], Any], list[int]] = {}
        self._status: dict[str, int] = {}
        self._phase: dict[str, int] = {}
        self._no_category: dict[str, bool] = {}
        self._units: dict[str, int] = {}
        self._months: dict[Any, tuple[int, int]] = {}
        self._rates: dict[str, Any] = {}

    def add_rows(self, rows: Iterable[Sequence[Any]], columns: Sequence[str]) -> None:
        project = columns.index("project_id")
        day = columns.index("date")
        phase = columns.index("phase_name")
        category = columns.index("category")
        notes = columns.index("notes")
        hours = columns.index("hours")
        rate = columns.index("bill_rate")
        status = columns.index("status")
        sums = self._sums
        status_of, units_of, month_of = self._status.get, self._units.get, self._months.get
        rate_of, phase_of, no_category_of = self._rates.get, self._phase.get, self._no_category.get
        for row in rows:  # runs for every row of a first load: lookups in caches only
            project_id = row[project]
            if project_id is None:
                continue
            kind = status_of(row[status])
            if kind is None:
                kind = self._classify_status(row[status])
            if kind == _NOT_COUNTED:
                continue
            units = units_of(row[hours])
            if units is None:
                units = self._units[row[hours]] = round(Decimal(row[hours]) * 10000)
            if units <= 0:
                continue
            month = month_of(row[day])
            if month is None:
                month = self._month_of(row[day])
            rate_key = rate_of(row[rate])
            if rate_key is None:
                rate_key = self._rate_key(row[rate])
            key = (project_id, month, rate_key)
            tally = sums.get(key)
            if tally is None:
                tally = sums[key] = [0, 0, 0, 0, 0, 0, 0, 0]
            tally[0] += 1
            tally[1] += units
            phase_kind = phase_of(row[phase])
            if phase_kind is None:
                phase_kind = self._classify_phase(row[phase])
            if phase_kind:
                if phase_kind & _NON_BILLABLE:
                    tally[2] += 1
                    tally[3] += units
                if phase_kind & _NON_PHASE_SPECIFIC:
                    tally[4] += 1
            if kind == _NOT_APPROVED:
                tally[5] += 1
            if not row[notes]:  # notes_are_blank
                tally[6] += 1
            no_category = no_category_of(row[category])
            if no_category is None:
                no_category = self._no_category[row[category]] = has_no_category(row[category])
            if no_category:
                tally[7] += 1

    def merge(self, other: TallyFold) -> None:
        """Add what ``other`` folded (for the same database), taking over its lists."""
        sums = self._sums
        for key, tally in other._sums.items():
            have = sums.get(key)
            if have is None:
                sums[key] = tally
            else:
                for slot, value in enumerate(tally):
                    have[slot] += value

    def tallies(self) -> dict[InvoiceKey, list[RateTally]]:
        """What ``read_tallies`` reads for these rows (each invoice's rates lowest first)."""
        result: dict[InvoiceKey, list[RateTally]] = {}
        for (project_id, (year, month), rate), s in sorted(
            self._sums.items(), key=lambda item: (item[0][:2], Decimal(item[0][2]), str(item[0][2]))
        ):
            result.setdefault(InvoiceKey(project_id, year, month), []).append(
                RateTally(
                    bill_rate=rate if isinstance(rate, Decimal) else Decimal(rate),
                    entries=s[0],
                    hours=_hours_of_units(s[1]),
                    non_billable_phase_entries=s[2],
                    non_billable_phase_hours=_hours_of_units(s[3]),
                    non_phase_specific=s[4],
                    not_approved=s[5],
                    empty_notes=s[6],
                    no_category=s[7],
                )
            )
        return result

    def _classify_status(self, status: str) -> int:
        kind = (
            _NOT_COUNTED
            if not counts_for_invoice(status, Decimal(1))
            else _APPROVED
            if is_approved(status)
            else _NOT_APPROVED
        )
        self._status[status] = kind
        return kind

    def _classify_phase(self, name: str) -> int:
        kind = (_NON_BILLABLE if is_non_billable_phase(name) else 0) | (
            _NON_PHASE_SPECIFIC if is_non_phase_specific(name) else 0
        )
        self._phase[name] = kind
        return kind

    def _month_of(self, day: Any) -> tuple[int, int]:
        as_date = day if isinstance(day, date) else date.fromisoformat(str(day)[:10])
        month = self._months[day] = (as_date.year, as_date.month)
        return month

    def _rate_key(self, text: str) -> Any:
        """SQLite groups by the stored text; PostgreSQL by the value, at the column's scale."""
        key: Any = Decimal(text).quantize(_CENTS) if self._postgres else text
        self._rates[text] = key
        return key
