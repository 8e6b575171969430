"""10000ft time entries into ``hour_entry``, day by day (docs/domain-rules.md, "Syncs").

How a run goes:

1. **Fetch and stage everything first.** The range is split into windows of at most 90 days.
   Each window's raw pages are hashed (with a digest of the mapping context: projects, phases
   and leave types) and spooled to a temporary file. A window whose hash equals the stored
   ``HourWindowChecksum`` is skipped without parsing (unless ``force``). A changed window is
   parsed and validated page by page, mapped to ``HourRow``s, each day's rows get an
   order-independent hash, and the mapped rows are spooled (pickled per page) to a second
   temporary file. Nothing is written to the database in this phase, so a fetch that fails
   anywhere (HTTP error after retries, timeout, truncated body, invalid item) changes nothing.
   Memory stays bounded by one page plus per-day digests; raw pages and staged rows wait
   on disk.
2. **Unknown people or projects** (a person hired since the last users sync): the users and/or
   projects sync runs first (under its own lock and run record). Entries that still name an
   unknown person or project are skipped and logged as an Event; their days keep no checksum,
   so the next run tries them again.
3. **Write changed days.** Per window, in one transaction: the days whose hash differs from
   ``HourDayChecksum`` (or every day with ``force``; days that lost all entries included) have
   their rows deleted and re-inserted with raw ``executemany`` (no per-row ORM objects); an
   entry moved in from a day outside the range replaces its old row (ON CONFLICT on
   ``tenkfeet_id``). Day and window checksums are stored in the same transaction, invoices are
   ensured for every project-month of the new rows, and the invoices whose days changed go to
   ``refresh_invoice_figures`` (a hook without a body until invoice figures exist).

Invalid entries (schema.py's bounds, or dated outside their window) are skipped: their stored
rows stay as they were, they are recorded as events, and their window keeps no hash, so the
next run parses it again and reports them again.

Counts: ``added``/``updated``/``deleted`` are entries; ``skipped`` is days left as they were
(unchanged) plus entries skipped for an unknown person or project or as invalid; ``invalid``
counts the invalid ones.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import tempfile
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import IO, Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.db import dialect
from models import Event, HourDayChecksum, HourEntry, HourWindowChecksum, Person, Project
from models.flex.sums import refresh_flex_sums
from models.invoices.refresh import ensure_invoices, refresh_invoice_figures
from sync.counts import SyncCounts
from sync.runs import SyncAlreadyRunning, sync_run
from sync.tenkfeet.client import TenkfeetClient
from sync.tenkfeet.invalid import record_invalid
from sync.tenkfeet.mapping import (
    HourRow,
    ProjectRef,
    assignable_index,
    leave_type_name,
    map_time_entry,
)
from sync.tenkfeet.reference import sync_projects, sync_users
from sync.tenkfeet.schema import InvalidItem, TimeEntry, parse_page

log = logging.getLogger(__name__)

WINDOW_DAYS = 90
MAPPING_VERSION = b"hours-mapping-1"
"""Bump when the mapping changes meaning: every stored checksum then stops matching."""

INSERT_BATCH = 5000
_HASH_MOD = 1 << 128
EMPTY_DAY = "0:" + "0" * 32

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: stage is "fetch" or "write", done/total count days."""

# One staged row, database-neutral: tenkfeet_id, day ordinal, person tenkfeet id,
# project tenkfeet id | None, client, phase, leave type, category, notes, hours, bill rate,
# money (decimals as text), status, upstream updated_at.
StagedRow = tuple[int, int, int, int | None, str, str, str, str, str, str, str, str, str, str]

COLUMNS = (
    "tenkfeet_id",
    "date",
    "person_id",
    "project_id",
    "client_name",
    "phase_name",
    "leave_type",
    "category",
    "notes",
    "hours",
    "bill_rate",
    "money",
    "status",
    "upstream_updated_at",
)


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


