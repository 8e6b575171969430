"""10000ft time entries into ``hour_entry``, day by day (docs/domain-rules.md, "Syncs").

How a run goes:

1. **Fetch and stage everything first.** The range is split into windows of at most 90 days,
   fetched ``FETCH_AHEAD`` at a time while the window before is staged. Each window's raw pages
   are hashed (XXH3-128, with a digest of the mapping context: projects, phases and leave
   types; stored hashes name their algorithm, so another version's never match). A window
   whose hash equals the stored ``HourWindowChecksum`` is dropped without parsing (unless
   ``force``). A changed window is decoded and validated page by page (schema.py), each entry
   mapped (mapping.py) to the row the database takes, people and projects already resolved to
   their database ids; each day's rows get a hash (sorted by entry, JSON-encoded, XXH3-128)
   and that JSON goes to a temporary file (sync/tenkfeet/staging.py). A run of
   ``WORKER_MIN_WINDOWS`` or more windows with some changed (a first sync) stages them in
   ``STAGING_WORKERS`` worker processes, side by side, while this one fetches the next
   windows; into an empty table the workers also fold the rows' flex sums and invoice
   tallies. On SQLite a worker inserts the rows, instead of spooling their JSON, into a table
   of its own SQLite file (a scratch file per worker process, a table per window). Nothing is
   written to the database in this phase, so a fetch that fails anywhere (HTTP error after
   retries, timeout, truncated or non-JSON body) changes nothing. Memory stays bounded by the
   windows in flight plus one window's rows. Every scratch file goes with the run's temporary
   directory, however the run ends.
2. **Unknown people or projects** (a person hired since the last users sync): the users and/or
   projects sync runs first (under its own lock and run record). Entries that still name an
   unknown person or project are skipped and logged as an Event; their days keep no checksum,
   so the next run tries them again.
3. **Write changed days**, in one transaction for the whole range: the days whose hash differs
   from ``HourDayChecksum`` (or every day with ``force``; days that lost all entries included)
   have their rows deleted and inserted again: on SQLite the workers' files are attached to
   the connection before the transaction begins (SQLite cannot attach inside one) and each
   window's rows are copied with one ``INSERT ... SELECT`` (no row passes through Python), the
   files detached again however the run ends; rows staged in this process go in with plain
   INSERTs (50 rows per statement); on PostgreSQL with ``COPY``. Into a table that held no rows
   (a first load) nothing can conflict, so rows go straight in: no lookups; the flex sums and
   the invoice tallies are folded from the rows (by the staging workers, window by window, or
   as they go in; not read back); and on SQLite a load of ``BULK_LOAD_ROWS`` or more drops the
   table's secondary indexes and creates them again at the end. Otherwise each batch first
   looks up which of its entries are still stored on other days (moved in from outside the
   changed days) and deletes those rows, noting their days and projects, and the flex sums of
   every touched month are recounted once at the end. Day and
   window checksums are stored in the same transaction, invoices are ensured for every
   project-month of the new rows, and the invoices whose days changed go to
   ``refresh_invoice_figures``.

The cyclic garbage collector is paused while rows are made (staging a page, writing): they
are hundreds of thousands of tuples and no reference cycles. Not while pages are fetched: the
HTTP client's responses make cycles that must be collected.

Invalid entries (schema.py's bounds, or dated outside their window) are skipped: their stored
rows stay as they were, they are recorded as events, and their window keeps no hash, so the
next run parses it again and reports them again.

Counts: ``added``/``updated``/``deleted`` are entries; ``skipped`` is days left as they were
(unchanged) plus entries skipped for an unknown person or project or as invalid; ``invalid``
counts the invalid ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import logging
import os
import tempfile
from array import array
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import aclosing
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import xxhash
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from core.db import dialect
from core.off_loop import WorkerProcess
from models import Event, HourDayChecksum, HourEntry, HourWindowChecksum, Person, Project
from models.flex.sums import (
    MonthSums,
    leave_treatments,
    lock_month_sums,
    month_of,
    refresh_flex_sums,
    store_month_sums,
)
from models.invoices.folded_tallies import TallyFold
from models.invoices.refresh import ensure_invoices, refresh_invoice_figures
from sync.counts import SyncCounts
from sync.runs import SyncAlreadyRunning, sync_run
from sync.tenkfeet.client import TenkfeetClient
from sync.tenkfeet.invalid import record_invalid
from sync.tenkfeet.mapping import ProjectRef, Skipped, assignable_index, leave_type_name
from sync.tenkfeet.reference import sync_projects, sync_users
from sync.tenkfeet.staging import (
    COLUMNS,
    EMPTY_DAY,
    HASH_TAG,
    DbRow,
    RowContext,
    Spools,
    StagedWindow,
    StageOrder,
    cyclic_gc_paused,
    insert_statements,
    open_spools,
    read_pages,
    spool_day,
    spool_days,
    stage_in_worker,
    stage_page,
    warm_up,
    write_pages,
)

log = logging.getLogger(__name__)

WINDOW_DAYS = 90
FETCH_AHEAD = 2
"""Windows fetched while the one before is staged (each holds its raw pages in memory)."""
MAPPING_VERSION = b"hours-mapping-2"
"""Bump when the mapping or the row hashes change meaning: every stored checksum then stops
matching."""

WORKER_MIN_WINDOWS = 2
"""A run of at least this many windows, some of them changed, stages in worker processes."""
STAGING_WORKERS = 2
"""Worker processes staging windows side by side (each window in one): staging is most of a
first sync's CPU before the writes, and the sync's own process mostly waits meanwhile."""
INSERT_BATCH = 20_000
MAX_ATTACHED = 10
"""SQLite attaches at most this many databases to a connection (its default limit): staged
files beyond them (never met: one per staging worker process) are read in Python instead."""
BULK_LOAD_ROWS = 20_000
"""On SQLite, a load of at least this many rows into an empty table rebuilds the table's
secondary indexes once at the end instead of updating them row by row."""

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: stage is "fetch" or "write", done/total count days."""


