"""The two billing file formats Finance Bot reads and the columns it takes from each.

- ``legacy-csv``: AWS's monthly billing CSV (``<payer>-aws-billing-csv-YYYY-MM.csv``), one row
  per linked account and product, with ``RecordType``; only the linked accounts' rows
  (``LinkedLineItem`` and their ``AccountTotal``) are kept, the payer's, invoice and statement
  totals are not any one account's, nor are rows without a ``LinkedAccountId`` (the payer's
  own, as a single-account file's ``AccountTotal``).
- ``cur2``: Cost and Usage Report 2.0 from Data Exports, gzip-compressed CSV, every line item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

LEGACY_CSV = "legacy-csv"
CUR2 = "cur2"

#: What a record holds, in the order of BillingRecord's fields.
FIELDS = (
    "account_id",
    "account_name",
    "record_type",
    "product_code",
    "product_name",
    "usage_type",
    "description",
    "period_start",
    "period_end",
    "quantity",
    "cost",
    "currency",
)


@dataclass(frozen=True)
class BillingFormat:
    name: str
    columns: Mapping[str, str]
    """Record field → the file's column."""
    optional: frozenset[str] = frozenset()
    """Fields whose column may be missing (they are then empty)."""
    kept_record_types: frozenset[str] | None = None
    """Record types stored (lower-case); None: every row."""
    rows_without_account_left_out: bool = False
    """Rows of a kept type with no account id are the payer's (a single-account file's
    AccountTotal): left out, not refused."""

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(self.columns[f] for f in FIELDS if f not in self.optional)

    def missing_columns(self, header: Sequence[str]) -> list[str]:
        present = {cell.strip() for cell in header}
        return [column for column in self.required_columns if column not in present]

    def keeps(self, record_type: str, account_id: str) -> bool:
        if self.rows_without_account_left_out and not account_id.strip():
            return False
        kept = self.kept_record_types
        return kept is None or record_type.strip().lower() in kept


LEGACY = BillingFormat(
    LEGACY_CSV,
    {
        "account_id": "LinkedAccountId",
        "account_name": "LinkedAccountName",
        "record_type": "RecordType",
        "product_code": "ProductCode",
        "product_name": "ProductName",
        "usage_type": "UsageType",
        "description": "ItemDescription",
        "period_start": "BillingPeriodStartDate",
        "period_end": "BillingPeriodEndDate",
        "quantity": "UsageQuantity",
        "cost": "TotalCost",
        "currency": "CurrencyCode",
    },
    kept_record_types=frozenset({"linkedlineitem", "accounttotal"}),
    rows_without_account_left_out=True,
)

CUR = BillingFormat(
    CUR2,
    {
        "account_id": "line_item_usage_account_id",
        "account_name": "line_item_usage_account_name",
        "record_type": "line_item_line_item_type",
        "product_code": "line_item_product_code",
        "product_name": "product_product_name",
        "usage_type": "line_item_usage_type",
        "description": "line_item_line_item_description",
        "period_start": "bill_billing_period_start_date",
        "period_end": "bill_billing_period_end_date",
        "quantity": "line_item_usage_amount",
        "cost": "line_item_unblended_cost",
        "currency": "line_item_currency_code",
    },
    optional=frozenset({"product_name"}),
)

BY_NAME: Mapping[str, BillingFormat] = {LEGACY_CSV: LEGACY, CUR2: CUR}


def header_problem(fmt: BillingFormat, header: Sequence[str]) -> str | None:
    """Why ``header`` is not one of ``fmt``'s files (naming the missing columns), or None."""
    missing = fmt.missing_columns(header)
    if not missing:
        return None
    message = f"the header is not {fmt.name}: missing the columns {', '.join(missing)}"
    for other in BY_NAME.values():
        if other is not fmt and not other.missing_columns(header):
            message += f" (it looks like {other.name}: check AWS_BILLING_FORMAT)"
    return message
