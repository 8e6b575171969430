"""The periods weekly and monthly notifications cover (docs/domain-rules.md, "Notifications")."""

from __future__ import annotations

from datetime import date, timedelta

from models.notifications.periods import (
    first_weekday_of_month,
    last_sunday,
    month_key,
    previous_month_end,
    reminder_period,
    week_key,
)


def test_a_monday_run_covers_last_sunday_and_the_sixty_days_before() -> None:
    period = reminder_period(date(2026, 11, 30))
    assert (period.first, period.last) == (date(2026, 9, 30), date(2026, 11, 29))
    assert str(period) == "2026-09-30..2026-11-29"
    assert (period.last - period.first).days == 60
    assert date(2026, 9, 30) in period and date(2026, 11, 29) in period
    assert date(2026, 9, 29) not in period and date(2026, 11, 30) not in period


def test_every_day_of_a_week_gives_the_same_period_and_week() -> None:
    monday = date(2026, 11, 30)
    days = [monday + timedelta(days=n) for n in range(7)]
    assert {reminder_period(day) for day in days} == {reminder_period(monday)}
    assert {week_key(day) for day in days} == {"2026-W49"}
    assert last_sunday(date(2026, 12, 6)) == date(2026, 11, 29)  # a Sunday: the one before
    assert reminder_period(date(2026, 12, 7)).last == date(2026, 12, 6)


def test_iso_weeks_across_the_new_year() -> None:
    assert week_key(date(2027, 1, 1)) == "2026-W53"
    assert week_key(date(2027, 1, 4)) == "2027-W01"


def test_the_monthly_message_is_for_the_month_before() -> None:
    assert previous_month_end(date(2026, 12, 2)) == date(2026, 11, 30)
    assert previous_month_end(date(2027, 1, 6)) == date(2026, 12, 31)
    assert previous_month_end(date(2024, 3, 6)) == date(2024, 2, 29)
    assert month_key(date(2026, 11, 30)) == "2026-11"


def test_first_wednesday_of_the_month() -> None:
    assert first_weekday_of_month(2026, 12, 2) == date(2026, 12, 2)
    assert first_weekday_of_month(2026, 7, 2) == date(2026, 7, 1)
    assert first_weekday_of_month(2026, 9, 2) == date(2026, 9, 2)
    assert first_weekday_of_month(2026, 10, 2) == date(2026, 10, 7)
