"""One month's billing gathered from its files: every row validated, line items added up.

Rows with the same account, record type, product, usage type, description, period and
currency are one stored row (CUR 2.0 writes a line item per hour; their sum is exact). The
month is good only when every file's header and every kept row are; otherwise
:meth:`MonthCollector.result` raises :class:`BadBilling` listing the first problems as
``FILE:LINE: message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from models.aws_billing.formats import BillingFormat, header_problem
from models.aws_billing.records import BadRow, BillingRecord, RowReader

MAX_LISTED = 20
"""Problems listed by name; the rest are counted."""


class BadBilling(ValueError):
    """The month's files hold problems; nothing is stored. ``problems``: the listed ones."""

    def __init__(self, problems: list[str], total: int) -> None:
        more = total - len(problems)
        lines = problems + ([f"… and {more} more"] if more > 0 else [])
        noun = "problem" if total == 1 else "problems"
        super().__init__(
            f"{total} {noun} in the billing files, nothing imported:\n" + "\n".join(lines)
        )
        self.problems = problems
        self.total = total


@dataclass(frozen=True, slots=True)
class MonthBilling:
    year: int
    month: int
    records: list[BillingRecord]
    """Added up per key, in file order."""
    account_names: dict[str, str]
    """Account id → the last non-empty name seen."""
    rows_read: int
    rows_left_out: int
    """Rows of record types the format does not keep (the legacy payer and invoice totals)."""


@dataclass
class _Sum:
    first: BillingRecord
    quantity: Decimal
    cost: Decimal


@dataclass
class MonthCollector:
    """Give it each file's header (:meth:`start_file`) and rows (:meth:`add_row`)."""

    format: BillingFormat
    year: int
    month: int
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    rows_read: int = 0
    rows_left_out: int = 0
    files: int = 0
    _sums: dict[tuple[object, ...], _Sum] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)
    _reader: RowReader | None = None
    _file: str = ""

    def problem(self, where: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(f"{where}: {message}")

    def start_file(self, name: str, header: list[str], line: int = 1) -> bool:
        """Checks ``header``; False (a problem noted) when the file is not of the format."""
        self.files += 1
        self._file = name
        self._reader = None
        wrong = header_problem(self.format, header)
        if wrong:
            self.problem(f"{name}:{line}", wrong)
            return False
        self._reader = RowReader(self.format, header, self.year, self.month)
        return True

    def add_row(self, line: int, cells: list[str]) -> None:
        reader = self._reader
        if reader is None:
            return
        self.rows_read += 1
        if not reader.kept(cells):
            self.rows_left_out += 1
            return
        try:
            record = reader.record(cells)
        except BadRow as exc:
            self.problem(f"{self._file}:{line}", str(exc))
            return
        if self.problem_count:
            return  # nothing will be stored: only look for more problems
        if record.account_name:
            self._names[record.account_id] = record.account_name
        key = (
            record.account_id,
            record.record_type,
            record.product_code,
            record.product_name,
            record.usage_type,
            record.description,
            record.period_start,
            record.period_end,
            record.currency,
        )
        found = self._sums.get(key)
        if found is None:
            self._sums[key] = _Sum(record, record.quantity, record.cost)
        else:
            found.quantity += record.quantity
            found.cost += record.cost

    def result(self) -> MonthBilling:
        """The month, or BadBilling when a file or row had a problem, or nothing was read."""
        if not self.problem_count and not self._sums:
            self.problem(
                f"{self.year}-{self.month:02d}",
                "no billing rows in the files: the month is left as it was",
            )
        if self.problem_count:
            raise BadBilling(self.problems, self.problem_count)
        records = []
        sums, self._sums = self._sums, {}
        while sums:  # emptied as the records are made: never both in memory in full
            _, total = sums.popitem()
            first = total.first
            records.append(
                BillingRecord(
                    account_id=first.account_id,
                    account_name=self._names.get(first.account_id, first.account_name),
                    record_type=first.record_type,
                    product_code=first.product_code,
                    product_name=first.product_name,
                    usage_type=first.usage_type,
                    description=first.description,
                    period_start=first.period_start,
                    period_end=first.period_end,
                    quantity=total.quantity,
                    cost=total.cost,
                    currency=first.currency,
                )
            )
        records.reverse()  # popitem took them last first
        return MonthBilling(
            self.year,
            self.month,
            records,
            dict(self._names),
            self.rows_read,
            self.rows_left_out,
        )
