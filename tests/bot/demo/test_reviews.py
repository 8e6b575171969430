"""The invoice history's calendar: which month waits, which is in hand, which hours come late.

What the reviews record is checked on a loaded database in test_seed.py."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.demo.reviews import ReviewCounts, last_closed_month, late_hours_from, month_before


def test_months_before_and_after() -> None:
    assert month_before((2026, 3)) == (2026, 2)
    assert month_before((2026, 1)) == (2025, 12)
    assert month_before((2026, 2), 14) == (2024, 12)
    assert month_before((2025, 12), -1) == (2026, 1)
    assert last_closed_month(dt.date(2026, 1, 31)) == (2025, 12)


@pytest.mark.parametrize(
    ("today", "late"),
    [
        (dt.date(2026, 12, 1), dt.date(2026, 10, 30)),  # the 31st is a Saturday
        (dt.date(2027, 3, 1), dt.date(2027, 1, 29)),  # a Friday
        (dt.date(2027, 2, 28), dt.date(2026, 12, 31)),  # a Thursday, not a holiday
        (dt.date(2026, 7, 15), dt.date(2026, 5, 29)),
        (dt.date(2027, 6, 30), dt.date(2027, 4, 30)),
    ],
)
def test_the_late_hours_are_the_last_workday_of_the_month_before_last(
    today: dt.date, late: dt.date
) -> None:
    assert late_hours_from(today) == late
    assert late.weekday() < 5


def test_the_late_hours_skip_a_holiday() -> None:
    # Easter 2018 was on 1 April: March's last weekday, Friday the 30th, was Good Friday.
    assert late_hours_from(dt.date(2018, 5, 15)) == dt.date(2018, 3, 29)


def test_review_counts_in_words() -> None:
    counts = ReviewCounts(approved=3, numbered=2, sent=1, changes_requested=1)
    assert counts.summary() == "3 approved, 2 numbered, 1 sent, 1 with changes requested"
