"""What an invoice refresh reads and writes: a handful of plain-SQL queries per batch.

Reading one row per hour entry would cost seconds for a big company, so the database sums the
entries instead, into one :class:`~models.invoices.figures.RateTally` per invoice and bill
rate. The rules stay in ``models/invoices/figures.py``: a first query lists the distinct phase,
category and status values in scope, the rules there sort them, and the summing query only
asks whether a value is in one of those lists. Two rules cannot be asked that way and are
written here in SQL as well: an entry's hours are > 0, and its notes are empty;
``tests/models/invoices/test_inputs.py`` holds
the SQL to the Python rules on both databases. Sums stay exact: PostgreSQL sums its numeric
column; SQLite keeps decimals as text, so there hours are summed in integer units of
1/10000 h (the column's scale).

Every query takes a :class:`Scope` (projects and a range of months), so a batch costs the same
few queries whether it holds one invoice or all of them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient

from models.invoices.figures import (
    AwsAccountMonth,
    ComparedFigures,
    FixedRow,
    InvoiceChecks,
    InvoiceFigures,
    RateTally,
    counts_for_invoice,
    has_no_category,
    is_approved,
    is_internal_project,
    is_non_billable_phase,
    is_non_phase_specific,
    plain,
)
from models.invoices.records import FIGURE_COLUMNS

#: Above this many projects a scope reads every project in its months (a shorter query, and
#: the rows of projects not asked for are dropped).
PROJECT_FILTER_LIMIT = 500
#: Invoice ids looked up per query (well inside both databases' parameter limits).
IDS_PER_QUERY = 5000
#: Rows turned into data between two turns of the event loop.
ROWS_PER_TURN = 500
#: PostgreSQL's working memory for the summing query (see read_tallies).
TALLY_WORK_MEM = "64MB"


class InvoiceKey(NamedTuple):
    project_id: int
    year: int
    month: int


def month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def month_of_index(index: int) -> tuple[int, int]:
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class Scope:
    """Which invoices and entries a batch reads: ``project_ids`` (None: every project) and the
    months ``first``..``last`` as :func:`month_index` values (None: no bound)."""

    project_ids: frozenset[int] | None = None
    first: int | None = None
    last: int | None = None

    @classmethod
    def around(cls, keys: Iterable[InvoiceKey]) -> Scope:
        keys = list(keys)
        projects = frozenset(key.project_id for key in keys)
        months = [month_index(key.year, key.month) for key in keys]
        return cls(
            projects if len(projects) <= PROJECT_FILTER_LIMIT else None, min(months), max(months)
        )

    def widened(self, months: int) -> Scope:
        return Scope(
            self.project_ids,
            None if self.first is None else self.first - months,
            None if self.last is None else self.last + months,
        )

    def holds(self, key: InvoiceKey) -> bool:
        index = month_index(key.year, key.month)
        return (
            (self.project_ids is None or key.project_id in self.project_ids)
            and (self.first is None or index >= self.first)
            and (self.last is None or index <= self.last)
        )


async def _turn(rows_done: int) -> None:
    """Lets the event loop in every ``ROWS_PER_TURN`` rows turned into data (a big company's
    refresh handles thousands)."""
    if rows_done % ROWS_PER_TURN == 0:
        await asyncio.sleep(0)


def is_postgres(conn: BaseDBAsyncClient) -> bool:
    return "sqlite" not in type(conn).__module__


class _Query:
    """Builds one SQL statement's text and parameters for either database."""

    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self.postgres = is_postgres(conn)
        self.values: list[Any] = []

    def param(self, value: Any) -> str:
        if not self.postgres and isinstance(value, date):
            value = value.isoformat()
        self.values.append(value)
        return f"${len(self.values)}" if self.postgres else "?"

    def one_of(self, column: str, values: Sequence[Any], cast: str = "text") -> str:
        """``column`` is one of ``values`` (always false for none)."""
        if not values:
            return "1 = 0"
        if self.postgres:
            return f"{column} = ANY({self.param(list(values))}::{cast}[])"
        return f"{column} IN ({', '.join(self.param(v) for v in values)})"

    def year_month(self, column: str) -> tuple[str, str]:
        if self.postgres:
            return (
                f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)",
                f"CAST(EXTRACT(MONTH FROM {column}) AS INTEGER)",
            )
        return (
            f"CAST(substr({column}, 1, 4) AS INTEGER)",
            f"CAST(substr({column}, 6, 2) AS INTEGER)",
        )

    def hours(self, column: str) -> str:
        """``column`` (hours) as something exact to sum: PostgreSQL's numeric is; SQLite keeps
        decimals as text, so there it is integer units of 1/10000 h (the column's scale)."""
        if self.postgres:
            return column
        return f"CAST(ROUND({column} * 10000) AS INTEGER)"

    def hours_of(self, summed: Any) -> Decimal:
        """A sum of :meth:`hours` back as hours."""
        if not summed:
            return Decimal(0)
        if self.postgres:
            return _decimal(summed)
        return Decimal(int(summed)).scaleb(-4)

    def blank(self, column: str) -> str:
        """``column`` is empty (figures.notes_are_blank)."""
        return f"COALESCE({column}, '') = ''"


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _optional_decimal(value: Any) -> Decimal | None:
    return None if value is None else _decimal(value)


