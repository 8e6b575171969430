"""Which entries are behind the flagged checks, per person, and what is wrong with each."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from models.invoices.flagged_entries import EntryFacts, entry_problems, load_people_to_tell
from tests.support.invoice_review import FLAGGED, entry, review_company

D = Decimal


def facts(**changes: object) -> EntryFacts:
    base: dict[str, object] = {
        "phase_name": "Build",
        "category": "Development",
        "notes": "did things",
        "hours": D(1),
        "bill_rate": D(100),
        "status": "Approved",
    }
    base.update(changes)
    return EntryFacts(**base)  # type: ignore[arg-type]


def problems(internal: bool = False, **changes: object) -> list[str]:
    found = entry_problems(
        facts(**changes), internal_project=internal, rate_min=D(50), rate_max=D(170)
    )
    return sorted(found)


def test_a_clean_entry_has_no_problem() -> None:
    assert problems() == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"bill_rate": D(50)}, ["odd_rate"]),  # exactly on the bound is flagged
        ({"bill_rate": D(170)}, ["odd_rate"]),
        ({"bill_rate": D("50.01")}, []),
        ({"bill_rate": D("169.99")}, []),
        ({"phase_name": "Non-billable meetings", "bill_rate": D(0)}, ["non_billable"]),
        ({"phase_name": "NON BILLABLE travel"}, ["non_billable"]),
        ({"phase_name": "[Non Phase Specific]"}, ["non_phase_specific"]),
        ({"status": "Pending Approval"}, ["not_approved"]),
        ({"notes": ""}, ["empty_notes"]),
        ({"notes": "  "}, []),
        ({"category": ""}, ["no_category"]),
        ({"category": "[none]"}, ["no_category"]),
        ({"category": "No Category"}, ["no_category"]),
    ],
)
def test_each_check(changes: dict[str, object], expected: list[str]) -> None:
    assert problems(**changes) == expected


def test_an_internal_projects_entries_are_not_billable_so_never_odd_rated() -> None:
    assert problems(internal=True, bill_rate=D(0)) == ["non_billable"]


async def test_people_are_told_only_about_flagged_checks(db: str) -> None:
    company = await review_company()
    await entry(company.eve, company.project, 7, "1", category="[none]")  # no_category: not flagged
    await entry(company.eve, company.project, 8, "3", status="Unsubmitted", notes="")  # not counted
    await entry(company.eve, company.project, 9, "0", notes="")  # zero hours: not counted
    people = await load_people_to_tell(company.invoice.id, FLAGGED, rate_min=D(50), rate_max=D(170))
    assert [(p.name, p.slack_id) for p in people] == [
        ("Eve Employee", "U0EVE"),
        ("Nils Noslack", None),
    ]
    eve, nils = people
    assert [(e.date, e.phase_name, e.hours, e.problems) for e in eve.entries] == [
        (date(2025, 3, 3), "Non-billable meetings", D("7.5"), ("on a non-billable phase",)),
        (date(2025, 3, 4), "Build", D(4), ("no notes",)),
    ]
    assert nils.entries[0].problems == (
        'no phase ("[Non Phase Specific]")',
        "not approved in 10000ft (Pending Approval)",
    )
    only_notes = await load_people_to_tell(
        company.invoice.id, ["empty_notes"], rate_min=D(50), rate_max=D(170)
    )
    assert [(p.name, len(p.entries)) for p in only_notes] == [("Eve Employee", 1)]
    assert await load_people_to_tell(company.invoice.id, [], rate_min=D(50), rate_max=D(170)) == []
