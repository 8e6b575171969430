"""Who may open the invoice and project pages: the admin and finance groups every one, a
project's admins their own projects', nobody else (models/invoices/visibility.py; the rule is
``models.permissions.may_see_invoices_of``). The sign-in middleware works out the person's
:class:`InvoiceScope` once per request."""

from __future__ import annotations

import uuid

from aiohttp import web

from models.invoices.visibility import NO_INVOICES, InvoiceScope
from web.app_keys import INVOICE_SCOPE_KEY
from web.auth import Forbidden
from web.site_errors import NotFound

NO_RIGHTS = (
    "Invoices are for the admin and finance groups and for each project's admins (the people "
    "its tags in 10000ft name); you are none of these."
)


def require_invoices(request: web.Request) -> InvoiceScope:
    """The person's scope; 403 when they may see no invoice at all."""
    scope = request.get(INVOICE_SCOPE_KEY, NO_INVOICES)
    if not scope.sees_any:
        raise Forbidden(NO_RIGHTS)
    return scope


def require_project(scope: InvoiceScope, project_id: int, project_name: str) -> None:
    """403 unless ``scope`` holds the project."""
    if not scope.holds(project_id):
        raise Forbidden(
            f"You see the invoices of the projects you administer only, and {project_name} is "
            "not one of them. The admin and finance groups see every invoice."
        )


def invoice_id_of(request: web.Request) -> uuid.UUID:
    """The path's invoice id; 404 when it is no UUID."""
    raw = request.match_info["invoice"]
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound(f"There is no invoice {raw[:80]!r}: an invoice's id is a UUID.") from None


def invoice_not_found(invoice_id: uuid.UUID) -> NotFound:
    return NotFound(
        f"There is no invoice {invoice_id}. The link may be out of date, or the hours have "
        "not been synced from 10000ft yet."
    )