def staged_row(row: HourRow) -> StagedRow:
    return (
        row.tenkfeet_id,
        row.date.toordinal(),
        row.person_tenkfeet_id,
        row.project_tenkfeet_id,
        row.client_name,
        row.phase_name,
        row.leave_type,
        row.category,
        row.notes,
        str(row.hours),
        str(row.bill_rate),
        str(row.money),
        row.status,
        row.upstream_updated_at,
    )


def row_digest(row: StagedRow) -> int:
    """A stable 128-bit digest of one mapped row (summed per day: order does not matter).

    ``repr`` of a tuple of ints, strings and None is stable across runs and processes.
    """
    return int.from_bytes(hashlib.blake2b(repr(row).encode(), digest_size=16).digest(), "big")


@dataclass
class DayDigest:
    total: int = 0
    count: int = 0

    def add(self, digest: int) -> None:
        self.total = (self.total + digest) % _HASH_MOD
        self.count += 1

    @property
    def checksum(self) -> str:
        return f"{self.count}:{self.total:032x}"


@dataclass
class StagedWindow:
    start: date
    end: date
    checksum: str
    unchanged: bool
    days: dict[date, DayDigest] = field(default_factory=dict)
    batches: list[int] = field(default_factory=list)  # offsets of pickled row batches
    entries: int = 0
    invalid: list[InvalidItem] = field(default_factory=list)

    def all_days(self) -> Iterator[date]:
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)

    @property
    def day_count(self) -> int:
        return (self.end - self.start).days + 1


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
    report = progress or (lambda stage, done, total: None)
    total_days = (end - start).days + 1

    # Invalid projects and leave types are left out here and recorded by their own syncs.
    projects = (await client.projects()).items
    leave_types = {leave.id: leave_type_name(leave) for leave in (await client.leave_types()).items}
    assignables = assignable_index(projects)
    context = mapping_context_digest(assignables, leave_types)

    counts = SyncCounts()
    with (
        tempfile.TemporaryFile(prefix="financebot-pages-") as raw_spool,
        tempfile.TemporaryFile(prefix="financebot-rows-") as row_spool,
    ):
        staged: list[StagedWindow] = []
        people_seen: set[int] = set()
        projects_seen: set[int] = set()
        done = 0
        report("fetch", 0, total_days)
        for window_start, window_end in windows(start, end):
            window = await _stage_window(
                client,
                window_start,
                window_end,
                context=context,
                force=force,
                assignables=assignables,
                leave_types=leave_types,
                raw_spool=raw_spool,
                row_spool=row_spool,
                people_seen=people_seen,
                projects_seen=projects_seen,
            )
            staged.append(window)
            done += window.day_count
            report("fetch", done, total_days)

        person_ids, project_ids = await _resolve_ids(client, people_seen, projects_seen)

        done = 0
        report("write", 0, total_days)
        # One transaction for the whole range: a write that fails in a later window must not
        # leave the earlier ones changed (a failed sync leaves data as it was).
        async with in_transaction() as conn:
            # Into an empty table (a first load) no entry can move in from another day.
            had_rows = await HourEntry.exists()
            for window in staged:
                if window.unchanged:
                    counts.skipped += window.day_count
                else:
                    counts += await _write_window(
                        window, row_spool, person_ids, project_ids, force, conn, had_rows
                    )
                done += window.day_count
                report("write", done, total_days)
            invalid = [item for window in staged for item in window.invalid]
            counts.invalid += len(invalid)
            counts.skipped += len(invalid)
            await record_invalid("hours", invalid)
    return counts


