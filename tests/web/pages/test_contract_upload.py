"""``/contracts/upload``: a contracts or corrections CSV, checked and imported as the CLI does;
a file with a bad row imports nothing and lists its problems by line.

The company is tests/support/web_company.py's; Hanna (hanna@example.com) is in the hr group.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import aiohttp
import pytest

from core.settings import Settings
from models import AuditLog, FlexCorrection, WorkContract
from models.people import Person
from tests.support.contracts_site import Visitor, hr_person, stored, visitor
from tests.support.csv_imports import BadFile, bad_files, csv_file, hr_data
from tests.support.web_company import Company, D, build_company
from tests.support.web_site import read_page, serve_web, web_settings
from web.site_errors import MAX_UPLOAD_BYTES

CONTRACTS_HEADER = "email,start_date,end_date,worktime_percent,flex_enabled"
CORRECTIONS_HEADER = "email,date,adjust_by,set_to,note"


@pytest.fixture
async def company(db: str) -> Company:
    return await build_company()


@pytest.fixture
async def hr(company: Company, db: str) -> AsyncIterator[Visitor]:
    settings: Settings = web_settings(db)
    hanna: Person = await hr_person()
    async with serve_web(settings) as site, visitor(site, settings, hanna) as browser:
        yield browser


def upload_form(kind: str | None, data: bytes | None, filename: str = "hr.csv") -> aiohttp.FormData:
    form = aiohttp.FormData()
    if kind is not None:
        form.add_field("kind", kind)
    if data is not None:
        form.add_field("file", data, filename=filename, content_type="text/csv")
    return form


async def test_the_upload_page_offers_both_kinds_with_their_columns(hr: Visitor) -> None:
    status, html = await hr.get("/contracts/upload")
    assert status == 200
    assert 'enctype="multipart/form-data"' in html
    assert 'name="csrf_token" value="test-csrf-' in html
    assert f"<code>{CONTRACTS_HEADER}</code>" in html
    assert "<code>email,date,adjust_by,set_to[,note]</code>" in html


async def test_a_good_contracts_file_is_imported_and_summarised(
    company: Company, hr: Visitor
) -> None:
    data = csv_file(
        CONTRACTS_HEADER,
        "carol@example.com,2025-01-16,2025-01-31,100,true",  # new: fills the gap
        "frank@example.com,2025-02-01,,60,true",  # replaces his 80 %
        "alice@example.com,2025-01-01,,100,true",  # as stored
    )
    status, _, location = await hr.post("/contracts/upload", upload_form("contracts", data))
    assert (status, location) == (303, "/contracts")
    assert await WorkContract.filter(person_id=company.carol.id).count() == 3
    frank = await WorkContract.get(person_id=company.frank.id)
    assert frank.worktime_percent == 60
    audits = await AuditLog.all().order_by("id")
    assert [(row.actor, row.action, row.note) for row in audits] == [
        ("web:hanna@example.com", "create", "line 2"),
        ("web:hanna@example.com", "update", "line 3"),
    ]
    _, html = await hr.get("/contracts")
    assert read_page(html).texts["notice"] == (
        "hr.csv: contracts: 1 created, 1 updated, 1 unchanged."
    )


async def test_a_good_corrections_file_is_imported_and_summarised(
    company: Company, hr: Visitor
) -> None:
    data = csv_file(
        CORRECTIONS_HEADER,
        "frank@example.com,2025-02-03,-7.5,,from the old system",
        "alice@example.com,2025-01-15,12,,moved from old system",
    )
    status, _, _ = await hr.post("/contracts/upload", upload_form("corrections", data, "fixes.csv"))
    assert status == 303
    frank = await FlexCorrection.get(person_id=company.frank.id)
    assert (frank.adjust_by, frank.note) == (Decimal("-7.5"), "from the old system")
    alice = await FlexCorrection.get(person_id=company.alice.id, date=D(2025, 1, 15))
    assert alice.adjust_by == Decimal(12)
    _, html = await hr.get("/contracts")
    assert read_page(html).texts["notice"] == (
        "fixes.csv: corrections: 1 created, 1 updated, 0 unchanged."
    )


async def test_a_file_with_bad_rows_lists_them_by_line_and_imports_nothing(
    company: Company, hr: Visitor
) -> None:
    before = await stored()
    data = csv_file(
        CONTRACTS_HEADER,
        "carol@example.com,2025-01-16,2025-01-31,100,true",  # good, but not imported
        "",
        "nobody@example.com,2025-01-01,,100,true",
        "frank@example.com,2025-03-01,,150,maybe",
        "bob@example.com,2024-12-01,,100,true",  # overlaps his stored contract
    )
    status, html, _ = await hr.post("/contracts/upload", upload_form("contracts", data, "bad.csv"))
    assert status == 400
    page = read_page(html)
    assert page.texts["rejected-title"] == "3 bad rows in bad.csv; nothing imported"
    assert read_list(html, "row-errors") == [
        "line 4: unknown email 'nobody@example.com': no person has that e-mail",
        "line 5: worktime_percent '150' must be a whole number from 1 to 100",
        "line 5: flex_enabled 'maybe' must be true or false",
        "line 6: contract 2024-12-01..open-ended of bob@example.com overlaps the stored "
        "contract 2024-06-01..2024-12-31, which this file does not replace",
    ]
    assert await stored() == before


async def test_a_file_that_is_not_a_csv_of_the_kind_is_refused_on_line_1(
    company: Company, hr: Visitor
) -> None:
    before = await stored()
    data = csv_file(CONTRACTS_HEADER, "alice@example.com,2025-01-01,,100,true")
    status, html, _ = await hr.post("/contracts/upload", upload_form("corrections", data))
    assert status == 400
    [first, *_] = read_list(html, "row-errors")
    assert first.startswith("line 1: missing columns date, adjust_by, set_to in the header")
    status, html, _ = await hr.post("/contracts/upload", upload_form("contracts", b"\xff\xfe"))
    assert status == 400
    assert read_list(html, "row-errors")[0].startswith("line 1: the file is not valid UTF-8")
    assert await stored() == before


async def test_a_missing_kind_or_file_is_named_beside_its_field(hr: Visitor) -> None:
    status, html, _ = await hr.post("/contracts/upload", upload_form(None, None))
    assert status == 400
    page = read_page(html)
    assert page.texts["e-kind"] == "choose what the file holds: contracts or corrections"
    assert page.texts["e-file"] == "choose a CSV file"
    assert 'aria-describedby="h-file e-file"' in html
    status, html, _ = await hr.post("/contracts/upload", upload_form("invoices", b"x"))
    assert status == 400
    assert "e-file" not in read_page(html).texts


async def test_a_file_over_the_limit_is_refused_with_a_clear_message(
    company: Company, hr: Visitor
) -> None:
    before = await stored()
    line = b"alice@example.com,2025-01-01,,100,true\n"
    just_over = CONTRACTS_HEADER.encode() + b"\n" + line * (MAX_UPLOAD_BYTES // len(line) + 1)
    status, html, _ = await hr.post("/contracts/upload", upload_form("contracts", just_over))
    assert status == 400
    assert read_page(html).texts["e-file"] == (
        "hr.csv is larger than 5 MB: split it and upload the parts"
    )
    # Far over: the request body itself is refused before any view reads it.
    far_over = just_over + line * (len(just_over) // len(line) // 5)
    status, html, _ = await hr.post("/contracts/upload", upload_form("contracts", far_over))
    assert status == 413
    assert "This upload is larger than the site accepts: files up to 5 MB." in html
    assert await stored() == before


BAD_FILES = bad_files(
    "frank@example.com",
    good_contract="carol@example.com,2025-01-16,2025-01-31,100,true",
    good_correction="carol@example.com,2025-01-16,1.5,",
)


@pytest.mark.parametrize("bad", BAD_FILES, ids=[bad.name for bad in BAD_FILES])
async def test_an_unbounded_value_is_a_line_error_and_nothing_changes(
    bad: BadFile, company: Company, hr: Visitor
) -> None:
    before = await hr_data()
    status, html, _ = await hr.post("/contracts/upload", upload_form(bad.kind, bad.data, "x.csv"))
    assert status == 400
    assert read_page(html).texts["rejected-title"] == "1 bad row in x.csv; nothing imported"
    assert read_list(html, "row-errors") == [f"line {bad.line}: {bad.message}"]
    assert await hr_data() == before


def read_list(html: str, ident: str) -> list[str]:
    """The texts of the <li> items inside the element with id ``ident``."""
    from html.parser import HTMLParser

    class Items(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.depth = 0
            self.items: list[str] = []
            self.current: list[str] | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if dict(attrs).get("id") == ident:
                self.depth = 1
            elif self.depth and tag == "li":
                self.current = []

        def handle_endtag(self, tag: str) -> None:
            if self.depth and tag == "li" and self.current is not None:
                self.items.append(" ".join("".join(self.current).split()))
                self.current = None
            elif self.depth and tag in ("ol", "ul"):
                self.depth = 0

        def handle_data(self, data: str) -> None:
            if self.current is not None:
                self.current.append(data)

    parser = Items()
    parser.feed(html)
    return parser.items
