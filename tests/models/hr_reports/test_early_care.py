"""The sick-leave early-care rule (docs/domain-rules.md, "HR early-care report"), with
hand-computed cases.

T = 2025-06-30 throughout: the 365-day window starts on 2024-06-30 (counted), the 120-day
window after 2025-03-02 (that day itself is not counted).
"""

from __future__ import annotations

import datetime as dt

from models.hr_reports.early_care import (
    EarlyCareReport,
    SickPeriod,
    early_care_report,
    early_care_rows,
    sick_days,
    sick_periods,
)
from tests.support.flex_people import add_entry, make_person

D = dt.date
T = D(2025, 6, 30)


def days_from(first: dt.date, count: int, step: int = 1) -> set[dt.date]:
    return {first + dt.timedelta(days=n * step) for n in range(count)}


# --- days: distinct dates from T − 365 on -----------------------------------------------------


def test_days_window_starts_exactly_365_days_back() -> None:
    assert sick_days({D(2024, 6, 30)}, T) == 1
    assert sick_days({D(2024, 6, 29)}, T) == 0
    assert sick_days({D(2024, 6, 29), D(2024, 6, 30), D(2025, 6, 30)}, T) == 2


def test_days_count_distinct_dates() -> None:
    # a set of dates by construction: the loader adds each entry's date, so two entries
    # on one day are one date
    assert sick_days([D(2025, 1, 2), D(2025, 1, 2), D(2025, 1, 3)], T) == 2


# --- periods: dates after T − 120, a new one after a break of more than 5 days ---------------


def test_period_window_excludes_its_first_day() -> None:
    assert sick_periods({D(2025, 3, 2)}, T) == ()
    assert sick_periods({D(2025, 3, 3)}, T) == (SickPeriod(D(2025, 3, 3), D(2025, 3, 3)),)


def test_a_break_of_five_days_continues_the_period_six_starts_a_new_one() -> None:
    assert sick_periods({D(2025, 4, 1), D(2025, 4, 6)}, T) == (
        SickPeriod(D(2025, 4, 1), D(2025, 4, 6)),
    )
    assert sick_periods({D(2025, 4, 1), D(2025, 4, 7)}, T) == (
        SickPeriod(D(2025, 4, 1), D(2025, 4, 1)),
        SickPeriod(D(2025, 4, 7), D(2025, 4, 7)),
    )


def test_periods_chain_from_the_previous_date_not_the_periods_first() -> None:
    # 1, 5, 9, 13 April: each within 5 days of the one before: one period of 13 days
    assert sick_periods(days_from(D(2025, 4, 1), 4, step=4), T) == (
        SickPeriod(D(2025, 4, 1), D(2025, 4, 13)),
    )


def test_a_period_straddling_the_window_starts_inside_it() -> None:
    assert sick_periods({D(2025, 3, 1), D(2025, 3, 2), D(2025, 3, 3), D(2025, 3, 4)}, T) == (
        SickPeriod(D(2025, 3, 3), D(2025, 3, 4)),
    )


# --- the limits ------------------------------------------------------------------------------


def report(
    sick: dict[int, set[dt.date]], max_periods: int = 3, max_days: int = 20
) -> EarlyCareReport:
    names = {person_id: f"Person {person_id}" for person_id in sick}
    return early_care_rows(sick, names, T, max_periods=max_periods, max_days=max_days)


def test_more_than_three_periods_is_flagged_three_is_not() -> None:
    four = days_from(D(2025, 4, 1), 4, step=10)  # 1, 11, 21 April, 1 May: 4 periods, 4 days
    three = days_from(D(2025, 4, 1), 3, step=10)
    found = report({1: four, 2: three})
    assert [(r.person_id, len(r.periods), r.days, r.flagged) for r in found.flagged] == [
        (1, 4, 4, True)
    ]
    assert [(r.person_id, len(r.periods), r.days, r.flagged) for r in found.others] == [
        (2, 3, 3, False)
    ]


