"""One month's billing gathered from its files: every row validated, line items added up.

Rows with the same account, record type, product, usage type, description, period and
currency are one stored row (CUR 2.0 writes a line item per hour; their sum is exact). The
month is good only when every file's header and every kept row are; otherwise
:meth:`MonthCollector.result` raises :class:`BadBilling` listing the first problems as
``FILE:LINE: message``. Records wait in a temporary file (:class:`MonthSpill`), not in
memory, until the month is known good; a good month carries a checksum of its records, so
the store can leave a month imported from the same files as it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from models.aws_billing.formats import BillingFormat, header_problem
from models.aws_billing.records import BadRow, BillingRecord, RowReader, stored_key
from models.aws_billing.spill import MonthSpill

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


CHECKSUM_VERSION = b"aws-billing-month 2\n"
"""Starts every checksum: a change of what is hashed changes every month's checksum."""


def record_line(record: BillingRecord) -> bytes:
    """One record as it is hashed: its stored key's values, quantity and cost, tab-separated
    (a tab or newline inside a value escaped), numbers without trailing zeros."""
    values = (
        *(v.isoformat() if isinstance(v, date) else v for v in stored_key(record)),
        _number(record.quantity),
        _number(record.cost),
    )
    escaped = (v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n") for v in values)
    return ("\t".join(escaped) + "\n").encode()


def _number(value: Decimal) -> str:
    return format((value + 0).normalize(), "f")


@dataclass(frozen=True)
class MonthBilling:
    """A good month, its records in the collector's spill file: read them with
    :meth:`records` before the collector is closed."""

    year: int
    month: int
    spill: MonthSpill
    account_names: dict[str, str]
    """Account id → the last non-empty name seen; every account of the month is here."""
    record_count: int
    """Records after adding up."""
    checksum: str
    """sha256 of the records ordered by key (:func:`record_line`): the files' row order
    does not change it."""
    rows_read: int
    rows_left_out: int
    """Rows of record types the format does not keep (the legacy payer and invoice totals)."""

    def records(self) -> Iterator[BillingRecord]:
        """Added up per key, ordered by key; read from the spill file as they are needed."""
        return self.spill.records(self.account_names)


@dataclass
class MonthCollector:
    """Give it each file's header (:meth:`start_file`) and rows (:meth:`add_row`), then take
    :meth:`result`; :meth:`close` (or leaving a ``with`` block) removes the spill file."""

    format: BillingFormat
    year: int
    month: int
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    rows_read: int = 0
    rows_left_out: int = 0
    files: int = 0
    spill: MonthSpill = field(default_factory=MonthSpill)
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
        if record.account_name or record.account_id not in self._names:
            self._names[record.account_id] = record.account_name
        self.spill.add(record)

    def result(self) -> MonthBilling:
        """The month, or BadBilling when a file or row had a problem, or nothing was read."""
        count = 0 if self.problem_count else self.spill.count()
        if not self.problem_count and not count:
            self.problem(
                f"{self.year}-{self.month:02d}",
                "no billing rows in the files: the month is left as it was",
            )
        if self.problem_count:
            raise BadBilling(self.problems, self.problem_count)
        digest = hashlib.sha256(CHECKSUM_VERSION)
        for record in self.spill.records(self._names):
            digest.update(record_line(record))
        return MonthBilling(
            self.year,
            self.month,
            self.spill,
            dict(self._names),
            count,
            digest.hexdigest(),
            self.rows_read,
            self.rows_left_out,
        )

    def close(self) -> None:
        self.spill.close()