def _money_map(value: Any) -> dict[str, Decimal]:
    if value is None or value == "":
        return {}
    data = json.loads(value) if isinstance(value, str | bytes) else value
    return {str(currency): _decimal(amount) for currency, amount in dict(data).items()}


def money_json(amounts: Mapping[str, Decimal]) -> str:
    """Currency → amount as stored: decimal strings, so nothing passes through a float."""
    return json.dumps(
        {currency: plain(amount) for currency, amount in sorted(amounts.items())},
        separators=(",", ":"),
    )


def _months_where(query: _Query, scope: Scope, year: str, month: str) -> list[str]:
    where = []
    if scope.first is not None:
        where.append(f"({year} * 12 + {month} - 1) >= {query.param(scope.first)}")
    if scope.last is not None:
        where.append(f"({year} * 12 + {month} - 1) <= {query.param(scope.last)}")
    return where


# ------------------------------------------------------------------------------ invoices


@dataclass(frozen=True, slots=True)
class StoredInvoice:
    """An invoice row as the refresh reads it: what it is and the figures stored on it."""

    id: UUID
    key: InvoiceKey
    state: str
    internal_project: bool
    figures: InvoiceFigures
    previous: ComparedFigures | None
    remarkable: bool
    fixed_rows_money: dict[str, Decimal]
    aws_billing_money: dict[str, Decimal]
    rules: str
    computed: bool  # figures_updated_at is set

    @property
    def compared(self) -> ComparedFigures:
        return ComparedFigures(self.figures.hours, self.figures.average_rate, self.figures.money)


async def invoice_keys(conn: BaseDBAsyncClient, ids: Sequence[UUID]) -> list[InvoiceKey]:
    """The (project, year, month) of each existing invoice among ``ids``."""
    keys: list[InvoiceKey] = []
    unique = sorted({str(i) for i in ids})
    for start in range(0, len(unique), IDS_PER_QUERY):
        query = _Query(conn)
        chunk = unique[start : start + IDS_PER_QUERY]
        values: Sequence[Any] = [UUID(i) for i in chunk] if query.postgres else chunk
        sql = 'SELECT "project_id", "year", "month" FROM "invoice" WHERE ' + query.one_of(
            '"id"', values, cast="uuid"
        )
        _, rows = await conn.execute_query(sql, query.values)
        keys.extend(InvoiceKey(int(r[0]), int(r[1]), int(r[2])) for r in rows)
    return keys


_INVOICE_COLUMNS = (
    "id",
    "project_id",
    "year",
    "month",
    "state",
    *FIGURE_COLUMNS,
    "remarkable_change",
    "previous_hours",
    "previous_average_rate",
    "previous_money",
    "fixed_rows_money",
    "aws_billing_money",
    "figures_rules",
    "figures_updated_at",
)


async def read_invoices(conn: BaseDBAsyncClient, scope: Scope) -> list[StoredInvoice]:
    """The invoices in ``scope`` with their stored figures and their project's state."""
    query = _Query(conn)
    columns = ", ".join(f'i."{c}"' for c in _INVOICE_COLUMNS)
    where = _months_where(query, scope, 'i."year"', 'i."month"')
    if scope.project_ids is not None:
        where.append(query.one_of('i."project_id"', sorted(scope.project_ids), cast="int"))
    sql = (
        f'SELECT {columns}, p."project_state" FROM "invoice" i '
        'JOIN "project" p ON p."id" = i."project_id"'
        + (" WHERE " + " AND ".join(where) if where else "")
    )
    _, rows = await conn.execute_query(sql, query.values)
    invoices = []
    for number, row in enumerate(rows, 1):
        invoices.append(_stored_invoice(row))
        await _turn(number)
    return invoices


