"""Mapping 10000ft data to Finance Bot rows: every rule, over upstream-shaped payloads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bot.emulators.tenkfeet_data import approval, phase, project, time_entry, user
from sync.tenkfeet.mapping import (
    HourRow,
    ProjectRef,
    assignable_index,
    hour_status,
    map_time_entry,
    normalize_email,
    person_tag_name,
    project_admin_ids,
    project_admin_names,
)
from sync.tenkfeet.schema import Approval, Project, Tag, TimeEntry, User, parse_item

DAY = date(2024, 3, 4)
ACME = project(100, "Website", "Acme Oy", tags=["Aino Korhonen", "eino VIRTANEN", "agile"])
PROJECTS = [
    parse_item(body, Project)
    for body in (
        ACME,
        phase(101, ACME, "Development"),
        phase(102, ACME, "Overtime"),
        phase(103, ACME, ""),
        project(200, "Internal work", None, project_state="Internal"),
    )
]
ASSIGNABLES = assignable_index(PROJECTS)
LEAVE_TYPES = {50: "Vacation", 51: "Unpaid leave"}


def entry(**fields: Any) -> TimeEntry:
    fields.setdefault("id", 1)
    fields.setdefault("user_id", 7)
    fields.setdefault("assignable_id", 101)
    fields.setdefault("day", DAY)
    return parse_item(time_entry(**fields), TimeEntry)


def mapped(**fields: Any) -> HourRow:
    row = map_time_entry(entry(**fields), ASSIGNABLES, LEAVE_TYPES)
    assert row is not None
    return row


def approvals(*bodies: dict[str, Any]) -> list[Approval]:
    return [parse_item(body, Approval) for body in bodies]


# Status ---------------------------------------------------------------------------------


def test_no_approval_is_unsubmitted() -> None:
    assert hour_status([]) == "Unsubmitted"
    assert mapped(approvals=[]).status == "Unsubmitted"


def test_a_pending_approval_is_pending() -> None:
    assert mapped(approvals=[approval(1, 1, "pending")]).status == "Pending Approval"


def test_an_approval_with_approved_at_is_approved() -> None:
    assert mapped(approvals=[approval(1, 1, "approved", approved_by=3)]).status == "Approved"


def test_the_most_recently_updated_approval_decides() -> None:
    old_approved = approval(1, 1, "approved", updated_at="2024-03-05T10:00:00Z")
    new_pending = approval(2, 1, "pending", updated_at="2024-03-06T10:00:00Z")
    assert hour_status(approvals(old_approved, new_pending)) == "Pending Approval"
    assert hour_status(approvals(new_pending, old_approved)) == "Pending Approval"
    newer_approved = approval(3, 1, "approved", updated_at="2024-03-07T09:00:00+02:00")
    assert hour_status(approvals(new_pending, newer_approved)) == "Approved"


# Leave ----------------------------------------------------------------------------------


def test_a_leave_entry_carries_the_leave_type_and_no_money() -> None:
    row = mapped(
        assignable_type="LeaveType",
        assignable_id=50,
        hours=7.5,
        bill_rate=120,
        task="Holiday",
        notes=None,
    )
    assert row.leave_type == "Vacation"
    assert (row.bill_rate, row.money) == (Decimal(0), Decimal(0))
    assert row.hours == Decimal("7.5")
    assert row.project_tenkfeet_id is None
    assert (row.client_name, row.phase_name, row.category, row.notes) == ("", "", "", "")


def test_leave_of_an_unlisted_type_is_still_leave() -> None:
    row = mapped(assignable_type="LeaveType", assignable_id=99)
    assert row.leave_type == "[unknown leave type 99]"


# Projects and phases ------------------------------------------------------------------------


def test_an_entry_on_a_phase_carries_its_project_client_and_phase() -> None:
    row = mapped(assignable_id=102, task="Development", notes="Release night")
    assert row.project_tenkfeet_id == 100
    assert (row.client_name, row.phase_name, row.leave_type) == ("Acme Oy", "Overtime", "")
    assert (row.category, row.notes) == ("Development", "Release night")


def test_an_entry_on_the_project_itself_is_non_phase_specific() -> None:
    row = mapped(assignable_id=100)
    assert (row.project_tenkfeet_id, row.phase_name) == (100, "[Non Phase Specific]")


def test_a_phase_without_a_name_is_non_phase_specific() -> None:
    assert mapped(assignable_id=103).phase_name == "[Non Phase Specific]"


def test_a_project_without_a_client_has_an_empty_client() -> None:
    row = mapped(assignable_id=200)
    assert (row.project_tenkfeet_id, row.client_name) == (200, "")


def test_an_unknown_assignable_keeps_its_id_as_the_project() -> None:
    row = mapped(assignable_id=555)
    assert (row.project_tenkfeet_id, row.client_name, row.phase_name) == (
        555,
        "",
        "[Non Phase Specific]",
    )


def test_the_assignable_index() -> None:
    assert ASSIGNABLES[100] == ProjectRef(100, "Website", "Acme Oy", "[Non Phase Specific]")
    assert ASSIGNABLES[101] == ProjectRef(100, "Website", "Acme Oy", "Development")
    assert ASSIGNABLES[200] == ProjectRef(200, "Internal work", "", "[Non Phase Specific]")


def test_a_null_or_empty_task_is_no_category() -> None:
    assert mapped(task=None).category == "[none]"
    assert mapped(task="").category == "[none]"


def test_null_notes_become_empty() -> None:
    assert mapped(notes=None).notes == ""


def test_money_is_rate_times_hours_exactly() -> None:
    row = mapped(hours="7.35", bill_rate="123.45")
    assert row.money == Decimal("907.3575")
    assert (row.hours, row.bill_rate) == (Decimal("7.35"), Decimal("123.45"))
    floats = mapped(hours=0.1, bill_rate=0.3)
    assert floats.money == Decimal("0.03")


def test_the_row_keeps_identity_date_person_and_updated_at() -> None:
    row = mapped(id=42, user_id=9, updated_at="2024-03-04T15:00:01Z")
    assert (row.tenkfeet_id, row.date, row.person_tenkfeet_id) == (42, DAY, 9)
    assert row.upstream_updated_at == "2024-03-04T15:00:01Z"


# Skipped entries ------------------------------------------------------------------------------


def test_zero_hour_entries_are_skipped() -> None:
    assert map_time_entry(entry(hours=0), ASSIGNABLES, LEAVE_TYPES) is None
    assert map_time_entry(entry(hours="0.00"), ASSIGNABLES, LEAVE_TYPES) is None
    leave = entry(hours=0, assignable_type="LeaveType", assignable_id=50)
    assert map_time_entry(leave, ASSIGNABLES, LEAVE_TYPES) is None


def test_suggestions_are_skipped() -> None:
    assert map_time_entry(entry(is_suggestion=True), ASSIGNABLES, LEAVE_TYPES) is None


# People ---------------------------------------------------------------------------------------


def test_emails_are_lower_cased() -> None:
    assert normalize_email("  Aino.Korhonen@Example.COM ") == "aino.korhonen@example.com"
    assert normalize_email("") is None
    assert normalize_email("   ") is None
    assert normalize_email(None) is None


def test_admin_names_from_tags_are_case_insensitive() -> None:
    tags = [Tag(id=1, value="Aino  Korhonen"), Tag(id=2, value="eino VIRTANEN")]
    assert project_admin_names(tags) == {"aino korhonen", "eino virtanen"}
    assert person_tag_name("Eino", "Virtanen") in project_admin_names(tags)


def test_admins_are_non_archived_people_named_by_tags() -> None:
    people = [
        parse_item(body, User)
        for body in (
            user(1, "Aino", "Korhonen", "aino@example.com"),
            user(2, "Eino", "Virtanen", "eino@example.com", archived=True),
            user(3, "Helmi", "Mäkinen", "helmi@example.com"),
            user(4, "EINO", "virtanen", "eino2@example.com"),
        )
    ]
    assert project_admin_ids(PROJECTS[0].tags, people) == [1, 4]


def test_project_tags_are_flattened() -> None:
    assert [t.value for t in PROJECTS[0].tags] == ["Aino Korhonen", "eino VIRTANEN", "agile"]
