"""A month's AWS billing stored as the import stores it (rows and their totals), from legacy
CSV rows made by ``bot/emulators/aws_billing_files.py``, without S3."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing

from bot.emulators.aws_billing_files import LEGACY_HEADER, legacy_row
from models.aws_billing.formats import LEGACY
from models.aws_billing.month import MonthCollector
from models.aws_billing.store import MonthStored, store_month


async def store_billing(year: int, month: int, rows: Sequence[list[str]]) -> MonthStored:
    """Stores ``rows`` (legacy CSV rows) as the month's billing, replacing what it had."""
    with closing(MonthCollector(LEGACY, year, month)) as collector:
        collector.start_file("test.csv", LEGACY_HEADER)
        for line, cells in enumerate(rows, 2):
            collector.add_row(line, cells)
        return await store_month(collector.result())


def billing_row(
    account: str,
    record_type: str,
    cost: str,
    *,
    year: int = 2024,
    month: int = 3,
    product: str = "",
    name: str = "Acme Dev",
    currency: str = "USD",
    usage: str = "",
) -> list[str]:
    """A legacy row of the month; ``product`` empty: no product (as AccountTotal rows)."""
    start = f"{year}/{month:02d}/01 00:00:00"
    return legacy_row(
        account, record_type, cost, name=name, product=product, currency=currency,
        usage=usage or product, start=start, end=start, description=product,
    )  # fmt: skip
