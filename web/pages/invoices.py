"""``/invoices``: the invoices one may see, filtered by month, state, client, project and "has
problems", 100 to a page; ``/invoices/<uuid>``: one invoice in full; and its entries as
``/invoices/<uuid>/entries.csv`` and ``.xlsx``.

Who sees what: :mod:`web.invoice_access` (the admin and finance groups every invoice, a
project's admins their projects'; anyone else 403). The figures are the stored ones
(``models/invoices/listing.py``; the hours sync and fixed-row edits keep them current), the
checks' entries are judged by the figures' own rules (``models/invoices/invoice_entries.py``)
and the states and differences are worded as in Slack (``models/invoices/wording.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from aiohttp import web

from core.clock import company_today
from core.csv_cells import Cell, csv_document
from core.xlsx_document import xlsx_document
from models.invoices.check_history import check_history
from models.invoices.figures import (
    FIXED_ROWS_COPIED_STATES,
    ZERO,
    add_money,
    previous_month,
)
from models.invoices.invoice_entries import (
    EntryLine,
    by_phase_and_person,
    entries_by_check,
    load_invoice_entries,
    not_counted,
    sum_of,
)
from models.invoices.listing import ListedInvoice, list_invoices, load_listed_invoice
from models.invoices.records import Invoice, InvoiceFixedRow, InvoiceState, ProjectFixedRow
from models.invoices.refresh import rules_of
from models.invoices.review import check_records, invoice_summary, money_from_text, review_status
from models.invoices.visibility import InvoiceScope
from models.permissions import Capability, allows
from models.projects import Project
from web.app_keys import SETTINGS_KEY, WORKER_KEY
from web.auth import current_actor
from web.invoice_access import (
    invoice_id_of,
    invoice_not_found,
    require_invoices,
    require_project,
)
from web.invoice_text import STATES, template_helpers
from web.notices import take_notice
from web.page_params import flag_param, month_param, page_param
from web.rendering import page_links, render_in_slices, site_root
from web.site_errors import BadRequest, NotFound

PAGE_SIZE = 100
CLIENT_MAX = 255
#: The most entries listed under one check on the page (the exports list every entry).
ENTRIES_PER_CHECK = 500
ANY_STATE = "any"


# ------------------------------------------------------------------------------ the list


@dataclass(frozen=True)
class InvoiceFilters:
    month: str | None
    state: str | None
    client: str
    project: Project | None
    problems: bool

    def kept(self) -> dict[str, str]:
        """The filters as query parameters (empty ones left out by ``query_string``)."""
        return {
            "month": self.month or "",
            "state": (self.state or "").lower(),
            "client": self.client,
            "project": self.project.guid if self.project else "",
            "problems": "1" if self.problems else "",
        }


async def invoice_filters(request: web.Request, scope: InvoiceScope) -> InvoiceFilters:
    month = month_param(request)
    raw_state = request.query.get("state", "").strip().lower()
    states = {state.lower(): state for state in STATES}
    if raw_state not in ("", ANY_STATE, *states):
        raise BadRequest(
            f"state must be one of {', '.join(s.lower() for s in STATES)}; got {raw_state[:40]!r}."
        )
    client = request.query.get("client", "").strip()
    if len(client) > CLIENT_MAX:
        raise BadRequest(f"client is longer than {CLIENT_MAX} characters.")
    project = None
    guid = request.query.get("project", "").strip()
    if guid:
        project = await Project.get_or_none(guid=guid[:64])
        if project is None:
            raise NotFound(f"No project has the 10000ft guid {guid[:64]!r}.")
        require_project(scope, project.id, project.name)
    return InvoiceFilters(
        month=month,
        state=states.get(raw_state),
        client=client,
        project=project,
        problems=flag_param(request, "problems"),
    )


async def visible_clients(scope: InvoiceScope) -> list[str]:
    """The clients whose invoices the person sees, by name (for the client filter)."""
    query = Invoice.filter(project__client__name__isnull=False)
    if not scope.everything:
        query = query.filter(project_id__in=sorted(scope.project_ids))
    names = (
        await query.order_by("project__client__name")
        .distinct()
        .values_list("project__client__name", flat=True)
    )
    return sorted({str(name) for name in names}, key=str.casefold)


@dataclass(frozen=True)
class ListTotals:
    invoices: int
    hours: Decimal
    billable_hours: Decimal
    money: dict[str, Decimal]


async def invoices_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    rules = rules_of(settings)
    scope = require_invoices(request)
    filters = await invoice_filters(request, scope)
    year = month = None
    if filters.month:
        year, month = (int(part) for part in filters.month.split("-"))
    invoices = await list_invoices(
        year=year,
        month=month,
        project_id=filters.project.id if filters.project else None,
        project_ids=None if scope.everything else scope.project_ids,
        state=filters.state,
        client=filters.client or None,
    )
    if filters.problems:
        invoices = [invoice for invoice in invoices if invoice.has_problems]
    pages = max(1, math.ceil(len(invoices) / PAGE_SIZE))
    page = min(page_param(request), pages)
    shown = invoices[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    totals = ListTotals(
        invoices=len(invoices),
        hours=sum((i.figures.hours for i in invoices), ZERO),
        billable_hours=sum((i.figures.billable_hours for i in invoices), ZERO),
        money=add_money(*(i.money(rules) for i in invoices)),
    )
    path = site_root(settings) + "/invoices"
    kept = filters.kept()
    newer, older = page_links(path, kept, page, pages)
    return await render_in_slices(
        request,
        "invoices.html",
        section="invoices",
        invoices=shown,
        filters=filters,
        kept=kept,
        clients=await visible_clients(scope),
        states=[(state.lower(), state) for state in STATES],
        everything=scope.everything,
        totals=totals,
        page=page,
        pages=pages,
        rules=rules,
        newer=newer,
        older=older,
        stale=any(invoice.stale(rules) for invoice in shown),
        **template_helpers(),
    )


# ------------------------------------------------------------------------------ one invoice


@dataclass(frozen=True)
class ApprovalBaseline:
    """What the approver saw (hours, hour money), when the invoice is approved."""

    hours: Decimal
    money: dict[str, Decimal]


async def visible_invoice(request: web.Request) -> tuple[Invoice, ListedInvoice]:
    """The path's invoice with its project and client, if the person may see it: 403 for
    someone who sees no invoices at all, 404 for an unknown or malformed id, 403 for another
    project's invoice."""
    scope = require_invoices(request)
    invoice_id = invoice_id_of(request)
    invoice = (
        await Invoice.filter(id=invoice_id).select_related("project", "project__client").first()
    )
    listed = await load_listed_invoice(invoice_id) if invoice is not None else None
    if invoice is None or listed is None:
        raise invoice_not_found(invoice_id)
    require_project(scope, invoice.project.id, invoice.project.name)
    return invoice, listed


