"""Block Kit builders for flex answers, App Home and unfurls: pure functions, exact output."""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal

import pytest

from core.settings import Settings, load_settings
from handlers.flex.blocks import (
    MESSAGE_BLOCK_LIMIT,
    band_text,
    change_text,
    flex_reply,
    help_reply,
    month_end_chart,
    not_understood_reply,
    sections_of,
)
from handlers.flex.blocks import (
    band_gauge_text as band_gauge,
)
from handlers.home.blocks import (
    HOME_BLOCK_LIMIT,
    Notice,
    home_view,
)
from handlers.invoices.references import InvoiceReference
from handlers.slack_ids import ActionId
from handlers.unfurls.blocks import (
    PublicLink,
    flex_unfurl,
    neutral_unfurl,
    parse_public_link,
    private_flex_unfurl,
)
from models.flex.report import FlexReport
from models.flex.saldo import FlexResult, MonthSummary
from models.invoices.waiting import WaitingInvoice
from models.unsubmitted_hours import UnsubmittedEntry, summarize_unsubmitted

D = Decimal
SETTINGS = load_settings(
    {"PUBLIC_URL": "https://finance.example.com", "TENKFEET_APP_URL": "https://rm.example.com"}
)
AS_OF = date(2025, 3, 31)


def month(year: int, m: int, saldo: str) -> MonthSummary:
    zero = D(0)
    return MonthSummary(date(year, m, 1), zero, zero, zero, zero, zero, zero, D(saldo))


def ok_report(saldo: str, months: list[MonthSummary], change: str | None = None) -> FlexReport:
    result = FlexResult(
        status="ok",
        as_of=AS_OF,
        saldo=D(saldo),
        change_from_last_month=None if change is None else D(change),
        months=months,
    )
    return FlexReport("Jane Doe", "guid-jane", "ok", AS_OF, result)


FOURTEEN_MONTHS = [month(2024, m, str(m)) for m in range(2, 13)] + [
    month(2025, 1, "-7.25"),
    month(2025, 2, "20"),
    month(2025, 3, "12.5"),
]


def all_text(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False)


