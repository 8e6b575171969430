"""The sample company as plain data: who works there, where, under which contracts."""

from __future__ import annotations

import datetime as dt
import itertools

from bot.demo.company import (
    BI_REPORTS,
    HISTORY_DAYS,
    MOBILE_DEVELOPMENT,
    PARENTAL_LEAVE,
    PORTAL_DEVELOPMENT,
    PROJECTS,
    SICK_LEAVE,
    WEB_DEVELOPMENT,
    contracts_csv,
    corrections_csv,
    demo_people,
    first_day,
    month_start,
    slack_members,
)
from models.permissions import ADMIN_GROUP, FINANCE_GROUP, HR_GROUP

TODAY = dt.date(2025, 3, 12)  # a Wednesday
STARTED = first_day(TODAY)
PROJECT_OF = {p.name: {p.tenkfeet_id, *(phase for phase, _ in p.phases)} for p in PROJECTS}

# The people other work (browser stories of the demo's workspace) relies on: handle, Slack id,
# groups, whether flex is active. Changing any of these breaks them.
KEPT = {
    "aino.korhonen": ("U0DEMO01", (HR_GROUP,)),
    "eino.virtanen": ("U0DEMO02", ()),
    "helmi.makinen": ("U0DEMO03", ()),
    "onni.nieminen": ("U0DEMO04", ()),
    "lilja.makela": ("U0DEMO05", (FINANCE_GROUP,)),
    "vaino.hamalainen": ("U0DEMO06", ()),
    "ella.laine": ("U0DEMO07", ()),
    "leo.heikkinen": ("U0DEMO08", ()),
    "sofia.koskinen": ("U0DEMO09", ()),
    "elias.jarvinen": ("U0DEMO10", ()),
    "olivia.lehtonen": ("U0DEMO11", (ADMIN_GROUP,)),
    "iida.salminen": ("U0DEMO12", ()),
    "oliver.saarinen": (None, ()),
}


def test_about_25_people_on_8_projects_over_three_years() -> None:
    staff = demo_people(STARTED)
    assert len(staff) == 25 and len(PROJECTS) == 8
    assert len({p.tenkfeet_id for p in staff}) == len({p.handle for p in staff}) == 25
    assert STARTED.weekday() == 0 and HISTORY_DAYS <= (TODAY - STARTED).days < HISTORY_DAYS + 7
    assert HISTORY_DAYS >= 3 * 365
    assert len({p.slack_id for p in staff if p.slack_id}) == 23  # Oliver and Arttu have none
    assert len(slack_members(staff)) == 24  # and a guest who is nobody in 10000ft


def test_the_existing_people_keep_their_handles_slack_ids_and_roles() -> None:
    by_handle = {p.handle: p for p in demo_people(STARTED)}
    for handle, (slack_id, groups) in KEPT.items():
        person = by_handle[handle]
        assert (person.slack_id, person.groups) == (slack_id, groups), handle
    assert by_handle["helmi.makinen"].contracts[-1].percent == 60
    assert not by_handle["vaino.hamalainen"].contracts
    assert by_handle["oliver.saarinen"].archived
    assert by_handle["elias.jarvinen"].unsubmitted_share == 1.0


def test_a_project_has_several_admins_and_one_has_no_phases() -> None:
    names = {p.full_name.casefold() for p in demo_people(STARTED)}
    several = [p for p in PROJECTS if len(p.admins) >= 3]
    assert [p.name for p in several] == ["Customer portal"]
    for project in PROJECTS:
        assert all(admin.casefold() in names for admin in project.admins), project.name
    assert [p.name for p in PROJECTS if not p.phases] == ["Volunteer app"]
    assert [p.name for p in PROJECTS if p.rate and p.rate <= 50] == ["Volunteer app"]


def test_work_follows_moves_and_odd_month_sprints() -> None:
    staff = {p.handle: p for p in demo_people(STARTED)}
    matias = staff["matias.niemi"]
    assert STARTED == dt.date(2022, 3, 7) and month_start(STARTED, 12) == dt.date(2023, 3, 1)
    assert matias.work_on(dt.date(2022, 7, 15))[0] == BI_REPORTS  # an odd month: the sprint
    assert matias.work_on(dt.date(2022, 6, 15))[0] not in PROJECT_OF["BI dashboards"]
    assert matias.work_on(dt.date(2023, 4, 12))[0] == PORTAL_DEVELOPMENT  # moved on 2023-03-01
    assert matias.work_on(dt.date(2023, 5, 12))[0] == BI_REPORTS  # sprints go on
    assert staff["eino.virtanen"].work_on(dt.date(2024, 2, 10))[0] == MOBILE_DEVELOPMENT
    assert staff["nelli.jokinen"].work_on(STARTED)[0] == WEB_DEVELOPMENT


def test_breaks_long_leaves_and_recurring_sick_days() -> None:
    staff = {p.handle: p for p in demo_people(STARTED)}
    toivo, minea = staff["toivo.tuominen"], staff["minea.rantanen"]
    gap = month_start(STARTED, 16)
    assert toivo.percent_on(gap) == 0 and toivo.percent_on(month_start(STARTED, 21)) == 100
    assert not any(c.holds(gap) for c in toivo.contracts)
    assert toivo.corrections[0].day == toivo.contracts[1].start  # the gap bridged
    (correction,) = minea.corrections
    assert not any(c.holds(correction.day) for c in minea.contracts)  # dated in the gap
    juho = staff["juho.karjalainen"]
    assert juho.leave_on(month_start(STARTED, 25)) == PARENTAL_LEAVE
    assert juho.leave_on(month_start(STARTED, 29)) is None
    mondays = [STARTED + dt.timedelta(weeks=w) for w in range(12)]
    sick = [d for d in mondays if staff["nelli.jokinen"].leave_on(d) == SICK_LEAVE]
    assert len(sick) == 4 and all((b - a).days == 21 for a, b in itertools.pairwise(sick))


def test_the_csv_files_hr_imports() -> None:
    staff = demo_people(STARTED)
    contracts = contracts_csv(staff).decode().splitlines()
    assert contracts[0] == "email,start_date,end_date,worktime_percent,flex_enabled"
    assert len(contracts) == 1 + sum(len(p.contracts) for p in staff)
    assert any(line.endswith(",60,true") for line in contracts)  # a part-timer
    assert any(line.endswith(",80,true") for line in contracts)
    assert sum(line.endswith(",false") for line in contracts) == 1  # flex disabled for a while
    assert "iida.salminen@example.com" in "\n".join(contracts)  # lower-cased from 10000ft
    corrections = corrections_csv(staff).decode().splitlines()
    assert corrections[0] == "email,date,adjust_by,set_to,note"
    assert len(corrections) == 1 + 5
