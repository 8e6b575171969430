"""An invoice's entries one by one: what each adds, what each check says, the groups by phase
and person; and the entries listed under each check are exactly the ones its count counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from models.invoices.figures import InvoiceEntry, InvoiceRules, figures_of_entries
from models.invoices.invoice_entries import (
    EntryLine,
    by_phase_and_person,
    entries_by_check,
    entry_line,
    not_counted,
    sum_of,
)

D = Decimal
RULES = InvoiceRules()
_ids = iter(range(1, 1_000_000))


def entry_row(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": next(_ids),
        "date": date(2025, 1, 7),
        "phase_name": "Development",
        "category": "Development",
        "notes": "Feature work",
        "status": "Approved",
        "hours": D("7.5"),
        "bill_rate": D(120),
        "person__first_name": "Alice",
        "person__last_name": "Aalto",
        "person__display_name": "",
        "person__email": "alice@example.com",
    }
    base.update(changes)
    return base


def line(internal: bool = False, **changes: Any) -> EntryLine:
    return entry_line(entry_row(**changes), internal_project=internal, rules=RULES)


def test_a_clean_billable_entry_adds_rate_times_hours() -> None:
    clean = line()
    assert (clean.counted, clean.billable, clean.money, dict(clean.problems)) == (
        True,
        True,
        D(900),
        {},
    )
    assert (clean.person_name, clean.person_email, clean.phase) == (
        "Alice Aalto",
        "alice@example.com",
        "Development",
    )


def test_entries_that_bill_nothing() -> None:
    meeting = line(phase_name="Non-billable meetings")
    assert (meeting.counted, meeting.billable, meeting.money) == (True, False, D(0))
    assert set(meeting.problems) == {"non_billable"}
    internal = line(internal=True)
    assert (internal.billable, internal.money, set(internal.problems)) == (
        False,
        D(0),
        {"non_billable"},
    )


def test_unsubmitted_and_zero_hour_entries_are_not_counted_and_flag_nothing() -> None:
    for left_out in (line(status="Unsubmitted", notes=""), line(hours=D(0), category="")):
        assert (left_out.counted, left_out.billable, left_out.money) == (False, False, D(0))
        assert left_out.problems == {}
    total = not_counted([line(status="Unsubmitted", hours=D(5)), line(hours=D(0)), line()])
    assert (total.entries, total.hours) == (2, D(5))


def test_an_entry_on_the_project_itself_is_grouped_as_non_phase_specific() -> None:
    assert line(phase_name="").phase == "[Non Phase Specific]"
    assert line(phase_name="").problems.keys() == {"non_phase_specific"}
    # A phase someone named with spaces is a phase (DESIGN: the phase "[Non Phase Specific]").
    spaces = line(phase_name="  ")
    assert (spaces.phase, spaces.problems.keys()) == ("  ", set())


def test_groups_by_phase_then_person_with_their_sums() -> None:
    lines = [
        line(person__first_name="Bob", person__last_name="Berg", hours=D(1), bill_rate=D(170)),
        line(date=date(2025, 1, 9), hours=D(4), bill_rate=D(50)),
        line(date=date(2025, 1, 7)),
        line(phase_name="non billable travel", hours=D(2)),
        line(phase_name="", hours=D("2.25"), bill_rate=D("99.99")),
        line(status="Unsubmitted", hours=D(5)),  # not in any group
    ]
    groups = by_phase_and_person(lines)
    assert [group.phase for group in groups] == [
        "[Non Phase Specific]",
        "Development",
        "non billable travel",
    ]
    development = groups[1]
    assert [
        (p.name, p.total.entries, p.total.hours, p.total.money) for p in development.people
    ] == [
        ("Alice Aalto", 2, D("11.5"), D(1100)),
        ("Bob Berg", 1, D(1), D(170)),
    ]
    assert [entry.date.day for entry in development.people[0].lines] == [7, 9]
    assert (development.total.hours, development.total.billable_hours) == (D("12.5"), D("12.5"))
    assert (groups[2].total.hours, groups[2].total.billable_hours) == (D(2), D(0))
    total = sum_of(entry for entry in lines if entry.counted)
    assert (total.entries, total.money) == (5, D(900) + D(200) + D(170) + D("224.9775"))


def test_only_flagged_checks_list_entries_in_reading_order() -> None:
    lines = [line(notes=""), line(category="[none]", notes="")]
    flagged = entries_by_check(lines, {"empty_notes": 2, "no_category": 1, "odd_rate": 0})
    assert list(flagged) == ["no_category", "empty_notes"]
    assert flagged["empty_notes"] == lines
    assert flagged["no_category"] == [lines[1]]


entries = st.builds(
    dict,
    hours=st.sampled_from([D(0), D("0.25"), D(1), D("7.5")]),
    bill_rate=st.sampled_from([D(0), D(50), D("50.01"), D(100), D("169.99"), D(170), D(200)]),
    phase_name=st.sampled_from(
        ["Development", "Non-billable meetings", "non billable travel", "", "[Non Phase Specific]"]
    ),
    category=st.sampled_from(["Development", "", "[none]", " No Category ", "Meetings"]),
    notes=st.sampled_from(["Work", "", "  \n", "=SUM(A1)"]),
    status=st.sampled_from(["Approved", "Pending Approval", "Unsubmitted"]),
)


@given(rows=st.lists(entries, max_size=12), internal=st.booleans())
def test_each_check_lists_exactly_the_entries_its_count_counts(
    rows: list[dict[str, Any]], internal: bool
) -> None:
    figures = figures_of_entries(
        [
            InvoiceEntry(
                r["hours"], r["bill_rate"], r["phase_name"], r["category"], r["notes"], r["status"]
            )
            for r in rows
        ],
        internal_project=internal,
        rules=RULES,
    )
    lines = [entry_line(entry_row(**r), internal_project=internal, rules=RULES) for r in rows]
    checks = figures.checks.as_dict()
    listed = entries_by_check(lines, checks)
    assert {key: len(found) for key, found in listed.items()} == {
        key: count for key, count in checks.items() if count
    }
    counted = sum_of(entry for entry in lines if entry.counted)
    assert (counted.hours, counted.billable_hours, counted.money) == (
        figures.hours,
        figures.billable_hours,
        figures.money,
    )
