"""``/reports/early-care`` (HR): the sick-leave early-care report.

The rule is ``models.hr_reports.early_care`` (docs/domain-rules.md, "HR early-care report"),
with its limits and
the sick-leave type names from the settings; "today" is today in TIME_ZONE. People over a
limit are listed first with each period's first and last date; everyone else with sick leave
in the year is listed apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from core.clock import company_today
from models.hr_reports.early_care import EarlyCareRow, early_care_report
from models.people import Person
from models.permissions import Capability
from web.app_keys import SETTINGS_KEY
from web.auth import requires
from web.rendering import render


@dataclass(frozen=True, slots=True)
class ReportRow:
    name: str
    guid: str
    days: int
    period_count: int
    periods: list[str]  # "2025-01-02 … 2025-01-03 (2 days)"


def period_text(first_iso: str, last_iso: str, length: int) -> str:
    days = "1 day" if length == 1 else f"{length} days"
    span = first_iso if first_iso == last_iso else f"{first_iso} … {last_iso}"
    return f"{span} ({days})"


def report_row(row: EarlyCareRow, guids: dict[int, str]) -> ReportRow:
    return ReportRow(
        name=row.name,
        guid=guids.get(row.person_id, ""),
        days=row.days,
        period_count=len(row.periods),
        periods=[
            period_text(p.first.isoformat(), p.last.isoformat(), (p.last - p.first).days + 1)
            for p in row.periods
        ],
    )


@requires(Capability.SEE_HR_REPORTS)
async def early_care_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    today = company_today(settings)
    report = await early_care_report(
        today,
        settings.sick_leave_types,
        max_periods=settings.early_care_max_periods,
        max_days=settings.early_care_max_days,
    )
    ids = [row.person_id for row in (*report.flagged, *report.others)]
    guids = dict(await Person.filter(id__in=ids).values_list("id", "guid")) if ids else {}
    return render(
        request,
        "early_care.html",
        today=today,
        flagged=[report_row(row, guids) for row in report.flagged],
        others=[report_row(row, guids) for row in report.others],
        max_periods=settings.early_care_max_periods,
        max_days=settings.early_care_max_days,
        sick_leave_types=", ".join(settings.sick_leave_types),
    )


def add_early_care_routes(app: web.Application) -> None:
    app.router.add_get("/reports/early-care", early_care_page)
