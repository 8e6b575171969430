"""Query parameters shared by the admin pages, checked before anything is loaded."""

from __future__ import annotations

import datetime as dt
import re

from aiohttp import web

from core.clock import company_yesterday
from core.days import iso_day
from core.formatting import quoted
from core.settings import Settings
from models.flex.as_of import as_of_problem
from web.site_errors import BadRequest

ISO_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


def as_of_param(request: web.Request, settings: Settings) -> tuple[dt.date, bool]:
    """``?as_of=YYYY-MM-DD`` (default: yesterday in TIME_ZONE) and whether it was given."""
    raw = request.query.get("as_of", "").strip()
    if not raw:
        return company_yesterday(settings), False
    as_of = iso_day(raw)
    if as_of is None:
        raise BadRequest(
            f"as_of must be a date written YYYY-MM-DD, like 2025-01-31; got {quoted(raw)}."
        )
    problem = as_of_problem("as_of", as_of, settings)
    if problem:
        raise BadRequest(f"{problem}.")
    return as_of, True


def flag_param(request: web.Request, name: str) -> bool:
    """A checkbox-style flag: ``?name=1`` (or on/yes/true) is set, absent or empty is not."""
    raw = request.query.get(name, "").strip().lower()
    if raw in ("", "0", "no", "false", "off"):
        return False
    if raw in ("1", "yes", "true", "on"):
        return True
    raise BadRequest(f"{name} must be 1 or 0; got {raw[:40]!r}.")


def choice_param(request: web.Request, name: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (the first is the default)."""
    raw = request.query.get(name, "").strip().lower()
    if not raw:
        return choices[0]
    if raw not in choices:
        raise BadRequest(f"{name} must be one of {', '.join(choices)}; got {raw[:40]!r}.")
    return raw


def month_param(request: web.Request, name: str = "month") -> str | None:
    """``?month=YYYY-MM``, or None when absent."""
    raw = request.query.get(name, "").strip()
    if not raw:
        return None
    if not ISO_MONTH.fullmatch(raw):
        raise BadRequest(f"{name} must be a month written YYYY-MM, like 2025-01; got {raw[:40]!r}.")
    return raw


def page_param(request: web.Request) -> int:
    """``?page=N`` of a paginated list (default 1)."""
    raw = request.query.get("page", "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        raise BadRequest(f"page must be a page number (1, 2, …); got {raw[:40]!r}.")
    return int(raw)