def _stored_invoice(row: Any) -> StoredInvoice:
    (
        invoice_id,
        project_id,
        year,
        month,
        state,
        hours,
        billable_hours,
        money,
        average_rate,
        billable_share,
        odd_rate,
        non_billable,
        non_phase_specific,
        not_approved,
        empty_notes,
        no_category,
        remarkable,
        previous_hours,
        previous_average_rate,
        previous_money,
        fixed_rows,
        aws_billing,
        rules,
        figures_updated_at,
        project_state,
    ) = tuple(row)
    previous_values = (previous_hours, previous_average_rate, previous_money)
    previous = (
        None
        if any(v is None for v in previous_values)
        else ComparedFigures(*(_decimal(v) for v in previous_values))
    )
    return StoredInvoice(
        id=invoice_id if isinstance(invoice_id, UUID) else UUID(str(invoice_id)),
        key=InvoiceKey(int(project_id), int(year), int(month)),
        state=str(state),
        internal_project=is_internal_project(project_state),
        figures=InvoiceFigures(
            hours=_decimal(hours),
            billable_hours=_decimal(billable_hours),
            money=_decimal(money),
            average_rate=_decimal(average_rate),
            billable_share=_decimal(billable_share),
            checks=InvoiceChecks(
                int(odd_rate),
                int(non_billable),
                int(non_phase_specific),
                int(not_approved),
                int(empty_notes),
                int(no_category),
            ),
        ),
        previous=previous,
        remarkable=bool(remarkable),
        fixed_rows_money=_money_map(fixed_rows),
        aws_billing_money=_money_map(aws_billing),
        rules=str(rules or ""),
        computed=figures_updated_at is not None,
    )


# ------------------------------------------------------------------------------ entries


@dataclass(frozen=True)
class ValueClasses:
    """The distinct phase, category and status values in scope, sorted by the entry rules."""

    counted_statuses: tuple[str, ...]
    not_approved_statuses: tuple[str, ...]
    non_billable_phases: tuple[str, ...]
    non_phase_specific_phases: tuple[str, ...]
    no_category_values: tuple[str, ...]


def classify_values(
    phases: Iterable[str], categories: Iterable[str], statuses: Iterable[str]
) -> ValueClasses:
    phases, categories, statuses = set(phases), set(categories), set(statuses)
    counted = sorted(s for s in statuses if counts_for_invoice(s, Decimal(1)))
    return ValueClasses(
        counted_statuses=tuple(counted),
        not_approved_statuses=tuple(s for s in counted if not is_approved(s)),
        non_billable_phases=tuple(sorted(p for p in phases if is_non_billable_phase(p))),
        non_phase_specific_phases=tuple(sorted(p for p in phases if is_non_phase_specific(p))),
        no_category_values=tuple(sorted(c for c in categories if has_no_category(c))),
    )


def _entries_where(query: _Query, scope: Scope) -> list[str]:
    where = ['"project_id" IS NOT NULL']
    if scope.first is not None:
        year, month = month_of_index(scope.first)
        where.append(f'"date" >= {query.param(date(year, month, 1))}')
    if scope.last is not None:
        year, month = month_of_index(scope.last + 1)
        where.append(f'"date" < {query.param(date(year, month, 1))}')
    if scope.project_ids is not None:
        where.append(query.one_of('"project_id"', sorted(scope.project_ids), cast="int"))
    return where


async def read_value_classes(conn: BaseDBAsyncClient, scope: Scope) -> ValueClasses:
    query = _Query(conn)
    where = _entries_where(query, scope)
    sql = (
        'SELECT DISTINCT "phase_name", "category", "status" FROM "hour_entry" WHERE '
        + " AND ".join(where)
    )
    _, rows = await conn.execute_query(sql, query.values)
    return classify_values(
        (str(r[0] or "") for r in rows),
        (str(r[1] or "") for r in rows),
        (str(r[2] or "") for r in rows),
    )


