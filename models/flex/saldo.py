"""The flex saldo engine: docs/domain-rules.md, "Flex saldo" rules 1–8 as plain functions over
plain data.

The per-day records (DayHours, DayLog, MonthSummary) are plain slotted dataclasses, not
frozen ones: a frozen dataclass costs five times as much to build, and a company-wide run
builds a million of them. Treat them as read-only.

Nothing here touches the database, Slack or the clock: callers load a :class:`FlexInput`
(see ``models.flex.data``) and pass the day ``as_of`` (L) explicitly. All arithmetic is
``Decimal``.

Where the older system (solinor-invoice-checking ``flex_hours/utils.py``) differs from
docs/domain-rules.md, the rules there are followed: unpaid leave counts only on workdays (the old
code also counted it on weekends and holidays), corrections dated after L are ignored (the old code
let a later ``set_to`` move the start day), the "KIKY" deduction is gone, and "today" is L + 1.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from core.formatting import format_hours

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
#: A change of more than this many hours in a month (inside the band) earns a monthly note.
MONTHLY_CHANGE_NOTE_HOURS = Decimal(10)

FlexStatus = Literal["ok", "not_active", "no_contract"]
BandPosition = Literal["below", "inside", "above"]
MessageKind = Literal["above_band", "below_band", "info_increase", "check_hours"]


@dataclass(frozen=True, slots=True)
class Contract:
    """A work contract; both dates inclusive, ``end_date`` None = open-ended (rule 1)."""

    start_date: dt.date
    end_date: dt.date | None
    worktime_percent: int
    flex_enabled: bool = True

    def holds(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def workday_length(self, workday_hours: Decimal) -> Decimal:
        return workday_hours * Decimal(self.worktime_percent) / HUNDRED


@dataclass(frozen=True, slots=True)
class Correction:
    """``adjust_by`` is added on ``date``; ``set_to`` is the saldo at the start of ``date``."""

    date: dt.date
    adjust_by: Decimal | None = None
    set_to: Decimal | None = None


@dataclass(slots=True)
class DayHours:
    """One day's counted entries, summed per category (rule 4).

    A day present in ``FlexInput.days`` has at least one counted entry, even when every sum
    is zero (e.g. only "Flex time Leave"): rule 5 looks at the last such day.
    """

    date: dt.date
    work: Decimal = ZERO
    leave: Decimal = ZERO
    unpaid: Decimal = ZERO
    overtime: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class FlexInput:
    contracts: Sequence[Contract]
    corrections: Sequence[Correction]
    days: Mapping[dt.date, DayHours]
    holidays: frozenset[dt.date]


@dataclass(slots=True)
class MonthSummary:
    """Rule 7. ``month`` is the first day of the calendar month."""

    month: dt.date
    work: Decimal
    leave: Decimal
    overtime: Decimal
    unpaid: Decimal
    expected: Decimal
    diff: Decimal
    saldo: Decimal


@dataclass(slots=True)
class DayLog:
    """One processed day. Hours are as counted (zero under a flex-disabled contract; leave and
    unpaid zero off workdays); ``expected`` is before the unpaid offset."""

    date: dt.date
    expected: Decimal
    work: Decimal
    leave: Decimal
    unpaid: Decimal
    overtime: Decimal
    correction: Decimal
    day_sum: Decimal
    saldo: Decimal


@dataclass(frozen=True)
class FlexResult:
    """The outcome for one person as of ``as_of``.

    ``status`` "ok": ``saldo`` is set, ``months``/``days`` filled. "not_active" (rule 3) and
    "no_contract" (rules 2 and 6): ``saldo`` is None, ``message`` says why and
    ``error_day`` names the day without a contract (None for rule 2's error).
    """

    status: FlexStatus
    as_of: dt.date
    saldo: Decimal | None = None
    change_from_last_month: Decimal | None = None
    months: list[MonthSummary] = field(default_factory=list)
    days: list[DayLog] = field(default_factory=list)
    start_day: dt.date | None = None
    last_day: dt.date | None = None
    error_day: dt.date | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True, slots=True)
class FlexMessage:
    kind: MessageKind
    text: str


def is_active(inp: FlexInput, as_of: dt.date) -> bool:
    """Rule 3: flex is active on L when a contract holds L."""
    return any(c.holds(as_of) for c in inp.contracts)


def start_point(
    contracts: Sequence[Contract], corrections: Sequence[Correction], as_of: dt.date
) -> tuple[dt.date, Decimal] | None:
    """Rule 2: (start day, saldo at its start), or None when there is nothing to start from."""
    latest: Correction | None = None
    for corr in corrections:
        if corr.set_to is not None and corr.date <= as_of:
            if latest is None or corr.date >= latest.date:
                latest = corr
    if latest is not None and latest.set_to is not None:
        return latest.date, latest.set_to
    if not contracts:
        return None
    return min(c.start_date for c in contracts), ZERO


def last_processed_day(
    contracts: Sequence[Contract], entry_days: Sequence[dt.date], as_of: dt.date
) -> dt.date:
    """Rule 5: min(max(last entry day, last contract end), L); L without entries or contracts.

    ``entry_days`` are the days with counted entries (already ≥ start day and ≤ L).
    """
    if not entry_days or not contracts:
        return as_of
    if any(c.end_date is None for c in contracts):
        return as_of  # an open-ended contract ends never
    last_end = max(c.end_date for c in contracts if c.end_date is not None)
    return min(max(max(entry_days), last_end), as_of)


def compute_flex(
    inp: FlexInput, as_of: dt.date, workday_hours: Decimal, *, with_days: bool = True
) -> FlexResult:
    """Rules 1–7 for one person as of L = ``as_of`` ("today" is L + 1).

    ``with_days=False`` skips building the daily log (the company-wide runs only need the
    saldo and the monthly summary); every figure is the same.
    """
    if not is_active(inp, as_of):
        return FlexResult(
            status="not_active",
            as_of=as_of,
            error_day=as_of,
            message=f"flex saldo is not activated: no work contract holds {as_of.isoformat()}",
        )
    start = start_point(inp.contracts, inp.corrections, as_of)
    if start is None:
        return FlexResult(
            status="no_contract",
            as_of=as_of,
            message="no contract: add a work contract or a set_to correction",
        )
    start_day, saldo = start
    entry_days = [d for d in inp.days if start_day <= d <= as_of]
    last_day = last_processed_day(inp.contracts, entry_days, as_of)

    adjustments: dict[dt.date, Decimal] = {}
    for corr in inp.corrections:
        if corr.adjust_by is not None and start_day <= corr.date <= last_day:
            adjustments[corr.date] = adjustments.get(corr.date, ZERO) + corr.adjust_by

    contracts = sorted(inp.contracts, key=lambda c: c.start_date)
    if not with_days:
        return _compute_by_month(
            inp, contracts, adjustments, start_day, saldo, last_day, as_of, workday_hours
        )
    holidays = inp.holidays
    days = inp.days
    one_day = dt.timedelta(days=1)
    months: list[MonthSummary] = []
    log: list[DayLog] = []

    month_start: dt.date | None = None
    m_work = m_leave = m_overtime = m_unpaid = m_expected = m_diff = ZERO

    def month_summary() -> MonthSummary:
        """Rule 7 for the month being summed (saldo: after its last processed day)."""
        assert month_start is not None
        return MonthSummary(
            month_start,
            m_work,
            m_leave,
            m_overtime,
            m_unpaid,
            m_expected - m_unpaid,
            m_diff,
            saldo,
        )

    day = start_day
    while day <= last_day:
        contract = next((c for c in contracts if c.holds(day)), None)
        if contract is None:
            return _gap_result(as_of, start_day, last_day, day)
        segment_end = last_day
        if contract.end_date is not None and contract.end_date < segment_end:
            segment_end = contract.end_date
        flex_enabled = contract.flex_enabled
        workday_length = contract.workday_length(workday_hours)
        while day <= segment_end:
            if day.day == 1 or month_start is None:
                if month_start is not None:
                    months.append(month_summary())
                month_start = day.replace(day=1)
                m_work = m_leave = m_overtime = m_unpaid = m_expected = m_diff = ZERO
            correction = adjustments.get(day, ZERO)
            if correction:
                saldo += correction
            if flex_enabled:
                workday = day.weekday() < 5 and day not in holidays
                expected = workday_length if workday else ZERO
                hours = days.get(day)
                if hours is None:
                    work = leave = unpaid = overtime = ZERO
                else:
                    work = hours.work
                    overtime = hours.overtime
                    if workday:
                        leave = hours.leave
                        unpaid = hours.unpaid
                    else:
                        leave = unpaid = ZERO
                day_sum = work + leave + unpaid - expected
                saldo += day_sum
                m_work += work
                m_leave += leave
                m_overtime += overtime
                m_unpaid += unpaid
                m_expected += expected
                m_diff += day_sum
            else:
                expected = work = leave = unpaid = overtime = day_sum = ZERO
            if with_days:
                log.append(
                    DayLog(day, expected, work, leave, unpaid, overtime, correction, day_sum, saldo)
                )
            day += one_day
    if month_start is not None:
        months.append(month_summary())
    change = months[-1].saldo - months[-2].saldo if len(months) >= 2 else None
    return FlexResult(
        status="ok",
        as_of=as_of,
        saldo=saldo,
        change_from_last_month=change,
        months=months,
        days=log,
        start_day=start_day,
        last_day=last_day,
    )


def _gap_result(as_of: dt.date, start_day: dt.date, last_day: dt.date, day: dt.date) -> FlexResult:
    """Rule 6: no contract holds ``day``, inside the days being processed."""
    return FlexResult(
        status="no_contract",
        as_of=as_of,
        start_day=start_day,
        last_day=last_day,
        error_day=day,
        message=(
            f"no contract on {day.isoformat()}: add a contract, or a set_to "
            "correction at the next contract's start"
        ),
    )


def _weekdays(first: dt.date, last: dt.date) -> int:
    """How many of the days ``first``..``last`` (inclusive) are Monday to Friday."""
    span = (last - first).days + 1
    weeks, rest = divmod(span, 7)
    start = first.weekday()
    return weeks * 5 + sum(1 for n in range(rest) if (start + n) % 7 < 5)


def _compute_by_month(
    inp: FlexInput,
    contracts: Sequence[Contract],
    adjustments: Mapping[dt.date, Decimal],
    start_day: dt.date,
    saldo: Decimal,
    last_day: dt.date,
    as_of: dt.date,
    workday_hours: Decimal,
) -> FlexResult:
    """Rules 1–7 without the daily log, a month (or the part of it under one contract) at a
    time instead of a day at a time: the expected hours are the workday length times the
    workdays counted, and only the days with entries are visited. ``Decimal`` addition is
    exact, so every figure equals the daily walk's (``tests/models/flex/test_saldo.py``
    compares the two on generated inputs). `/flex-hours` for three years of history costs a
    few dozen steps instead of a thousand."""
    holidays = inp.holidays
    weekday_holidays = sorted(h for h in holidays if start_day <= h <= last_day and h.weekday() < 5)
    entries: dict[tuple[int, int], list[DayHours]] = {}
    for date, hours in inp.days.items():
        if start_day <= date <= last_day:
            entries.setdefault((date.year, date.month), []).append(hours)
    corrections: dict[tuple[int, int], list[tuple[dt.date, Decimal]]] = {}
    for date, amount in adjustments.items():
        corrections.setdefault((date.year, date.month), []).append((date, amount))
    one_day = dt.timedelta(days=1)
    months: list[MonthSummary] = []
    month_start: dt.date | None = None
    m_work = m_leave = m_overtime = m_unpaid = m_expected = m_diff = ZERO

    day = start_day
    while day <= last_day:
        contract = next((c for c in contracts if c.holds(day)), None)
        if contract is None:
            return _gap_result(as_of, start_day, last_day, day)
        segment_end = last_day
        if contract.end_date is not None and contract.end_date < segment_end:
            segment_end = contract.end_date
        workday_length = contract.workday_length(workday_hours)
        while day <= segment_end:
            if day.day == 1 or month_start is None:
                if month_start is not None:
                    months.append(
                        MonthSummary(
                            month_start,
                            m_work,
                            m_leave,
                            m_overtime,
                            m_unpaid,
                            m_expected - m_unpaid,
                            m_diff,
                            saldo,
                        )
                    )
                month_start = day.replace(day=1)
                m_work = m_leave = m_overtime = m_unpaid = m_expected = m_diff = ZERO
            next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
            piece_end = min(segment_end, next_month - one_day)
            key = (day.year, day.month)
            for date, amount in corrections.get(key, ()):
                if day <= date <= piece_end:
                    saldo += amount
            if contract.flex_enabled:
                workdays = _weekdays(day, piece_end) - (
                    bisect_right(weekday_holidays, piece_end) - bisect_left(weekday_holidays, day)
                )
                expected = workday_length * workdays
                work = leave = unpaid = overtime = ZERO
                for hours in entries.get(key, ()):
                    date = hours.date
                    if day <= date <= piece_end:
                        work += hours.work
                        overtime += hours.overtime
                        if date.weekday() < 5 and date not in holidays:
                            leave += hours.leave
                            unpaid += hours.unpaid
                diff = work + leave + unpaid - expected
                saldo += diff
                m_work += work
                m_leave += leave
                m_overtime += overtime
                m_unpaid += unpaid
                m_expected += expected
                m_diff += diff
            day = piece_end + one_day
    if month_start is not None:
        months.append(
            MonthSummary(
                month_start,
                m_work,
                m_leave,
                m_overtime,
                m_unpaid,
                m_expected - m_unpaid,
                m_diff,
                saldo,
            )
        )
    change = months[-1].saldo - months[-2].saldo if len(months) >= 2 else None
    return FlexResult(
        status="ok",
        as_of=as_of,
        saldo=saldo,
        change_from_last_month=change,
        months=months,
        start_day=start_day,
        last_day=last_day,
    )


def band_position(saldo: Decimal, max_minus: Decimal, max_plus: Decimal) -> BandPosition:
    """Where the saldo sits against the healthy band (the bounds themselves are inside)."""
    if saldo > max_plus:
        return "above"
    if saldo < max_minus:
        return "below"
    return "inside"


def previous_month_end(today: dt.date) -> dt.date:
    """L for the monthly message (rule 8): the last day of the month before ``today``'s."""
    return today.replace(day=1) - dt.timedelta(days=1)


