"""The forms under ``/contracts/<guid>``: creating, editing and deleting contracts and
corrections, each change audit-logged; every refusal shown beside its field, the typed values
kept and nothing saved; and the same values refused exactly as the CSV imports refuse them.

The company is tests/support/web_company.py's; Hanna (hanna@example.com) is in the hr group.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from core.settings import Settings
from models import AuditLog, FlexCorrection, WorkContract
from models.flex.contract_import import ContractRecord, check_contracts
from models.flex.correction_import import check_corrections
from models.people import Person
from tests.support.contracts_site import Visitor, hr_person, stored, visitor
from tests.support.csv_imports import csv_file, rejection
from tests.support.web_company import Company, D, build_company
from tests.support.web_site import read_page, serve_web, web_settings

ACTOR = "web:hanna@example.com"


@pytest.fixture
async def company(db: str) -> Company:
    return await build_company()


@pytest.fixture
async def hr(company: Company, db: str) -> AsyncIterator[Visitor]:
    settings: Settings = web_settings(db)
    hanna: Person = await hr_person()
    async with serve_web(settings) as site, visitor(site, settings, hanna) as browser:
        yield browser


def contract_form(
    start: str, end: str = "", percent: str = "100", flex: str | None = "true"
) -> dict[str, str]:
    form = {"start_date": start, "end_date": end, "worktime_percent": percent}
    return form if flex is None else {**form, "flex_enabled": flex}


def correction_form(
    day: str, adjust_by: str = "", set_to: str = "", note: str = ""
) -> dict[str, str]:
    return {"date": day, "adjust_by": adjust_by, "set_to": set_to, "note": note}


async def audit_rows() -> list[AuditLog]:
    return list(await AuditLog.all().order_by("id"))


def field_error(html: str, field: str) -> str:
    """The error shown beside ``field``, after checking the field points at it."""
    tag = re.search(rf'<(?:input|textarea)[^>]*\bid="f-{field}"[^>]*>', html)
    assert tag is not None, f"no field {field}"
    assert re.search(rf'aria-describedby="[^"]*\be-{field}\b', tag.group(0)), tag.group(0)
    assert 'aria-invalid="true"' in tag.group(0)
    return read_page(html).texts[f"e-{field}"]


def csv_line(*values: str) -> str:
    """One CSV line holding ``values`` (quoted where a value needs it)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values)
    return out.getvalue()


def field_value(html: str, field: str) -> str:
    tag = re.search(rf'<input[^>]*\bid="f-{field}"[^>]*>', html)
    assert tag is not None, f"no field {field}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    assert value is not None
    return value.group(1)


# --- contracts: success -------------------------------------------------------------------


async def test_creating_a_contract_saves_it_audits_it_and_says_so(
    company: Company, hr: Visitor
) -> None:
    carol = f"/contracts/{company.carol.guid}"
    status, _, location = await hr.post(
        f"{carol}/contracts", contract_form("2025-01-16", "2025-01-31", "80", flex=None)
    )
    assert (status, location) == (303, carol)
    saved = await WorkContract.get(person_id=company.carol.id, start_date=D(2025, 1, 16))
    assert (saved.end_date, saved.worktime_percent, saved.flex_enabled) == (
        D(2025, 1, 31),
        80,
        False,  # the unticked checkbox sends nothing
    )
    [audit] = await audit_rows()
    assert (audit.actor, audit.entity, audit.entity_id, audit.action) == (
        ACTOR,
        "work_contract",
        str(saved.id),
        "create",
    )
    assert audit.before is None
    assert audit.after == {
        "person_id": company.carol.id,
        "start_date": "2025-01-16",
        "end_date": "2025-01-31",
        "worktime_percent": 80,
        "flex_enabled": False,
        "email": "carol@example.com",
    }

    status, html = await hr.get(carol)
    page = read_page(html)
    assert page.texts["notice"] == (
        "The contract 2025-01-16..2025-01-31 of Carol Cole was created."
    )
    assert page.rows[f"contract-{saved.id}"][:4] == ["2025-01-16", "2025-01-31", "80 %", "disabled"]
    assert "problems" not in page.texts  # the gap is filled
    _, again = await hr.get(carol)
    assert "notice" not in read_page(again).texts  # shown once