async def _stage_window(
    client: TenkfeetClient,
    start: date,
    end: date,
    *,
    context: bytes,
    force: bool,
    assignables: Mapping[int, ProjectRef],
    leave_types: Mapping[int, str],
    raw_spool: IO[bytes],
    row_spool: IO[bytes],
    people_seen: set[int],
    projects_seen: set[int],
) -> StagedWindow:
    """Fetch one window; parse and stage its rows unless its raw pages are unchanged."""
    h = hashlib.sha256(context)
    h.update(f"{start.isoformat()}..{end.isoformat()}".encode())
    raw_spool.seek(0)
    raw_spool.truncate()
    lengths: list[int] = []  # the window's raw pages wait on disk until it is parsed
    async for page in client.time_entry_pages(start, end):
        h.update(len(page.body).to_bytes(8, "big"))
        h.update(page.body)
        raw_spool.write(page.body)
        lengths.append(len(page.body))
    checksum = h.hexdigest()

    stored = await HourWindowChecksum.get_or_none(start_date=start, end_date=end)
    if not force and stored is not None and stored.checksum == checksum:
        return StagedWindow(start, end, checksum, unchanged=True)

    window = StagedWindow(start, end, checksum, unchanged=False)
    first, last = start.toordinal(), end.toordinal()
    raw_spool.seek(0)
    row_spool.seek(0, 2)
    for length in lengths:
        parsed = parse_page(raw_spool.read(length), TimeEntry)
        window.invalid.extend(parsed.invalid)
        batch: list[StagedRow] = []
        for entry in parsed.items:
            if not first <= entry.date.toordinal() <= last:
                window.invalid.append(outside_the_window(entry, start, end))
                continue
            mapped = map_time_entry(entry, assignables, leave_types)
            if mapped is None:
                continue
            row = staged_row(mapped)
            batch.append(row)
            day = mapped.date
            digest = window.days.get(day)
            if digest is None:
                digest = window.days[day] = DayDigest()
            digest.add(row_digest(row))
            people_seen.add(row[2])
            if row[3] is not None:
                projects_seen.add(row[3])
        if batch:
            window.batches.append(row_spool.tell())
            pickle.dump(batch, row_spool, protocol=pickle.HIGHEST_PROTOCOL)
            window.entries += len(batch)
    return window


def outside_the_window(entry: TimeEntry, start: date, end: date) -> InvalidItem:
    """An entry dated outside the days it was fetched for: 10000ft should never send one."""
    return InvalidItem(
        model="time entry",
        item_id=entry.id,
        field="date",
        kind="a date outside the requested days",
        problem=f"fetched for {start.isoformat()}..{end.isoformat()}",
    )


async def _resolve_ids(
    client: TenkfeetClient, people_seen: set[int], projects_seen: set[int]
) -> tuple[dict[int, int], dict[int, int]]:
    """tenkfeet id → database id for people and projects; syncs them first when some are new."""
    person_ids = await _ids_syncing_first(client, Person, people_seen, "users", sync_users)
    project_ids = await _ids_syncing_first(
        client, Project, projects_seen, "projects", sync_projects
    )
    return person_ids, project_ids


async def _ids_syncing_first(
    client: TenkfeetClient,
    model: type[Person | Project],
    seen: set[int],
    kind: str,
    sync: Callable[[TenkfeetClient], Awaitable[SyncCounts]],
) -> dict[int, int]:
    """tenkfeet id → database id of ``model``; runs the ``kind`` sync (under its own lock and
    run record) first when ``seen`` names ids not stored yet, unless that sync is running."""
    ids = dict(await model.all().values_list("tenkfeet_id", "id"))
    missing = seen - ids.keys()
    if not missing:
        return ids
    log.info(
        "hours name %d %s ids not stored: syncing %s first", len(missing), model.__name__, kind
    )
    try:
        async with sync_run(kind) as run:
            run.counts = await sync(client)
    except SyncAlreadyRunning:
        log.info("%s sync already running; entries naming those %s ids wait", kind, model.__name__)
    return dict(await model.all().values_list("tenkfeet_id", "id"))


def _read_batches(spool: IO[bytes], offsets: Sequence[int]) -> Iterator[list[StagedRow]]:
    for offset in offsets:
        spool.seek(offset)
        yield pickle.load(spool)


def _placeholders(count: int, postgres: bool) -> str:
    if postgres:
        return ", ".join(f"${i}" for i in range(1, count + 1))
    return ", ".join("?" for _ in range(count))


def _insert_sql(postgres: bool) -> str:
    columns = ", ".join(f'"{c}"' for c in COLUMNS)
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in COLUMNS[1:])
    return (
        f'INSERT INTO "hour_entry" ({columns}) VALUES ({_placeholders(len(COLUMNS), postgres)}) '
        f'ON CONFLICT ("tenkfeet_id") DO UPDATE SET {updates}'
    )