def monthly_flex_message(
    result: FlexResult, max_minus: Decimal, max_plus: Decimal
) -> FlexMessage | None:
    """Rule 8: what the monthly DM says, or None when no message is due (or no number)."""
    if result.status != "ok" or result.saldo is None:
        return None
    saldo = result.saldo
    change = result.change_from_last_month
    band = f"between {format_hours(max_minus)} and {format_hours(max_plus)}"
    change_note = ""
    if change is not None:
        change_note = f" It changed by {format_hours(change)} during the past month."
    position = band_position(saldo, max_minus, max_plus)
    if position == "above":
        return FlexMessage(
            "above_band",
            f"Your flex saldo is {format_hours(saldo)}. In the long run it should stay {band}. "
            "You can take time off (agree on it with your customer and team) or convert "
            f"flex hours to salary.{change_note}",
        )
    if position == "below":
        return FlexMessage(
            "below_band",
            f"Your flex saldo is {format_hours(saldo)}. In the long run it should stay {band}. "
            "If you already have a plan to fix this, no action is needed. If not, please make "
            f"one: work more hours to balance it, or take a one-off pay cut.{change_note}",
        )
    if change is not None and change > MONTHLY_CHANGE_NOTE_HOURS:
        return FlexMessage(
            "info_increase",
            f"Your flex saldo is {format_hours(saldo)}.{change_note} "
            "This is for your information only, no action is needed.",
        )
    if change is not None and change < -MONTHLY_CHANGE_NOTE_HOURS:
        return FlexMessage(
            "check_hours",
            f"Your flex saldo is {format_hours(saldo)}.{change_note} "
            "Did you remember to mark all your hours?",
        )
    return None
