"""Invoices and their stored figures, kept up to date (docs/domain-rules.md, "Invoices").

- :func:`ensure_invoices`: an invoice exists for every project and month with entries (the
  hours sync calls it for the months it wrote).
- :func:`refresh_invoice_figures`: recomputes the figures of the given invoices and, because
  an invoice is compared with its project's previous month, the comparison of each one's
  next month too. The hours sync calls it, in its own transaction, for the invoices whose days
  changed (when `serve` runs the sync, that is in the sync's own process:
  ``sync/own_process.py``); so do submitting hours from Slack and any change to fixed rows
  (the model signals at the end). A batch costs the same few queries however many invoices it holds
  (``models/invoices/inputs.py``); the computation itself (``models/invoices/figures.py``)
  runs in slices that give the event loop a turn, or in a worker process when the caller
  passes one.
- :func:`refresh_all_invoice_figures`: every invoice from scratch.
  :func:`refresh_stale_invoice_figures` runs it when some invoice was never computed (a
  database from before the figures existed) or was computed with other settings
  (HOURS_CURRENCY, BILL_RATE_MIN, BILL_RATE_MAX): `financebot migrate`, `serve` and `demo`
  call it after migrating.

Only the rows whose figures changed are written with a new ``updated_at``, the version a Slack
flow carries (``handlers/invoices/references.py``): a sync that changes nothing of an invoice
does not make its open review modal stale. The refresh functions return the ids of the
invoices whose figures changed.

On PostgreSQL a refresh holds an advisory lock until its transaction ends. A transaction that
changes invoice rows and then refreshes (say, a state change that copies fixed rows) calls
:func:`hold_refresh_lock` first, so that it never holds an invoice row while waiting for the
lock that a sync holds while waiting for that row.
Invoices created outside the hours sync (an AWS-only month) need a refresh of their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.expressions import Q
from tortoise.signals import post_delete, post_save
from tortoise.transactions import in_transaction

from core.settings import Settings, load_settings
from models.invoices.after_approval import note_changes_after_approval
from models.invoices.figures import (
    ComparedFigures,
    ComputedInvoice,
    InvoiceInputs,
    InvoiceRules,
    RateTally,
    compute_invoices,
    counted_fixed_rows,
    is_remarkable,
    next_month,
    previous_month,
)
from models.invoices.inputs import (
    FiguresUpdate,
    InvoiceKey,
    Scope,
    StoredInvoice,
    invoice_keys,
    is_postgres,
    read_aws_accounts,
    read_fixed_rows,
    read_invoices,
    read_tallies,
    write_figures,
)
from models.invoices.records import Invoice, InvoiceFixedRow, ProjectFixedRow

#: PostgreSQL advisory lock held by a refresh until its transaction ends (an arbitrary, fixed
#: number), so that two refreshes of one invoice never interleave their reads and writes.
REFRESH_LOCK_KEY = 0x696E766F
#: Invoices computed between two turns of the event loop.
SLICE = 400

#: Runs a module-level function with picklable arguments somewhere (``WorkerProcess.run``).
RunOffLoop = Callable[..., Awaitable[Any]]


def rules_of(settings: Settings) -> InvoiceRules:
    return InvoiceRules(settings.hours_currency, settings.bill_rate_min, settings.bill_rate_max)


def current_rules() -> InvoiceRules:
    """The rules from the environment (validated at start, so this does not fail later)."""
    return rules_of(load_settings())


async def ensure_invoices(keys: Iterable[tuple[int, int, int]]) -> list[UUID]:
    """Make sure an invoice exists for each (project_id, year, month); returns all their ids.

    One query finds the existing ones and one bulk insert adds the missing; a concurrent
    creator is tolerated (ignore_conflicts), since (project, year, month) is unique.
    """
    wanted = set(keys)
    if not wanted:
        return []
    project_ids = {project_id for project_id, _, _ in wanted}
    years = {year for _, year, _ in wanted}
    existing = await Invoice.filter(project_id__in=project_ids, year__in=years).values_list(
        "project_id", "year", "month"
    )
    have = {(int(p), int(y), int(m)) for p, y, m in existing}
    missing = sorted(wanted - have)
    if missing:
        await Invoice.bulk_create(
            [Invoice(project_id=p, year=y, month=m) for p, y, m in missing],
            ignore_conflicts=True,
        )
    ids: list[UUID] = []
    for chunk_start in range(0, len(project_ids), 500):
        chunk = sorted(project_ids)[chunk_start : chunk_start + 500]
        rows = await Invoice.filter(project_id__in=chunk, year__in=years).values_list(
            "id", "project_id", "year", "month"
        )
        ids.extend(i for i, p, y, m in rows if (int(p), int(y), int(m)) in wanted)
    return ids


@asynccontextmanager
async def _transaction(conn: BaseDBAsyncClient | None) -> AsyncIterator[BaseDBAsyncClient]:
    """The caller's transaction when there is one (the hours sync's), else a new one."""
    conn = conn or connections.get("default")
    if isinstance(conn, TransactionalDBClient):
        yield conn
        return
    async with in_transaction() as transaction:
        yield transaction


async def refresh_invoice_figures(
    invoice_ids: Iterable[UUID],
    *,
    rules: InvoiceRules | None = None,
    run_off_loop: RunOffLoop | None = None,
    conn: BaseDBAsyncClient | None = None,
    tallies: Mapping[InvoiceKey, Sequence[RateTally]] | None = None,
) -> list[UUID]:
    """Recompute the figures of these invoices (and their next months' comparisons); returns
    the ids of the invoices whose figures changed. Unknown ids are ignored.

    ``tallies``: what ``read_tallies`` would read for them, when the caller has it without
    asking the database (the hours sync's first load folds it from the rows it writes:
    ``models/invoices/folded_tallies.py``)."""
    ids = list(invoice_ids)
    if not ids:
        return []
    async with _transaction(conn) as transaction:
        keys = await invoice_keys(transaction, ids)
        if not keys:
            return []
        return await _refresh(
            transaction,
            Scope.around(keys),
            set(keys),
            rules or current_rules(),
            run_off_loop,
            tallies,
        )


async def refresh_invoice_months(
    keys: Iterable[tuple[int, int, int]],
    *,
    rules: InvoiceRules | None = None,
    conn: BaseDBAsyncClient | None = None,
) -> list[UUID]:
    """:func:`refresh_invoice_figures` for invoices named by (project_id, year, month)."""
    wanted = {InvoiceKey(*key) for key in keys}
    if not wanted:
        return []
    async with _transaction(conn) as transaction:
        return await _refresh(
            transaction, Scope.around(wanted), wanted, rules or current_rules(), None
        )


async def refresh_project_invoices(
    project_ids: Iterable[int],
    *,
    rules: InvoiceRules | None = None,
    conn: BaseDBAsyncClient | None = None,
) -> list[UUID]:
    """Recompute every invoice of these projects (their fixed rows changed)."""
    projects = frozenset(project_ids)
    if not projects:
        return []
    async with _transaction(conn) as transaction:
        return await _refresh(
            transaction, Scope(project_ids=projects), None, rules or current_rules(), None
        )


async def refresh_all_invoice_figures(
    *, rules: InvoiceRules | None = None, run_off_loop: RunOffLoop | None = None
) -> list[UUID]:
    """Every invoice's figures from scratch, in one transaction; returns the changed ids."""
    async with _transaction(None) as transaction:
        return await _refresh(transaction, Scope(), None, rules or current_rules(), run_off_loop)


async def stale_invoice_figures(rules: InvoiceRules) -> bool:
    """Some invoice was never computed, or was computed with other rules."""
    return await Invoice.filter(
        Q(figures_updated_at__isnull=True) | ~Q(figures_rules=rules.fingerprint)
    ).exists()


async def refresh_stale_invoice_figures(
    rules: InvoiceRules | None = None, *, run_off_loop: RunOffLoop | None = None
) -> int | None:
    """Every invoice from scratch if any is stale (see :func:`stale_invoice_figures`);
    returns how many invoices' figures changed, or None when none was stale."""
    rules = rules or current_rules()
    if not await stale_invoice_figures(rules):
        return None
    return len(await refresh_all_invoice_figures(rules=rules, run_off_loop=run_off_loop))


async def hold_refresh_lock(conn: BaseDBAsyncClient) -> None:
    """Takes the refresh lock for the rest of ``conn``'s transaction (PostgreSQL; SQLite
    serialises writers by itself). Taking it again in the same transaction is harmless."""
    if is_postgres(conn):
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [REFRESH_LOCK_KEY])


