"""The pure flex engine (docs/domain-rules.md, "Flex saldo" rules 1–8), hand-computed.

Calendar used throughout: 2024-01-01 is a Monday; January 2024 has 23 weekdays, February 2024
(leap year) 21, March 2024 21. A full-time workday is 7.5 h.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.formatting import format_hours
from models.flex.saldo import (
    Contract,
    Correction,
    DayHours,
    FlexInput,
    FlexResult,
    band_position,
    compute_flex,
    last_processed_day,
    monthly_flex_message,
    previous_month_end,
)

D = Decimal
WORKDAY = D("7.5")


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def hours(
    date: str,
    work: str = "0",
    leave: str = "0",
    unpaid: str = "0",
    overtime: str = "0",
) -> DayHours:
    return DayHours(day(date), D(work), D(leave), D(unpaid), D(overtime))


def contract(start: str, end: str | None = None, percent: int = 100, flex: bool = True) -> Contract:
    return Contract(day(start), day(end) if end else None, percent, flex)


def flex(
    as_of: str,
    contracts: Iterable[Contract],
    days: Iterable[DayHours] = (),
    corrections: Iterable[Correction] = (),
    holidays: Iterable[str] = (),
) -> FlexResult:
    inp = FlexInput(
        contracts=list(contracts),
        corrections=list(corrections),
        days={h.date: h for h in days},
        holidays=frozenset(day(h) for h in holidays),
    )
    return compute_flex(inp, day(as_of), WORKDAY)


def saldo_of(result: FlexResult) -> Decimal:
    assert result.status == "ok", result.message
    assert result.saldo is not None
    return result.saldo


FULL_TIME = [contract("2024-01-01")]


# --- rule 6: expected hours, work, weekends ---------------------------------------------------


def test_no_entries_costs_a_workday_per_weekday() -> None:
    assert saldo_of(flex("2024-01-05", FULL_TIME)) == D("-37.5")


def test_work_minus_expected_per_day() -> None:
    days = [hours("2024-01-01", "8"), hours("2024-01-02", "8"), hours("2024-01-03", "6")]
    result = flex("2024-01-03", FULL_TIME, days)
    assert saldo_of(result) == D("-0.5")  # +0.5 +0.5 -1.5
    assert [log.day_sum for log in result.days] == [D("0.5"), D("0.5"), D("-1.5")]
    assert [log.saldo for log in result.days] == [D("0.5"), D("1.0"), D("-0.5")]


def test_weekend_work_counts_without_expected_hours() -> None:
    week = [hours(f"2024-01-0{d}", "7.5") for d in range(1, 6)]
    result = flex("2024-01-07", FULL_TIME, [*week, hours("2024-01-06", "5")])
    assert saldo_of(result) == D("5")
    saturday = result.days[5]
    assert (saturday.date, saturday.expected, saturday.work) == (day("2024-01-06"), 0, D("5"))


def test_leave_on_a_weekend_is_ignored() -> None:
    week = [hours(f"2024-01-0{d}", "7.5") for d in range(1, 6)]
    result = flex("2024-01-07", FULL_TIME, [*week, hours("2024-01-06", leave="7.5")])
    assert saldo_of(result) == 0
    assert result.days[5].leave == 0


def test_leave_on_a_workday_counts_as_worked() -> None:
    days = [hours("2024-01-01", leave="7.5"), hours("2024-01-02", "4", leave="3.5")]
    assert saldo_of(flex("2024-01-02", FULL_TIME, days)) == 0


# --- public holidays --------------------------------------------------------------------------


def test_holiday_on_a_weekday_expects_nothing_and_work_counts() -> None:
    days = [hours("2024-01-01", "2"), hours("2024-01-02", "7.5")]
    result = flex("2024-01-02", FULL_TIME, days, holidays=["2024-01-01"])
    assert saldo_of(result) == D("2")
    assert result.days[0].expected == 0


def test_leave_on_a_holiday_is_ignored() -> None:
    days = [hours("2024-01-01", leave="7.5"), hours("2024-01-02", "7.5")]
    result = flex("2024-01-02", FULL_TIME, days, holidays=["2024-01-01"])
    assert saldo_of(result) == 0
    assert result.days[0].leave == 0


def test_holiday_on_a_weekend_changes_nothing() -> None:
    week = [hours(f"2024-01-0{d}", "7.5") for d in range(1, 6)]
    days = [*week, hours("2024-01-06", "3", leave="7.5")]
    plain = flex("2024-01-07", FULL_TIME, days)
    with_holiday = flex("2024-01-07", FULL_TIME, days, holidays=["2024-01-06"])
    assert saldo_of(with_holiday) == saldo_of(plain) == D("3")


# --- leave types: unpaid, flex time leave -----------------------------------------------------


def test_unpaid_leave_offsets_expected_hours_on_workdays() -> None:
    days = [hours("2024-01-01", unpaid="7.5"), hours("2024-01-02", "4", unpaid="3.5")]
    result = flex("2024-01-02", FULL_TIME, days)
    assert saldo_of(result) == 0
    month = result.months[0]
    assert (month.unpaid, month.expected, month.diff) == (D("11.0"), D("4.0"), 0)


def test_unpaid_leave_on_a_weekend_or_holiday_is_not_counted() -> None:
    # docs/domain-rules.md: "leave + unpaid, both only on workdays" (the older system counted
    # weekend unpaid leave; docs/domain-rules.md is followed).
    week = [hours(f"2024-01-0{d}", "7.5") for d in range(2, 6)]
    days = [*week, hours("2024-01-01", unpaid="7.5"), hours("2024-01-06", unpaid="7.5")]
    result = flex("2024-01-07", FULL_TIME, days, holidays=["2024-01-01"])
    assert saldo_of(result) == 0
    assert result.months[0].unpaid == 0


def test_flex_time_leave_consumes_flex() -> None:
    # The loader leaves "Flex time Leave" out of every sum; the day is present but all zero.
    result = flex("2024-01-01", FULL_TIME, [hours("2024-01-01")])
    assert saldo_of(result) == D("-7.5")


# --- part-time and flex-disabled contracts ----------------------------------------------------


def test_sixty_percent_contract_expects_four_and_a_half_hours() -> None:
    part_time = [contract("2024-01-01", percent=60)]
    result = flex("2024-01-03", part_time, [hours("2024-01-01", "4.5"), hours("2024-01-02", "6")])
    assert [log.expected for log in result.days] == [D("4.5")] * 3
    assert saldo_of(result) == D("-3.0")  # 0 + 1.5 - 4.5


def test_flex_disabled_period_counts_nothing() -> None:
    contracts = [
        contract("2024-01-01", "2024-01-07"),
        contract("2024-01-08", "2024-01-14", flex=False),
        contract("2024-01-15"),
    ]
    days = [hours("2024-01-01", "8.5"), hours("2024-01-09", "12", leave="1", overtime="3")]
    result = flex("2024-01-15", contracts, days, [])
    # week 1: +1 - 4 × 7.5 = -29; week 2: nothing; Monday 15th: -7.5
    assert saldo_of(result) == D("-36.5")
    disabled = [log for log in result.days if day("2024-01-08") <= log.date <= day("2024-01-14")]
    assert all(log.day_sum == 0 and log.expected == 0 for log in disabled)
    month = result.months[0]
    assert (month.work, month.leave, month.overtime) == (D("8.5"), 0, 0)
    assert month.expected == D("45.0")  # 6 flex-enabled workdays


def test_corrections_apply_under_a_flex_disabled_contract() -> None:
    """Corrections still apply on flex-disabled days (they are HR's explicit changes)."""
    contracts = [contract("2024-01-01", flex=False)]
    corrections = [Correction(day("2024-01-03"), adjust_by=D("4"))]
    assert saldo_of(flex("2024-01-05", contracts, corrections=corrections)) == D("4")


def test_overlapping_contracts_use_the_earliest_start() -> None:
    contracts = [contract("2024-01-02", percent=50), contract("2024-01-01", "2024-01-02")]
    result = flex("2024-01-03", contracts)
    assert [log.expected for log in result.days] == [D("7.5"), D("7.5"), D("3.75")]


# --- overtime ---------------------------------------------------------------------------------


def test_overtime_is_shown_but_not_counted() -> None:
    days = [hours("2024-01-01", "7.5", overtime="2"), hours("2024-01-06", overtime="5")]
    result = flex("2024-01-06", FULL_TIME, days)
    # Tue–Fri without entries: -30
    assert saldo_of(result) == D("-30")
    assert result.months[0].overtime == D("7")
    assert result.days[0].overtime == D("2")


# --- corrections ------------------------------------------------------------------------------


def test_set_to_starts_the_computation_on_its_day() -> None:
    days = [hours("2024-01-01", "20"), hours("2024-01-03", "8")]
    corrections = [Correction(day("2024-01-03"), set_to=D("10"))]
    result = flex("2024-01-04", FULL_TIME, days, corrections)
    assert result.start_day == day("2024-01-03")
    assert saldo_of(result) == D("3.0")  # 10 + 0.5 - 7.5
    assert result.days[0].date == day("2024-01-03")


def test_set_to_and_adjust_by_on_the_same_day() -> None:
    corrections = [Correction(day("2024-01-02"), adjust_by=D("2.25"), set_to=D("10"))]
    result = flex("2024-01-02", FULL_TIME, [hours("2024-01-02", "7.5")], corrections)
    assert saldo_of(result) == D("12.25")
    assert result.days[0].correction == D("2.25")


def test_latest_set_to_wins_and_earlier_adjustments_are_dropped() -> None:
    corrections = [
        Correction(day("2024-01-01"), set_to=D("100")),
        Correction(day("2024-01-02"), adjust_by=D("50")),
        Correction(day("2024-01-03"), set_to=D("-5")),
        Correction(day("2024-01-04"), adjust_by=D("1.5")),
    ]
    assert saldo_of(flex("2024-01-04", FULL_TIME, corrections=corrections)) == D("-18.5")


def test_correction_on_the_contract_start_day() -> None:
    corrections = [Correction(day("2024-01-01"), adjust_by=D("20"), set_to=D("5"))]
    result = flex("2024-01-01", FULL_TIME, [hours("2024-01-01", "7.5")], corrections)
    assert saldo_of(result) == D("25")


def test_corrections_after_as_of_are_ignored() -> None:
    corrections = [
        Correction(day("2024-01-03"), set_to=D("40")),
        Correction(day("2024-01-02"), adjust_by=D("3")),
    ]
    assert saldo_of(flex("2024-01-01", FULL_TIME, corrections=corrections)) == D("-7.5")
    assert saldo_of(flex("2024-01-02", FULL_TIME, corrections=corrections)) == D("-12.0")
    assert saldo_of(flex("2024-01-03", FULL_TIME, corrections=corrections)) == D("32.5")


def test_negative_adjust_by() -> None:
    corrections = [Correction(day("2024-01-01"), adjust_by=D("-3.75"))]
    assert saldo_of(flex("2024-01-01", FULL_TIME, [hours("2024-01-01", "7.5")], corrections)) == D(
        "-3.75"
    )


def test_entries_before_the_start_day_or_after_as_of_are_ignored() -> None:
    days = [
        hours("2023-12-29", "100"),
        hours("2024-01-01", "7.5"),
        hours("2024-01-02", "100"),
    ]
    assert saldo_of(flex("2024-01-01", FULL_TIME, days)) == 0


# --- rules 2, 3, 6: not active, no contract ---------------------------------------------------


def test_no_contract_at_all_is_not_active() -> None:
    result = flex("2024-01-05", [], corrections=[Correction(day("2024-01-01"), set_to=D("1"))])
    assert result.status == "not_active"
    assert result.saldo is None
    assert "not activated" in result.message


def test_contract_ending_on_as_of_is_active() -> None:
    result = flex("2024-01-05", [contract("2024-01-01", "2024-01-05")])
    assert saldo_of(result) == D("-37.5")
    assert result.last_day == day("2024-01-05")


def test_contract_ended_before_as_of_is_not_active() -> None:
    result = flex("2024-01-06", [contract("2024-01-01", "2024-01-05")])
    assert result.status == "not_active"
    assert result.error_day == day("2024-01-06")


def test_contract_starting_after_as_of_is_not_active() -> None:
    assert flex("2024-01-05", [contract("2024-01-08")]).status == "not_active"


def test_gap_between_contracts_names_the_first_day_without_one() -> None:
    contracts = [contract("2024-01-01", "2024-01-03"), contract("2024-01-08")]
    result = flex("2024-01-10", contracts)
    assert result.status == "no_contract"
    assert result.saldo is None
    assert result.error_day == day("2024-01-04")
    assert result.message == (
        "no contract on 2024-01-04: add a contract, or a set_to correction at the next "
        "contract's start"
    )


def test_gap_is_fixed_by_set_to_at_the_next_contracts_start() -> None:
    contracts = [contract("2024-01-01", "2024-01-03"), contract("2024-01-08")]
    corrections = [Correction(day("2024-01-08"), set_to=D("12"))]
    assert saldo_of(flex("2024-01-10", contracts, corrections=corrections)) == D("-10.5")


def test_not_active_is_checked_before_the_gap_error() -> None:
    contracts = [contract("2024-01-01", "2024-01-03"), contract("2024-01-08", "2024-01-09")]
    result = flex("2024-01-10", contracts)
    assert result.status == "not_active"


def test_set_to_before_the_first_contract_is_a_no_contract_error() -> None:
    corrections = [Correction(day("2023-12-30"), set_to=D("5"))]
    result = flex("2024-01-02", FULL_TIME, corrections=corrections)
    assert result.status == "no_contract"
    assert result.error_day == day("2023-12-30")


# --- rule 5: last day processed ---------------------------------------------------------------


def test_last_day_without_entries_is_as_of() -> None:
    assert last_processed_day([contract("2024-01-01", "2024-01-10")], [], day("2024-01-20")) == (
        day("2024-01-20")
    )


def test_last_day_without_contracts_is_as_of() -> None:
    assert last_processed_day([], [day("2024-01-02")], day("2024-01-20")) == day("2024-01-20")


def test_last_day_with_entries_after_the_last_contract() -> None:
    contracts = [contract("2024-01-01", "2024-01-05"), contract("2024-01-06", "2024-01-10")]
    entries = [day("2024-01-02"), day("2024-01-14")]
    assert last_processed_day(contracts, entries, day("2024-01-20")) == day("2024-01-14")
    assert last_processed_day(contracts, entries, day("2024-01-12")) == day("2024-01-12")


def test_last_day_is_the_last_contract_end_when_entries_stop_earlier() -> None:
    contracts = [contract("2024-01-01", "2024-01-10")]
    assert last_processed_day(contracts, [day("2024-01-02")], day("2024-01-20")) == (
        day("2024-01-10")
    )


def test_last_day_with_an_open_ended_contract_is_as_of() -> None:
    contracts = [contract("2023-01-01", "2023-12-31"), contract("2024-01-01")]
    assert last_processed_day(contracts, [day("2024-01-02")], day("2024-01-20")) == (
        day("2024-01-20")
    )


def test_entries_after_the_last_contract_leave_flex_not_active() -> None:
    days = [hours("2024-01-02", "7.5"), hours("2024-01-09", "7.5")]
    result = flex("2024-01-09", [contract("2024-01-01", "2024-01-05")], days)
    assert result.status == "not_active"


# --- rule 7: monthly summary and change from last month ---------------------------------------


def test_monthly_summary_figures() -> None:
    days = [
        hours("2024-01-02", "9", overtime="1"),
        hours("2024-01-03", unpaid="7.5"),
        hours("2024-01-04", leave="7.5"),
        hours("2024-01-06", "2", leave="4"),  # Saturday: leave ignored
        hours("2024-02-01", "10"),
    ]
    corrections = [
        Correction(day("2024-01-15"), adjust_by=D("5")),
        Correction(day("2024-02-02"), adjust_by=D("-1")),
    ]
    result = flex("2024-02-05", FULL_TIME, days, corrections)
    january, february = result.months
    assert january.month == day("2024-01-01")
    assert (january.work, january.leave, january.overtime, january.unpaid) == (
        D("11"),
        D("7.5"),
        D("1"),
        D("7.5"),
    )
    assert january.expected == D("165.0")  # 23 × 7.5 - 7.5 unpaid
    assert january.diff == D("-146.5")  # 11 + 7.5 + 7.5 - 172.5, correction excluded
    assert january.saldo == D("-141.5")  # correction included
    assert february.month == day("2024-02-01")
    assert (february.work, february.expected) == (D("10"), D("22.5"))
    assert february.diff == D("-12.5")
    assert february.saldo == D("-155.0")
    assert result.saldo == february.saldo
    assert result.change_from_last_month == D("-13.5")


def test_change_from_last_month_needs_two_rows() -> None:
    result = flex("2024-01-31", FULL_TIME)
    assert len(result.months) == 1
    assert result.change_from_last_month is None


def test_month_rows_start_at_the_start_day() -> None:
    corrections = [Correction(day("2024-01-31"), set_to=D("0"))]
    result = flex("2024-02-01", FULL_TIME, corrections=corrections)
    assert [m.month for m in result.months] == [day("2024-01-01"), day("2024-02-01")]
    assert [m.saldo for m in result.months] == [D("-7.5"), D("-15.0")]
    assert result.change_from_last_month == D("-7.5")


def test_without_daily_log_the_figures_are_the_same() -> None:
    inp = FlexInput(FULL_TIME, [], {day("2024-01-02"): hours("2024-01-02", "9")}, frozenset())
    full = compute_flex(inp, day("2024-02-10"), WORKDAY)
    lean = compute_flex(inp, day("2024-02-10"), WORKDAY, with_days=False)
    assert lean.days == [] and len(full.days) == 41
    assert (lean.saldo, lean.months, lean.change_from_last_month) == (
        full.saldo,
        full.months,
        full.change_from_last_month,
    )


# --- presentation helpers and rule 8 ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("12.5", "+12.50h"),
        ("-3.75", "-3.75h"),
        ("0", "+0.00h"),
        ("-0.004", "+0.00h"),
        ("0.005", "+0.01h"),
        ("-0.005", "-0.01h"),
        ("1234.5678", "+1234.57h"),
    ],
)
def test_format_hours(value: str, text: str) -> None:
    assert format_hours(D(value)) == text


