"""The month-end saldo chart's coordinates and words (pure)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from models.flex.saldo import MonthSummary
from web.saldo_chart import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, saldo_chart, tick_step

Z = Decimal(0)


def month(year: int, number: int, saldo: str) -> MonthSummary:
    return MonthSummary(dt.date(year, number, 1), Z, Z, Z, Z, Z, Z, Decimal(saldo))


def test_no_months_no_chart() -> None:
    assert saldo_chart([], Decimal(-40), Decimal(120)) is None


def test_points_span_the_plot_and_keep_their_order() -> None:
    months = [month(2025, 1, "6.5"), month(2025, 2, "8.75"), month(2025, 3, "-10")]
    chart = saldo_chart(months, Decimal(-40), Decimal(120))
    assert chart is not None
    xs = [dot.x for dot in chart.dots]
    assert xs == [LEFT, (LEFT + WIDTH - RIGHT) / 2, WIDTH - RIGHT]
    ys = {dot.label: dot.y for dot in chart.dots}
    # higher saldo, higher on the picture (smaller y); all inside the plot
    assert ys["2025-02: +8.75h"] < ys["2025-01: +6.50h"] < chart.zero_y < ys["2025-03: -10.00h"]
    assert all(TOP <= y <= HEIGHT - BOTTOM for y in ys.values())
    assert [dot.negative for dot in chart.dots] == [False, False, True]
    assert chart.points.split() == [f"{d.x},{d.y}" for d in chart.dots]


def test_range_is_whole_steps_around_the_saldos_and_zero() -> None:
    chart = saldo_chart([month(2025, 1, "6.5"), month(2025, 2, "8.75")], Decimal(-40), Z + 120)
    assert chart is not None
    labels = [tick.label for tick in chart.hours_ticks]
    assert labels == ["+0.00", "+2.00", "+4.00", "+6.00", "+8.00", "+10.00"]
    assert chart.zero_y == HEIGHT - BOTTOM
    # the band covers the whole drawn range: a stripe over the full height
    assert chart.band is not None
    assert (chart.band.y, chart.band.height) == (TOP, HEIGHT - BOTTOM - TOP)


def test_band_is_drawn_only_where_it_falls_inside_the_range() -> None:
    chart = saldo_chart([month(2025, 1, "300"), month(2025, 2, "150")], Decimal(-40), Z + 120)
    assert chart is not None
    assert chart.band is not None
    top_of_band = chart.band.y
    assert chart.zero_y == HEIGHT - BOTTOM
    assert chart.band.y + chart.band.height == chart.zero_y  # from 0 (the range's bottom) …
    assert top_of_band > TOP  # … up to +120, below the +300 point
    dot_300 = chart.dots[0]
    assert dot_300.y == TOP and dot_300.y < top_of_band


def test_single_month_is_one_dot_in_the_middle() -> None:
    chart = saldo_chart([month(2025, 1, "0")], Decimal(-40), Decimal(120))
    assert chart is not None
    assert [(d.x, d.label) for d in chart.dots] == [((LEFT + WIDTH - RIGHT) / 2, "2025-01: +0.00h")]
    assert chart.description.startswith("1 month from 2025-01 to 2025-01")


def test_description_names_first_last_lowest_and_highest() -> None:
    months = [month(2024, m, s) for m, s in ((10, "1"), (11, "-12"), (12, "40"))]
    months.append(month(2025, 1, "8.75"))
    chart = saldo_chart(months, Decimal(-40), Decimal(120))
    assert chart is not None
    assert chart.description == (
        "4 months from 2024-10 to 2025-01: +1.00h at the end of 2024-10, +8.75h at the end of "
        "2025-01; lowest -12.00h (2024-11), highest +40.00h (2024-12). The healthy band is "
        "-40.00h … +120.00h. The monthly summary table below lists every month."
    )


def test_month_labels_are_thinned_to_at_most_eight() -> None:
    months = [month(2020 + i // 12, i % 12 + 1, str(i)) for i in range(60)]
    chart = saldo_chart(months, Decimal(-40), Decimal(120))
    assert chart is not None
    assert len(chart.month_ticks) <= 8
    assert chart.month_ticks[0].label == "2020-01"


def test_tick_steps_are_round() -> None:
    assert tick_step(Decimal(10)) == Decimal(2)
    assert tick_step(Decimal(160)) == Decimal(50)
    assert tick_step(Decimal("0.3")) == Decimal("0.1")
    assert tick_step(Decimal(0)) == Decimal(1)
