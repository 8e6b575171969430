"""Flex corrections CSV import: validation with line numbers, all-or-nothing, upsert by
(person, date), notes kept with the correction and in the audit log, re-import as a no-op."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from models import AuditLog, FlexCorrection
from models.flex.correction_import import check_corrections, import_corrections
from models.flex.csv_import import ImportRejected, RowError
from tests.support.csv_imports import PEOPLE, csv_file, make_person, rejection

HEADER = "email,date,adjust_by,set_to"
ACTOR = "import:corrections.csv (test)"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return csv_file(header, *lines)


def rejected(data: bytes) -> list[RowError]:
    return rejection(lambda: check_corrections(data, PEOPLE))


# --- pure validation ---------------------------------------------------------------------


def test_adjust_by_set_to_or_both() -> None:
    records = check_corrections(
        csv_bytes(
            "ada@example.com,2024-01-01,-7.5,",
            "ada@example.com,2024-02-01,,12.25",
            "BOB@example.com,2024-03-01,+1.5,0",
        ),
        PEOPLE,
    )
    assert [(r.line, r.person_id, r.date, r.adjust_by, r.set_to, r.note) for r in records] == [
        (2, 1, dt.date(2024, 1, 1), Decimal("-7.5"), None, None),
        (3, 1, dt.date(2024, 2, 1), None, Decimal("12.25"), None),
        (4, 2, dt.date(2024, 3, 1), Decimal("1.5"), Decimal("0"), None),
    ]


def test_the_optional_note_column() -> None:
    records = check_corrections(
        csv_bytes(
            'ada@example.com,2024-01-01,2,,"overtime, agreed with HR"',
            "bob@example.com,2024-01-01,,0,",
            header=HEADER + ",Note",
        ),
        PEOPLE,
    )
    assert [r.note for r in records] == ["overtime, agreed with HR", ""]


def test_neither_adjust_by_nor_set_to() -> None:
    errors = rejected(csv_bytes("ada@example.com,2024-01-01,,", "bob@example.com,2024-01-01, , "))
    assert errors == [
        RowError(2, "neither adjust_by nor set_to is given: fill in one or both"),
        RowError(3, "neither adjust_by nor set_to is given: fill in one or both"),
    ]


@pytest.mark.parametrize("bad", ["abc", "1,5", "7.5h", "--1", "1.2.3"])
def test_non_numeric_hours(bad: str) -> None:
    errors = rejected(csv_bytes(f'ada@example.com,2024-01-01,"{bad}",'))
    assert errors == [
        RowError(2, f"adjust_by {bad!r} is not a number (use a dot for decimals, e.g. -7.5)")
    ]


@pytest.mark.parametrize("bad", ["NaN", "inf", "-Infinity", "sNaN"])
def test_nan_and_infinity_are_refused(bad: str) -> None:
    errors = rejected(csv_bytes(f"ada@example.com,2024-01-01,,{bad}"))
    assert errors == [RowError(2, f"set_to {bad!r} is not a finite number")]


def test_hours_must_fit_the_stored_precision() -> None:
    errors = rejected(
        csv_bytes(
            "ada@example.com,2024-01-01,1.23456,",
            "ada@example.com,2024-01-02,,100000000",
            "ada@example.com,2024-01-03,1.25000,99999999.9999",
        )
    )
    assert errors == [
        RowError(2, "adjust_by '1.23456' has more than 4 decimals"),
        RowError(3, "set_to '100000000' is too large: at most 99999999.9999 either way"),
    ]


def test_unknown_email_bad_date_and_duplicates() -> None:
    errors = rejected(
        csv_bytes(
            "carol@example.com,2024-01-01,1,",
            "ada@example.com,2024-02-30,1,",
            "ada@example.com,,1,",
            "ada@example.com,2024-01-05,1,",
            "Ada@Example.com,2024-01-05,,3",
        )
    )
    assert errors == [
        RowError(2, "unknown email 'carol@example.com': no person has that e-mail"),
        RowError(3, "date '2024-02-30' is not a date YYYY-MM-DD"),
        RowError(4, "date is empty: expected a date YYYY-MM-DD"),
        RowError(6, "duplicate correction for ada@example.com on 2024-01-05 (also on line 5)"),
    ]


def test_header_problems_and_field_counts() -> None:
    errors = rejected(b"email,date,adjust_by,set_to,comment\nada@example.com,2024-01-01,1,,x\n")
    assert errors == [
        RowError(
            1,
            "unknown column 'comment' in the header "
            "(expected email,date,adjust_by,set_to (optional: note))",
        )
    ]
    errors = rejected(
        csv_bytes(
            "ada@example.com,2024-01-01,1,,why",
            "ada@example.com,2024-01-02,1",
            "ada@example.com,2024-01-03,x,,",
            header=HEADER + ",note",
        )
    )
    assert errors == [
        RowError(3, "expected 5 fields, found 3"),
        RowError(4, "adjust_by 'x' is not a number (use a dot for decimals, e.g. -7.5)"),
    ]


def test_empty_file_bom_and_encoding() -> None:
    assert rejected(b"") == [RowError(1, f"the file is empty: expected the header {HEADER}")]
    records = check_corrections(
        ("\ufeff" + HEADER + ",note\r\nada@example.com,2024-01-01,1,,Lönnrot\r\n").encode(),
        PEOPLE,
    )
    assert records[0].note == "Lönnrot"
    errors = rejected((HEADER + ",note\nada@example.com,2024-01-01,1,,").encode() + b"\xe4\n")
    assert len(errors) == 1
    assert errors[0].line == 2
    assert "not valid UTF-8" in errors[0].message


# --- applying to the database ----------------------------------------------------------------


async def corrections_table() -> list[tuple[str, dt.date, Decimal | None, Decimal | None, str]]:
    rows = await FlexCorrection.all().order_by("person__email", "date").prefetch_related("person")
    return [(c.person.email or "", c.date, c.adjust_by, c.set_to, c.note) for c in rows]


GOOD = csv_bytes(
    "ada@example.com,2024-01-01,,10,opening balance",
    "ada@example.com,2024-03-15,-7.5,,sick day booked as work",
    "bob@example.com,2024-01-01,2.25,-3.5,",
    header=HEADER + ",note",
)


async def test_a_good_file_creates_corrections_with_notes_in_the_audit_log(db: str) -> None:
    ada = await make_person(1, "ada@example.com")
    await make_person(2, "bob@example.com")

    counts = await import_corrections(GOOD, actor=ACTOR)

    assert counts.summary("corrections") == "corrections: 3 created, 0 updated, 0 unchanged"
    assert await corrections_table() == [
        ("ada@example.com", dt.date(2024, 1, 1), None, Decimal("10"), "opening balance"),
        ("ada@example.com", dt.date(2024, 3, 15), Decimal("-7.5"), None, "sick day booked as work"),
        ("bob@example.com", dt.date(2024, 1, 1), Decimal("2.25"), Decimal("-3.5"), ""),
    ]
    audit = await AuditLog.all().order_by("id")
    assert [(a.actor, a.entity, a.action, a.before, a.note) for a in audit] == [
        (ACTOR, "flex_correction", "create", None, "opening balance"),
        (ACTOR, "flex_correction", "create", None, "sick day booked as work"),
        (ACTOR, "flex_correction", "create", None, ""),
    ]
    second = await FlexCorrection.get(person_id=ada.id, date=dt.date(2024, 3, 15))
    assert audit[1].entity_id == str(second.id)
    assert audit[1].after == {
        "person_id": ada.id,
        "email": "ada@example.com",
        "date": "2024-03-15",
        "adjust_by": "-7.5",
        "set_to": None,
        "note": "sick day booked as work",
    }


async def test_reimporting_the_same_file_changes_nothing(db: str) -> None:
    await make_person(1, "ada@example.com")
    await make_person(2, "bob@example.com")
    await import_corrections(GOOD, actor=ACTOR)
    before = await corrections_table()
    stamps = await FlexCorrection.all().order_by("id").values_list("id", "updated_at")

    # The same values written differently are the same values.
    same = csv_bytes(
        "ada@example.com,2024-01-01,,10.00,opening balance",
        "ADA@example.com,2024-03-15,-7.50,,sick day booked as work",
        "bob@example.com,2024-01-01,2.2500,-3.5,",
        header=HEADER + ",note",
    )
    counts = await import_corrections(same, actor="again")

    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 3)
    assert await corrections_table() == before
    assert await FlexCorrection.all().order_by("id").values_list("id", "updated_at") == stamps
    assert await AuditLog.filter(actor="again").count() == 0


async def test_a_stored_key_is_updated_and_an_empty_value_clears_it(db: str) -> None:
    ada = await make_person(1, "ada@example.com")
    await make_person(2, "bob@example.com")
    await import_corrections(GOOD, actor=ACTOR)
    stored = await FlexCorrection.get(person_id=ada.id, date=dt.date(2024, 1, 1))

    counts = await import_corrections(
        csv_bytes(
            "ada@example.com,2024-01-01,1,,corrected opening balance",
            "ada@example.com,2024-06-01,4,,",
            header=HEADER + ",note",
        ),
        actor="fix",
    )

    assert (counts.created, counts.updated, counts.unchanged) == (1, 1, 0)
    updated = await FlexCorrection.get(id=stored.id)
    assert (updated.adjust_by, updated.set_to, updated.note) == (
        Decimal("1"),
        None,
        "corrected opening balance",
    )
    change = await AuditLog.get(actor="fix", action="update")
    assert change.entity_id == str(stored.id)
    assert change.note == "corrected opening balance"
    assert (change.before["adjust_by"], change.before["set_to"], change.before["note"]) == (
        None,
        "10",
        "opening balance",
    )
    assert (change.after["adjust_by"], change.after["set_to"]) == ("1", None)


async def test_without_a_note_column_stored_notes_are_kept(db: str) -> None:
    await make_person(1, "ada@example.com")
    await make_person(2, "bob@example.com")
    await import_corrections(GOOD, actor=ACTOR)

    counts = await import_corrections(
        csv_bytes("ada@example.com,2024-01-01,,10", "ada@example.com,2024-03-15,-8,"),
        actor="no notes",
    )

    assert (counts.updated, counts.unchanged) == (1, 1)
    rows = await corrections_table()
    assert rows[0][4] == "opening balance"
    assert rows[1][2:] == (Decimal("-8"), None, "sick day booked as work")


async def test_any_bad_row_means_nothing_is_written(db: str) -> None:
    await make_person(1, "ada@example.com")

    with pytest.raises(ImportRejected) as caught:
        await import_corrections(
            csv_bytes(
                "ada@example.com,2024-01-01,,10",
                "ada@example.com,2024-02-01,,",
                "ada@example.com,2024-03-01,NaN,",
            ),
            actor="bad",
        )

    assert [e.line for e in caught.value.errors] == [3, 4]
    assert await FlexCorrection.all().count() == 0
    assert await AuditLog.all().count() == 0