async def test_editing_a_contract_audits_before_and_after(company: Company, hr: Visitor) -> None:
    frank = await WorkContract.get(person_id=company.frank.id)
    path = f"/contracts/{company.frank.guid}/contracts/{frank.id}"
    status, html = await hr.get(path)
    assert status == 200
    assert field_value(html, "start_date") == "2025-02-01"
    assert field_value(html, "worktime_percent") == "80"

    status, _, location = await hr.post(path, contract_form("2025-01-01", "2025-12-31", "60"))
    assert (status, location) == (303, f"/contracts/{company.frank.guid}")
    await frank.refresh_from_db()
    assert (frank.start_date, frank.end_date, frank.worktime_percent) == (
        D(2025, 1, 1),
        D(2025, 12, 31),
        60,
    )
    [audit] = await audit_rows()
    assert (audit.actor, audit.action, audit.entity_id) == (ACTOR, "update", str(frank.id))
    assert (audit.before["start_date"], audit.before["end_date"]) == ("2025-02-01", None)
    assert audit.before["worktime_percent"] == 80
    assert (audit.after["start_date"], audit.after["end_date"]) == ("2025-01-01", "2025-12-31")
    assert audit.after["worktime_percent"] == 60
    _, html = await hr.get(f"/contracts/{company.frank.guid}")
    assert read_page(html).texts["notice"] == (
        "The contract 2025-01-01..2025-12-31 of Frank Fisher was updated."
    )


async def test_saving_a_contract_unchanged_writes_no_audit_row(
    company: Company, hr: Visitor
) -> None:
    frank = await WorkContract.get(person_id=company.frank.id)
    path = f"/contracts/{company.frank.guid}/contracts/{frank.id}"
    status, _, _ = await hr.post(path, contract_form("2025-02-01", "", "80"))
    assert status == 303
    assert await audit_rows() == []
    _, html = await hr.get(f"/contracts/{company.frank.guid}")
    assert read_page(html).texts["notice"].startswith("Nothing changed")


async def test_deleting_a_contract_asks_first_then_deletes_and_audits(
    company: Company, hr: Visitor
) -> None:
    bob = await WorkContract.get(person_id=company.bob.id)
    path = f"/contracts/{company.bob.guid}/contracts/{bob.id}/delete"
    status, html = await hr.get(path)
    assert status == 200
    assert "Delete the contract 2024-06-01..2024-12-31 of Bob Berg?" in html
    assert await WorkContract.filter(id=bob.id).exists()

    status, _, location = await hr.post(path, {})
    assert (status, location) == (303, f"/contracts/{company.bob.guid}")
    assert not await WorkContract.filter(id=bob.id).exists()
    [audit] = await audit_rows()
    assert (audit.actor, audit.action, audit.entity_id, audit.after) == (
        ACTOR,
        "delete",
        str(bob.id),
        None,
    )
    assert audit.before == {
        "person_id": company.bob.id,
        "start_date": "2024-06-01",
        "end_date": "2024-12-31",
        "worktime_percent": 100,
        "flex_enabled": True,
        "email": "bob@example.com",
    }
    _, html = await hr.get(f"/contracts/{company.bob.guid}")
    assert read_page(html).texts["notice"] == (
        "The contract 2024-06-01..2024-12-31 of Bob Berg was deleted."
    )
    assert (await hr.post(path, {}))[0] == 404  # deleting it again


# --- corrections: success -----------------------------------------------------------------


async def test_correction_create_edit_delete_each_audited_with_the_note(
    company: Company, hr: Visitor
) -> None:
    base = f"/contracts/{company.frank.guid}/corrections"
    status, _, _ = await hr.post(base, correction_form("2025-02-03", "-7.5", "", "sick day fix"))
    assert status == 303
    saved = await FlexCorrection.get(person_id=company.frank.id)
    assert (saved.date, saved.adjust_by, saved.set_to, saved.note) == (
        D(2025, 2, 3),
        Decimal("-7.5"),
        None,
        "sick day fix",
    )
    status, html = await hr.get(f"{base}/{saved.id}")
    assert (field_value(html, "adjust_by"), field_value(html, "set_to")) == ("-7.5", "")
    assert ">sick day fix</textarea>" in html

    status, _, _ = await hr.post(
        f"{base}/{saved.id}", correction_form("2025-02-04", "", "12.25", "moved")
    )
    assert status == 303
    await saved.refresh_from_db()
    assert (saved.date, saved.adjust_by, saved.set_to) == (D(2025, 2, 4), None, Decimal("12.25"))

    status, _, _ = await hr.post(f"{base}/{saved.id}/delete", {})
    assert status == 303
    assert not await FlexCorrection.filter(person_id=company.frank.id).exists()

    created, updated, deleted = await audit_rows()
    assert [row.action for row in (created, updated, deleted)] == ["create", "update", "delete"]
    assert {row.actor for row in (created, updated, deleted)} == {ACTOR}
    assert {row.entity for row in (created, updated, deleted)} == {"flex_correction"}
    assert created.after == {
        "person_id": company.frank.id,
        "date": "2025-02-03",
        "adjust_by": "-7.5",
        "set_to": None,
        "note": "sick day fix",
        "email": "frank@example.com",
    }
    assert (updated.before, updated.after["set_to"]) == (created.after, "12.25")
    assert (deleted.before, deleted.after) == (updated.after, None)
    assert (created.note, updated.note) == ("sick day fix", "moved")
    _, html = await hr.get(f"/contracts/{company.frank.guid}")
    assert read_page(html).texts["notice"] == (
        "The correction on 2025-02-04 of Frank Fisher was deleted."
    )


