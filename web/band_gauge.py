"""Where a flex saldo sits against the healthy band, as coordinates for a small inline SVG.

The scale covers the band plus a quarter of its width on each side, widened to take in a
saldo that lies further out, so the marker is always drawn inside the picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from models.flex.saldo import BandPosition, band_position

WIDTH = 400  # the SVG's viewBox width; the drawing uses x = MARGIN … WIDTH - MARGIN
MARGIN = 12
MARGIN_SHARE = Decimal("0.25")


@dataclass(frozen=True, slots=True)
class Gauge:
    position: BandPosition
    band_x: float
    band_width: float
    zero_x: float | None  # None when 0 is off the scale
    marker_x: float
    width: int = WIDTH


def gauge_coordinates(saldo: Decimal, max_minus: Decimal, max_plus: Decimal) -> Gauge:
    span = max_plus - max_minus
    low = min(max_minus - span * MARGIN_SHARE, saldo)
    high = max(max_plus + span * MARGIN_SHARE, saldo)
    track = Decimal(WIDTH - 2 * MARGIN)

    def x(value: Decimal) -> float:
        return round(float(MARGIN + (value - low) / (high - low) * track), 1)

    band_x = x(max_minus)
    return Gauge(
        position=band_position(saldo, max_minus, max_plus),
        band_x=band_x,
        band_width=round(x(max_plus) - band_x, 1),
        zero_x=x(Decimal(0)) if low <= 0 <= high else None,
        marker_x=x(saldo),
    )
