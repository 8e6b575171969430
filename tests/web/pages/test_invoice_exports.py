"""An invoice's entries as CSV and XLSX, read back: every entry of the project's month, numbers
as numbers, days as days, text that a spreadsheet would run as a formula kept as text; and
every text from 10000ft escaped on the invoice and project pages.

The company is tests/support/invoice_site.py's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import aiohttp
import openpyxl
import pytest

from core.settings import Settings
from models import Client, HourEntry, InvoiceFixedRow, Person
from models.invoices.refresh import refresh_all_invoice_figures
from tests.support.invoice_site import InvoiceCompany, build_invoice_company
from tests.support.signed_in import fetch
from tests.support.web_site import serve_web, signed_in_headers, web_settings
from web.pages.invoices import EXPORT_HEADER


@dataclass
class Site:
    url: str
    settings: Settings
    company: InvoiceCompany

    async def download(self, path: str, who: Person) -> tuple[int, dict[str, str], bytes]:
        headers = signed_in_headers(self.settings, who.id)
        async with (
            aiohttp.ClientSession() as session,
            session.get(self.url + path, headers=headers, allow_redirects=False) as response,
        ):
            return response.status, dict(response.headers), await response.read()


@pytest.fixture
async def site(db: str) -> AsyncIterator[Site]:
    company = await build_invoice_company()
    settings = web_settings(db)
    async with serve_web(settings) as url:
        yield Site(url, settings, company)


#: Acme portal's January entries as the exports list them (by date, then person), with what
#: each adds to the hour money and what is wrong with it.
ACME_JANUARY = [
    ["2025-01-07", "Alice Aalto", "7.50", "120.00", "yes", "yes", "900.00", ""],
    [
        "2025-01-07",
        "Bob Berg",
        "2.25",
        "99.99",
        "yes",
        "yes",
        "224.98",
        'no phase ("[Non Phase Specific]"); not approved in 10000ft (Pending Approval); '
        "no notes; no category",
    ],
    ["2025-01-08", "Alice Aalto", "3.00", "150.00", "no", "yes", "0.00", "on a non-billable phase"],
    [
        "2025-01-08",
        "Bob Berg",
        "1.00",
        "170.00",
        "yes",
        "yes",
        "170.00",
        "bill rate 170.00 (expected between 50.00 and 170.00); no notes; no category",
    ],
    [
        "2025-01-09",
        "Alice Aalto",
        "4.00",
        "50.00",
        "yes",
        "yes",
        "200.00",
        "bill rate 50.00 (expected between 50.00 and 170.00); no category",
    ],
    [
        "2025-01-09",
        "Bob Berg",
        "2.00",
        "0.00",
        "no",
        "yes",
        "0.00",
        "on a non-billable phase; not approved in 10000ft (Pending Approval); no category",
    ],
    ["2025-01-10", "Alice Aalto", "5.00", "100.00", "no", "no", "0.00", ""],
    ["2025-01-10", "Alice Aalto", "0.00", "100.00", "no", "no", "0.00", ""],
]


def summary(row: list[str]) -> list[str]:
    """date, person, hours, bill_rate, billable, counted, money, problems."""
    named = dict(zip(EXPORT_HEADER, row, strict=True))
    return [
        named[key]
        for key in ("date", "person", "hours", "bill_rate", "billable", "counted", "money")
    ] + [named["problems"]]


async def test_the_csv_lists_every_entry_of_the_month(site: Site) -> None:
    invoice = site.company.acme_january
    status, headers, body = await site.download(
        f"/invoices/{invoice.id}/entries.csv", site.company.paula
    )
    assert status == 200
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert headers["Content-Disposition"] == (
        f'attachment; filename="invoice-entries-2025-01-{invoice.id}.csv"'
    )
    text = body.decode("utf-8")
    assert text.startswith("\ufeffdate,person,email,phase,")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert tuple(rows[0]) == EXPORT_HEADER
    assert [summary(row) for row in rows[1:]] == ACME_JANUARY
    # The counted money adds up to the invoice's hour money (each cell has two decimals).
    assert sum(Decimal(row[11]) for row in rows[1:]) == Decimal("1494.98")
    alice = dict(zip(EXPORT_HEADER, rows[5], strict=True))
    assert alice["email"] == "alice@example.com"
    assert alice["phase"] == "Development" and alice["category"] == "[none]"
    assert alice["notes"] == "'=SUM(A1:A9)"  # a formula in a spreadsheet: kept as text
    assert alice["status"] == "Approved"


async def test_the_xlsx_holds_the_same_rows_as_typed_cells(site: Site) -> None:
    invoice = site.company.acme_january
    status, headers, body = await site.download(
        f"/invoices/{invoice.id}/entries.xlsx", site.company.fiona
    )
    assert status == 200
    assert headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert headers["Content-Disposition"] == (
        f'attachment; filename="invoice-entries-2025-01-{invoice.id}.xlsx"'
    )
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None and sheet.title == "Entries"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == EXPORT_HEADER
    assert len(rows) == 1 + len(ACME_JANUARY)
    first = dict(zip(EXPORT_HEADER, rows[1], strict=True))
    assert first["date"] == dt.datetime(2025, 1, 7)  # a date, not text
    assert (first["hours"], first["bill_rate"], first["money"]) == (7.5, 120, 900)
    bob = dict(zip(EXPORT_HEADER, rows[2], strict=True))
    assert bob["money"] == pytest.approx(224.9775)  # exact, shown with two decimals
    assert bob["notes"] is None and bob["problems"].startswith('no phase ("[Non Phase')
    assert sum(row[11] for row in rows[1:]) == pytest.approx(1494.9775)
    # The note that would be a formula is a text cell: no formula anywhere in the sheet.
    notes = sheet.cell(row=6, column=EXPORT_HEADER.index("notes") + 1)
    assert (notes.value, notes.data_type) == ("=SUM(A1:A9)", "s")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


async def test_an_invoice_without_entries_exports_only_the_header(site: Site) -> None:
    c = site.company
    await HourEntry.filter(project_id=c.beta.id).delete()
    status, _, body = await site.download(f"/invoices/{c.beta_january.id}/entries.csv", c.olli)
    assert status == 200
    assert body.decode("utf-8").removeprefix("\ufeff").splitlines() == [",".join(EXPORT_HEADER)]
    status, _, body = await site.download(f"/invoices/{c.beta_january.id}/entries.xlsx", c.olli)
    rows = list(openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
    assert rows == [EXPORT_HEADER]


# --- escaping ----------------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script>'


async def test_hostile_names_from_10000ft_are_escaped(site: Site) -> None:
    c = site.company
    c.acme.name = f"Acme {HOSTILE}"
    c.acme.project_state = '<img src=x onerror="alert(1)">'
    await c.acme.save()
    await Client.filter(name="Acme Oy").update(name="<i>Evil</i> & Co")
    await Person.filter(id=c.bob.id).update(first_name="<b>Bob</b>", last_name="Berg")
    await Person.filter(id=c.paula.id).update(last_name="<u>Pm</u>")
    await HourEntry.filter(project_id=c.acme.id, notes="Feature work").update(notes=HOSTILE)
    await HourEntry.filter(project_id=c.acme.id, phase_name="Non-billable meetings").update(
        phase_name="Non-billable <em>meetings</em>"
    )
    await InvoiceFixedRow.create(
        invoice_id=c.acme_january.id, description=HOSTILE, price=1, currency="EUR"
    )
    await refresh_all_invoice_figures()
    pages = ["/invoices", f"/invoices/{c.acme_january.id}", "/projects/project-guid-1", "/"]
    for path in pages:
        answer = await fetch(site.url + path, site.settings, c.fiona)
        assert answer.status == 200, path
        for raw in ("<script", "<img", "<b>Bob", "<i>Evil", "<em>", "<u>"):
            assert raw not in answer.text, (path, raw)
    answer = await fetch(f"{site.url}/invoices/{c.acme_january.id}", site.settings, c.fiona)
    page = answer.text
    assert "Acme &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&lt;i&gt;Evil&lt;/i&gt; &amp; Co" in page
    assert "&lt;b&gt;Bob&lt;/b&gt; Berg" in page
    assert "Non-billable &lt;em&gt;meetings&lt;/em&gt;" in page
    answer = await fetch(site.url + "/projects/project-guid-1", site.settings, c.fiona)
    assert "Paula &lt;u&gt;Pm&lt;/u&gt;" in answer.text
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in answer.text
    # The exports carry the text as it is (a CSV or a spreadsheet runs no HTML).
    answer = await fetch(
        f"{site.url}/invoices/{c.acme_january.id}/entries.csv", site.settings, c.fiona
    )
    assert HOSTILE.replace('"', '""') in answer.text
