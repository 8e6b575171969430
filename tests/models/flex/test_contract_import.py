"""Contracts CSV import: every validation rule with its line number, all-or-nothing, upsert,
re-import as a no-op, and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest

from models import AuditLog, Person, WorkContract
from models.flex.contract_import import ContractRecord, check_contracts, import_contracts
from models.flex.csv_import import ImportRejected, RowError
from tests.support.csv_imports import PEOPLE, csv_file, make_person, rejection

HEADER = "email,start_date,end_date,worktime_percent,flex_enabled"
ACTOR = "import:contracts.csv (test)"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return csv_file(header, *lines)


def rejected(data: bytes, existing: list[ContractRecord] | None = None) -> list[RowError]:
    return rejection(lambda: check_contracts(data, PEOPLE, existing or []))


def stored(person_id: int, start: str, end: str | None) -> ContractRecord:
    return ContractRecord(
        person_id=person_id,
        start_date=dt.date.fromisoformat(start),
        end_date=dt.date.fromisoformat(end) if end else None,
        worktime_percent=100,
        flex_enabled=True,
    )


# --- pure validation ---------------------------------------------------------------------


def test_a_good_file_gives_one_record_per_row() -> None:
    records = check_contracts(
        csv_bytes(
            "ada@example.com,2024-01-01,2024-06-30,100,true",
            "ada@example.com,2024-07-01,,60,FALSE",
            "BOB@Example.COM , 2024-03-01 ,, 80 , True",
        ),
        PEOPLE,
        [],
    )
    assert [
        (r.line, r.person_id, r.start_date, r.end_date, r.worktime_percent, r.flex_enabled)
        for r in records
    ] == [
        (2, 1, dt.date(2024, 1, 1), dt.date(2024, 6, 30), 100, True),
        (3, 1, dt.date(2024, 7, 1), None, 60, False),
        (4, 2, dt.date(2024, 3, 1), None, 80, True),
    ]


def test_columns_match_in_any_order_and_case() -> None:
    records = check_contracts(
        csv_bytes(
            "true,80,,2024-01-01,ada@example.com",
            header="Flex_Enabled,WORKTIME_PERCENT,end_date,start_date,Email",
        ),
        PEOPLE,
        [],
    )
    assert [(r.start_date, r.worktime_percent) for r in records] == [(dt.date(2024, 1, 1), 80)]


def test_unknown_and_empty_email_are_reported_with_their_lines() -> None:
    errors = rejected(
        csv_bytes(
            "ada@example.com,2024-01-01,,100,true",
            "carol@example.com,2024-01-01,,100,true",
            ",2024-01-01,,100,true",
        )
    )
    assert errors == [
        RowError(3, "unknown email 'carol@example.com': no person has that e-mail"),
        RowError(4, "email is empty"),
    ]


@pytest.mark.parametrize("bad", ["2024-02-30", "2024/01/01", "20240101", "1.1.2024", "soon"])
def test_a_bad_start_date_names_the_column_and_value(bad: str) -> None:
    errors = rejected(csv_bytes(f"ada@example.com,{bad},,100,true"))
    assert errors == [RowError(2, f"start_date {bad!r} is not a date YYYY-MM-DD")]


def test_bad_and_missing_dates() -> None:
    errors = rejected(
        csv_bytes(
            "ada@example.com,,,100,true",
            "bob@example.com,2024-01-01,2024-13-01,100,true",
        )
    )
    assert errors == [
        RowError(2, "start_date is empty: expected a date YYYY-MM-DD"),
        RowError(3, "end_date '2024-13-01' is not a date YYYY-MM-DD"),
    ]


def test_end_before_start() -> None:
    errors = rejected(csv_bytes("ada@example.com,2024-05-01,2024-04-30,100,true"))
    assert errors == [RowError(2, "end_date 2024-04-30 is before start_date 2024-05-01")]


def test_a_one_day_contract_is_fine() -> None:
    records = check_contracts(
        csv_bytes("ada@example.com,2024-05-01,2024-05-01,100,true"), PEOPLE, []
    )
    assert records[0].end_date == dt.date(2024, 5, 1)


@pytest.mark.parametrize("bad", ["0", "101", "80.5", "eighty", "", "-5", "50%"])
def test_worktime_percent_must_be_a_whole_number_1_to_100(bad: str) -> None:
    errors = rejected(csv_bytes(f"ada@example.com,2024-01-01,,{bad},true"))
    assert errors == [RowError(2, f"worktime_percent {bad!r} must be a whole number from 1 to 100")]


@pytest.mark.parametrize("good", ["1", "100", "060"])
def test_worktime_percent_limits_are_inclusive(good: str) -> None:
    records = check_contracts(csv_bytes(f"ada@example.com,2024-01-01,,{good},true"), PEOPLE, [])
    assert records[0].worktime_percent == int(good)


@pytest.mark.parametrize("bad", ["yes", "1", "", "t"])
def test_flex_enabled_must_be_true_or_false(bad: str) -> None:
    errors = rejected(csv_bytes(f"ada@example.com,2024-01-01,,100,{bad}"))
    assert errors == [RowError(2, f"flex_enabled {bad!r} must be true or false")]


def test_every_problem_of_a_row_is_reported() -> None:
    errors = rejected(csv_bytes("nobody@example.com,2024-01-32,,0,maybe"))
    assert [e.line for e in errors] == [2, 2, 2, 2]
    assert {e.message.split(" ")[0] for e in errors} == {
        "unknown",
        "start_date",
        "worktime_percent",
        "flex_enabled",
    }


def test_overlapping_contracts_in_the_file_name_both_lines() -> None:
    errors = rejected(
        csv_bytes(
            "ada@example.com,2024-01-01,2024-06-30,100,true",
            "bob@example.com,2024-01-01,,100,true",
            "ada@example.com,2024-06-30,,80,true",
        )
    )
    assert errors == [
        RowError(
            4,
            "contract 2024-06-30..open-ended of ada@example.com overlaps the contract "
            "2024-01-01..2024-06-30 on line 2",
        )
    ]


def test_back_to_back_contracts_do_not_overlap() -> None:
    records = check_contracts(
        csv_bytes(
            "ada@example.com,2024-07-01,,80,true",
            "ada@example.com,2024-01-01,2024-06-30,100,true",
        ),
        PEOPLE,
        [stored(2, "2020-01-01", None)],
    )
    assert len(records) == 2


def test_an_open_ended_contract_overlaps_every_later_one() -> None:
    errors = rejected(
        csv_bytes(
            "ada@example.com,2020-01-01,,100,true",
            "ada@example.com,2022-01-01,2022-01-31,100,true",
            "ada@example.com,2030-01-01,,100,true",
        )
    )
    # Line 3 ends long before line 4 starts: only line 2's open end overlaps them.
    assert [(e.line, "on line 2" in e.message) for e in errors] == [(3, True), (4, True)]


def test_overlap_with_a_stored_contract_the_file_does_not_replace() -> None:
    errors = rejected(
        csv_bytes("ada@example.com,2024-03-01,,100,true"),
        existing=[stored(1, "2024-01-01", None)],
    )
    assert errors == [
        RowError(
            2,
            "contract 2024-03-01..open-ended of ada@example.com overlaps the stored contract "
            "2024-01-01..open-ended, which this file does not replace",
        )
    ]


def test_a_stored_contract_replaced_by_the_file_is_checked_with_its_new_dates() -> None:
    # The stored open-ended contract starting 2024-01-01 gets an end date in the same file
    # that adds its successor: the resulting set has no overlap.
    records = check_contracts(
        csv_bytes(
            "ada@example.com,2024-01-01,2024-02-29,100,true",
            "ada@example.com,2024-03-01,,100,true",
        ),
        PEOPLE,
        [stored(1, "2024-01-01", None), stored(2, "2024-01-01", None)],
    )
    assert len(records) == 2


def test_stored_contracts_of_other_people_do_not_matter() -> None:
    records = check_contracts(
        csv_bytes("ada@example.com,2024-03-01,,100,true"), PEOPLE, [stored(2, "2024-01-01", None)]
    )
    assert len(records) == 1


def test_duplicate_keys_in_the_file() -> None:
    errors = rejected(
        csv_bytes(
            "ada@example.com,2024-01-01,,100,true",
            "ADA@example.com,2024-01-01,,80,true",
        )
    )
    assert errors == [
        RowError(3, "duplicate contract for ada@example.com starting 2024-01-01 (also on line 2)")
    ]


def test_missing_unknown_and_repeated_columns_are_reported_on_line_1() -> None:
    errors = rejected(b"email,start_date,end,worktime_percent,email\nada@example.com,x,y,z,w\n")
    assert [e.line for e in errors] == [1, 1, 1]
    assert errors[0].message.startswith("missing columns end_date, flex_enabled in the header")
    assert errors[1].message.startswith("unknown column 'end' in the header")
    assert errors[2].message == "column email appears more than once"


def test_a_corrections_file_is_refused_by_its_header() -> None:
    errors = rejected(b"email,date,adjust_by,set_to\nada@example.com,2024-01-01,1,\n")
    assert errors[0].line == 1
    assert "missing columns start_date, end_date, worktime_percent, flex_enabled" in (
        errors[0].message
    )


def test_wrong_number_of_fields_and_other_rows_still_checked() -> None:
    errors = rejected(
        csv_bytes(
            "ada@example.com,2024-01-01,,100",
            "ada@example.com,2024-01-01,,100,true,extra",
            "bob@example.com,2024-01-01,,100,nope",
            "bob@example.com,2025-01-01,,100,true",
        )
    )
    assert errors == [
        RowError(2, "expected 5 fields, found 4"),
        RowError(3, "expected 5 fields, found 6"),
        RowError(4, "flex_enabled 'nope' must be true or false"),
    ]


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", "\ufeff".encode()])
def test_an_empty_file(data: bytes) -> None:
    errors = rejected(data)
    assert errors == [RowError(1, f"the file is empty: expected the header {HEADER}")]


def test_a_header_without_rows() -> None:
    assert rejected(csv_bytes()) == [RowError(2, "the file has a header but no rows to import")]


def test_blank_lines_are_skipped_but_counted() -> None:
    errors = rejected(
        csv_bytes(
            "",
            "ada@example.com,2024-01-01,,100,true",
            ",,,,",
            "   ",
            "bob@example.com,2024-01-01,,100,never",
        )
    )
    assert errors == [RowError(6, "flex_enabled 'never' must be true or false")]


def test_the_header_must_be_line_1() -> None:
    errors = rejected(b"\n" + csv_bytes("ada@example.com,2024-01-01,,100,true"))
    assert errors == [RowError(2, "the header must be on line 1, found it on line 2")]


def test_utf8_with_a_byte_order_mark_and_crlf_line_ends() -> None:
    data = "\ufeff" + HEADER + "\r\nada@example.com,2024-01-01,,100,true\r\n"
    records = check_contracts(data.encode(), PEOPLE, [])
    assert [r.line for r in records] == [2]


def test_a_file_that_is_not_utf8_is_one_clear_error() -> None:
    data = csv_bytes("ada@example.com,2024-01-01,,100,true", "bob@example.com,2024-01-01,,100,true")
    data += "jös@example.com,2024-01-01,,100,true\n".encode("latin-1")
    errors = rejected(data)
    assert len(errors) == 1
    assert errors[0].line == 4
    assert errors[0].message.startswith("the file is not valid UTF-8 text (byte 0xf6 at offset")


def test_malformed_quoting_is_reported() -> None:
    errors = rejected(csv_bytes('ada@example.com,"2024-01-01"x,,100,true'))
    assert len(errors) == 1
    assert errors[0].line == 2
    assert errors[0].message.startswith("malformed CSV:")


def test_a_quoted_value_spanning_lines_keeps_later_line_numbers_right() -> None:
    errors = rejected(
        csv_bytes(
            '"ada@example.com\nsecond line",2024-01-01,,100,true',
            "bob@example.com,2024-01-01,,100,nah",
        )
    )
    assert [e.line for e in errors] == [2, 4]


# --- applying to the database ----------------------------------------------------------------


async def contracts_table() -> list[tuple[str, dt.date, dt.date | None, int, bool]]:
    rows = (
        await WorkContract.all().order_by("person__email", "start_date").prefetch_related("person")
    )
    return [
        (c.person.email or "", c.start_date, c.end_date, c.worktime_percent, c.flex_enabled)
        for c in rows
    ]


GOOD = csv_bytes(
    "ada@example.com,2024-01-01,2024-06-30,100,true",
    "Ada@Example.com,2024-07-01,,60,false",
    "bob@example.com,2023-01-01,,80,TRUE",
)


async def test_a_good_file_creates_contracts_with_audit_rows(db: str) -> None:
    ada = await make_person(1, "ada@example.com")
    await make_person(2, "bob@example.com")

    counts = await import_contracts(GOOD, actor=ACTOR)

    assert (counts.created, counts.updated, counts.unchanged) == (3, 0, 0)
    assert counts.summary("contracts") == "contracts: 3 created, 0 updated, 0 unchanged"
    assert await contracts_table() == [
        ("ada@example.com", dt.date(2024, 1, 1), dt.date(2024, 6, 30), 100, True),
        ("ada@example.com", dt.date(2024, 7, 1), None, 60, False),
        ("bob@example.com", dt.date(2023, 1, 1), None, 80, True),
    ]
    audit = await AuditLog.all().order_by("id")
    assert [(a.actor, a.entity, a.action, a.before, a.note) for a in audit] == [
        (ACTOR, "work_contract", "create", None, "line 2"),
        (ACTOR, "work_contract", "create", None, "line 3"),
        (ACTOR, "work_contract", "create", None, "line 4"),
    ]
    second = await WorkContract.get(person_id=ada.id, start_date=dt.date(2024, 7, 1))
    assert audit[1].entity_id == str(second.id)
    assert audit[1].after == {
        "person_id": ada.id,
        "email": "ada@example.com",
        "start_date": "2024-07-01",
        "end_date": None,
        "worktime_percent": 60,
        "flex_enabled": False,
    }


async def test_reimporting_the_same_file_changes_nothing(db: str) -> None:
    await make_person(1, "ada@example.com")
    await make_person(2, "bob@example.com")
    await import_contracts(GOOD, actor=ACTOR)
    before = await contracts_table()
    stamps = await WorkContract.all().order_by("id").values_list("id", "updated_at")

    counts = await import_contracts(GOOD, actor="someone else")

    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 3)
    assert await contracts_table() == before
    assert await WorkContract.all().order_by("id").values_list("id", "updated_at") == stamps
    assert await AuditLog.filter(actor="someone else").count() == 0
    assert await AuditLog.all().count() == 3


async def test_a_row_with_a_stored_key_updates_that_contract(db: str) -> None:
    ada = await make_person(1, "ada@example.com")
    await make_person(2, "bob@example.com")
    await import_contracts(GOOD, actor=ACTOR)
    contract = await WorkContract.get(person_id=ada.id, start_date=dt.date(2024, 7, 1))

    counts = await import_contracts(
        csv_bytes(
            "ada@example.com,2024-07-01,2024-12-31,80,true",
            "ada@example.com,2025-01-01,,100,true",
        ),
        actor="import:second.csv (hr)",
    )

    assert (counts.created, counts.updated, counts.unchanged) == (1, 1, 0)
    assert await WorkContract.all().count() == 4  # nothing deleted: the file upserts
    updated = await WorkContract.get(id=contract.id)
    assert (updated.end_date, updated.worktime_percent, updated.flex_enabled) == (
        dt.date(2024, 12, 31),
        80,
        True,
    )
    change = await AuditLog.get(actor="import:second.csv (hr)", action="update")
    assert change.entity_id == str(contract.id)
    assert change.before["end_date"] is None
    assert (change.before["worktime_percent"], change.before["flex_enabled"]) == (60, False)
    assert change.after["end_date"] == "2024-12-31"
    assert (change.after["worktime_percent"], change.after["flex_enabled"]) == (80, True)
    assert change.note == "line 2"


async def test_any_bad_row_means_nothing_is_written(db: str) -> None:
    await make_person(1, "ada@example.com")
    await make_person(2, "bob@example.com")
    await import_contracts(csv_bytes("bob@example.com,2023-01-01,,80,true"), actor=ACTOR)

    with pytest.raises(ImportRejected) as caught:
        await import_contracts(
            csv_bytes(
                "ada@example.com,2024-01-01,,100,true",
                "bob@example.com,2023-01-01,,50,true",
                "zed@example.com,2024-01-01,,100,true",
                "ada@example.com,2024-02-01,2024-01-01,100,true",
            ),
            actor="bad import",
        )

    assert [e.line for e in caught.value.errors] == [4, 5]
    assert caught.value.bad_lines == 2
    assert await contracts_table() == [
        ("bob@example.com", dt.date(2023, 1, 1), None, 80, True),
    ]
    assert await AuditLog.filter(actor="bad import").count() == 0


async def test_overlap_with_a_stored_contract_is_refused(db: str) -> None:
    await make_person(1, "ada@example.com")
    await import_contracts(csv_bytes("ada@example.com,2024-01-01,,100,true"), actor=ACTOR)

    with pytest.raises(ImportRejected) as caught:
        await import_contracts(csv_bytes("ada@example.com,2024-06-01,,80,true"), actor=ACTOR)
    assert caught.value.errors == [
        RowError(
            2,
            "contract 2024-06-01..open-ended of ada@example.com overlaps the stored contract "
            "2024-01-01..open-ended, which this file does not replace",
        )
    ]

    # Ending the stored contract in the same file makes room for the new one.
    counts = await import_contracts(
        csv_bytes(
            "ada@example.com,2024-01-01,2024-05-31,100,true",
            "ada@example.com,2024-06-01,,80,true",
        ),
        actor=ACTOR,
    )
    assert (counts.created, counts.updated) == (1, 1)


async def test_people_without_an_email_are_not_matched(db: str) -> None:
    await Person.create(tenkfeet_id=9, guid="g-9", first_name="No", email=None)
    with pytest.raises(ImportRejected):
        await import_contracts(csv_bytes("none,2024-01-01,,100,true"), actor=ACTOR)


def test_semicolon_separated_files_get_a_hint() -> None:
    data = (HEADER.replace(",", ";") + "\nada@example.com;2024-01-01;;100;true\n").encode()
    errors = rejected(data)
    assert errors == [
        RowError(
            1,
            "the values are separated by ';': save the file as comma-separated CSV "
            f"(expected the header {HEADER})",
        )
    ]


async def test_a_shared_email_goes_to_the_active_person(db: str) -> None:
    """A re-hire keeps the e-mail: the archived former record must not get the contract."""
    rehired = await make_person(11, "rita@example.com")
    former = await make_person(10, "rita@example.com")
    former.archived = True
    await former.save()
    await import_contracts(csv_bytes("rita@example.com,2024-01-01,,100,true"), actor="test")
    assert await WorkContract.filter(person=rehired).count() == 1
    assert await WorkContract.filter(person=former).count() == 0