async def read_tallies(conn: BaseDBAsyncClient, scope: Scope) -> dict[InvoiceKey, list[RateTally]]:
    """Every invoice's counted entries in ``scope``, summed per bill rate (two queries)."""
    classes = await read_value_classes(conn, scope)
    if not classes.counted_statuses:
        return {}
    query = _Query(conn)
    hours = query.hours('"hours"')
    year, month = query.year_month('"date"')

    def count_if(condition: str, value: str = "1") -> str:
        return f"SUM(CASE WHEN {condition} THEN {value} ELSE 0 END)"

    # Each condition is built where it is used: SQLite's "?" placeholders go in text order.
    columns = [
        '"project_id"',
        f"{year} AS year",
        f"{month} AS month",
        '"bill_rate"',
        "COUNT(*)",
        f"SUM({hours})",
        count_if(query.one_of('"phase_name"', classes.non_billable_phases)),
        count_if(query.one_of('"phase_name"', classes.non_billable_phases), hours),
        count_if(query.one_of('"phase_name"', classes.non_phase_specific_phases)),
        count_if(query.one_of('"status"', classes.not_approved_statuses)),
        count_if(query.blank('"notes"')),
        count_if(query.one_of('"category"', classes.no_category_values)),
    ]
    where = _entries_where(query, scope)
    where.append(query.one_of('"status"', classes.counted_statuses))
    where.append(f"{hours} > 0")
    sql = (
        f'SELECT {", ".join(columns)} FROM "hour_entry" WHERE {" AND ".join(where)} '
        f'GROUP BY "project_id", {year}, {month}, "bill_rate"'
    )
    if query.postgres:
        # Summing a big company's history in a hash table takes more than the default 4 MB;
        # otherwise PostgreSQL sorts half a million rows on disk. For this query only.
        await conn.execute_script(f"SET LOCAL work_mem = '{TALLY_WORK_MEM}'")
    _, rows = await conn.execute_query(sql, query.values)
    if query.postgres:
        await conn.execute_script("RESET work_mem")
    tallies: dict[InvoiceKey, list[RateTally]] = {}
    for number, row in enumerate(rows, 1):
        await _turn(number)
        (project_id, y, m, rate, entries, summed, nb_entries, nb_hours, nps, na, blank, no_cat) = (
            tuple(row)
        )
        key = InvoiceKey(int(project_id), int(y), int(m))
        tallies.setdefault(key, []).append(
            RateTally(
                bill_rate=_decimal(rate if rate is not None else 0),
                entries=int(entries),
                hours=query.hours_of(summed),
                non_billable_phase_entries=int(nb_entries),
                non_billable_phase_hours=query.hours_of(nb_hours),
                non_phase_specific=int(nps),
                not_approved=int(na),
                empty_notes=int(blank),
                no_category=int(no_cat),
            )
        )
    return tallies


# ------------------------------------------------------------------------------ money rows


async def read_fixed_rows(
    conn: BaseDBAsyncClient, scope: Scope
) -> tuple[dict[int, list[FixedRow]], dict[UUID, list[FixedRow]]]:
    """The fixed rows of the projects in scope, and of the invoices in scope."""
    query = _Query(conn)
    sql = 'SELECT "project_id", "currency", "price" FROM "project_fixed_row"'
    if scope.project_ids is not None:
        sql += " WHERE " + query.one_of('"project_id"', sorted(scope.project_ids), cast="int")
    _, rows = await conn.execute_query(sql, query.values)
    by_project: dict[int, list[FixedRow]] = {}
    for project_id, currency, price in (tuple(r) for r in rows):
        by_project.setdefault(int(project_id), []).append(FixedRow(str(currency), _decimal(price)))

    query = _Query(conn)
    where = _months_where(query, scope, 'i."year"', 'i."month"')
    if scope.project_ids is not None:
        where.append(query.one_of('i."project_id"', sorted(scope.project_ids), cast="int"))
    sql = (
        'SELECT f."invoice_id", f."currency", f."price" FROM "invoice_fixed_row" f '
        'JOIN "invoice" i ON i."id" = f."invoice_id"'
        + (" WHERE " + " AND ".join(where) if where else "")
    )
    _, rows = await conn.execute_query(sql, query.values)
    by_invoice: dict[UUID, list[FixedRow]] = {}
    for invoice_id, currency, price in (tuple(r) for r in rows):
        uid = invoice_id if isinstance(invoice_id, UUID) else UUID(str(invoice_id))
        by_invoice.setdefault(uid, []).append(FixedRow(str(currency), _decimal(price)))
    return by_project, by_invoice


