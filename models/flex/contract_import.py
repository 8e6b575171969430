"""Importing work contracts from CSV (docs/csv-formats.md, "Contracts").

``email,start_date,end_date,worktime_percent,flex_enabled``: a contract is keyed by
(person, start_date); a row with the key of a stored contract replaces it. The whole file is
checked first (:func:`check_contracts`, pure) and every problem reported with its line; only a
file without a bad row is applied, in one transaction (:func:`import_contracts`), with an audit
row for each contract created or updated. Importing the same file again changes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models.flex.contracts import WorkContract
from models.flex.csv_import import (
    CsvRow,
    ImportCounts,
    ImportRejected,
    Problem,
    RowError,
    parse_boolean,
    parse_date,
    parse_integer,
    people_by_email,
    read_table,
)
from models.flex.keyed_import import RowReading, Upsert, check_rows

CONTRACT_COLUMNS = ("email", "start_date", "end_date", "worktime_percent", "flex_enabled")
CONTRACT_COLUMN_NOTES = {
    "email": "the person's e-mail in 10000ft (any case)",
    "start_date": "first day of the contract, YYYY-MM-DD",
    "end_date": "last day (inclusive), YYYY-MM-DD; empty = open-ended",
    "worktime_percent": "whole number 1-100; the workday is WORKDAY_HOURS x percent / 100",
    "flex_enabled": "true or false (any case); false expects and counts nothing",
}
"""What each column holds, in a line (the CLI's help; docs/csv-formats.md says it at length)."""
AUDIT_ENTITY = "work_contract"
AUDIT_FIELDS = ("person_id", "start_date", "end_date", "worktime_percent", "flex_enabled")
MAX_CONTRACTS_PER_PERSON = 200
"""Contracts of one person in one file: decades of yearly changes fit many times over, and the
overlap check, which compares a person's contracts pairwise, stays small."""


@dataclass(frozen=True)
class ContractRecord:
    """A contract as the file or the database has it; ``line`` is 0 for a stored one."""

    person_id: int
    start_date: dt.date
    end_date: dt.date | None
    worktime_percent: int
    flex_enabled: bool
    line: int = 0
    email: str = ""

    @property
    def key(self) -> tuple[int, dt.date]:
        return (self.person_id, self.start_date)

    @property
    def terms(self) -> tuple[dt.date | None, int, bool]:
        """What an import may change on a stored contract with the same key."""
        return (self.end_date, self.worktime_percent, self.flex_enabled)

    @property
    def period(self) -> str:
        return f"{self.start_date}..{self.end_date or 'open-ended'}"

    def overlaps(self, other: ContractRecord) -> bool:
        """Both ranges include their end days; an open end never ends."""
        self_end = self.end_date or dt.date.max
        other_end = other.end_date or dt.date.max
        return self.start_date <= other_end and other.start_date <= self_end


def validate_contracts(
    rows: Sequence[CsvRow],
    people: Mapping[str, int],
    existing: Sequence[ContractRecord],
) -> tuple[list[ContractRecord], list[RowError]]:
    """Checks every row; returns the valid records and every problem found.

    ``people`` maps lower-cased e-mail to person id; ``existing`` are the stored contracts of
    (at least) the people in the file. Overlaps are checked on the set the import would leave:
    stored contracts the file does not replace, plus the file's rows.
    """
    records, errors = check_rows(
        rows,
        people,
        read_contract,
        duplicate="duplicate contract for {email} starting {day} (also on line {line})",
    )
    limit_errors, too_many = _too_many_contracts(rows, people)
    errors += limit_errors
    errors += _overlaps([r for r in records if r.person_id not in too_many], existing)
    return records, sorted(errors, key=lambda error: error.line)


def _too_many_contracts(
    rows: Sequence[CsvRow], people: Mapping[str, int]
) -> tuple[list[RowError], set[int]]:
    """One error per person with more than MAX_CONTRACTS_PER_PERSON rows, on the first row
    beyond the limit; and those people's ids (their overlaps are not checked)."""
    lines: dict[int, list[int]] = defaultdict(list)
    emails: dict[int, str] = {}
    for row in rows:
        email = row["email"].lower()
        person_id = people.get(email) if email else None
        if person_id is not None:
            lines[person_id].append(row.line)
            emails.setdefault(person_id, email)
    errors = [
        RowError(
            found[MAX_CONTRACTS_PER_PERSON],
            f"{emails[person_id]} has {len(found)} contracts in this file "
            f"(lines {found[0]}-{found[-1]}); "
            f"at most {MAX_CONTRACTS_PER_PERSON} per person are accepted",
        )
        for person_id, found in lines.items()
        if len(found) > MAX_CONTRACTS_PER_PERSON
    ]
    return errors, {pid for pid, found in lines.items() if len(found) > MAX_CONTRACTS_PER_PERSON}


def read_contract(
    row: CsvRow, person_id: int | None, problems: list[Problem]
) -> RowReading[ContractRecord]:
    """One contract from a file's row or a form's fields (the columns' names); see ReadRow."""
    start = parse_date("start_date", row["start_date"])
    end = parse_date("end_date", row["end_date"]) if row["end_date"] else None
    percent = parse_integer("worktime_percent", row["worktime_percent"], 1, 100)
    flex = parse_boolean("flex_enabled", row["flex_enabled"])
    values = {
        "start_date": start,
        "end_date": end,
        "worktime_percent": percent,
        "flex_enabled": flex,
    }
    problems += [
        Problem(column, value) for column, value in values.items() if isinstance(value, str)
    ]
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        problems.append(Problem("end_date", f"end_date {end} is before start_date {start}"))
    if not isinstance(start, dt.date):
        return RowReading(None)
    if problems:
        return RowReading(start)
    assert person_id is not None and not isinstance(end, str)
    assert isinstance(percent, int) and isinstance(flex, bool)
    record = ContractRecord(
        person_id=person_id,
        start_date=start,
        end_date=end,
        worktime_percent=percent,
        flex_enabled=flex,
        line=row.line,
        email=row["email"].lower(),
    )
    return RowReading(start, record)


def _overlaps(
    records: Sequence[ContractRecord], existing: Sequence[ContractRecord]
) -> list[RowError]:
    """Overlaps involving a file row, each reported on a file line naming the other contract.

    Only rows otherwise valid take part; a row whose key repeats is already reported.
    """
    return [_overlap_error(here, other) for here, other in overlapping(records, existing)]


def overlapping(
    records: Sequence[ContractRecord], existing: Sequence[ContractRecord]
) -> list[tuple[ContractRecord, ContractRecord]]:
    """Pairs (new contract, contract it overlaps) among ``records`` (new ones: a line > 0) and
    ``existing`` (stored: line 0) that the records do not replace; the new one of a pair is the
    one on the later line, and pairs of two stored contracts are not reported."""
    replaced = {record.key for record in records}
    by_person: dict[int, list[ContractRecord]] = defaultdict(list)
    for contract in existing:
        if contract.key not in replaced:
            by_person[contract.person_id].append(contract)
    for record in records:
        by_person[record.person_id].append(record)
    pairs: list[tuple[ContractRecord, ContractRecord]] = []
    for contracts in by_person.values():
        contracts.sort(key=lambda c: (c.start_date, c.line))
        for i, first in enumerate(contracts):
            for second in contracts[i + 1 :]:
                if second.start_date > (first.end_date or dt.date.max):
                    break
                if not (first.line or second.line) or not first.overlaps(second):
                    continue
                pairs.append((first, second) if first.line > second.line else (second, first))
    return pairs


def _overlap_error(here: ContractRecord, other: ContractRecord) -> RowError:
    if other.line:
        where = f"the contract {other.period} on line {other.line}"
    else:
        where = f"the stored contract {other.period}, which this file does not replace"
    return RowError(here.line, f"contract {here.period} of {here.email} overlaps {where}")


def check_contracts(
    data: bytes, people: Mapping[str, int], existing: Sequence[ContractRecord]
) -> list[ContractRecord]:
    """The file's contracts when every row is good; otherwise raises ImportRejected."""
    table, errors = read_table(data, required=CONTRACT_COLUMNS)
    if table is None:
        raise ImportRejected(errors)
    records, row_errors = validate_contracts(table.rows, people, existing)
    if errors or row_errors:
        raise ImportRejected(errors + row_errors)
    return records


def record_of(contract: WorkContract) -> ContractRecord:
    """A stored contract as a record (line 0, no e-mail)."""
    return ContractRecord(
        person_id=contract.person_id,  # type: ignore[attr-defined]
        start_date=contract.start_date,
        end_date=contract.end_date,
        worktime_percent=contract.worktime_percent,
        flex_enabled=contract.flex_enabled,
    )


async def import_contracts(data: bytes, *, actor: str) -> ImportCounts:
    """Checks and applies a contracts CSV in one transaction; raises ImportRejected on bad rows.

    ``actor`` goes into the audit log (e.g. ``"import:contracts.csv (alice)"``). Reading and
    checking the rows (seconds for a file of 100,000 rows) run in a worker thread: the admin
    site imports uploads on the event loop that also answers Slack.
    """
    table, errors = await asyncio.to_thread(read_table, data, required=CONTRACT_COLUMNS)
    if table is None:
        raise ImportRejected(errors)
    async with in_transaction():
        people = await people_by_email()
        emails = {row["email"].lower() for row in table.rows}
        stored = await WorkContract.filter(person_id__in=[people[e] for e in emails if e in people])
        records, row_errors = await asyncio.to_thread(
            validate_contracts, table.rows, people, [record_of(c) for c in stored]
        )
        if errors or row_errors:
            raise ImportRejected(errors + row_errors)
        return await _UPSERT.apply(records, stored, actor=actor)


def write_terms(contract: WorkContract, record: ContractRecord) -> None:
    """Writes the record's terms (:attr:`ContractRecord.terms`) on a stored contract."""
    contract.end_date = record.end_date
    contract.worktime_percent = record.worktime_percent
    contract.flex_enabled = record.flex_enabled


_UPSERT: Upsert[ContractRecord, WorkContract] = Upsert(
    entity=AUDIT_ENTITY,
    audit_fields=AUDIT_FIELDS,
    key=lambda contract: record_of(contract).key,
    new=lambda record: WorkContract(person_id=record.person_id, start_date=record.start_date),
    same=lambda contract, record: record_of(contract).terms == record.terms,
    write=write_terms,
    note=lambda contract, record: f"line {record.line}",
)