async def _refresh(
    conn: BaseDBAsyncClient,
    scope: Scope,
    targets: set[InvoiceKey] | None,
    rules: InvoiceRules,
    run_off_loop: RunOffLoop | None,
    tallies: Mapping[InvoiceKey, Sequence[RateTally]] | None = None,
) -> list[UUID]:
    """Recompute ``targets`` (None: every invoice in ``scope``), all inside ``scope``;
    ``tallies``, when given, stand for ``read_tallies`` of the scope."""
    await hold_refresh_lock(conn)
    # One month more on each side: the previous months to compare with, the next months
    # whose comparison changes.
    stored = {invoice.key: invoice for invoice in await read_invoices(conn, scope.widened(1))}
    wanted = sorted(
        key
        for key in (targets if targets is not None else stored)
        if key in stored and scope.holds(key)
    )
    if not wanted:
        return []
    if tallies is None:
        tallies = await read_tallies(conn, scope)
    project_rows, invoice_rows = await read_fixed_rows(conn, scope)
    aws_accounts = await read_aws_accounts(conn, scope)
    inputs = []
    for number, key in enumerate(wanted, 1):
        if number % SLICE == 0:
            await asyncio.sleep(0)
        invoice = stored[key]
        fixed = counted_fixed_rows(
            invoice_rows.get(invoice.id, []), project_rows.get(key.project_id, []), invoice.state
        )
        inputs.append(
            InvoiceInputs(
                key=key,
                internal_project=invoice.internal_project,
                tallies=tuple(tallies.get(key, ())),
                fixed_rows=tuple(fixed),
                aws_accounts=tuple(aws_accounts.get(key, ())),
            )
        )
    fresh = {InvoiceKey(*item.key): item for item in await _compute(inputs, rules, run_off_loop)}
    compared = compared_figures(stored, fresh)
    keys = affected_keys(stored, fresh)
    updates: list[FiguresUpdate] = []
    for start in range(0, len(keys), SLICE):
        if start:
            await asyncio.sleep(0)
        updates.extend(figures_updates(keys[start : start + SLICE], stored, fresh, compared, rules))
    await write_figures(conn, updates, datetime.now(UTC))
    changed = [update.id for update in updates if update.changed]
    await note_changes_after_approval(changed, hours_currency=rules.currency, conn=conn)
    return changed