def test_more_than_twenty_days_is_flagged_twenty_is_not() -> None:
    # one long period in the autumn (outside the 120 days): days only
    found = report({1: days_from(D(2024, 10, 1), 21), 2: days_from(D(2024, 10, 1), 20)})
    assert [(r.person_id, r.days, r.periods) for r in found.flagged] == [(1, 21, ())]
    assert [(r.person_id, r.days, r.periods) for r in found.others] == [(2, 20, ())]


def test_limits_come_from_the_caller() -> None:
    dates = days_from(D(2025, 4, 1), 2, step=10)  # 2 periods, 2 days
    assert report({1: dates}, max_periods=1).flagged[0].person_id == 1
    assert report({1: dates}, max_days=1).flagged[0].person_id == 1
    assert report({1: dates}).flagged == ()


def test_people_without_sick_leave_in_the_year_are_left_out() -> None:
    found = report({1: {D(2024, 6, 29)}, 2: {D(2025, 6, 1)}})
    assert [r.person_id for r in found.others] == [2]
    assert found.flagged == ()


def test_order_is_most_periods_then_most_days_then_name() -> None:
    found = early_care_rows(
        {
            1: {D(2025, 5, 1)},
            2: days_from(D(2025, 5, 1), 3),
            3: {D(2025, 4, 1), D(2025, 5, 1)},
            4: {D(2025, 5, 1)},
        },
        {1: "bea", 2: "Cid", 3: "Dan", 4: "Abe"},
        T,
        max_periods=3,
        max_days=20,
    )
    assert [r.name for r in found.others] == ["Dan", "Cid", "Abe", "bea"]


# --- loading: submitted sick leave of non-archived people --------------------------------------


async def test_report_counts_submitted_sick_leave_of_active_people(db: str) -> None:
    ann = await make_person("Ann", "Aho", None)
    ben = await make_person("Ben", "Berg", None)
    old = await make_person("Old", "Timer", None, archived=True)
    for day in days_from(D(2025, 4, 1), 4, step=10):  # 4 periods
        await add_entry(ann, day, "7.5", leave_type="Sick leave")
    await add_entry(ann, D(2025, 4, 1), "2", leave_type="SICK LEAVE")  # same date, any case
    await add_entry(ann, D(2025, 6, 20), "7.5", leave_type="Sick leave", status="Unsubmitted")
    await add_entry(ann, D(2025, 6, 25), "7.5", leave_type="Vacation")
    await add_entry(ann, D(2025, 6, 26), "7.5")  # work
    await add_entry(ben, D(2025, 5, 5), "7.5", leave_type="Sick leave", status="Pending Approval")
    for day in days_from(D(2025, 4, 1), 5, step=10):
        await add_entry(old, day, "7.5", leave_type="Sick leave")

    found = await early_care_report(T, ("Sick leave",), max_periods=3, max_days=20)
    assert [(r.name, r.days, len(r.periods)) for r in found.flagged] == [("Ann Aho", 4, 4)]
    assert [(r.name, r.days, len(r.periods)) for r in found.others] == [("Ben Berg", 1, 1)]
    assert found.flagged[0].periods[0] == SickPeriod(D(2025, 4, 1), D(2025, 4, 1))


async def test_report_uses_the_configured_sick_leave_types(db: str) -> None:
    ann = await make_person("Ann", "Aho", None)
    await add_entry(ann, D(2025, 6, 2), "7.5", leave_type="Sairausloma")
    await add_entry(ann, D(2025, 6, 3), "7.5", leave_type="Sick leave")

    default = await early_care_report(T, ("Sick leave",), max_periods=3, max_days=20)
    assert [r.days for r in default.others] == [1]
    both = await early_care_report(T, ("sairausloma", "Sick leave"), max_periods=3, max_days=20)
    assert [(r.days, r.periods) for r in both.others] == [
        (2, (SickPeriod(D(2025, 6, 2), D(2025, 6, 3)),))
    ]
    none = await early_care_report(T, ("Illness",), max_periods=3, max_days=20)
    assert (none.flagged, none.others) == ((), ())
