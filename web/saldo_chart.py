"""The month-end flex saldo as a line chart: coordinates and words for an inline SVG (pure).

One point per month of the monthly summary (its saldo: the balance after the month's last
computed day), the healthy band behind it as a shaded stripe and the zero line. No scripts:
the page draws it with plain SVG elements; the chart's ``<title>`` and ``<desc>`` say what it
shows in words, and the monthly summary table below it holds every figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.formatting import format_hours
from models.flex.saldo import MonthSummary

WIDTH = 720
HEIGHT = 240
LEFT = 64  # room for the hours labels
RIGHT = 16
TOP = 12
BOTTOM = 30  # room for the month labels
MAX_MONTH_LABELS = 8


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    label: str  # "2025-01: +6.50h"
    negative: bool


@dataclass(frozen=True, slots=True)
class Tick:
    at: float  # y for the hours axis, x for the months
    label: str


@dataclass(frozen=True, slots=True)
class Stripe:
    y: float
    height: float


@dataclass(frozen=True)
class SaldoChart:
    title: str
    description: str
    points: str  # the polyline's "x,y x,y …"
    dots: list[Dot]
    band: Stripe | None  # None when the band lies outside the drawn range
    zero_y: float
    hours_ticks: list[Tick]
    month_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_x: int = WIDTH - RIGHT
    bottom_y: int = HEIGHT - BOTTOM


def month_key(summary: MonthSummary) -> str:
    return f"{summary.month.year:04d}-{summary.month.month:02d}"


def tick_step(span: Decimal, wanted: int = 5) -> Decimal:
    """A round step (1, 2 or 5 × 10ⁿ hours) giving about ``wanted`` ticks over ``span``."""
    raw = float(span) / wanted if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return Decimal(str(factor * power))
    return Decimal(str(10 * power))  # pragma: no cover - the loop always returns


def saldo_chart(
    months: Sequence[MonthSummary], max_minus: Decimal, max_plus: Decimal
) -> SaldoChart | None:
    """The chart of ``months`` (None when there are none) against the healthy band."""
    if not months:
        return None
    saldos = [m.saldo for m in months]
    step = tick_step(max(max(saldos), Decimal(0)) - min(min(saldos), Decimal(0)))
    # The range covers every saldo and zero, rounded out to whole steps; the band is drawn
    # where it falls inside.
    low = math.floor(min(min(saldos), Decimal(0)) / step) * step
    high = math.ceil(max(max(saldos), Decimal(0)) / step) * step
    if high == low:
        high = low + step
    plot_top, plot_bottom = TOP, HEIGHT - BOTTOM
    plot_left, plot_right = LEFT, WIDTH - RIGHT

    def y(value: Decimal) -> float:
        share = (value - low) / (high - low)
        return round(plot_bottom - float(share) * (plot_bottom - plot_top), 1)

    def x(index: int) -> float:
        if len(months) == 1:
            return round((plot_left + plot_right) / 2, 1)
        return round(plot_left + index * (plot_right - plot_left) / (len(months) - 1), 1)

    dots = [
        Dot(x(i), y(m.saldo), f"{month_key(m)}: {format_hours(m.saldo)}", m.saldo < 0)
        for i, m in enumerate(months)
    ]
    band_low, band_high = max(max_minus, low), min(max_plus, high)
    band = None
    if band_low < band_high:
        band = Stripe(y(band_high), round(y(band_low) - y(band_high), 1))

    hours_ticks = []
    value = low
    while value <= high:
        hours_ticks.append(Tick(y(value), format_hours(value)[:-1]))
        value += step
    every = max(1, math.ceil(len(months) / MAX_MONTH_LABELS))
    month_ticks = [Tick(x(i), month_key(m)) for i, m in enumerate(months) if i % every == 0]

    first, last = months[0], months[-1]
    lowest = min(months, key=lambda m: m.saldo)
    highest = max(months, key=lambda m: m.saldo)
    count = "1 month" if len(months) == 1 else f"{len(months)} months"
    description = (
        f"{count} from {month_key(first)} to {month_key(last)}: "
        f"{format_hours(first.saldo)} at the end of {month_key(first)}, "
        f"{format_hours(last.saldo)} at the end of {month_key(last)}; "
        f"lowest {format_hours(lowest.saldo)} ({month_key(lowest)}), "
        f"highest {format_hours(highest.saldo)} ({month_key(highest)}). "
        f"The healthy band is {format_hours(max_minus)} … {format_hours(max_plus)}. "
        "The monthly summary table below lists every month."
    )
    return SaldoChart(
        title="Flex saldo at the end of each month",
        description=description,
        points=" ".join(f"{d.x},{d.y}" for d in dots),
        dots=dots,
        band=band,
        zero_y=y(Decimal(0)),
        hours_ticks=hours_ticks,
        month_ticks=month_ticks,
    )