def _db_row(row: StagedRow, person_id: int, project_id: int | None, postgres: bool) -> list[Any]:
    if postgres:
        return [
            row[0],
            date.fromordinal(row[1]),
            person_id,
            project_id,
            *row[4:9],
            Decimal(row[9]),
            Decimal(row[10]),
            Decimal(row[11]),
            row[12],
            row[13],
        ]
    return [row[0], date.fromordinal(row[1]).isoformat(), person_id, project_id, *row[4:]]


async def _write_window(
    window: StagedWindow,
    row_spool: IO[bytes],
    person_ids: Mapping[int, int],
    project_ids: Mapping[int, int],
    force: bool,
    conn: BaseDBAsyncClient,
    had_rows: bool = True,
) -> SyncCounts:
    """Replace the window's changed days on ``conn`` (the run's transaction); returns what
    changed.

    ``had_rows``: the table held rows before this sync, so entries may move in from days
    outside the changed ones (looked up per batch; skipped on a first load)."""
    counts = SyncCounts()
    postgres = dialect() == "postgres"
    stored = {
        c.date: c.checksum
        for c in await HourDayChecksum.filter(date__gte=window.start, date__lte=window.end)
    }
    fresh = {day: digest.checksum for day, digest in window.days.items()}
    changed = {
        day for day in window.all_days() if force or stored.get(day) != fresh.get(day, EMPTY_DAY)
    }
    counts.skipped += window.day_count - len(changed)
    if not changed:
        await _settle_window_checksum(window, dirty=False)
        return counts

    dirty_days: set[date] = set()
    unknown: list[int] = []
    # An invalid entry is skipped: its stored row, if any, stays as it was.
    kept = {item.item_id for item in window.invalid if item.item_id is not None}
    old = [r for r in await _rows_of_days(conn, window, changed, postgres) if r[0] not in kept]
    old_ids = {tenkfeet_id for tenkfeet_id, _, _ in old}
    touched_months = {(project_id, d.year, d.month) for _, project_id, d in old if project_id}
    await _delete_days(conn, changed, postgres, kept)

    sql = _insert_sql(postgres)
    new_ids: set[int] = set()
    new_months: set[tuple[int, int, int]] = set()
    moved_from: set[tuple[date, int | None]] = set()  # (day, project) entries moved from
    buffer: list[list[Any]] = []
    changed_ordinals = {day.toordinal() for day in changed}
    for batch in _read_batches(row_spool, window.batches):
        for row in batch:
            if row[1] not in changed_ordinals:
                continue
            person_id = person_ids.get(row[2])
            project_id = project_ids.get(row[3]) if row[3] is not None else None
            if person_id is None or (row[3] is not None and project_id is None):
                unknown.append(row[0])
                dirty_days.add(date.fromordinal(row[1]))
                continue
            buffer.append(_db_row(row, person_id, project_id, postgres))
            new_ids.add(row[0])
            if project_id is not None:
                day = date.fromordinal(row[1])
                new_months.add((project_id, day.year, day.month))
            if len(buffer) >= INSERT_BATCH:
                if had_rows:
                    ids = [r[0] for r in buffer]
                    moved_from |= await _stored_places_of(conn, ids, postgres)
                await conn.execute_many(sql, buffer)
                buffer = []
    if buffer:
        if had_rows:
            moved_from |= await _stored_places_of(conn, [r[0] for r in buffer], postgres)
        await conn.execute_many(sql, buffer)
    # Flex reads per-day sums precomputed per person and month: recount the months whose
    # rows changed, including those an entry moved away from (re-dated by the upsert).
    await refresh_flex_sums(changed | {day for day, _ in moved_from}, None, conn)
    touched_months |= {(p, d.year, d.month) for d, p in moved_from if p is not None}

    await HourDayChecksum.filter(date__in=sorted(changed)).delete()
    await HourDayChecksum.bulk_create(
        [
            HourDayChecksum(
                date=day,
                checksum=fresh.get(day, EMPTY_DAY),
                entry_count=window.days[day].count if day in window.days else 0,
            )
            for day in sorted(changed - dirty_days)
        ]
    )
    await _settle_window_checksum(window, dirty=bool(dirty_days))
    if dirty_days:
        await Event.create(
            kind="sync.hours.unknown",
            message=(
                f"{len(unknown)} entries name a person or project 10000ft did not list; "
                "skipped until they sync"
            ),
            data={"entry_ids": unknown[:1000]},
        )

    invoice_ids = await ensure_invoices(new_months | touched_months)
    await refresh_invoice_figures(invoice_ids)

    counts.added += len(new_ids - old_ids)
    counts.updated += len(new_ids & old_ids)
    counts.deleted += len(old_ids - new_ids)
    counts.skipped += len(unknown)
    return counts


