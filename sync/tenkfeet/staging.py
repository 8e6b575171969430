"""Staging an hours window: its raw pages parsed, validated and mapped to database rows, each
day's rows hashed and kept in a scratch file until they are written (sync/tenkfeet/hours.py,
step 1): spooled as the JSON that was hashed, or, by a staging worker on SQLite, inserted into
a table of the worker's own SQLite file (:func:`stage_table`), which the writer attaches to
copy the rows with one ``INSERT ... SELECT`` in SQLite's own code.

Nothing here touches the database, so it can run in a worker process of its own
(:func:`stage_in_worker`) while the sync's process goes on fetching: a first sync of a big
company spends a third of its time here. It imports no ORM, so the worker starts quickly.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import sqlite3
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import IO, Any

import msgspec
import xxhash

from models.flex.sums import MonthSums
from models.invoices.folded_tallies import TallyFold
from sync.tenkfeet.mapping import ProjectRef, Skipped, StoredRow, stored_row_maker
from sync.tenkfeet.schema import InvalidItem, TimeEntry, parse_page

# One row as the database takes it, in COLUMNS order: tenkfeet_id, date (ISO text on SQLite,
# a date on PostgreSQL), person id, project id | None, client, phase, leave type, category,
# notes, hours, bill rate, money (decimals as text), status, upstream updated_at.
DbRow = StoredRow
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


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Staging and writing make hundreds of thousands of row tuples and no reference cycles;
    the cyclic collector would traverse them again and again for nothing (a fifth of the
    staging time). Reference counting still frees them. Only around work that makes rows: the
    HTTP client's responses do make cycles, and with the collector off for a whole run the
    pages they hold would pile up (a first sync of 600 pages peaked at 626 MB)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


HASH_TAG = "x3"
"""Names the algorithm of the stored day and window hashes (XXH3-128). Every hash starts with
it, so a hash stored by a version that hashed otherwise (``count:blake2b`` days, bare SHA-256
windows) never equals a new one: after a change of algorithm every day counts as changed once.
Change it whenever the algorithm changes."""
EMPTY_DAY = f"{HASH_TAG}:0:" + "0" * 32
"""The hash of a day without entries."""


def encoded_day(rows: list[DbRow]) -> tuple[str, bytes]:
    """``x3:count:hash`` of one day's rows, whatever order they came in (sorted here, in
    place), and the JSON that was hashed, which is also what the spool keeps of them.

    Rows sort by their entry id (unique), and msgspec encodes ints, text, dates and None the
    same way in every process and on both databases (a date as its ISO text).
    """
    rows.sort()
    encoded = _ENCODER.encode(rows)
    return f"{HASH_TAG}:{len(rows)}:{xxhash.xxh3_128_hexdigest(encoded)}", encoded


_ENCODER = msgspec.json.Encoder()
# A spooled row read back: the day as ISO text for SQLite, a date for PostgreSQL.
_ROWS_SQLITE = msgspec.json.Decoder(
    list[tuple[int, str, int, int | None, str, str, str, str, str, str, str, str, str, str]]
)
_ROWS_POSTGRES = msgspec.json.Decoder(
    list[tuple[int, date, int, int | None, str, str, str, str, str, str, str, str, str, str]]
)


ROWS_PER_INSERT = 50
"""SQLite rows per INSERT statement (700 parameters: under SQLite's oldest limit of 999)."""


@dataclass
class StagedDay:
    checksum: str
    count: int
    offset: int  # where its rows start in its spool
    size: int  # how many bytes they take there
    projects: set[int]  # database ids of the projects with rows that day (for invoices)
    spool: str  # the path of the spool holding its rows, or of the SQLite file with ``table``
    table: str | None = None  # the table holding its rows (among others), if not a spool


@dataclass
class WindowFolds:
    """Every staged row of a window folded as a first load folds the rows it inserts: flex
    sums and invoice tallies. A worker folds the windows it stages; the writer adds them up
    instead of folding the rows itself when it inserts every row of the window."""

    sums: MonthSums
    tallies: TallyFold

    @classmethod
    def of(
        cls, rows: Iterable[list[DbRow]], treatments: dict[str, str], postgres: bool
    ) -> WindowFolds:
        folds = cls(MonthSums(treatments), TallyFold(postgres))
        for day_rows in rows:
            folds.sums.add_rows(day_rows, COLUMNS)
            folds.tallies.add_rows(day_rows, COLUMNS)
        return folds


@dataclass
class StagedWindow:
    start: date
    end: date
    checksum: str
    unchanged: bool
    days: dict[date, StagedDay] = field(default_factory=dict)
    invalid: list[InvalidItem] = field(default_factory=list)
    unresolved: list[TimeEntry] = field(default_factory=list)  # unknown person or project
    unknown: dict[date, list[int]] = field(default_factory=dict)  # still unknown: day → ids
    folds: WindowFolds | None = None  # of the rows in ``days``, when a worker folded them
    fold_treatments: dict[str, str] | None = None  # the leave treatments ``folds`` used

    def all_days(self) -> Iterator[date]:
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)

    @property
    def day_count(self) -> int:
        return (self.end - self.start).days + 1


