"""Reading the audit log: newest first, a page at a time, filtered by kind and by person, with
flex corrections' values kept from anyone outside HR."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from models import AuditLog, Person
from models.audit import record_change
from models.audit_trail import PAGE_SIZE, ValueLine, audit_page, readable, value_lines
from models.permissions import Actor

HELSINKI = ZoneInfo("Europe/Helsinki")
ADMIN = Actor(person_id=1, archived=False, groups=frozenset({"admin"}))
HR = Actor(person_id=2, archived=False, groups=frozenset({"hr"}))


def test_values_read_as_a_person_would() -> None:
    assert [readable(v) for v in (None, True, False, ["a", "b"], [], {"x": 1}, "7.5")] == [
        "-", "yes", "no", "a, b", "(none)", "x: 1", "7.5"
    ]  # fmt: skip
    lines = value_lines({"percent": 100, "end": None}, {"percent": 80, "end": None, "flex": True})
    assert lines == (
        ValueLine("end", "-", "-"),
        ValueLine("flex", "-", "yes"),
        ValueLine("percent", "100", "80"),
    )
    assert [line.changed for line in lines] == [False, True, True]
    # Whom and what first, whatever order the database keeps the keys in.
    keys = [line.key for line in value_lines({"person_id": 1, "email": "a", "group": "hr"}, None)]
    assert keys == ["group", "email", "person_id"]
    assert value_lines(None, {"group": "hr"}) == (ValueLine("group", None, "hr"),)
    assert not value_lines(None, {"group": "hr"})[0].changed


async def change(entity: str, action: str, *, actor: str = "cli:ops", **values: object) -> None:
    before = values.pop("before", None)
    after = values.pop("after", None)
    await record_change(
        actor=actor,
        entity=entity,
        entity_id=str(values.pop("entity_id", 1)),
        action=action,
        before=before,  # type: ignore[arg-type]
        after=after,  # type: ignore[arg-type]
        note=str(values.pop("note", "")),
    )


@pytest.fixture
async def log(db: str) -> None:
    await Person.create(
        tenkfeet_id=1, guid="g-1", first_name="Ada", last_name="Lovelace", email="ada@example.com"
    )
    await change(
        "work_contract",
        "create",
        actor="import:contracts.csv (ops)",
        after={"email": "ada@example.com", "worktime_percent": 100, "flex_enabled": True},
    )
    await change(
        "flex_correction",
        "update",
        actor="import:corrections.csv (ops)",
        before={"email": "ada@example.com", "adjust_by": "10", "note": "old"},
        after={"email": "ada@example.com", "adjust_by": "12.5", "note": "moved"},
        note="moved from the old system",
    )
    await change(
        "group_membership",
        "create",
        actor="web:boss@example.com",
        after={"group": "hr", "email": "bob@example.com"},
    )
    await change(
        "group_membership",
        "delete",
        actor="web:ada@example.com",
        before={"group": "finance", "email": "cy@example.com"},
    )
    await change("group", "delete", before={"group": "devs", "members": ["x@example.com"]})


async def test_newest_first_in_the_time_zone_with_readable_lines(log: None) -> None:
    page = await audit_page(HR, HELSINKI)
    assert [(e.kind, e.action) for e in page.entries] == [
        ("group", "delete"),
        ("group member", "delete"),
        ("group member", "create"),
        ("flex correction", "update"),
        ("contract", "create"),
    ]
    assert (page.page, page.pages, page.total) == (1, 1, 5)
    newest = page.entries[0]
    assert newest.at.tzinfo == HELSINKI
    stored = await AuditLog.all().order_by("-id").first()
    assert stored is not None and newest.at == stored.created_at
    assert newest.lines == (
        ValueLine("group", "devs", None),
        ValueLine("members", "x@example.com", None),
    )
    contract = page.entries[-1]
    assert contract.subject == "ada@example.com"
    assert contract.actor == "import:contracts.csv (ops)"


async def test_hr_reads_a_correction_and_an_admin_only_that_it_was_made(log: None) -> None:
    hr_view = (await audit_page(HR, HELSINKI, kind="correction")).entries
    admin_view = (await audit_page(ADMIN, HELSINKI, kind="correction")).entries
    assert len(hr_view) == len(admin_view) == 1
    assert not hr_view[0].values_hidden
    assert ValueLine("adjust_by", "10", "12.5") in hr_view[0].lines
    assert hr_view[0].note == "moved from the old system"
    hidden = admin_view[0]
    assert hidden.values_hidden and hidden.lines == () and hidden.note == ""
    assert (hidden.subject, hidden.actor, hidden.action) == (
        "ada@example.com",
        "import:corrections.csv (ops)",
        "update",
    )
    # Contracts are no flex numbers: the admin reads them in full.
    contract = (await audit_page(ADMIN, HELSINKI, kind="contract")).entries[0]
    assert ValueLine("worktime_percent", None, "100") in contract.lines


async def test_kind_filter_covers_each_kind_s_entities(log: None) -> None:
    groups = await audit_page(ADMIN, HELSINKI, kind="group")
    assert [e.kind for e in groups.entries] == ["group", "group member", "group member"]
    assert (await audit_page(ADMIN, HELSINKI, kind="invoice_check")).entries == ()
    with pytest.raises(ValueError):
        await audit_page(ADMIN, HELSINKI, kind="nonsense")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Ada is the subject of the contract and the correction, and the actor of a removal.
        ("ada@example.com", ["group member delete", "flex correction update", "contract create"]),
        ("ADA@example.com", ["group member delete", "flex correction update", "contract create"]),
        ("ada lovelace", ["group member delete", "flex correction update", "contract create"]),
        ("Lovelace", ["group member delete", "flex correction update", "contract create"]),
        ("bob@example.com", ["group member create"]),  # no person row: the e-mail still matches
        ("boss", ["group member create"]),  # part of an actor
        ("cli:ops", ["group delete"]),
        ("nobody", []),
    ],
)
async def test_person_filter_matches_the_actor_or_the_row_s_person(
    log: None, text: str, expected: list[str]
) -> None:
    page = await audit_page(HR, HELSINKI, person=text)
    assert [f"{e.kind} {e.action}" for e in page.entries] == expected
    assert page.total == len(expected)


async def test_filters_combine(log: None) -> None:
    page = await audit_page(HR, HELSINKI, kind="group", person="ada@example.com")
    assert [f"{e.kind} {e.action}" for e in page.entries] == ["group member delete"]


async def test_pages_of_a_hundred_newest_first(db: str) -> None:
    for n in range(PAGE_SIZE + 5):
        await change("group", "create", entity_id=f"g{n}", after={"group": f"g{n}"})
    first = await audit_page(ADMIN, HELSINKI)
    second = await audit_page(ADMIN, HELSINKI, page=2)
    assert (first.pages, first.total, len(first.entries)) == (2, PAGE_SIZE + 5, PAGE_SIZE)
    assert first.entries[0].entity_id == f"g{PAGE_SIZE + 4}"
    assert [e.entity_id for e in second.entries] == ["g4", "g3", "g2", "g1", "g0"]
    beyond = await audit_page(ADMIN, HELSINKI, page=9)
    assert beyond.page == 2 and beyond.entries == second.entries
    assert dt.datetime.now(dt.UTC) >= first.entries[0].at
