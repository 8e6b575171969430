"""``/``: what waits for the signed-in person.

Everyone sees their own flex saldo (the words `/flex-hours` uses) and their unsubmitted hours.
HR also sees the people outside the healthy band and the contract problems (computed for the
whole company in the site's worker process, off the event loop); admins see the kinds whose
latest sync failed; whoever may see invoices, the ones waiting for them (their approval as a
project's admin, a number or sending for finance). Nothing here shows one person's figures to
anyone but that person and HR.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from aiohttp import web

from core.clock import company_today, company_yesterday
from core.formatting import format_hours, hours_figure
from core.settings import Settings
from models.bookkeeping import SyncRun
from models.flex.company import CompanyFlex, ListedPerson, listed_people
from models.flex.report import flex_report_for
from models.flex.saldo import BandPosition, band_position
from models.flex.wording import band_text, change_text, report_text, saldo_sentence
from models.invoices.waiting import (
    WaitingInvoice,
    invoices_waiting_for,
    invoices_waiting_for_finance,
)
from models.notifications.contract_report import problems_by_person as grouped_problems
from models.people import Person
from models.permissions import Capability, allows
from models.unsubmitted_hours import unsubmitted_hours_of
from sync.dispatch import ALL_KINDS
from sync.runs import latest_runs
from web.app_keys import INVOICE_SCOPE_KEY, SETTINGS_KEY
from web.auth import current_actor, current_person
from web.company_flex import company_flex_for
from web.rendering import render_in_slices


@dataclass(frozen=True, slots=True)
class MySaldo:
    sentence: str  # the saldo, or why there is none
    change: str
    band: str
    position: BandPosition | None


@dataclass(frozen=True, slots=True)
class OutsideBand:
    name: str
    guid: str
    saldo: Decimal
    saldo_text: str
    position: BandPosition


@dataclass(frozen=True, slots=True)
class PersonProblems:
    name: str
    guid: str
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class FailedSync:
    kind: str
    started: str
    error: str


async def my_saldo(person: Person, settings: Settings) -> MySaldo:
    report = await flex_report_for(person, settings)
    result = report.result
    if report.has_saldo and result is not None and result.saldo is not None:
        saldo = result.saldo
        return MySaldo(
            sentence=saldo_sentence(person.full_name, saldo),
            change=change_text(result.change_from_last_month),
            band=band_text(saldo, settings.flex_max_minus, settings.flex_max_plus),
            position=band_position(saldo, settings.flex_max_minus, settings.flex_max_plus),
        )
    return MySaldo(report_text(report, about_self=True), "", "", None)


def outside_band(
    people: list[ListedPerson], company: CompanyFlex, max_minus: Decimal, max_plus: Decimal
) -> list[OutsideBand]:
    """People whose saldo is below or above the band, the furthest out first."""
    rows = []
    for person in people:
        summary = company.saldos.get(person.id)
        if summary is None or summary.saldo is None:
            continue
        position = band_position(summary.saldo, max_minus, max_plus)
        if position != "inside":
            rows.append(
                OutsideBand(
                    person.full_name,
                    person.guid,
                    summary.saldo,
                    format_hours(summary.saldo),
                    position,
                )
            )

    def distance(row: OutsideBand) -> Decimal:
        return max_minus - row.saldo if row.position == "below" else row.saldo - max_plus

    return sorted(rows, key=lambda r: (-distance(r), r.name.casefold()))


def problems_by_person(people: list[ListedPerson], company: CompanyFlex) -> list[PersonProblems]:
    return [
        PersonProblems(found.person.full_name, found.person.guid, found.reasons)
        for found in grouped_problems(people, company.problems)
    ]


async def failed_syncs(settings: Settings) -> list[FailedSync]:
    """Kinds whose latest run failed, with when (in TIME_ZONE) and why."""
    latest = await latest_runs(ALL_KINDS)
    return [
        FailedSync(kind, run_started(run, settings), run.error or "no reason recorded")
        for kind, run in latest.items()
        if run.status == "failed"
    ]


def run_started(run: SyncRun, settings: Settings) -> str:
    return run.started_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")


async def start_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    person = current_person(request)
    actor = current_actor(request)
    as_of = company_yesterday(settings)
    unsubmitted = await unsubmitted_hours_of(person.id, company_today(settings))

    hr: dict[str, object] = {}
    if allows(actor, Capability.SEE_PEOPLE):
        people = [person for person in await listed_people() if person.in_flex_batch]
        company = await company_flex_for(request, [person.id for person in people], as_of)
        hr = {
            "outside": outside_band(
                people, company, settings.flex_max_minus, settings.flex_max_plus
            ),
            "problems": problems_by_person(people, company),
        }
    failed = await failed_syncs(settings) if allows(actor, Capability.SEE_SYNCS) else None
    invoices: dict[str, list[WaitingInvoice]] = {"approve": [], "finance": []}
    if request[INVOICE_SCOPE_KEY].sees_any:
        today = company_today(settings)
        invoices["approve"] = await invoices_waiting_for(person.id, today, settings.hours_currency)
        if allows(actor, Capability.SET_INVOICE_NUMBER):
            invoices["finance"] = await invoices_waiting_for_finance(today, settings.hours_currency)

    return await render_in_slices(
        request,
        "start.html",
        person=person,
        as_of=as_of,
        mine=await my_saldo(person, settings),
        unsubmitted=unsubmitted,
        unsubmitted_hours=hours_figure(unsubmitted.hours),
        hr=hr,
        failed=failed,
        invoices=invoices,
        band_min=format_hours(settings.flex_max_minus),
        band_max=format_hours(settings.flex_max_plus),
        workday=format_hours(settings.workday_hours)[1:],
        time_zone=settings.time_zone,
    )


def add_start_routes(app: web.Application) -> None:
    app.router.add_get("/", start_page)