# --- refusals beside their fields ---------------------------------------------------------

CONTRACT_REFUSALS = [
    # (form, field, message): each also refused by the CSV import with the same message.
    (
        contract_form("2025-13-01"),
        "start_date",
        "start_date '2025-13-01' is not a date YYYY-MM-DD",
    ),
    (contract_form(""), "start_date", "start_date is empty: expected a date YYYY-MM-DD"),
    (
        contract_form("2026-01-01", "31.12.2026"),
        "end_date",
        "end_date '31.12.2026' is not a date YYYY-MM-DD",
    ),
    (
        contract_form("2026-06-01", "2026-01-01"),
        "end_date",
        "end_date 2026-01-01 is before start_date 2026-06-01",
    ),
    (
        contract_form("2026-01-01", percent="0"),
        "worktime_percent",
        "worktime_percent '0' must be a whole number from 1 to 100",
    ),
    (
        contract_form("2026-01-01", percent="100.5"),
        "worktime_percent",
        "worktime_percent '100.5' must be a whole number from 1 to 100",
    ),
    (
        contract_form("2026-01-01", percent=""),
        "worktime_percent",
        "worktime_percent '' must be a whole number from 1 to 100",
    ),
    (
        contract_form("2026-01-01", flex="yes"),
        "flex_enabled",
        "flex_enabled 'yes' must be true or false",
    ),
]


@pytest.mark.parametrize(("form", "field", "message"), CONTRACT_REFUSALS)
async def test_a_refused_contract_shows_why_beside_the_field_and_saves_nothing(
    form: dict[str, str], field: str, message: str, company: Company, hr: Visitor
) -> None:
    before = await stored()
    status, html, _ = await hr.post(f"/contracts/{company.bob.guid}/contracts", form)
    assert status == 400
    assert field_error(html, field) == message
    assert "The contract was not saved" in html
    for name in ("start_date", "end_date", "worktime_percent"):
        assert field_value(html, name) == form[name]  # kept as typed
    assert await stored() == before

    # The CSV import refuses the same values with the same words.
    columns = ("start_date", "end_date", "worktime_percent", "flex_enabled")
    row = csv_line("bob@example.com", *(form[c] for c in columns))
    errors = rejection(
        lambda: check_contracts(
            csv_file("email,start_date,end_date,worktime_percent,flex_enabled", row),
            {"bob@example.com": company.bob.id},
            [],
        )
    )
    assert message in [error.message for error in errors]


async def test_contract_overlaps_and_duplicates_are_refused_on_the_field_they_concern(
    company: Company, hr: Visitor
) -> None:
    carol = f"/contracts/{company.carol.guid}"
    first = await WorkContract.get(person_id=company.carol.id, start_date=D(2025, 1, 1))
    before = await stored()
    cases = [
        # The start lies inside the stored open-ended contract.
        (
            f"{carol}/contracts",
            contract_form("2025-03-01"),
            "start_date",
            "contract 2025-03-01..open-ended overlaps the stored contract 2025-02-01..open-ended",
        ),
        # The end reaches into the stored contract from 1 Jan.
        (
            f"{carol}/contracts",
            contract_form("2024-12-01", "2025-01-05"),
            "end_date",
            "contract 2024-12-01..2025-01-05 overlaps the stored contract 2025-01-01..2025-01-15",
        ),
        # An open end overlaps every later contract: both are named.
        (
            f"{carol}/contracts",
            contract_form("2024-12-01"),
            "end_date",
            "contract 2024-12-01..open-ended overlaps the stored contract 2025-01-01..2025-01-15; "
            "contract 2024-12-01..open-ended overlaps the stored contract 2025-02-01..open-ended",
        ),
        (
            f"{carol}/contracts",
            contract_form("2025-02-01", "2025-02-28"),
            "start_date",
            "duplicate contract for carol@example.com starting 2025-02-01: the stored contract "
            "2025-02-01..open-ended starts that day (edit that one instead)",
        ),
        # Editing the first contract to run into the second.
        (
            f"{carol}/contracts/{first.id}",
            contract_form("2025-01-01", "2025-02-10"),
            "end_date",
            "contract 2025-01-01..2025-02-10 overlaps the stored contract 2025-02-01..open-ended",
        ),
    ]
    for path, form, field, message in cases:
        status, html, _ = await hr.post(path, form)
        assert status == 400, message
        assert field_error(html, field) == message
    assert await stored() == before
    # Editing a contract does not collide with itself.
    assert (
        await hr.post(f"{carol}/contracts/{first.id}", contract_form("2025-01-01", "2025-01-20"))
    )[0] == 303


