"""The forms that add, edit and delete fixed rows: a project's
(``/projects/<guid>/fixed-rows/new``, ``.../<id>``, ``.../<id>/delete``) and one invoice's
(the same under ``/invoices/<uuid>/fixed-rows``). Finance only (Capability.EDIT_FIXED_ROWS):
anyone else gets 403 before the form is read, so a forged POST changes nothing.

Posting saves through :mod:`models.invoices.fixed_row_edits` (checked field by field, saved
with its audit row, the figures refreshed in the same transaction). A refused form comes back
(400) with the typed values and each problem beside its field; a saved one redirects (303) to
the project's or invoice's page with a one-time notice. Delete asks first, then deletes on POST.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web

from core.formatting import format_money
from models.invoices.fixed_row_edits import (
    DESCRIPTION_MAX,
    FIXED_ROW_FIELDS,
    FieldProblem,
    FixedRowRejected,
    SavedRow,
    delete_invoice_fixed_row,
    delete_project_fixed_row,
    fixed_row_values,
    save_invoice_fixed_row,
    save_project_fixed_row,
)
from models.invoices.records import InvoiceFixedRow, ProjectFixedRow
from models.permissions import Capability
from web.app_keys import SETTINGS_KEY
from web.auth import View, audit_actor, requires
from web.edit_forms import FormViews, posted_values, render_form
from web.notices import leave_notice
from web.pages.invoices import visible_invoice
from web.pages.projects import visible_project
from web.rendering import render, site_root
from web.site_errors import NotFound

StoredRow = ProjectFixedRow | InvoiceFixedRow


@dataclass(frozen=True)
class RowOwner:
    """A project or an invoice, as the fixed-row forms need it."""

    name: str
    """How pages name it: "Acme portal" or "Acme portal, 2025-01"."""
    path: str
    """Its page (the forms return there)."""
    crumbs: tuple[tuple[str, str], ...]
    """(label, link) from the invoice list down to the owner's page."""
    explanation: str
    currency: str
    """A new row's currency (HOURS_CURRENCY)."""
    find: Callable[[int], Awaitable[StoredRow | None]]
    save: Callable[[Mapping[str, str], str, int | None], Awaitable[SavedRow]]
    delete: Callable[[int, str], Awaitable[Any]]

    @property
    def rows_path(self) -> str:
        return self.path + "/fixed-rows"


async def project_owner(request: web.Request) -> RowOwner:
    settings = request.app[SETTINGS_KEY]
    project = await visible_project(request)
    path = f"{site_root(settings)}/projects/{quote(project.guid, safe='')}"

    async def find(pk: int) -> StoredRow | None:
        return await ProjectFixedRow.get_or_none(id=pk, project_id=project.id)

    return RowOwner(
        name=project.name,
        path=path,
        crumbs=((project.name, path),),
        explanation=(
            "A project's fixed rows are billed with each of its invoices; when an invoice gets "
            "its number (Preview) they are copied onto it, and later changes here no longer "
            "touch that invoice."
        ),
        currency=settings.hours_currency,
        find=find,
        save=lambda values, actor, pk: save_project_fixed_row(
            project, values, actor=actor, row_id=pk
        ),
        delete=lambda pk, actor: delete_project_fixed_row(project, pk, actor=actor),
    )


async def invoice_owner(request: web.Request) -> RowOwner:
    settings = request.app[SETTINGS_KEY]
    invoice, _ = await visible_invoice(request)
    project = invoice.project
    root = site_root(settings)
    path = f"{root}/invoices/{invoice.id}"

    async def find(pk: int) -> StoredRow | None:
        return await InvoiceFixedRow.get_or_none(id=pk, invoice_id=invoice.id)

    return RowOwner(
        name=f"{project.name}, {invoice.period}",
        path=path,
        crumbs=(
            (project.name, f"{root}/projects/{quote(project.guid, safe='')}"),
            (invoice.period, path),
        ),
        explanation="An invoice's own fixed rows are billed with this invoice only.",
        currency=settings.hours_currency,
        find=find,
        save=lambda values, actor, pk: save_invoice_fixed_row(
            invoice, project, values, actor=actor, row_id=pk
        ),
        delete=lambda pk, actor: delete_invoice_fixed_row(invoice, project, pk, actor=actor),
    )