def test_band_position_bounds_are_inside() -> None:
    assert band_position(D("-40"), D("-40"), D("120")) == "inside"
    assert band_position(D("120"), D("-40"), D("120")) == "inside"
    assert band_position(D("-40.01"), D("-40"), D("120")) == "below"
    assert band_position(D("120.01"), D("-40"), D("120")) == "above"


def result_with(saldo: str, change: str | None) -> FlexResult:
    return FlexResult(
        status="ok",
        as_of=day("2024-01-31"),
        saldo=D(saldo),
        change_from_last_month=D(change) if change is not None else None,
    )


@pytest.mark.parametrize(
    ("saldo", "change", "kind"),
    [
        ("121", "0", "above_band"),
        ("121", None, "above_band"),
        ("-41", "-20", "below_band"),
        ("50", "10.01", "info_increase"),
        ("50", "-10.01", "check_hours"),
        ("50", "10", None),
        ("50", "-10", None),
        ("50", None, None),
        ("120", "5", None),
    ],
)
def test_monthly_message_kind(saldo: str, change: str | None, kind: str | None) -> None:
    message = monthly_flex_message(result_with(saldo, change), D("-40"), D("120"))
    assert (message.kind if message else None) == kind
    if message:
        assert format_hours(D(saldo)) in message.text