async def _rows_of_days(
    conn: BaseDBAsyncClient, window: StagedWindow, days: set[date], postgres: bool
) -> list[tuple[int, int | None, date]]:
    """(tenkfeet_id, project_id, date) of the stored rows on ``days`` (within the window)."""
    sql = 'SELECT "tenkfeet_id", "project_id", "date" FROM "hour_entry" ' + (
        'WHERE "date" >= $1 AND "date" <= $2' if postgres else 'WHERE "date" >= ? AND "date" <= ?'
    )
    params: list[Any] = (
        [window.start, window.end]
        if postgres
        else [window.start.isoformat(), window.end.isoformat()]
    )
    _, rows = await conn.execute_query(sql, params)
    result = []
    for row in rows:
        day = row["date"] if isinstance(row["date"], date) else date.fromisoformat(row["date"])
        if day in days:
            result.append((int(row["tenkfeet_id"]), row["project_id"], day))
    return result


async def _stored_places_of(
    conn: BaseDBAsyncClient, tenkfeet_ids: Sequence[int], postgres: bool
) -> set[tuple[date, int | None]]:
    """(day, project) still holding any of these entries. Called after the changed days were
    deleted, so a hit is an entry moving in from outside them: that day's flex sums and that
    project-month's invoice change too."""
    columns = 'SELECT DISTINCT "date", "project_id" FROM "hour_entry" WHERE "tenkfeet_id"'
    if postgres:
        _, rows = await conn.execute_query(f"{columns} = ANY($1::bigint[])", [list(tenkfeet_ids)])
    else:
        marks = ",".join("?" * len(tenkfeet_ids))
        _, rows = await conn.execute_query(f"{columns} IN ({marks})", list(tenkfeet_ids))
    return {
        (
            row["date"] if isinstance(row["date"], date) else date.fromisoformat(row["date"]),
            row["project_id"],
        )
        for row in rows
    }


async def _delete_days(
    conn: BaseDBAsyncClient, days: set[date], postgres: bool, kept: set[int]
) -> None:
    """Delete the rows of ``days`` except those of the ``kept`` entries."""
    ordered = sorted(days)
    for chunk_start in range(0, len(ordered), 200):
        chunk = ordered[chunk_start : chunk_start + 200]
        values: list[Any] = chunk if postgres else [d.isoformat() for d in chunk]
        sql = f'DELETE FROM "hour_entry" WHERE "date" IN ({_placeholders(len(chunk), postgres)})'
        if kept:
            marks = _placeholders(len(chunk) + len(kept), postgres).split(", ")[len(chunk) :]
            sql += f' AND "tenkfeet_id" NOT IN ({", ".join(marks)})'
            values = [*values, *sorted(kept)]
        await conn.execute_query(sql, values)


async def _settle_window_checksum(window: StagedWindow, dirty: bool) -> None:
    """Store this window's raw hash, unless some of its entries were skipped (unknown person
    or project, or invalid): then the next run parses it again, retrying them (and reporting
    the invalid ones again). Overlapping windows of other ranges no longer vouch for their
    days (this run may have rewritten some), so their hashes are dropped."""
    await HourWindowChecksum.filter(start_date__lte=window.end, end_date__gte=window.start).delete()
    if not dirty and not window.invalid:
        await HourWindowChecksum.create(
            start_date=window.start, end_date=window.end, checksum=window.checksum
        )