def sections(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def test_saldo_reply_has_the_sentence_change_band_chart_and_buttons() -> None:
    reply = flex_reply(ok_report("12.5", FOURTEEN_MONTHS, "-7.5"), SETTINGS, about_self=True)
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == "Flex saldo for Jane Doe is +12.50h"
    texts = sections(reply["blocks"])
    assert texts[0] == "*Flex saldo for Jane Doe is +12.50h*"
    assert "Change from last month: -7.50h" in texts[1]
    assert "Inside the healthy band -40.00h … +120.00h" in texts[1]
    chart = texts[2]
    assert chart.startswith("Month-end saldos, last 12 months:\n```")
    rows = chart.split("```")[1].splitlines()
    assert len(rows) == 12
    assert rows[0].startswith("2024-04") and rows[-1].startswith("2025-03")
    assert "-7.25h" in rows[-3] and "+20.00h" in rows[-2] and "+12.50h" in rows[-1]
    buttons = reply["blocks"][-1]
    assert buttons["type"] == "actions"
    assert [(b["action_id"], b["url"]) for b in buttons["elements"]] == [
        (ActionId.FLEX_OPEN_DETAILS, "https://finance.example.com/users/guid-jane/flexhours"),
        (ActionId.FLEX_OPEN_TENKFEET, "https://rm.example.com"),
    ]


def test_first_month_has_no_change_and_a_one_row_chart() -> None:
    reply = flex_reply(ok_report("-3.75", [month(2025, 3, "-3.75")]), SETTINGS, about_self=True)
    assert reply["text"] == "Flex saldo for Jane Doe is -3.75h"
    assert "Change from last month: none to show" in all_text(reply)
    chart = sections(reply["blocks"])[2].split("```")[1]
    assert chart == "2025-03  -3.75h  " + "█" * 24 + "│"


@pytest.mark.parametrize(
    ("saldo", "expected"),
    [
        ("120", "Inside the healthy band -40.00h … +120.00h"),
        ("-40", "Inside the healthy band -40.00h … +120.00h"),
        ("120.01", "Above the healthy band -40.00h … +120.00h by 0.01h"),
        ("-52.5", "Below the healthy band -40.00h … +120.00h by 12.50h"),
    ],
)
def test_band_text(saldo: str, expected: str) -> None:
    assert band_text(D(saldo), D(-40), D(120)) == expected


def test_band_gauge_marks_the_position_or_the_side() -> None:
    assert band_gauge(D(-40), D(-40), D(120), width=5) == "-40h ├●────┤ +120h"
    assert band_gauge(D(120), D(-40), D(120), width=5) == "-40h ├────●┤ +120h"
    assert band_gauge(D(-41), D(-40), D(120), width=5) == "-40h ◀─────┤ +120h"
    assert band_gauge(D(121), D(-40), D(120), width=5) == "-40h ├─────▶ +120h"


def test_change_text() -> None:
    assert change_text(D("10.125")) == "Change from last month: +10.13h"
    assert change_text(D(0)) == "Change from last month: +0.00h"


def test_chart_puts_the_axis_where_the_values_need_it() -> None:
    chart = month_end_chart([("2025-01", D(-10)), ("2025-02", D(30)), ("2025-03", D(0))], width=8)
    assert chart.splitlines() == [
        "2025-01  -10.00h  ██│",
        "2025-02  +30.00h    │██████",
        "2025-03   +0.00h    │",
    ]


def test_tiny_values_still_get_a_bar() -> None:
    chart = month_end_chart([("a", D("0.01")), ("b", D(100))], width=10)
    assert chart.splitlines()[0] == "a    +0.01h  │█"


@pytest.mark.parametrize(
    ("status", "result", "expected"),
    [
        ("archived", None, "Jane Doe is archived in 10000ft"),
        (
            "not_active",
            FlexResult(status="not_active", as_of=AS_OF, message="not activated"),
            "Flex time is not activated for Jane Doe: no work contract covers 2025-03-31",
        ),
        (
            "no_contract",
            FlexResult(
                status="no_contract",
                as_of=AS_OF,
                error_day=date(2024, 6, 1),
                message="no contract on 2024-06-01: add a contract",
            ),
            "Flex saldo for Jane Doe cannot be computed: no contract on 2024-06-01",
        ),
        ("not_synced", None, "Hours have not been synced from 10000ft yet"),
    ],
)
def test_replies_without_a_number(status: str, result: FlexResult | None, expected: str) -> None:
    report = FlexReport("Jane Doe", "guid-jane", status, AS_OF, result)  # type: ignore[arg-type]
    reply = flex_reply(report, SETTINGS, about_self=True)
    assert expected in reply["text"]
    assert "Flex saldo for Jane Doe is" not in all_text(reply)
    assert reply["response_type"] == "ephemeral"


def test_help_names_the_band_and_the_forms() -> None:
    text = all_text(help_reply(SETTINGS))
    for part in ("`/flex-hours`", "`/flex-hours help`", "`/flex-hours @someone`", "HR only"):
        assert part in text
    assert "-40.00h … +120.00h" in text


def test_not_understood_quotes_the_text_safely() -> None:
    reply = not_understood_reply("what `is` this")
    assert reply["text"].startswith("I didn't understand `what 'is' this`.")
    assert "/flex-hours help" in reply["text"]


def test_block_kit_limits_hold_for_long_names_and_histories() -> None:
    months = [month(2000 + i // 12, i % 12 + 1, str(i * 1000)) for i in range(300)]
    report = ok_report("99999.99", months, "1000")
    report = FlexReport("N" * 5000, report.guid, "ok", AS_OF, report.result)
    reply = flex_reply(report, SETTINGS, about_self=True)
    assert len(reply["blocks"]) <= MESSAGE_BLOCK_LIMIT
    for block in reply["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "actions":
            assert all(len(e["text"]["text"]) <= 75 for e in block["elements"])


# --- App Home ------------------------------------------------------------------------------


def entry(tid: int, day: date, **kw: object) -> UnsubmittedEntry:
    base: dict = {
        "hours": D("7.5"),
        "project_name": "Apollo",
        "phase_name": "Build",
        "category": "Development",
        "notes": "work",
        "upstream_updated_at": "2025-03-01T10:00:00Z",
    }
    base.update(kw)
    return UnsubmittedEntry(tid, day, **base)


UUIDS = [uuid.UUID(int=n + 1) for n in range(200)]


def waiting(n: int, project: str, client: str = "", hours: Decimal = D(1)) -> WaitingInvoice:
    return WaitingInvoice(str(UUIDS[n]), project, client, 2025, 3, hours, figures="0123456789ab")


def test_home_shows_saldo_unsubmitted_hours_submit_button_and_invoices() -> None:
    today = date(2025, 4, 1)
    unsubmitted = summarize_unsubmitted(
        [entry(1, date(2025, 3, 28)), entry(2, date(2025, 3, 3), notes="", hours=D("2"))], today
    )
    invoices = [waiting(1, "Apollo", "Acme", D("120.5"))]
    view = home_view(
        report=ok_report("12.5", FOURTEEN_MONTHS, "-7.5"),
        unsubmitted=unsubmitted,
        invoices=invoices,
        settings=SETTINGS,
        today=today,
        notice=Notice("Submitted 1 entry (7.50h) to 10000ft for approval."),
    )
    assert view["type"] == "home"
    text = all_text(view)
    assert sections(view["blocks"])[0].startswith(":white_check_mark: Submitted 1 entry")
    assert "Flex saldo for Jane Doe is +12.50h" in text
    assert "*2* entries, *9.50h*, oldest 2025-03-03." in text
    assert "1 of them (7.50h) can be submitted" in text
    assert "2025-03-03 Apollo / Build 2.00h: no notes" in text
    submit = [
        b["accessory"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("action_id") == ActionId.HOME_SUBMIT_HOURS
    ]
    assert len(submit) == 1 and submit[0]["text"]["text"] == "Submit to 10000ft"
    buttons = [
        e
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] in (ActionId.INVOICE_REVIEW, ActionId.HOME_OPEN_INVOICE)
    ]
    assert [b.get("url") for b in buttons] == [
        None,
        f"https://finance.example.com/invoices/{UUIDS[1]}",
    ]
    review = InvoiceReference.from_button_value(buttons[0]["value"])
    assert (buttons[0]["action_id"], review.invoice) == (ActionId.INVOICE_REVIEW, UUIDS[1])
    assert "*Acme: Apollo* 2025-03, 120.50h" in text


def test_home_without_unsubmitted_hours_has_no_button() -> None:
    view = home_view(
        report=ok_report("1", [month(2025, 3, "1")]),
        unsubmitted=summarize_unsubmitted([], date(2025, 4, 1)),
        invoices=[],
        settings=SETTINGS,
        today=date(2025, 4, 1),
    )
    assert ActionId.HOME_SUBMIT_HOURS not in all_text(view)
    assert "all your hours are submitted" in all_text(view)
    assert "Invoices waiting" not in all_text(view)


def test_home_for_an_unknown_person_and_the_block_limit() -> None:
    view = home_view(
        report=None,
        unsubmitted=None,
        invoices=[],
        settings=SETTINGS,
        today=date(2025, 4, 1),
        unknown_person=True,
    )
    assert "I couldn't find you in 10000ft" in all_text(view)
    many = [waiting(n, f"P{n}") for n in range(200)]
    big = home_view(
        report=ok_report("1", FOURTEEN_MONTHS),
        unsubmitted=summarize_unsubmitted(
            [entry(n, date(2025, 3, 1), notes="") for n in range(200)], date(2025, 4, 1)
        ),
        invoices=many,
        finance_invoices=many,
        settings=SETTINGS,
        today=date(2025, 4, 1),
    )
    assert len(big["blocks"]) <= HOME_BLOCK_LIMIT
    assert all_text(big).count("…and 190 more") == 3  # unsubmitted, approvals, finance
    assert "Only you see this page." in all_text(big)


# --- unfurls -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind", "key"),
    [
        ("https://finance.example.com/users/abc/flexhours", "flex", "abc"),
        ("https://finance.example.com/users/abc/flexhours/", "flex", "abc"),
        ("https://FINANCE.example.com:443/users/abc/flexhours?x=1", "flex", "abc"),
        ("https://finance.example.com/invoices/1b2c", "invoice", "1b2c"),
        ("https://finance.example.com/projects/p-1", "project", "p-1"),
        ("https://finance.example.com/contracts", "page", ""),
        ("https://other.example.com/users/abc/flexhours", None, None),
        ("http://finance.example.com/users/abc/flexhours", None, None),
        ("not a url", None, None),
    ],
)
def test_parse_public_link(url: str, kind: str | None, key: str | None) -> None:
    link = parse_public_link(url, SETTINGS)
    if kind is None:
        assert link is None
    else:
        assert link == PublicLink(url, kind, key)  # type: ignore[arg-type]


def test_parse_public_link_respects_ports_and_paths() -> None:
    settings = Settings(public_url="http://127.0.0.1:8080/finance")
    assert parse_public_link("http://127.0.0.1:8080/finance/users/g/flexhours", settings) == (
        PublicLink("http://127.0.0.1:8080/finance/users/g/flexhours", "flex", "g")
    )
    assert parse_public_link("http://127.0.0.1:9090/finance/users/g/flexhours", settings) is None
    assert parse_public_link("http://127.0.0.1:8080/users/g/flexhours", settings) is None


def test_flex_unfurl_shows_numbers_and_private_unfurl_shows_none() -> None:
    shown = all_text(flex_unfurl(ok_report("130", FOURTEEN_MONTHS, "5"), SETTINGS))
    assert "Flex saldo for Jane Doe is +130.00h" in shown
    assert "Change from last month: +5.00h" in shown
    assert "Above the healthy band" in shown
    private = all_text(private_flex_unfurl())
    assert "private" in private and "+" not in private
    neutral = all_text(neutral_unfurl(PublicLink("u", "invoice", "x")))
    assert "*Invoice* in Finance Bot" in neutral


def test_sections_of_packs_lines_up_to_the_limit_and_cuts_an_overlong_one() -> None:
    def texts(lines: list[str]) -> list[str]:
        return [section["text"]["text"] for section in sections_of(lines)]

    assert texts([]) == []
    assert texts(["a", "b"]) == ["a\nb"]
    # 1500 + 1 + 1499 = 3000 fits; one more character goes to the next section
    assert texts(["x" * 1500, "y" * 1499, "z"]) == ["x" * 1500 + "\n" + "y" * 1499, "z"]
    # a line over 3000 stands alone, cut to 2999 characters and an ellipsis
    assert texts(["a", "w" * 3001, "b"]) == ["a", "w" * 2999 + "…", "b"]
