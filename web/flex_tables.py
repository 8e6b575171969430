"""Display rows for the flex pages: the engine's figures turned into table cells (pure).

Nothing is recomputed here: every number comes from :class:`~models.flex.saldo.FlexResult`
(monthly summary rule 7 and the daily log); this module only formats them, groups the days
by month and says which contracts and corrections the computation used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from core.formatting import format_hours, hours_figure
from models.flex.saldo import Contract, Correction, DayLog, FlexResult, MonthSummary

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


hours_cell = hours_figure
"""``7.50``: a table cell's hours, no sign for positives (the column header says h)."""


def signed_cell(value: Decimal) -> str:
    """``+2.25`` / ``-3.75``: the Slack figure without its ``h`` (the column header says h)."""
    return format_hours(value)[:-1]


def blank_if_zero(value: Decimal, cell: str) -> str:
    return "" if value == 0 else cell


def month_key(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def month_title(month: dt.date) -> str:
    return month.strftime("%B %Y")


@dataclass(frozen=True, slots=True)
class MonthRow:
    key: str  # 2025-01, also the anchor of the month's daily log
    title: str
    work: str
    leave: str
    overtime: str
    unpaid: str
    expected: str
    diff: str
    saldo: str
    diff_negative: bool
    saldo_negative: bool


def month_rows(months: Sequence[MonthSummary]) -> list[MonthRow]:
    return [
        MonthRow(
            key=month_key(m.month),
            title=month_title(m.month),
            work=hours_cell(m.work),
            leave=hours_cell(m.leave),
            overtime=hours_cell(m.overtime),
            unpaid=hours_cell(m.unpaid),
            expected=hours_cell(m.expected),
            diff=signed_cell(m.diff),
            saldo=signed_cell(m.saldo),
            diff_negative=m.diff < 0,
            saldo_negative=m.saldo < 0,
        )
        for m in months
    ]


@dataclass(frozen=True, slots=True)
class MonthTotals:
    work: str
    leave: str
    overtime: str
    unpaid: str
    expected: str
    diff: str
    diff_negative: bool


def month_totals(months: Sequence[MonthSummary]) -> MonthTotals | None:
    """Column sums of the monthly summary (the saldo column has no sum: it is a balance)."""
    if not months:
        return None
    diff = sum((m.diff for m in months), Decimal(0))
    return MonthTotals(
        work=hours_cell(sum((m.work for m in months), Decimal(0))),
        leave=hours_cell(sum((m.leave for m in months), Decimal(0))),
        overtime=hours_cell(sum((m.overtime for m in months), Decimal(0))),
        unpaid=hours_cell(sum((m.unpaid for m in months), Decimal(0))),
        expected=hours_cell(sum((m.expected for m in months), Decimal(0))),
        diff=signed_cell(diff),
        diff_negative=diff < 0,
    )


@dataclass(frozen=True, slots=True)
class DayRow:
    date: str
    weekday: str
    off: bool  # nothing expected: weekend, public holiday or a flex-disabled contract
    expected: str
    work: str
    leave: str
    unpaid: str
    overtime: str
    correction: str
    day_sum: str
    saldo: str
    saldo_negative: bool


@dataclass(frozen=True, slots=True)
class DayMonth:
    key: str
    title: str
    rows: list[DayRow]
    diff: str
    saldo: str
    saldo_negative: bool
    open: bool


@lru_cache(maxsize=4096)
def _day_cell(value: Decimal) -> str:
    """A daily log cell: blank for zero, else :data:`hours_cell` (cached: a long log repeats
    a few dozen values thousands of times)."""
    return "" if value == 0 else hours_cell(value)


@lru_cache(maxsize=4096)
def _day_signed(value: Decimal) -> str:
    return signed_cell(value)


def day_row(day: DayLog) -> DayRow:
    return DayRow(
        date=day.date.isoformat(),
        weekday=WEEKDAYS[day.date.weekday()],
        off=day.expected == 0,
        expected=_day_cell(day.expected),
        work=_day_cell(day.work),
        leave=_day_cell(day.leave),
        unpaid=_day_cell(day.unpaid),
        overtime=_day_cell(day.overtime),
        correction="" if day.correction == 0 else _day_signed(day.correction),
        day_sum=_day_signed(day.day_sum),
        saldo=signed_cell(day.saldo),
        saldo_negative=day.saldo < 0,
    )


def day_months(result: FlexResult, open_key: str | None = None) -> list[DayMonth]:
    """The daily log grouped by calendar month, oldest first; ``open_key`` (``YYYY-MM``; the
    last month when None or not computed) starts expanded. The month's diff and saldo come
    from the monthly summary."""
    by_month: dict[str, list[DayRow]] = {}
    for day in result.days:
        key = f"{day.date.year:04d}-{day.date.month:02d}"  # month_key, inlined: once a day
        by_month.setdefault(key, []).append(day_row(day))
    summaries = {month_key(m.month): m for m in result.months}
    keys = list(by_month)
    if open_key not in by_month and keys:
        open_key = keys[-1]
    groups = []
    for key in keys:
        summary = summaries[key]
        groups.append(
            DayMonth(
                key=key,
                title=month_title(summary.month),
                rows=by_month[key],
                diff=signed_cell(summary.diff),
                saldo=signed_cell(summary.saldo),
                saldo_negative=summary.saldo < 0,
                open=key == open_key,
            )
        )
    return groups


# --- the inputs HR keeps: contracts and corrections -----------------------------------------


@dataclass(frozen=True, slots=True)
class ContractRow:
    start: str
    end: str
    percent: str
    workday: str
    flex: str
    use: str


@dataclass(frozen=True, slots=True)
class CorrectionRow:
    date: str
    adjust_by: str
    set_to: str
    note: str
    use: str


def contract_rows(
    contracts: Sequence[Contract], result: FlexResult, workday_hours: Decimal
) -> list[ContractRow]:
    """Each contract with its workday length and whether the computed days fell in it."""
    rows = []
    for c in sorted(contracts, key=lambda c: c.start_date):
        use = ""
        if c.holds(result.as_of):
            use = "holds the as-of day"
        if result.start_day is not None and result.last_day is not None:
            overlaps = c.start_date <= result.last_day and (
                c.end_date is None or c.end_date >= result.start_day
            )
            if overlaps and not use:
                use = "used"
            elif not overlaps:
                use = "outside the computed days"
        rows.append(
            ContractRow(
                start=c.start_date.isoformat(),
                end=c.end_date.isoformat() if c.end_date else "open-ended",
                percent=f"{c.worktime_percent} %",
                workday=hours_cell(c.workday_length(workday_hours)) + "h",
                flex="yes" if c.flex_enabled else "no",
                use=use,
            )
        )
    return rows


def correction_use(correction: Correction, result: FlexResult) -> str:
    """How the computation treated a correction (rule 2: the starting point; rule 6: added)."""
    if correction.date > result.as_of:
        return "dated after the as-of day: not counted yet"
    start, last = result.start_day, result.last_day
    if start is None or last is None:
        return ""
    if correction.set_to is not None and correction.date == start:
        return "starting point" + (", and added" if correction.adjust_by is not None else "")
    if correction.date < start:
        return "before the starting point: not counted"
    if correction.date > last:
        return "after the last computed day: not counted yet"
    return "added on this day" if correction.adjust_by is not None else ""


def correction_rows(
    corrections: Sequence[tuple[Correction, str]], result: FlexResult
) -> list[CorrectionRow]:
    """``corrections``: (correction, note) pairs, in any order; shown by date."""
    return [
        CorrectionRow(
            date=c.date.isoformat(),
            adjust_by=signed_cell(c.adjust_by) if c.adjust_by is not None else "",
            set_to=signed_cell(c.set_to) if c.set_to is not None else "",
            note=note,
            use=correction_use(c, result),
        )
        for c, note in sorted(corrections, key=lambda pair: pair[0].date)
    ]
