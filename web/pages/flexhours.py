"""``/users/<guid>/flexhours``: one person's flex saldo with everything behind the number.

Seen by the person and by HR only (``may_see_flex``): anyone else gets 403 whether or not the
guid exists. The figures come from ``flex_for_person`` (the engine Slack and the CLI use),
and the sentences from the Slack replies' wording, so the page and ``/flex-hours`` always
agree; a month-end saldo chart (inline SVG) sits above the monthly summary. The AWS accounts
named like the person are listed with their latest month's total per currency, the month a
link to ``/aws/<account>/<YYYY-MM>`` for a viewer who may open ``/aws``.
"""

from __future__ import annotations

from aiohttp import web

from core.formatting import format_hours
from models.aws_billing.overview import account_overviews
from models.flex.contracts import FlexCorrection, WorkContract
from models.flex.data import flex_for_person
from models.flex.report import FlexReport
from models.flex.saldo import Contract, Correction
from models.flex.wording import band_text, change_text, report_text, saldo_sentence
from models.people_directory import person_by_guid
from models.permissions import Capability, allows, may_see_flex, refusal
from web.app_keys import SETTINGS_KEY
from web.auth import Forbidden, current_actor
from web.band_gauge import gauge_coordinates
from web.flex_tables import (
    contract_rows,
    correction_rows,
    day_months,
    month_rows,
    month_totals,
)
from web.invoice_text import money_parts
from web.page_params import as_of_param, month_param
from web.rendering import render_in_slices
from web.saldo_chart import saldo_chart
from web.site_errors import NotFound


async def flexhours_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    as_of, as_of_given = as_of_param(request, settings)
    open_month = month_param(request)
    guid = request.match_info["guid"]
    actor = current_actor(request)
    person = await person_by_guid(guid)
    if person is None or not may_see_flex(actor, person.id):
        if not allows(actor, Capability.SEE_FLEX_OF_OTHERS):
            raise Forbidden(
                "You can open your own flex hours only. " + refusal(Capability.SEE_FLEX_OF_OTHERS)
            )
        raise NotFound(
            f"No person with the 10000ft guid {guid[:80]!r} is known here. The link may be "
            "out of date, or people have not been synced from 10000ft yet."
        )
    result = await flex_for_person(person, as_of, settings)
    contracts = [
        Contract(start, end, int(percent), bool(flex))
        for start, end, percent, flex in await WorkContract.filter(person_id=person.id).values_list(
            "start_date", "end_date", "worktime_percent", "flex_enabled"
        )
    ]
    corrections = [
        (Correction(day, adjust_by, set_to), note)
        for day, adjust_by, set_to, note in await FlexCorrection.filter(
            person_id=person.id
        ).values_list("date", "adjust_by", "set_to", "note")
    ]

    saldo = result.saldo
    summary: dict[str, object] = {}
    if result.ok and saldo is not None:
        summary = {
            "sentence": saldo_sentence(person.full_name, saldo),
            "change": change_text(result.change_from_last_month),
            "band": band_text(saldo, settings.flex_max_minus, settings.flex_max_plus),
            "gauge": gauge_coordinates(saldo, settings.flex_max_minus, settings.flex_max_plus),
        }
    problem = ""
    if not result.ok:
        report = FlexReport(person.full_name, person.guid, result.status, as_of, result)
        problem = report_text(report, about_self=False)

    return await render_in_slices(
        request,
        "flexhours.html",
        person=person,
        as_of=as_of,
        as_of_given=as_of_given,
        result=result,
        summary=summary,
        problem=problem,
        band_min=format_hours(settings.flex_max_minus),
        band_max=format_hours(settings.flex_max_plus),
        contracts=contract_rows(contracts, result, settings.workday_hours),
        corrections=correction_rows(corrections, result),
        months=month_rows(result.months),
        chart=saldo_chart(result.months, settings.flex_max_minus, settings.flex_max_plus),
        own_page=person.id == actor.person_id,
        totals=month_totals(result.months),
        day_months=day_months(result, open_month),
        as_of_param=as_of.isoformat() if as_of_given else "",
        aws_accounts=await account_overviews(person_id=person.id),
        money_parts=money_parts,
    )


def add_flexhours_routes(app: web.Application) -> None:
    app.router.add_get("/users/{guid}/flexhours", flexhours_page)