@dataclass
class RowContext:
    """What turns an entry into a database row, for one run."""

    assignables: Mapping[int, ProjectRef]
    leave_types: Mapping[int, str]
    person_ids: dict[int, int]  # tenkfeet id → database id
    project_ids: dict[int, int]
    postgres: bool

    def maker(self) -> Callable[[TimeEntry], DbRow | Skipped]:
        return stored_row_maker(
            self.assignables, self.leave_types, self.person_ids, self.project_ids, self.day_value
        )

    def day_value(self, day: date) -> Any:
        """A day as the database takes it: a date on PostgreSQL, ISO text on SQLite."""
        return day if self.postgres else day.isoformat()

    def project_of(self, entry: TimeEntry) -> int | None:
        """The 10000ft id of the project an entry is on (None for leave)."""
        if entry.assignable_type == "LeaveType":
            return None
        ref = self.assignables.get(entry.assignable_id)
        return entry.assignable_id if ref is None else ref.tenkfeet_id


def stage_page(
    body: bytes | memoryview,
    window: StagedWindow,
    seen: set[int],
    stored_row: Callable[[TimeEntry], DbRow | Skipped],
    by_day: dict[date, list[DbRow]],
) -> None:
    """One page of a window into ``by_day``: its invalid entries into ``window.invalid``,
    those naming unknown people or projects into ``window.unresolved``; ``seen`` holds the
    entry ids met so far (an entry listed again is left out)."""
    first, last = window.start, window.end
    unknown = Skipped.UNKNOWN
    parsed = parse_page(body, TimeEntry)
    window.invalid.extend(parsed.invalid)
    for entry in parsed.items:
        day = entry.date
        if not first <= day <= last:
            window.invalid.append(outside_the_window(entry, first, last))
            continue
        if entry.id in seen:  # listed twice (paging shifted while 10000ft changed)
            continue
        seen.add(entry.id)
        row = stored_row(entry)
        if type(row) is tuple:
            day_rows = by_day.get(day)
            if day_rows is None:
                day_rows = by_day[day] = []
            day_rows.append(row)
        elif row is unknown:
            window.unresolved.append(entry)


def spool_day(day_rows: list[DbRow], spool: IO[bytes]) -> StagedDay:
    """Hash one day's rows and append them to the spool."""
    checksum, encoded = encoded_day(day_rows)
    projects = {row[3] for row in day_rows if row[3] is not None}
    spool.seek(0, 2)
    offset = spool.tell()
    spool.write(encoded)
    return StagedDay(checksum, len(day_rows), offset, len(encoded), projects, str(spool.name))


class Spools:
    """A run's row spools, in its scratch directory: ``main``, appended to in the sync's
    process, and one file per window a worker stages (workers stage windows side by side, so
    they cannot share a file), or on SQLite the workers' own SQLite files
    (:func:`stage_table`). A day's rows are read back from the file it names."""

    def __init__(self, directory: str, postgres: bool) -> None:
        self.directory = directory
        self.main: IO[bytes] = open(os.path.join(directory, "rows"), "a+b")
        self._files: dict[str, IO[bytes]] = {str(self.main.name): self.main}
        self._tables: dict[str, sqlite3.Connection] = {}
        self._decoder = _ROWS_POSTGRES if postgres else _ROWS_SQLITE

    def window_path(self, number: int) -> str:
        """Where a worker spools the rows of the run's ``number``-th staged window."""
        return os.path.join(self.directory, f"rows-{number}")

    def rows(self, staged: StagedDay, day: date) -> list[DbRow]:
        """The rows of ``day``, staged as ``staged`` says, in the order they were hashed."""
        if staged.table is not None:
            return self._table_rows(staged.spool, staged.table, day)
        spool = self._files.get(staged.spool)
        if spool is None:
            spool = self._files[staged.spool] = open(staged.spool, "rb")
        spool.seek(staged.offset)
        rows: list[DbRow] = self._decoder.decode(spool.read(staged.size))
        return rows

    def _table_rows(self, path: str, table: str, day: date) -> list[DbRow]:
        db = self._tables.get(path)
        if db is None:
            db = self._tables[path] = sqlite3.connect(path)
        return db.execute(
            f'SELECT {_COLUMN_LIST} FROM "{table}" WHERE "date" = ? ORDER BY rowid',
            (day.isoformat(),),
        ).fetchall()

    def close(self) -> None:
        for spool in self._files.values():
            spool.close()
        self._files.clear()
        for db in self._tables.values():
            db.close()
        self._tables.clear()


def outside_the_window(entry: TimeEntry, start: date, end: date) -> InvalidItem:
    """An entry dated outside the days it was fetched for: 10000ft should never send one."""
    return InvalidItem(
        model="time entry",
        item_id=entry.id,
        field="date",
        kind="a date outside the requested days",
        problem=f"fetched for {start.isoformat()}..{end.isoformat()}",
    )


def spool_days(window: StagedWindow, by_day: dict[date, list[DbRow]], spool: IO[bytes]) -> None:
    for day, day_rows in by_day.items():
        window.days[day] = spool_day(day_rows, spool)