async def test_the_form_overlap_rule_is_the_imports(company: Company) -> None:
    """The file-level twin of the first overlap above: the import names the same pair."""
    stored_contract = ContractRecord(company.carol.id, D(2025, 2, 1), None, 100, True)
    errors = rejection(
        lambda: check_contracts(
            csv_file(
                "email,start_date,end_date,worktime_percent,flex_enabled",
                "carol@example.com,2025-03-01,,100,true",
            ),
            {"carol@example.com": company.carol.id},
            [stored_contract],
        )
    )
    assert [error.message for error in errors] == [
        "contract 2025-03-01..open-ended of carol@example.com overlaps the stored contract "
        "2025-02-01..open-ended, which this file does not replace"
    ]


CORRECTION_REFUSALS = [
    (correction_form("2025-02-30", "1"), "date", "date '2025-02-30' is not a date YYYY-MM-DD"),
    (correction_form("", "1"), "date", "date is empty: expected a date YYYY-MM-DD"),
    (
        correction_form("2025-02-03"),
        "adjust_by",
        "neither adjust_by nor set_to is given: fill in one or both",
    ),
    (
        correction_form("2025-02-03", "7,5"),
        "adjust_by",
        "adjust_by '7,5' is not a number (use a dot for decimals, e.g. -7.5)",
    ),
    (
        correction_form("2025-02-03", "NaN"),
        "adjust_by",
        "adjust_by 'NaN' is not a finite number",
    ),
    (
        correction_form("2025-02-03", "", "1.23456"),
        "set_to",
        "set_to '1.23456' has more than 4 decimals",
    ),
    (
        correction_form("2025-02-03", "", "100000000"),
        "set_to",
        "set_to '100000000' is too large: at most 99999999.9999 either way",
    ),
]


@pytest.mark.parametrize(("form", "field", "message"), CORRECTION_REFUSALS)
async def test_a_refused_correction_shows_why_beside_the_field_and_saves_nothing(
    form: dict[str, str], field: str, message: str, company: Company, hr: Visitor
) -> None:
    before = await stored()
    status, html, _ = await hr.post(
        f"/contracts/{company.frank.guid}/corrections", {**form, "note": "kept <note>"}
    )
    assert status == 400
    assert field_error(html, field) == message
    assert "The correction was not saved" in html
    for name in ("date", "adjust_by", "set_to"):
        assert field_value(html, name) == form[name]
    assert ">kept &lt;note&gt;</textarea>" in html
    assert await stored() == before

    row = csv_line("frank@example.com", form["date"], form["adjust_by"], form["set_to"])
    errors = rejection(
        lambda: check_corrections(
            csv_file("email,date,adjust_by,set_to", row), {"frank@example.com": company.frank.id}
        )
    )
    assert message in [error.message for error in errors]


async def test_a_second_correction_on_a_day_is_refused_as_a_duplicate(
    company: Company, hr: Visitor
) -> None:
    alice = f"/contracts/{company.alice.guid}/corrections"
    later = await FlexCorrection.get(person_id=company.alice.id, date=D(2025, 3, 5))
    before = await stored()
    message = (
        "duplicate correction for alice@example.com on 2025-01-15: that day already has a "
        "correction (edit that one instead)"
    )
    for path in (alice, f"{alice}/{later.id}"):  # a new one, and one moved onto that day
        status, html, _ = await hr.post(path, correction_form("2025-01-15", "2"))
        assert status == 400
        assert field_error(html, "date") == message
    assert await stored() == before