async def _compute(
    inputs: Sequence[InvoiceInputs], rules: InvoiceRules, run_off_loop: RunOffLoop | None
) -> list[ComputedInvoice]:
    """In the worker when given one; else slice by slice, letting the event loop in between."""
    if run_off_loop is not None:
        result: list[ComputedInvoice] = await run_off_loop(compute_invoices, list(inputs), rules)
        return result
    computed: list[ComputedInvoice] = []
    for start in range(0, len(inputs), SLICE):
        if start:
            await asyncio.sleep(0)
        computed.extend(compute_invoices(inputs[start : start + SLICE], rules))
    return computed


def compared_figures(
    stored: Mapping[InvoiceKey, StoredInvoice], fresh: Mapping[InvoiceKey, ComputedInvoice]
) -> dict[InvoiceKey, ComparedFigures]:
    """What each invoice is compared by: the fresh figures where recomputed, else the stored."""
    compared = {key: invoice.compared for key, invoice in stored.items()}
    for key, item in fresh.items():
        figures = item.figures
        compared[key] = ComparedFigures(figures.hours, figures.average_rate, figures.money)
    return compared


def affected_keys(
    stored: Mapping[InvoiceKey, StoredInvoice], fresh: Mapping[InvoiceKey, ComputedInvoice]
) -> list[InvoiceKey]:
    """The recomputed invoices and the next month of each (its comparison moves with it)."""
    following = {InvoiceKey(key.project_id, *next_month(key.year, key.month)) for key in fresh}
    return sorted(set(fresh) | (following & stored.keys()))


