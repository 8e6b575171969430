"""A month's records added up per account and currency, and per account, product and currency,
as they are stored: the small tables pages, the CLI and invoices read instead of every row.

Exact: decimals added in Python (SQLite keeps decimals as text, so a SQL ``SUM`` would add
floats). The legacy ``AccountTotal`` rows are kept apart from the other rows, so the rule of
``aws_billing_money`` (the total when there is one) can be applied when they are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from models.aws_billing.records import BillingRecord
from models.invoices.figures import AWS_ACCOUNT_TOTAL

NO_PRODUCT = "(no product)"


@dataclass(slots=True)
class CurrencySum:
    line_items: Decimal = Decimal(0)
    account_total: Decimal | None = None
    rows: int = 0


@dataclass(slots=True)
class ProductSum:
    cost: Decimal = Decimal(0)
    rows: int = 0


def product_of(record: BillingRecord) -> str:
    """What a row is grouped under on the month page: the product's name, else its code."""
    return record.product_name or record.product_code or NO_PRODUCT


def is_account_total(record_type: str) -> bool:
    return record_type.strip().lower() == AWS_ACCOUNT_TOTAL


@dataclass
class MonthSums:
    """Give it every record of a month with :meth:`add`; read :attr:`totals` (account id,
    currency) and :attr:`products` (account id, product, currency)."""

    totals: dict[tuple[str, str], CurrencySum] = field(default_factory=dict)
    products: dict[tuple[str, str, str], ProductSum] = field(default_factory=dict)

    def add(self, record: BillingRecord) -> None:
        total = self.totals.setdefault((record.account_id, record.currency), CurrencySum())
        total.rows += 1
        if is_account_total(record.record_type):
            total.account_total = (total.account_total or Decimal(0)) + record.cost
            return
        total.line_items += record.cost
        key = (record.account_id, product_of(record), record.currency)
        product = self.products.setdefault(key, ProductSum())
        product.cost += record.cost
        product.rows += 1