async def invoice_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    rules = rules_of(settings)
    invoice, listed = await visible_invoice(request)
    project = invoice.project
    state = InvoiceState(invoice.state)
    summary = invoice_summary(
        invoice, rules.currency, review_status(state, await check_records(invoice.id))
    )
    lines = await load_invoice_entries(
        project.id, invoice.year, invoice.month, internal_project=project.is_internal, rules=rules
    )
    checks = listed.figures.checks.as_dict()
    flagged = entries_by_check(lines, checks)
    own_rows = await InvoiceFixedRow.filter(invoice_id=invoice.id).order_by("id")
    project_rows = (
        []
        if state.value in FIXED_ROWS_COPIED_STATES
        else await ProjectFixedRow.filter(project_id=project.id).order_by("id")
    )
    previous_year, previous_month_number = previous_month(invoice.year, invoice.month)
    previous_id = await Invoice.filter(
        project_id=project.id, year=previous_year, month=previous_month_number
    ).values_list("id", flat=True)
    baseline = (
        ApprovalBaseline(Decimal(invoice.approved_hours), money_from_text(invoice.approved_money))
        if invoice.approved_hours is not None
        else None
    )
    return await render_in_slices(
        request,
        "invoice.html",
        section="invoices",
        invoice=listed,
        summary=summary,
        project=project,
        client=project.client.name if project.client else "",
        rules=rules,
        total_money=listed.money(rules),
        comparison=listed.comparison,
        previous_id=str(previous_id[0]) if previous_id else "",
        previous_period=f"{previous_year:04d}-{previous_month_number:02d}",
        checks=checks,
        flagged=flagged,
        entries_per_check=ENTRIES_PER_CHECK,
        phases=by_phase_and_person(lines),
        counted=sum_of(line for line in lines if line.counted),
        left_out=not_counted(lines),
        own_rows=own_rows,
        project_rows=project_rows,
        history=await check_history(invoice.id),
        baseline=baseline,
        stale=listed.stale(rules),
        may_edit_rows=allows(current_actor(request), Capability.EDIT_FIXED_ROWS),
        closed=(invoice.year, invoice.month) < _this_month(request),
        time_zone=settings.time_zone,
        tz=settings.tz,
        notice=await take_notice(request),
        **template_helpers(),
    )