_COLUMN_LIST = ", ".join(f'"{c}"' for c in COLUMNS)


def insert_statements(table: str, rows: Sequence[DbRow]) -> list[tuple[str, list[Any]]]:
    """SQLite statements inserting ``rows`` into ``table`` (``COLUMNS``), as (statement,
    parameter sets): groups of ``ROWS_PER_INSERT`` rows flattened into one parameter set each
    (ten to a statement took a third less time per row than one, fifty another 5-10 %), then
    the rows left over one by one."""
    marks = "(" + ", ".join("?" * len(COLUMNS)) + ")"
    head = f'INSERT INTO "{table}" ({_COLUMN_LIST}) VALUES '
    whole = len(rows) - len(rows) % ROWS_PER_INSERT
    chain = itertools.chain.from_iterable
    statements: list[tuple[str, list[Any]]] = []
    if whole:
        groups = [
            tuple(chain(rows[i : i + ROWS_PER_INSERT])) for i in range(0, whole, ROWS_PER_INSERT)
        ]
        statements.append((head + ", ".join([marks] * ROWS_PER_INSERT), groups))
    if whole < len(rows):
        statements.append((head + marks, list(rows[whole:])))
    return statements


def staged_file(directory: str) -> str:
    """This worker process's SQLite file of staged rows, in the run's scratch ``directory``:
    one per process, so workers staging side by side never share one."""
    return os.path.join(directory, f"staged-{os.getpid()}.sqlite3")


def stage_table(
    path: str, table: str, window: StagedWindow, by_day: dict[date, list[DbRow]]
) -> None:
    """Hash each day's rows and insert them, days in order, into a new ``table`` (the columns
    of ``hour_entry``, untyped: values stay as bound) of the SQLite file at ``path``."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        # Scratch data: a crash fails the run, which discards the file.
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("BEGIN")
        db.execute(f'DROP TABLE IF EXISTS "{table}"')
        db.execute(f'CREATE TABLE "{table}" ({_COLUMN_LIST})')
        for day in sorted(by_day):
            day_rows = by_day[day]
            checksum, _ = encoded_day(day_rows)
            projects = {row[3] for row in day_rows if row[3] is not None}
            window.days[day] = StagedDay(checksum, len(day_rows), 0, 0, projects, path, table)
            for sql, parameters in insert_statements(table, day_rows):
                db.executemany(sql, parameters)
        db.execute("COMMIT")


@contextlib.contextmanager
def open_spools(directory: str, postgres: bool) -> Iterator[Spools]:
    """The run's row spools (:class:`Spools`), closed at the end."""
    spools = Spools(directory, postgres)
    try:
        yield spools
    finally:
        spools.close()


def write_pages(path: str, pages: Iterable[bytes]) -> list[int]:
    """Raw pages into a file for the staging worker; returns their sizes."""
    sizes = []
    with open(path, "wb") as file:
        for body in pages:
            file.write(body)
            sizes.append(len(body))
    return sizes


def read_pages(path: str, sizes: Sequence[int]) -> list[bytes]:
    """The pages :func:`write_pages` wrote."""
    with open(path, "rb") as file:
        return [file.read(size) for size in sizes]


@dataclass(frozen=True)
class StageOrder:
    """A changed window for a staging worker: its raw pages in ``pages_path``, its rows to be
    spooled to the file at ``spool_path`` (the window's own), or, given ``table``, inserted
    into that table of the worker's own SQLite file in ``table_directory``
    (:func:`stage_table`)."""

    start: date
    end: date
    checksum: str
    pages_path: str
    page_sizes: list[int]
    spool_path: str
    rows: RowContext
    fold_treatments: dict[str, str] | None = None  # fold the rows with these (a first load)
    table: str | None = None
    table_directory: str = ""


def warm_up() -> None:
    """The worker's first call: by then it has imported this module (and so the schema)."""


def stage_in_worker(order: StageOrder) -> tuple[StagedWindow, bytes]:
    """Stages one window in the worker process. Returns it with the ids of the entries it met
    (a packed ``array("q")``): the sync's process leaves out an entry listed in two windows."""
    with open(order.pages_path, "rb") as file:
        data = file.read()
    window = StagedWindow(order.start, order.end, order.checksum, unchanged=False)
    seen: set[int] = set()
    by_day: dict[date, list[DbRow]] = {}
    stored_row = order.rows.maker()
    with cyclic_gc_paused():
        offset = 0
        pages = memoryview(data)
        for size in order.page_sizes:
            stage_page(pages[offset : offset + size], window, seen, stored_row, by_day)
            offset += size
        pages.release()
        del data
        if order.table is not None:
            stage_table(staged_file(order.table_directory), order.table, window, by_day)
        else:
            with open(order.spool_path, "ab") as spool:
                spool_days(window, by_day, spool)
        if order.fold_treatments is not None:
            window.folds = WindowFolds.of(
                by_day.values(), order.fold_treatments, order.rows.postgres
            )
            window.fold_treatments = order.fold_treatments
    return window, array("q", seen).tobytes()