OwnerOf = Callable[[web.Request], Awaitable[RowOwner]]


def row_name(row: StoredRow) -> str:
    return f"{row.description} ({format_money(row.price)} {row.currency})"


async def _stored(request: web.Request, owner: RowOwner) -> StoredRow:
    pk = int(request.match_info["pk"])
    row = await owner.find(pk)
    if row is None:
        raise NotFound(f"{owner.name} has no fixed row with the id {pk}.")
    return row


def _form_page(
    request: web.Request,
    owner: RowOwner,
    *,
    values: Mapping[str, str],
    stored: StoredRow | None,
    problems: Sequence[FieldProblem] = (),
) -> web.Response:
    return render_form(
        request,
        "fixed_row_form.html",
        problems=problems,
        section="invoices",
        owner=owner,
        values=values,
        stored=stored,
        stored_name=row_name(stored) if stored is not None else "",
        description_max=DESCRIPTION_MAX,
        action=owner.rows_path + ("" if stored is None else f"/{stored.pk}"),
    )


def _new_form(owner_of: OwnerOf) -> View:
    @requires(Capability.EDIT_FIXED_ROWS)
    async def view(request: web.Request) -> web.Response:
        owner = await owner_of(request)
        blank = {"description": "", "price": "", "currency": owner.currency}
        return _form_page(request, owner, values=blank, stored=None)

    return view


def _edit_form(owner_of: OwnerOf) -> View:
    @requires(Capability.EDIT_FIXED_ROWS)
    async def view(request: web.Request) -> web.Response:
        owner = await owner_of(request)
        stored = await _stored(request, owner)
        return _form_page(request, owner, values=fixed_row_values(stored), stored=stored)

    return view


def _save(owner_of: OwnerOf, new: bool) -> View:
    @requires(Capability.EDIT_FIXED_ROWS)
    async def view(request: web.Request) -> web.Response:
        owner = await owner_of(request)
        stored = None if new else await _stored(request, owner)
        values = posted_values(await request.post(), FIXED_ROW_FIELDS)
        try:
            saved = await owner.save(
                values, audit_actor(request), None if stored is None else stored.pk
            )
        except FixedRowRejected as rejected:
            return _form_page(
                request, owner, values=values, stored=stored, problems=rejected.problems
            )
        except LookupError:
            raise NotFound(f"That fixed row of {owner.name} was deleted meanwhile.") from None
        name = row_name(saved.row)
        if saved.outcome == "unchanged":
            text = f"Nothing changed: the fixed row {name} of {owner.name} was already so."
        else:
            done = "added" if saved.outcome == "created" else "updated"
            text = f"The fixed row {name} of {owner.name} was {done}."
        await leave_notice(request, text)
        raise web.HTTPSeeOther(owner.path + "#fixed-rows")

    return view


def _delete_form(owner_of: OwnerOf) -> View:
    @requires(Capability.EDIT_FIXED_ROWS)
    async def view(request: web.Request) -> web.Response:
        owner = await owner_of(request)
        stored = await _stored(request, owner)
        return render(
            request,
            "fixed_row_delete.html",
            section="invoices",
            owner=owner,
            stored_name=row_name(stored),
            action=f"{owner.rows_path}/{stored.pk}/delete",
        )

    return view


def _delete(owner_of: OwnerOf) -> View:
    @requires(Capability.EDIT_FIXED_ROWS)
    async def view(request: web.Request) -> web.Response:
        owner = await owner_of(request)
        stored = await _stored(request, owner)
        try:
            await owner.delete(stored.pk, audit_actor(request))
        except LookupError:
            raise NotFound(f"That fixed row of {owner.name} was deleted meanwhile.") from None
        text = f"The fixed row {row_name(stored)} of {owner.name} was deleted."
        await leave_notice(request, text)
        raise web.HTTPSeeOther(owner.path + "#fixed-rows")

    return view


_VIEWS = FormViews(_new_form, _save, _edit_form, _delete_form, _delete)


def add_routes(app: web.Application) -> None:
    _VIEWS.add_routes(app, "/projects/{guid}/fixed-rows", project_owner)
    _VIEWS.add_routes(app, "/invoices/{invoice}/fixed-rows", invoice_owner)