def figures_updates(
    keys: Iterable[InvoiceKey],
    stored: Mapping[InvoiceKey, StoredInvoice],
    fresh: Mapping[InvoiceKey, ComputedInvoice],
    compared: Mapping[InvoiceKey, ComparedFigures],
    rules: InvoiceRules,
) -> list[FiguresUpdate]:
    """The rows to write among ``keys``: each recomputed invoice that changed or was stale, and
    each next month whose comparison changed."""
    updates = []
    for key in keys:
        invoice = stored[key]
        item = fresh.get(key)
        previous = compared.get(InvoiceKey(key.project_id, *previous_month(key.year, key.month)))
        remarkable = previous is not None and is_remarkable(compared[key], previous)
        figures = item.figures if item else invoice.figures
        fixed = item.fixed_rows if item else invoice.fixed_rows_money
        aws = item.aws_billing if item else invoice.aws_billing_money
        changed = (
            figures != invoice.figures
            or previous != invoice.previous
            or remarkable != invoice.remarkable
            or fixed != invoice.fixed_rows_money
            or aws != invoice.aws_billing_money
        )
        stale = item is not None and (not invoice.computed or invoice.rules != rules.fingerprint)
        if changed or stale:
            updates.append(
                FiguresUpdate(
                    id=invoice.id,
                    figures=figures,
                    previous=previous,
                    remarkable=remarkable,
                    fixed_rows_money=fixed,
                    aws_billing_money=aws,
                    rules=rules.fingerprint if item else invoice.rules,
                    computed=item is not None,
                    changed=changed,
                )
            )
    return updates


# ------------------------------------------------------------------------------ fixed rows


@post_save(ProjectFixedRow)
async def _project_fixed_row_saved(
    sender: type[ProjectFixedRow],
    instance: ProjectFixedRow,
    created: bool,
    using_db: BaseDBAsyncClient | None,
    update_fields: list[str],
) -> None:
    await refresh_project_invoices([instance.project_id], conn=using_db)  # type: ignore[attr-defined]


@post_delete(ProjectFixedRow)
async def _project_fixed_row_deleted(
    sender: type[ProjectFixedRow], instance: ProjectFixedRow, using_db: BaseDBAsyncClient | None
) -> None:
    await refresh_project_invoices([instance.project_id], conn=using_db)  # type: ignore[attr-defined]


@post_save(InvoiceFixedRow)
async def _invoice_fixed_row_saved(
    sender: type[InvoiceFixedRow],
    instance: InvoiceFixedRow,
    created: bool,
    using_db: BaseDBAsyncClient | None,
    update_fields: list[str],
) -> None:
    await refresh_invoice_figures([instance.invoice_id], conn=using_db)  # type: ignore[attr-defined]


@post_delete(InvoiceFixedRow)
async def _invoice_fixed_row_deleted(
    sender: type[InvoiceFixedRow], instance: InvoiceFixedRow, using_db: BaseDBAsyncClient | None
) -> None:
    await refresh_invoice_figures([instance.invoice_id], conn=using_db)  # type: ignore[attr-defined]