async def read_aws_accounts(
    conn: BaseDBAsyncClient, scope: Scope
) -> dict[InvoiceKey, list[AwsAccountMonth]]:
    """The month totals (per currency, as the import added them up) of AWS accounts linked to
    projects in scope, per project and month (an account is linked to at most one project):
    a few rows per account, never its billing rows."""
    query = _Query(conn)
    where = ['a."project_id" IS NOT NULL', *_months_where(query, scope, 't."year"', 't."month"')]
    if scope.project_ids is not None:
        where.append(query.one_of('a."project_id"', sorted(scope.project_ids), cast="int"))
    sql = (
        'SELECT a."project_id", t."year", t."month", t."currency", t."line_items", '
        't."account_total" FROM "aws_month_total" t '
        'JOIN "aws_account" a ON a."id" = t."account_id" WHERE ' + " AND ".join(where)
    )
    _, rows = await conn.execute_query(sql, query.values)
    accounts: dict[InvoiceKey, list[AwsAccountMonth]] = {}
    for project_id, year, month, currency, line_items, account_total in (tuple(r) for r in rows):
        key = InvoiceKey(int(project_id), int(year), int(month))
        accounts.setdefault(key, []).append(
            AwsAccountMonth(str(currency), _decimal(line_items), _optional_decimal(account_total))
        )
    return accounts


# ------------------------------------------------------------------------------ writing


@dataclass(frozen=True, slots=True)
class FiguresUpdate:
    """New figures for one invoice row; ``changed``: what an approver would see differs."""

    id: UUID
    figures: InvoiceFigures
    previous: ComparedFigures | None
    remarkable: bool
    fixed_rows_money: Mapping[str, Decimal]
    aws_billing_money: Mapping[str, Decimal]
    rules: str
    computed: bool  # recomputed now (else only its comparison moved)
    changed: bool


_UPDATE_COLUMNS = (
    *FIGURE_COLUMNS,
    "incorrect_entries_count",
    "remarkable_change",
    "previous_hours",
    "previous_average_rate",
    "previous_money",
    "fixed_rows_money",
    "aws_billing_money",
    "figures_rules",
)


async def write_figures(
    conn: BaseDBAsyncClient, updates: Sequence[FiguresUpdate], now: datetime
) -> None:
    """One statement run for every row. ``figures_updated_at`` moves on the rows that were
    recomputed (not on a next month whose comparison alone moved); ``updated_at`` (the version
    a Slack flow carries) only on the rows whose figures changed."""
    if not updates:
        return
    postgres = is_postgres(conn)
    count = len(_UPDATE_COLUMNS)
    if postgres:
        sets = [f'"{c}" = ${n}' for n, c in enumerate(_UPDATE_COLUMNS, 1)]
        sets.append(f'"figures_updated_at" = COALESCE(${count + 1}, "figures_updated_at")')
        sets.append(f'"updated_at" = COALESCE(${count + 2}, "updated_at")')
        sql = f'UPDATE "invoice" SET {", ".join(sets)} WHERE "id" = ${count + 3}'
    else:
        sets = [f'"{c}" = ?' for c in _UPDATE_COLUMNS]
        sets.append('"figures_updated_at" = COALESCE(?, "figures_updated_at")')
        sets.append('"updated_at" = COALESCE(?, "updated_at")')
        sql = f'UPDATE "invoice" SET {", ".join(sets)} WHERE "id" = ?'
    rows = []
    for number, update in enumerate(sorted(updates, key=lambda u: u.id), 1):
        rows.append(_update_row(update, now, postgres))
        await _turn(number)
    await conn.execute_many(sql, rows)


def _update_row(update: FiguresUpdate, now: datetime, postgres: bool) -> list[Any]:
    def number(value: Decimal | None) -> Any:
        if value is None or postgres:
            return value
        return plain(value)  # SQLite keeps decimals as text: exact, and "0" for zero

    figures, checks, previous = update.figures, update.figures.checks, update.previous
    return [
        number(figures.hours),
        number(figures.billable_hours),
        number(figures.money),
        number(figures.average_rate),
        number(figures.billable_share),
        checks.odd_rate,
        checks.non_billable,
        checks.non_phase_specific,
        checks.not_approved,
        checks.empty_notes,
        checks.no_category,
        checks.incorrect_entries,
        update.remarkable,
        number(previous.hours if previous else None),
        number(previous.average_rate if previous else None),
        number(previous.money if previous else None),
        money_json(update.fixed_rows_money),
        money_json(update.aws_billing_money),
        update.rules,
        now if update.computed else None,
        now if update.changed else None,
        update.id if postgres else str(update.id),
    ]