def _this_month(request: web.Request) -> tuple[int, int]:
    today = company_today(request.app[SETTINGS_KEY])
    return today.year, today.month


# ------------------------------------------------------------------------------ exports

EXPORT_HEADER = (
    "date",
    "person",
    "email",
    "phase",
    "category",
    "notes",
    "status",
    "hours",
    "bill_rate",
    "billable",
    "counted",
    "money",
    "problems",
)


def export_row(line: EntryLine) -> list[Cell]:
    """One entry: numbers as numbers, the rest as text (neutralised in the CSV)."""
    return [
        line.date,
        line.person_name,
        line.person_email,
        line.phase,
        line.category,
        line.notes,
        line.status,
        line.hours,
        line.bill_rate,
        "yes" if line.billable else "no",
        "yes" if line.counted else "no",
        line.money,
        "; ".join(line.problems.values()),
    ]


async def export_rows(request: web.Request) -> tuple[Invoice, list[list[Cell]]]:
    settings = request.app[SETTINGS_KEY]
    invoice, _ = await visible_invoice(request)
    project = invoice.project
    lines = await load_invoice_entries(
        project.id,
        invoice.year,
        invoice.month,
        internal_project=project.is_internal,
        rules=rules_of(settings),
    )
    return invoice, [export_row(line) for line in lines]


def attachment(invoice: Invoice, suffix: str) -> dict[str, str]:
    filename = f"invoice-entries-{invoice.period}-{invoice.id}.{suffix}"
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }


async def entries_csv(request: web.Request) -> web.Response:
    invoice, rows = await export_rows(request)
    # A byte order mark first: without it Excel reads UTF-8 names (ä, ö) as Latin-1.
    body = "\ufeff" + csv_document(EXPORT_HEADER, rows)
    return web.Response(
        text=body, content_type="text/csv", charset="utf-8", headers=attachment(invoice, "csv")
    )


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def entries_xlsx(request: web.Request) -> web.Response:
    invoice, rows = await export_rows(request)
    # Written in the site's worker process: a month of a big project is thousands of rows.
    body = await request.app[WORKER_KEY].run(xlsx_document, "Entries", EXPORT_HEADER, rows)
    return web.Response(body=body, content_type=XLSX_TYPE, headers=attachment(invoice, "xlsx"))


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/invoices", invoices_page)
    router.add_get("/invoices/{invoice}", invoice_page)
    router.add_get("/invoices/{invoice}/entries.csv", entries_csv)
    router.add_get("/invoices/{invoice}/entries.xlsx", entries_xlsx)
