"""One billing file row validated into a plain record, or a message saying what is wrong.

Every value is checked (docs/csv-formats.md, "AWS billing files"): the account id is 12 digits,
text fits its column, the billing period is a date in the month imported, quantity and cost
are exact decimals (more than 10 decimal places rounded half-even to 10), the currency is
three capital letters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from operator import attrgetter

from models.aws import is_account_id
from models.aws_billing.formats import FIELDS, BillingFormat

MAX_TEXT = 255
MAX_DECIMALS = 10
PLACES = Decimal(1).scaleb(-MAX_DECIMALS)
LIMIT = Decimal("1e17")
_CURRENCY = re.compile(r"[A-Z]{3}")
_DATE = re.compile(r"([0-9]{4})[-/]([0-9]{2})[-/]([0-9]{2})(?:[T ][0-9:.]*Z?)?")


@dataclass(frozen=True, slots=True)
class BillingRecord:
    account_id: str
    account_name: str
    record_type: str
    product_code: str
    product_name: str
    usage_type: str
    description: str
    period_start: date
    period_end: date
    quantity: Decimal
    cost: Decimal
    currency: str


STORED_KEY = (
    "account_id",
    "record_type",
    "product_code",
    "product_name",
    "usage_type",
    "description",
    "period_start",
    "period_end",
    "currency",
)
"""The fields that make a stored row: records alike in all of them are added up into one."""

StoredKey = tuple[str, str, str, str, str, str, date, date, str]

stored_key: Callable[[BillingRecord], StoredKey] = attrgetter(*STORED_KEY)
"""A record's values of :data:`STORED_KEY`, in that order."""


class BadRow(ValueError):
    """The row cannot be stored; the message says why, naming the column."""


class RowReader:
    """Reads the rows of one file whose header has been checked (``header_problem``)."""

    def __init__(self, fmt: BillingFormat, header: list[str], year: int, month: int) -> None:
        positions = {cell.strip(): index for index, cell in enumerate(header)}
        self.format = fmt
        self.width = len(header)
        self.month = (year, month)
        self.index = {f: positions.get(fmt.columns[f], -1) for f in FIELDS}

    def kept(self, cells: list[str]) -> bool:
        """False for rows the format leaves out (the legacy file's payer rows and invoice
        totals)."""
        return self.format.keeps(self._cell(cells, "record_type"), self._cell(cells, "account_id"))

    def record(self, cells: list[str]) -> BillingRecord:
        """The row as a record; raises BadRow."""
        if len(cells) != self.width:
            raise BadRow(f"{len(cells)} cells where the header has {self.width}")
        account_id = self._cell(cells, "account_id")
        if not account_id:
            raise BadRow(f"{self._column('account_id')} is empty")
        if not is_account_id(account_id):
            raise BadRow(f"{self._column('account_id')} {account_id[:40]!r} is not 12 digits")
        start = self._date(cells, "period_start")
        end = self._date(cells, "period_end")
        if (start.year, start.month) != self.month:
            year, month = self.month
            raise BadRow(
                f"{self._column('period_start')} {start.isoformat()} is not in the month "
                f"imported, {year}-{month:02d}"
            )
        if end < start:
            raise BadRow(f"{self._column('period_end')} {end.isoformat()} is before the start")
        currency = self._cell(cells, "currency")
        if not _CURRENCY.fullmatch(currency):
            raise BadRow(f"{self._column('currency')} {currency[:40]!r} is not 3 capital letters")
        return BillingRecord(
            account_id=account_id,
            account_name=self._text(cells, "account_name"),
            record_type=self._text(cells, "record_type"),
            product_code=self._text(cells, "product_code"),
            product_name=self._text(cells, "product_name"),
            usage_type=self._text(cells, "usage_type"),
            description=self._cell(cells, "description"),
            period_start=start,
            period_end=end,
            quantity=self._decimal(cells, "quantity", required=False),
            cost=self._decimal(cells, "cost", required=True),
            currency=currency,
        )

    def _column(self, field: str) -> str:
        return self.format.columns[field]

    def _cell(self, cells: list[str], field: str) -> str:
        index = self.index[field]
        return cells[index].strip() if 0 <= index < len(cells) else ""

    def _text(self, cells: list[str], field: str) -> str:
        text = self._cell(cells, field)
        if len(text) > MAX_TEXT:
            raise BadRow(f"{self._column(field)} is longer than {MAX_TEXT} characters")
        return text

    def _date(self, cells: list[str], field: str) -> date:
        text = self._cell(cells, field)
        found = _DATE.fullmatch(text)
        try:
            if found is None:
                raise ValueError
            return date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            raise BadRow(f"{self._column(field)} {text[:40]!r} is not a date") from None

    def _decimal(self, cells: list[str], field: str, *, required: bool) -> Decimal:
        text = self._cell(cells, field)
        if not text and not required:
            return Decimal(0)
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or abs(value) >= LIMIT:
            raise BadRow(f"{self._column(field)} {text[:40]!r} is not a number")
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
            # A CUR 2.0 column typed double comes as e.g. 2.7777777777777778E-4: rounded to
            # what the database keeps (AWS's own cost columns carry 10 decimals), not refused.
            value = value.quantize(PLACES, rounding=ROUND_HALF_EVEN)
        return value