def test_monthly_message_texts() -> None:
    above = monthly_flex_message(result_with("130", "12"), D("-40"), D("120"))
    assert above is not None and "convert" in above.text and "+12.00h" in above.text
    check = monthly_flex_message(result_with("5", "-12"), D("-40"), D("120"))
    assert check is not None and "Did you remember to mark all your hours?" in check.text
    info = monthly_flex_message(result_with("5", "12"), D("-40"), D("120"))
    assert info is not None and "no action is needed" in info.text


def test_no_monthly_message_without_a_number() -> None:
    result = FlexResult(status="not_active", as_of=day("2024-01-31"))
    assert monthly_flex_message(result, D("-40"), D("120")) is None


def test_previous_month_end() -> None:
    assert previous_month_end(day("2024-03-06")) == day("2024-02-29")
    assert previous_month_end(day("2024-01-01")) == day("2023-12-31")


# --- property: a set_to equal to the computed saldo changes nothing ---------------------------

BASE = day("2023-11-27")  # a Monday
SPAN = 75


@st.composite
def flex_histories(draw: st.DrawFn) -> tuple[FlexInput, dt.date, dt.date]:
    """Contiguous contracts over SPAN days, random entries, holidays and adjustments."""
    cuts = sorted(draw(st.sets(st.integers(1, SPAN - 1), max_size=3)))
    bounds = [0, *cuts, SPAN]
    contracts = []
    for i in range(len(bounds) - 1):
        last = i == len(bounds) - 2
        contracts.append(
            Contract(
                BASE + dt.timedelta(days=bounds[i]),
                None if last and draw(st.booleans()) else BASE + dt.timedelta(bounds[i + 1] - 1),
                draw(st.sampled_from([100, 80, 60, 50])),
                draw(st.booleans()),
            )
        )
    quarter = st.integers(0, 48).map(lambda q: D(q) / 4)
    days = {}
    for offset in draw(st.sets(st.integers(0, SPAN - 1), max_size=40)):
        d = BASE + dt.timedelta(days=offset)
        days[d] = DayHours(d, draw(quarter), draw(quarter), draw(quarter), draw(quarter))
    holidays = frozenset(
        BASE + dt.timedelta(days=o) for o in draw(st.sets(st.integers(0, SPAN - 1), max_size=6))
    )
    corrections = [
        Correction(BASE + dt.timedelta(days=o), adjust_by=draw(quarter) - 6)
        for o in draw(st.sets(st.integers(0, SPAN - 1), max_size=5))
    ]
    as_of = BASE + dt.timedelta(days=SPAN - 1)
    split = BASE + dt.timedelta(days=draw(st.integers(0, SPAN - 1)))
    return FlexInput(contracts, corrections, days, holidays), as_of, split


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flex_histories())
def test_set_to_equal_to_the_saldo_at_a_day_keeps_the_final_saldo(
    history: tuple[FlexInput, dt.date, dt.date],
) -> None:
    inp, as_of, split = history
    whole = compute_flex(inp, as_of, WORKDAY)
    assert whole.status == "ok"
    index = (split - BASE).days
    saldo_at_start_of_split = whole.days[index - 1].saldo if index else D(0)
    split_inp = FlexInput(
        inp.contracts,
        [*inp.corrections, Correction(split, set_to=saldo_at_start_of_split)],
        inp.days,
        inp.holidays,
    )
    split_result = compute_flex(split_inp, as_of, WORKDAY)
    assert split_result.start_day == split
    assert split_result.saldo == whole.saldo
    assert split_result.days == whole.days[index:]
    split_month = split.replace(day=1)
    assert [m for m in split_result.months if m.month > split_month] == [
        m for m in whole.months if m.month > split_month
    ]


