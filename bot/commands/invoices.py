"""`financebot invoices [--month YYYY-MM] [--project GUID] [--json]`: invoices and their figures.

Read-only: prints the figures stored on each invoice (``models/invoices/``; the hours sync
keeps them current), newest month first, then by client and project. A table by default (with
the project's totals under it when ``--project`` is given); ``--json`` prints a list with one
object per invoice, in the shape the README gives:

- ``uuid``, ``project_guid``, ``project``, ``client`` (null without one), ``month``
  (``YYYY-MM``), ``state``;
- ``hours``, ``billable_hours``, ``average_rate``, ``billable_share`` (a fraction, 0–1) and
  every amount are **decimal strings**, exact and with at least two decimals (``"7.50"``,
  ``"0.1234"``); hours and money are exact sums, average rate and billable share are rounded
  half up to six decimals;
- ``money``: currency → amount; the hour money is under HOURS_CURRENCY (always present, also
  when 0), fixed rows and AWS billing are added to their own currencies;
- ``checks`` (``odd_rate``, ``non_billable``, ``non_phase_specific``, ``not_approved``,
  ``empty_notes``, ``no_category``: entry counts) and ``incorrect_entries`` (their sum);
- ``previous_month``: null when the project has no invoice for the calendar month before;
  else ``hours``, ``average_rate`` and ``money`` (the hour money, the one the "remarkable"
  rule compares), each ``{"diff", "percentage"}`` with ``percentage`` null when the previous
  value is 0, and ``remarkable``.

A malformed ``--month`` or ``--project``, or an unknown project, ends with one line and
status 1; so does a database without invoices. A filter that matches nothing prints an empty
table or ``[]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from decimal import Decimal
from typing import Any

from bot.terminal_table import print_table
from core.db import DatabaseError, open_database
from core.errors import CommandError
from core.formatting import format_money, hours_figure
from core.settings import Settings
from models.invoices.figures import Change, InvoiceRules, ProjectTotals
from models.invoices.listing import ListedInvoice, list_invoices, project_totals_of
from models.invoices.records import Invoice
from models.invoices.refresh import refresh_stale_invoice_figures, rules_of
from models.projects import Project

MONTH = re.compile(r"(\d{4})-(\d{2})")
GUID = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,63}")
NO_INVOICES_YET = "no invoices in the database yet: run `financebot sync hours` first"
STALE_NOTE = (
    "note: invoice figures were computed with other HOURS_CURRENCY/BILL_RATE_MIN/BILL_RATE_MAX "
    "settings (or never); recomputed them with today's first"
)
CHECK_NAMES = {
    "odd_rate": "odd rate",
    "non_billable": "non-billable",
    "non_phase_specific": "non phase specific",
    "not_approved": "not approved",
    "empty_notes": "empty notes",
    "no_category": "no category",
}


def parse_month(text: str) -> tuple[int, int]:
    match = MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        raise CommandError(f"--month must be a month as YYYY-MM (e.g. 2026-10), not {text!r}")
    return int(match[1]), int(match[2])


def parse_guid(text: str) -> str:
    guid = text.strip()
    if GUID.fullmatch(guid) is None:
        raise CommandError(f"--project must be a 10000ft project GUID, not {text[:80]!r}")
    return guid


def decimal_text(value: Decimal) -> str:
    """Exact, without exponent, at least two decimals: ``7.50``, ``0.1234``, ``-3.00``."""
    if value == 0:
        return "0.00"
    if value == value.quantize(Decimal("0.01")):
        return f"{value:.2f}"
    return format(value.normalize(), "f")


def change_json(change: Change) -> dict[str, str | None]:
    return {
        "diff": decimal_text(change.diff),
        "percentage": None if change.percentage is None else decimal_text(change.percentage),
    }


def invoice_json(invoice: ListedInvoice, rules: InvoiceRules) -> dict[str, Any]:
    figures = invoice.figures
    comparison = invoice.comparison
    return {
        "uuid": str(invoice.id),
        "project_guid": invoice.project_guid,
        "project": invoice.project_name,
        "client": invoice.client_name,
        "month": invoice.period,
        "state": invoice.state,
        "hours": decimal_text(figures.hours),
        "billable_hours": decimal_text(figures.billable_hours),
        "money": {
            currency: decimal_text(amount) for currency, amount in invoice.money(rules).items()
        },
        "average_rate": decimal_text(figures.average_rate),
        "billable_share": decimal_text(figures.billable_share),
        "checks": figures.checks.as_dict(),
        "incorrect_entries": figures.incorrect_entries,
        "previous_month": None
        if comparison is None
        else {
            "hours": change_json(comparison.hours),
            "average_rate": change_json(comparison.average_rate),
            "money": change_json(comparison.money),
            "remarkable": comparison.remarkable,
        },
    }


def money_text(amounts: dict[str, Decimal]) -> str:
    return ", ".join(f"{format_money(amount)} {currency}" for currency, amount in amounts.items())


def checks_text(invoice: ListedInvoice) -> str:
    counts = invoice.figures.checks.as_dict()
    return ", ".join(f"{n} {CHECK_NAMES[name]}" for name, n in counts.items() if n)


def change_text(invoice: ListedInvoice) -> str:
    comparison = invoice.comparison
    if comparison is None:
        return "-"
    diff = comparison.hours.diff
    text = f"{'+' if diff >= 0 else ''}{hours_figure(diff)}h"
    if comparison.hours.percentage is not None:
        percentage = comparison.hours.percentage
        text += f" ({'+' if percentage >= 0 else ''}{hours_figure(percentage)}%)"
    return text


def print_invoices(invoices: list[ListedInvoice], rules: InvoiceRules, title: str) -> None:
    headers = [
        "",
        "month",
        "client",
        "project",
        "state",
        "hours",
        "billable",
        "money",
        "avg rate",
        "billable %",
        "incorrect",
        "checks",
        "vs last month",
    ]
    rows = []
    marked = []
    for invoice in invoices:
        figures = invoice.figures
        comparison = invoice.comparison
        remarkable = bool(comparison and comparison.remarkable)
        marked.append(remarkable)
        rows.append(
            [
                "!" if remarkable else "",
                invoice.period,
                invoice.client_name or "",
                invoice.project_name,
                invoice.state,
                hours_figure(figures.hours),
                hours_figure(figures.billable_hours),
                money_text(invoice.money(rules)),
                format_money(figures.average_rate),
                hours_figure(figures.billable_share * 100),
                str(figures.incorrect_entries),
                checks_text(invoice),
                change_text(invoice),
            ]
        )
    print_table(title, headers, rows, marked)
    if any(marked):
        print("! a remarkable change from the month before")


def print_totals(project: Project, totals: ProjectTotals, rules: InvoiceRules) -> None:
    print()
    print(f"Totals of {project.name} ({totals.invoices} invoices):")
    print(f"  hours          {hours_figure(totals.hours)}")
    print(f"  money          {money_text(totals.money)}")
    print(f"    from hours   {money_text({rules.currency: totals.hour_money})}")
    if totals.fixed_rows:
        print(f"    fixed rows   {money_text(totals.fixed_rows)}")
    if totals.aws_billing:
        print(f"    AWS billing  {money_text(totals.aws_billing)}")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    rules = rules_of(settings)
    year = month = None
    if args.month is not None:
        year, month = parse_month(args.month)
    guid = parse_guid(args.project) if args.project is not None else None
    try:
        async with open_database(settings.database_url):
            if not await Invoice.exists():
                raise CommandError(NO_INVOICES_YET)
            # Figures are a cache of the entries under the current settings: never print
            # figures computed under other bounds or another currency.
            if await refresh_stale_invoice_figures(rules) is not None:
                print(STALE_NOTE, file=sys.stderr)
            project = None
            if guid is not None:
                project = await Project.get_or_none(guid=guid)
                if project is None:
                    raise CommandError(f"no project with GUID {guid!r}")
            invoices = await list_invoices(
                year=year, month=month, project_id=project.id if project else None
            )
            totals = await project_totals_of(project, rules) if project else None
    except DatabaseError as exc:
        raise CommandError(str(exc)) from exc
    if args.json:
        print(json.dumps([invoice_json(invoice, rules) for invoice in invoices], indent=2))
        return 0
    title = "Invoices" + (f" of {args.month.strip()}" if args.month else "")
    if project is not None:
        title += f", project {project.name}"
    print_invoices(invoices, rules, f"{title} ({len(invoices)})")
    if project is not None and totals is not None:
        print_totals(project, totals, rules)
    return 0