class HoursSyncError(RuntimeError):
    """The hours sync cannot go on (bad range); the message is one line."""


def windows(start: date, end: date, size: int = WINDOW_DAYS) -> list[tuple[date, date]]:
    """``start``..``end`` (inclusive) split into consecutive windows of at most ``size`` days."""
    result = []
    current = start
    while current <= end:
        last = min(end, current + timedelta(days=size - 1))
        result.append((current, last))
        current = last + timedelta(days=1)
    return result


def mapping_context_digest(
    assignables: Mapping[int, ProjectRef], leave_types: Mapping[int, str]
) -> bytes:
    """What the mapping reads besides the entries: a change here re-maps every window."""
    h = hashlib.sha256(MAPPING_VERSION)
    for key in sorted(assignables):
        ref = assignables[key]
        h.update(repr((key, ref.tenkfeet_id, ref.name, ref.client_name, ref.phase_name)).encode())
    for key in sorted(leave_types):
        h.update(repr((key, leave_types[key])).encode())
    return h.digest()


async def sync_hours(
    client: TenkfeetClient,
    start: date,
    end: date,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> SyncCounts:
    if end < start:
        raise HoursSyncError(f"end date {end} is before start date {start}")
    return await _sync_hours(client, start, end, force, progress)


@contextlib.asynccontextmanager
async def _cyclic_gc_paused_async() -> AsyncIterator[None]:
    with cyclic_gc_paused():
        yield


async def _sync_hours(
    client: TenkfeetClient, start: date, end: date, force: bool, progress: Progress | None
) -> SyncCounts:
    report = progress or (lambda stage, done, total: None)
    total_days = (end - start).days + 1

    # Invalid projects and leave types are left out here and recorded by their own syncs.
    projects = (await client.projects()).items
    leave_types = {leave.id: leave_type_name(leave) for leave in (await client.leave_types()).items}
    assignables = assignable_index(projects)
    context = mapping_context_digest(assignables, leave_types)
    rows = RowContext(
        assignables,
        leave_types,
        dict(await Person.all().values_list("tenkfeet_id", "id")),
        dict(await Project.all().values_list("tenkfeet_id", "id")),
        dialect() == "postgres",
    )
    stored_windows = {
        (w.start_date, w.end_date): w.checksum
        for w in await HourWindowChecksum.filter(start_date__lte=end, end_date__gte=start)
    }

    counts = SyncCounts()
    spans = windows(start, end)
    # Worker processes pay off when many rows are to be staged: several windows, some of them
    # new or forced (an unchanged re-sync stages nothing; the 15-minute sync is one window).
    in_worker = len(spans) >= WORKER_MIN_WINDOWS and (
        force or any(span not in stored_windows for span in spans)
    )
    with (
        tempfile.TemporaryDirectory(prefix="financebot-rows-") as scratch,
        open_spools(scratch, rows.postgres) as spools,
    ):
        staged: list[StagedWindow] = []
        done = 0
        report("fetch", 0, total_days)
        workers = min(STAGING_WORKERS, len(spans)) if in_worker else 0
        # Into an empty table (a first load) the workers fold the rows they stage, too.
        fold_treatments = None
        if workers and not await HourEntry.exists():
            fold_treatments = await leave_treatments(connections.get("default"))
        stager = _Stager(rows, spools, scratch, workers, fold_treatments)
        try:
            fetched = fetched_windows(client, spans, context)
            async with aclosing(fetched):
                async for window_start, window_end, checksum, pages in fetched:
                    if not force and stored_windows.get((window_start, window_end)) == checksum:
                        stager.add_unchanged(
                            StagedWindow(window_start, window_end, checksum, unchanged=True)
                        )
                    else:
                        await stager.add(window_start, window_end, checksum, pages)
                    del pages
                    # As many windows are staged at once as there are workers, and one more
                    # waits for the first of them to be free.
                    for window in await stager.ready(keep=workers):
                        staged.append(window)
                        done += window.day_count
                        report("fetch", done, total_days)
            for window in await stager.ready(keep=0):
                staged.append(window)
                done += window.day_count
                report("fetch", done, total_days)
        finally:
            await stager.close()

        await _resolve_unknown(client, staged, rows, spools)

        done = 0
        report("write", 0, total_days)
        # One transaction for the whole range: a write that fails in a later window must not
        # leave the earlier ones changed (a failed sync leaves data as it was).
        # Nothing but rows is made from here on: no HTTP responses.
        async with (
            _staged_files_attached(staged) as attached,
            in_transaction() as conn,
            _cyclic_gc_paused_async(),
        ):
            staged_rows = sum(d.count for w in staged for d in w.days.values())
            writer = _Writer(conn, rows.postgres, spools, force, staged_rows, attached)
            try:
                await writer.start()
                for window in staged:
                    if window.unchanged:
                        counts.skipped += window.day_count
                    else:
                        counts += await writer.write_window(window)
                    done += window.day_count
                    report("write", done, total_days)
            except BaseException:
                await writer.abandon()
                raise
            await writer.finish()
            invalid = [item for window in staged for item in window.invalid]
            counts.invalid += len(invalid)
            counts.skipped += len(invalid)
            await record_invalid("hours", invalid)
    return counts


def window_checksum(context: bytes, first: date, last: date, pages: Sequence[bytes]) -> str:
    """The hash of one window's raw pages, with the mapping context and the window's days
    (``x3:`` and XXH3-128: an unchanged re-sync hashes every page it reads)."""
    h = xxhash.xxh3_128(context)
    h.update(f"{first.isoformat()}..{last.isoformat()}".encode())
    for body in pages:
        h.update(len(body).to_bytes(8, "big"))
        h.update(body)
    return f"{HASH_TAG}:{h.hexdigest()}"


async def fetched_windows(
    client: TenkfeetClient, spans: Sequence[tuple[date, date]], context: bytes
) -> AsyncGenerator[tuple[date, date, str, list[bytes]], None]:
    """(start, end, checksum, raw pages) of each window, in order; up to ``FETCH_AHEAD``
    windows are fetched while the caller works on the one before."""

    async def fetch(first: date, last: date) -> tuple[str, list[bytes]]:
        pages = [page.body async for page in client.time_entry_pages(first, last)]
        # XXH3 hashes a window's ~60 MB in a few milliseconds: no thread needed.
        return window_checksum(context, first, last, pages), pages

    tasks: list[asyncio.Task[tuple[str, list[bytes]]]] = []
    try:
        for index, (first, last) in enumerate(spans):
            while len(tasks) <= FETCH_AHEAD and index + len(tasks) < len(spans):
                ahead_first, ahead_last = spans[index + len(tasks)]
                tasks.append(asyncio.create_task(fetch(ahead_first, ahead_last)))
            checksum, pages = await tasks.pop(0)
            yield first, last, checksum, pages
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            try:
                await task
            except BaseException:
                pass


class _Stager:
    """Stages the changed windows and hands them back in order: on the event loop (a page at a
    time, letting the fetches and the bot go on between pages) or, for a big run, in
    ``workers`` worker processes, each window in one of them, while this process fetches the
    next ones. Either way an entry listed twice (paging shifted while 10000ft changed) is
    staged once, where it was met first."""

    def __init__(
        self,
        rows: RowContext,
        spools: Spools,
        scratch: str,
        workers: int,
        fold_treatments: dict[str, str] | None = None,
    ) -> None:
        self.rows = rows
        self.fold_treatments = fold_treatments
        self.spools = spools
        self.scratch = scratch
        self.seen: set[int] = set()  # entry ids staged so far in this run
        self.workers = workers
        self.worker = (
            WorkerProcess(lower_priority=False, processes=workers) if workers > 0 else None
        )
        self.started: list[asyncio.Task[None]] = []
        if self.worker is not None:  # spawned and importing while the first window comes in
            self.started = [asyncio.create_task(self.worker.run(warm_up)) for _ in range(workers)]
        self.windows = 0
        self.queue: deque[StagedWindow | _Staging] = deque()  # in the range's order

    async def stage(
        self, start: date, end: date, checksum: str, pages: list[bytes]
    ) -> StagedWindow:
        """Stage one window and return it (nothing else queued)."""
        await self.add(start, end, checksum, pages)
        (window,) = await self.ready(keep=0)
        return window

    def add_unchanged(self, window: StagedWindow) -> None:
        self.queue.append(window)

    async def add(self, start: date, end: date, checksum: str, pages: list[bytes]) -> None:
        """Queue a changed window: staged here at once, or handed to a worker."""
        if self.worker is None:
            self.queue.append(await self._stage_here(start, end, checksum, pages))
            return
        self.windows += 1
        pages_path = os.path.join(self.scratch, f"pages-{self.windows}")
        sizes = await asyncio.to_thread(write_pages, pages_path, pages)
        spool_path = self.spools.window_path(self.windows)
        # On SQLite the worker inserts the rows into a table of its own SQLite file, which the
        # writer attaches and copies from; PostgreSQL's COPY takes them from the spool.
        table = None if self.rows.postgres else f"window_{self.windows}"
        order = StageOrder(
            start,
            end,
            checksum,
            pages_path,
            sizes,
            spool_path,
            self.rows,
            self.fold_treatments,
            table,
            self.scratch,
        )
        task = asyncio.create_task(self.worker.run(stage_in_worker, order))
        self.queue.append(_Staging(order, task))

    async def ready(self, keep: int) -> list[StagedWindow]:
        """The queued windows, in order, until at most ``keep`` windows are being staged."""
        done: list[StagedWindow] = []
        while self.queue and (isinstance(self.queue[0], StagedWindow) or self._staging() > keep):
            head = self.queue.popleft()
            done.append(head if isinstance(head, StagedWindow) else await self._collect(head))
        return done

    def _staging(self) -> int:
        return sum(isinstance(item, _Staging) for item in self.queue)

    async def _collect(self, staging: _Staging) -> StagedWindow:
        window, packed_ids = await staging.task
        order = staging.order
        ids = array("q")
        ids.frombytes(packed_ids)
        if self.seen.isdisjoint(ids):
            self.seen.update(ids)
        else:
            # Some entry was staged in an earlier window too: stage this one again here,
            # leaving it out (the rows the worker spooled are never read).
            pages = await asyncio.to_thread(read_pages, order.pages_path, order.page_sizes)
            window = await self._stage_here(order.start, order.end, order.checksum, pages)
        os.unlink(order.pages_path)
        return window

    async def _stage_here(
        self, start: date, end: date, checksum: str, pages: list[bytes]
    ) -> StagedWindow:
        window = StagedWindow(start, end, checksum, unchanged=False)
        by_day: dict[date, list[DbRow]] = {}
        stored_row = self.rows.maker()
        for body in pages:
            with cyclic_gc_paused():
                stage_page(body, window, self.seen, stored_row, by_day)
            await asyncio.sleep(0)  # let the other windows' fetches (and the bot) go on
        with cyclic_gc_paused():
            spool_days(window, by_day, self.spools.main)
        return window

    async def close(self) -> None:
        """Stop the workers; windows still being staged are dropped (the run failed)."""
        worker, self.worker = self.worker, None
        pending = [item.task for item in self.queue if isinstance(item, _Staging)]
        self.queue.clear()
        for task in [*self.started, *pending]:
            if not task.done():
                task.cancel()
            with contextlib.suppress(BaseException):
                await task
        if worker is not None:
            await worker.close()


@dataclass
class _Staging:
    """A window handed to a worker."""

    order: StageOrder
    task: asyncio.Task[tuple[StagedWindow, bytes]]


async def _resolve_unknown(
    client: TenkfeetClient, staged: Sequence[StagedWindow], rows: RowContext, spools: Spools
) -> None:
    """Sync people and projects first when entries name unknown ones, then stage those
    entries with their day (hashed again); the ones still unknown stay in ``window.unknown``."""
    pending = [entry for window in staged for entry in window.unresolved]
    if not pending:
        return
    if {entry.user_id for entry in pending} - rows.person_ids.keys():
        rows.person_ids = await _ids_syncing_first(client, Person, "users", sync_users)
    projects = {rows.project_of(entry) for entry in pending} - {None}
    if projects - rows.project_ids.keys():
        rows.project_ids = await _ids_syncing_first(client, Project, "projects", sync_projects)
    stored_row = rows.maker()
    for window in staged:
        resolved: dict[date, list[DbRow]] = {}
        for entry in window.unresolved:
            row = stored_row(entry)
            if isinstance(row, Skipped):
                window.unknown.setdefault(entry.date, []).append(entry.id)
            else:
                resolved.setdefault(entry.date, []).append(row)
        window.unresolved = []
        if resolved:
            window.folds = None  # they lack the rows resolved here
        for day, extra in resolved.items():
            known = window.days.get(day)
            day_rows = spools.rows(known, day) if known is not None else []
            window.days[day] = spool_day(day_rows + extra, spools.main)


async def _ids_syncing_first(
    client: TenkfeetClient,
    model: type[Person | Project],
    kind: str,
    sync: Callable[[TenkfeetClient], Awaitable[SyncCounts]],
) -> dict[int, int]:
    """tenkfeet id → database id of ``model`` after running the ``kind`` sync (under its own
    lock and run record), unless that sync is running already."""
    log.info("hours name %s ids not stored: syncing %s first", model.__name__, kind)
    try:
        async with sync_run(kind) as run:
            run.counts = await sync(client)
    except SyncAlreadyRunning:
        log.info("%s sync already running; entries naming those %s ids wait", kind, model.__name__)
    return dict(await model.all().values_list("tenkfeet_id", "id"))


_attach_numbers = itertools.count(1)


@contextlib.asynccontextmanager
async def _staged_files_attached(staged: Sequence[StagedWindow]) -> AsyncIterator[dict[str, str]]:
    """Attach the staging workers' SQLite files (``stage_table``) to SQLite's connection, as
    path → schema name, and detach them at the end, however the run ends. SQLite refuses to
    attach inside a transaction, so this comes before the run's transaction begins; Tortoise
    has one connection for writes and transactions, so the transaction sees them. A file not
    attached (beyond ``MAX_ATTACHED``, or refused) is read in Python instead."""
    paths = sorted(
        {day.spool for window in staged for day in window.days.values() if day.table is not None}
    )
    conn = connections.get("default")
    attached: dict[str, str] = {}
    try:
        for path in paths[:MAX_ATTACHED]:
            name = f"hours_staged_{next(_attach_numbers)}"
            try:
                await conn.execute_query(f'ATTACH DATABASE ? AS "{name}"', [path])
            except OperationalError as exc:  # e.g. called inside a transaction
                log.info("staged rows not attached (%s): read in Python instead", exc)
                break
            attached[path] = name
        yield attached
    finally:
        for name in attached.values():
            try:
                await conn.execute_query(f'DETACH DATABASE "{name}"')
            except Exception:
                log.warning("could not detach the staged rows %s", name, exc_info=True)


def _placeholders(count: int, postgres: bool, first: int = 1) -> str:
    if postgres:
        return ", ".join(f"${i}" for i in range(first, first + count))
    return ", ".join("?" for _ in range(count))


class _Writer:
    """Writes the changed days of the staged windows inside the run's transaction."""

    def __init__(
        self,
        conn: BaseDBAsyncClient,
        postgres: bool,
        spools: Spools,
        force: bool,
        staged_rows: int,
        attached: Mapping[str, str],
    ) -> None:
        self.conn = conn
        self.staged_rows = staged_rows
        self.attached = attached  # staged SQLite file → its schema name on ``conn``
        self.dropped_indexes: list[str] = []  # their CREATE statements, to run at the end
        self.month_sums: MonthSums | None = None  # a first load's flex sums, from its rows
        self.tally_fold: TallyFold | None = None  # a first load's invoice tallies, likewise
        self.inserting: asyncio.Task[None] | None = None
        self.postgres = postgres
        self.spools = spools
        self.force = force
        self.had_rows = True
        self.flex_days: set[date] = set()  # days whose flex sums change
        self.invoice_months: set[tuple[int, int, int]] = set()  # (project id, year, month)
        self.touched_months: set[tuple[int, int, int]] = set()  # of them, whose figures change
        self.unknown: list[int] = []
        self.treatments: dict[str, str] | None = None  # a first load's leave treatments
        self.columns = ", ".join(f'"{c}"' for c in COLUMNS)

    async def start(self) -> None:
        # Into an empty table (a first load) no entry can move in from another day.
        self.had_rows = await HourEntry.exists(using_db=self.conn)
        if not self.had_rows:
            # Every row the months hold is one this run inserts: fold them as they go in
            # (or add up what the staging workers folded) instead of reading them back.
            self.treatments = await leave_treatments(self.conn)
            self.month_sums = MonthSums(self.treatments)
            self.tally_fold = TallyFold(self.postgres)
            # Not on PostgreSQL: dropping an index locks the table against readers until the
            # run commits (SQLite's readers keep reading the last commit), and COPY's time
            # there goes mostly to the foreign key checks.
            if self.staged_rows >= BULK_LOAD_ROWS and not self.postgres:
                await self._drop_secondary_indexes()

    def _date(self, day: date) -> Any:
        return day if self.postgres else day.isoformat()

    async def write_window(self, window: StagedWindow) -> SyncCounts:
        """Replace the window's changed days; returns what changed."""
        counts = SyncCounts()
        stored = dict(
            await HourDayChecksum.filter(date__gte=window.start, date__lte=window.end)
            .using_db(self.conn)
            .values_list("date", "checksum")
        )
        # A day with entries naming an unknown person or project keeps no checksum.
        dirty = window.unknown.keys()
        changed = {
            day
            for day in window.all_days()
            if self.force
            or day in dirty
            or stored.get(day) != (window.days[day].checksum if day in window.days else EMPTY_DAY)
        }
        counts.skipped += window.day_count - len(changed)
        if not changed:
            await self._settle_window_checksum(window, dirty=False)
            return counts

        # An invalid entry is skipped: its stored row, if any, stays as it was.
        kept = {item.item_id for item in window.invalid if item.item_id is not None}
        old_ids: set[int] = set()
        if self.had_rows:
            for tenkfeet_id, project_id, day in await self._rows_of(window, changed):
                if tenkfeet_id in kept:
                    continue
                old_ids.add(tenkfeet_id)
                if project_id is not None:
                    self.touched_months.add((project_id, day.year, day.month))
            await self._delete_days(changed, kept)

        # Every row of the window goes in, and a worker folded them all: add that up.
        folds = window.folds
        if not (
            self.month_sums is not None
            and window.fold_treatments == self.treatments
            and window.days.keys() <= changed
        ):
            folds = None
        # Rows a staging worker put in an attached SQLite file are copied from there, unless
        # they must be folded here (the workers' folds cannot be used).
        copied: dict[tuple[str, str], list[date]] = {}
        if folds is not None or self.month_sums is None:
            for day in sorted(changed & window.days.keys()):
                source = window.days[day]
                if source.table is not None and source.spool in self.attached:
                    copied.setdefault((self.attached[source.spool], source.table), []).append(day)
        new_ids: list[int] = []
        new_count = 0
        for (schema, table), days in copied.items():
            # A window's staged rows are all in its one table, unless some of its days were
            # staged again since (``_resolve_unknown``): then their rows are not taken from it.
            whole = len(days) == len(window.days)
            new_count += sum(window.days[day].count for day in days)
            new_ids.extend(await self._copy(schema, table, None if whole else days))
        copied_days = {day for days in copied.values() for day in days}
        for batch in self._batches(window, changed - copied_days):
            new_ids.extend(row[0] for row in batch)
            new_count += len(batch)
            if self.had_rows:
                await self._clear_moved_in([row[0] for row in batch])
            await self._insert(batch, fold=folds is None)
        await self._inserted()
        if folds is not None and self.month_sums is not None and self.tally_fold is not None:
            self.month_sums.merge(folds.sums)
            self.tally_fold.merge(folds.tallies)
        for day in changed:
            staged = window.days.get(day)
            if staged is not None:
                self.invoice_months.update((p, day.year, day.month) for p in staged.projects)
            self.unknown.extend(window.unknown.get(day, ()))
        self.flex_days |= changed

        await HourDayChecksum.filter(date__in=sorted(changed)).using_db(self.conn).delete()
        await HourDayChecksum.bulk_create(
            [
                HourDayChecksum(
                    date=day,
                    checksum=window.days[day].checksum if day in window.days else EMPTY_DAY,
                    entry_count=window.days[day].count if day in window.days else 0,
                )
                for day in sorted(changed - dirty)
            ],
            using_db=self.conn,
        )
        await self._settle_window_checksum(window, dirty=bool(dirty))

        if self.had_rows:
            added = set(new_ids)
            counts.added += len(added - old_ids)
            counts.updated += len(added & old_ids)
            counts.deleted += len(old_ids - added)
        else:  # nothing was stored: every new row is added (an entry is staged only once)
            counts.added += new_count
        counts.skipped += sum(len(ids) for ids in window.unknown.values())
        return counts

    async def finish(self) -> None:
        """Once for the whole run: indexes, flex sums, invoices, the unknown entries' event.

        The dropped indexes are built while the rest goes on: they were dropped only for a
        first load, whose flex sums and invoice tallies were folded, so nothing after reads
        ``hour_entry``; and SQLite builds an index without holding the GIL, so packing the
        sums and making and refreshing invoices in Python run beside it."""
        creating = asyncio.create_task(self._create_indexes())
        try:
            await asyncio.sleep(0)  # let it start
            await self._sums_and_invoices(creating)
        except BaseException:
            with contextlib.suppress(BaseException):  # the transaction rolls back anyway
                await creating
            raise
        await creating

    async def _sums_and_invoices(self, creating: asyncio.Task[None]) -> None:
        packed = self.month_sums.packed(self.postgres) if self.month_sums is not None else None
        # Flex reads per-day sums precomputed per person and month: recount the months whose
        # rows changed, including those an entry moved away from.
        if packed is None:
            await creating  # the recount reads hour_entry
            await refresh_flex_sums(self.flex_days, None, self.conn)
        elif self.flex_days:
            await lock_month_sums(self.conn)
            await store_month_sums({month_of(day) for day in self.flex_days}, packed, self.conn)
        invoice_ids = await ensure_invoices(self.invoice_months | self.touched_months)
        await refresh_invoice_figures(
            invoice_ids,
            tallies=self.tally_fold.tallies() if self.tally_fold is not None else None,
        )
        if self.unknown:
            await Event.create(
                kind="sync.hours.unknown",
                message=(
                    f"{len(self.unknown)} entries name a person or project 10000ft did not "
                    "list; skipped until they sync"
                ),
                data={"entry_ids": self.unknown[:1000]},
                using_db=self.conn,
            )

    async def _copy(self, schema: str, table: str, days: list[date] | None) -> list[int]:
        """Copy the staged rows of ``days`` (None: all) from ``table`` of an attached file into
        ``hour_entry``, in the order they were staged; returns their entry ids if the table
        held rows (else no lookups are needed)."""
        source = f'"{schema}"."{table}"'
        where, values = "", []
        if days is not None:
            where = f' WHERE "date" IN ({_placeholders(len(days), False)})'
            values = [day.isoformat() for day in days]
        ids: list[int] = []
        if self.had_rows:
            selected = f'SELECT "tenkfeet_id" FROM {source}{where}'
            _, found = await self.conn.execute_query(selected, values)
            ids = [int(row[0]) for row in found]
            await self._clear_moved_in_from(selected, values)
        await self.conn.execute_query(
            f'INSERT INTO "hour_entry" ({self.columns}) SELECT {self.columns} FROM {source}'
            f"{where} ORDER BY rowid",
            values,
        )
        return ids

    def _batches(self, window: StagedWindow, changed: set[date]) -> Iterator[list[DbRow]]:
        """The new rows of the changed days, in batches of about ``INSERT_BATCH``."""
        batch: list[DbRow] = []
        for day in sorted(changed):
            staged = window.days.get(day)
            if staged is not None:
                batch.extend(self.spools.rows(staged, day))
            if len(batch) >= INSERT_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    async def _insert(self, batch: list[DbRow], *, fold: bool = True) -> None:
        """Start inserting ``batch`` and return: while the database (SQLite's thread, or the
        PostgreSQL server) works on it, the caller reads the next batch from the spool.

        Nothing else runs beside it: Python code on the event loop would take the GIL back
        from SQLite's thread at every row it binds."""
        await self._inserted()
        if fold and self.month_sums is not None:
            self.month_sums.add_rows(batch, COLUMNS)
        if fold and self.tally_fold is not None:
            self.tally_fold.add_rows(batch, COLUMNS)
        self.inserting = asyncio.create_task(self._insert_now(batch))
        await asyncio.sleep(0)  # let it hand the batch over before the caller goes on

    async def abandon(self) -> None:
        """After a failure: wait out the batch in flight, ignoring how it ended (the
        transaction rolls back anyway)."""
        inserting, self.inserting = self.inserting, None
        if inserting is not None:
            with contextlib.suppress(BaseException):
                await inserting

    async def _inserted(self) -> None:
        """Wait for the batch being inserted, if any (its failure fails the run)."""
        inserting, self.inserting = self.inserting, None
        if inserting is not None:
            await inserting

    async def _insert_now(self, batch: list[DbRow]) -> None:
        if self.postgres:
            async with self.conn.acquire_connection() as connection:
                await connection.copy_records_to_table(
                    "hour_entry", records=batch, columns=list(COLUMNS)
                )
            return
        for sql, parameters in insert_statements("hour_entry", batch):
            await self.conn.execute_many(sql, parameters)

    async def _create_indexes(self) -> None:
        for create in self.dropped_indexes:
            await self.conn.execute_query(create)

    async def _drop_secondary_indexes(self) -> None:
        """Drop ``hour_entry``'s indexes other than its primary key and unique constraints,
        keeping their definitions as the database has them; ``finish`` recreates them. All in
        the run's transaction: a failure brings them back with everything else."""
        if self.postgres:
            sql = (
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = 'hour_entry' AND indexname NOT IN (SELECT conname FROM "
                "pg_constraint WHERE conrelid = 'hour_entry'::regclass)"
            )
        else:
            sql = (
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'hour_entry' AND sql IS NOT NULL"
            )
        _, found = await self.conn.execute_query(sql)
        for name, create in ((row[0], row[1]) for row in found):
            if "UNIQUE" in create.upper():
                continue
            await self.conn.execute_query(f'DROP INDEX "{name}"')
            self.dropped_indexes.append(create)

    async def _rows_of(
        self, window: StagedWindow, days: set[date]
    ) -> list[tuple[int, int | None, date]]:
        """(tenkfeet_id, project_id, date) of the stored rows on ``days`` of the window."""
        sql = 'SELECT "tenkfeet_id", "project_id", "date" FROM "hour_entry" ' + (
            'WHERE "date" >= $1 AND "date" <= $2'
            if self.postgres
            else 'WHERE "date" >= ? AND "date" <= ?'
        )
        _, found = await self.conn.execute_query(
            sql, [self._date(window.start), self._date(window.end)]
        )
        result = []
        for row in found:
            day = _as_date(row["date"])
            if day in days:
                result.append((int(row["tenkfeet_id"]), row["project_id"], day))
        return result

    async def _delete_days(self, days: set[date], kept: set[int]) -> None:
        """Delete the rows of ``days`` except those of the ``kept`` entries."""
        ordered = sorted(days)
        for chunk_start in range(0, len(ordered), 200):
            chunk = ordered[chunk_start : chunk_start + 200]
            values: list[Any] = [self._date(d) for d in chunk]
            marks = _placeholders(len(chunk), self.postgres)
            sql = f'DELETE FROM "hour_entry" WHERE "date" IN ({marks})'
            if kept:
                more = _placeholders(len(kept), self.postgres, first=len(chunk) + 1)
                sql += f' AND "tenkfeet_id" NOT IN ({more})'
                values.extend(sorted(kept))
            await self.conn.execute_query(sql, values)

    async def _clear_moved_in(self, tenkfeet_ids: Sequence[int]) -> None:
        """Delete the rows of these entries still stored (on days outside the changed ones:
        those were deleted): they moved in. Their days' flex sums and their project-months'
        invoices change too."""
        if self.postgres:
            await self._clear_moved_in_where(" = ANY($1::bigint[])", [list(tenkfeet_ids)])
        else:
            marks = _placeholders(len(tenkfeet_ids), False)
            await self._clear_moved_in_where(f" IN ({marks})", list(tenkfeet_ids))

    async def _clear_moved_in_from(self, selected_ids: str, values: list[Any]) -> None:
        """``_clear_moved_in`` of the entries ``selected_ids`` (a SELECT) names."""
        await self._clear_moved_in_where(f" IN ({selected_ids})", values)

    async def _clear_moved_in_where(self, where: str, values: list[Any]) -> None:
        columns = 'SELECT "date", "project_id" FROM "hour_entry" WHERE "tenkfeet_id"'
        _, found = await self.conn.execute_query(columns + where, values)
        if not found:
            return
        for row in found:
            day = _as_date(row["date"])
            self.flex_days.add(day)
            if row["project_id"] is not None:
                self.touched_months.add((row["project_id"], day.year, day.month))
        await self.conn.execute_query(
            'DELETE FROM "hour_entry" WHERE "tenkfeet_id"' + where, values
        )

    async def _settle_window_checksum(self, window: StagedWindow, dirty: bool) -> None:
        """Store this window's raw hash, unless some of its entries were skipped (unknown
        person or project, or invalid): then the next run parses it again, retrying them (and
        reporting the invalid ones again). Overlapping windows of other ranges no longer vouch
        for their days (this run may have rewritten some), so their hashes are dropped."""
        await (
            HourWindowChecksum.filter(start_date__lte=window.end, end_date__gte=window.start)
            .using_db(self.conn)
            .delete()
        )
        if not dirty and not window.invalid:
            await HourWindowChecksum.create(
                start_date=window.start,
                end_date=window.end,
                checksum=window.checksum,
                using_db=self.conn,
            )


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