# --- property: without the daily log, a month at a time, every figure is the same -----------


@st.composite
def messy_histories(draw: st.DrawFn) -> tuple[FlexInput, dt.date]:
    """Contracts with gaps and overlaps (some open-ended, some without flex), entries inside
    and outside them, holidays on any day, adjustments and set_to corrections, over about
    four months, and an L anywhere in them."""
    offset = st.integers(-20, 130)
    contracts = []
    for _ in range(draw(st.integers(0, 4))):
        start = draw(offset)
        length = draw(st.one_of(st.none(), st.integers(0, 90)))
        contracts.append(
            Contract(
                BASE + dt.timedelta(days=start),
                None if length is None else BASE + dt.timedelta(days=start + length),
                draw(st.sampled_from([100, 80, 60, 50, 1])),
                draw(st.booleans()),
            )
        )
    quarter = st.integers(0, 48).map(lambda q: D(q) / 4)
    days = {}
    for o in draw(st.sets(offset, max_size=60)):
        d = BASE + dt.timedelta(days=o)
        days[d] = DayHours(d, draw(quarter), draw(quarter), draw(quarter), draw(quarter))
    holidays = frozenset(BASE + dt.timedelta(days=o) for o in draw(st.sets(offset, max_size=8)))
    corrections = [
        Correction(
            BASE + dt.timedelta(days=o),
            adjust_by=draw(st.one_of(st.none(), quarter.map(lambda q: q - 6))),
            set_to=draw(st.one_of(st.none(), quarter.map(lambda q: q * 3 - 40))),
        )
        for o in draw(st.lists(offset, max_size=5))
    ]
    as_of = BASE + dt.timedelta(days=draw(offset))
    return FlexInput(contracts, corrections, days, holidays), as_of


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_histories())
def test_without_the_daily_log_every_figure_is_the_day_walks(
    history: tuple[FlexInput, dt.date],
) -> None:
    inp, as_of = history
    full = compute_flex(inp, as_of, WORKDAY)
    lean = compute_flex(inp, as_of, WORKDAY, with_days=False)
    assert lean.days == []
    assert lean == FlexResult(**{**full.__dict__, "days": []})


def test_a_month_at_a_time_counts_workdays_around_weekends_and_holidays() -> None:
    """Hand-counted: 2024-01-10 (Wed) to 2024-02-20 (Tue) under a 80 % contract from the 15th,
    full time before; New Year's Day outside, Epiphany (Sat) and 2024-02-06 (Tue) holidays."""
    contracts = [contract("2024-01-01", "2024-01-14"), contract("2024-01-15", None, 80)]
    corrections = [Correction(day("2024-01-10"), set_to=D("0"))]
    holidays = ["2024-01-01", "2024-01-06", "2024-02-06"]
    result = compute_flex(
        FlexInput(contracts, corrections, {}, frozenset(map(day, holidays))),
        day("2024-02-20"),
        WORKDAY,
        with_days=False,
    )
    january, february = result.months
    # January: 10th-12th (3 workdays) at 7.5, 15th-31st (13 workdays) at 6.
    assert january.expected == D("22.5") + D("78")
    # February: 1st-20th has 14 weekdays, one of them a holiday: 13 at 6.
    assert february.expected == D("78")
    assert result.saldo == -(D("100.5") + D("78"))
