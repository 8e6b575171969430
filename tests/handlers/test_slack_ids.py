"""Action, block and callback ids: one enum each, used by the builders, all listened to."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest

from core.settings import load_settings
from handlers.flex.blocks import flex_reply
from handlers.home.blocks import home_view
from handlers.invoices.blocks import invoice_message, review_modal
from handlers.notifications.contract_blocks import person_blocks, report_message
from handlers.notifications.flex_saldo_blocks import flex_saldo_message
from handlers.notifications.manager_digest_blocks import digest_messages
from handlers.notifications.new_project_blocks import new_project_message
from handlers.notifications.unapproved_blocks import unapproved_message
from handlers.notifications.unsubmitted_blocks import reminder_message
from handlers.slack_ids import LINK_BUTTONS, ActionId, BlockId, CallbackId, InputId
from models.flex.company import ListedPerson
from models.flex.contract_problems import ContractProblem
from models.flex.report import FlexReport
from models.flex.saldo import FlexMessage, FlexResult, MonthSummary
from models.invoices.approval import ReviewRights
from models.invoices.records import InvoiceState
from models.invoices.review import InvoiceFigures, InvoiceSummary
from models.invoices.waiting import WaitingInvoice
from models.notifications.contract_report import PersonProblems
from models.notifications.flex_saldo import FlexSaldoNotice
from models.notifications.manager_digest import ProjectWaiting
from models.notifications.new_projects import NewProject
from models.notifications.periods import reminder_period
from models.notifications.unapproved import ProjectInfo, UnapprovedHours
from models.notifications.unsubmitted import EntryInfo, PersonInfo, UnsubmittedReminder
from models.unsubmitted_hours import UnsubmittedEntry, summarize_unsubmitted
from tests.conftest import BotUnderTest

SETTINGS = load_settings({"PUBLIC_URL": "https://finance.example.com"})
TODAY = date(2025, 4, 1)


def test_the_values_are_the_ones_slack_already_has() -> None:
    # Messages and Home tabs already posted carry these; a changed value orphans their buttons.
    assert {a.value for a in ActionId} == {
        "flex_open_details",
        "flex_open_tenkfeet",
        "home_submit_hours",
        "home_open_invoice",
        "invoice_review",
        "invoice_open",
        "reminder_submit_hours",
        "reminder_open_tenkfeet",
        "reminder_open_site",
        "unapproved_open_project",
        "unapproved_open_tenkfeet",
        "new_project_open",
        "new_project_open_tenkfeet",
        "digest_open_tenkfeet",
        "digest_open_project",
        "contract_report_open",
    }
    assert {i.value for i in InputId} == {
        "review_checklist",
        "review_decision",
        "review_comment",
        "review_number",
        "review_sent",
    }
    assert {b.value for b in BlockId} == {
        "flex_links",
        "invoice_checklist",
        "invoice_decision",
        "invoice_comment",
        "invoice_number",
        "invoice_sent",
    }
    assert {c.value for c in CallbackId} == {"financebot_home", "invoice_review"}


def ids_in(blocks: Any, path: str = "") -> Iterator[tuple[str, str, object]]:
    """(where, key, value) of every action_id, block_id and callback_id in a payload."""
    if isinstance(blocks, dict):
        for key, value in blocks.items():
            if key in ("action_id", "block_id", "callback_id"):
                yield path, key, value
            yield from ids_in(value, f"{path}/{key}")
    elif isinstance(blocks, list):
        for n, item in enumerate(blocks):
            yield from ids_in(item, f"{path}/{n}")


def report(status: str = "ok") -> FlexReport:
    zero = Decimal(0)
    result = FlexResult(
        status="ok",
        as_of=TODAY,
        saldo=Decimal("3.25"),
        change_from_last_month=Decimal(1),
        months=[MonthSummary(date(2025, 3, 1), zero, zero, zero, zero, zero, zero, zero)],
    )
    if status != "ok":
        return FlexReport("Jane Doe", "guid-jane", "no_contract", TODAY)  # type: ignore[arg-type]
    return FlexReport("Jane Doe", "guid-jane", "ok", TODAY, result)


INVOICE = InvoiceSummary(
    id=uuid.UUID(int=7),
    project_name="Apollo",
    project_guid="p-77",
    project_id=1,
    client_name="Acme",
    year=2025,
    month=3,
    state=InvoiceState.CREATED,
    invoice_number="",
    figures=InvoiceFigures(
        Decimal(120), Decimal(100), {"EUR": Decimal(12000)}, {"non_billable": 2}, True
    ),
    review_version=0,
)
EVERYTHING = ReviewRights(may_approve=True, may_set_number=True)
NEW_PROJECT = NewProject(
    7, "p-guid", 1007, "Apollo", "Acme", False, dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
)


def built_payloads() -> list[dict[str, Any]]:
    entry = UnsubmittedEntry(
        1, date(2025, 3, 28), Decimal("7.5"), "Apollo", "Build", "Development", "work"
    )
    waiting = WaitingInvoice(str(INVOICE.id), "Apollo", "Acme", 2025, 3, Decimal(120))
    reminded = EntryInfo(1, 1, date(2025, 3, 28), Decimal("7.5"), "Unsubmitted", 1, "Apollo")
    reminder = UnsubmittedReminder(PersonInfo(1, "g-1", "Jane Doe"), 1, Decimal(7), (reminded,))
    apollo = ProjectInfo(1, "p-77", 77, "Apollo", "Acme")
    unapproved = UnapprovedHours(apollo, 1, Decimal(1), Decimal(100))
    period = reminder_period(TODAY)
    jane = ListedPerson(1, "g-1", "Jane Doe", "jane@example.com", "U0JANE", False)
    gap = ContractProblem(1, "contract_gap", date(2025, 1, 1), date(2025, 1, 31), "a gap")
    problems = PersonProblems(jane, (gap,))
    below = FlexMessage("below_band", "Your flex saldo is -30.00h.")
    flex_notice = FlexSaldoNotice(jane, date(2025, 2, 28), Decimal(-30), Decimal(-12), below)
    return [
        {"blocks": reminder_message(reminder, period, TODAY, SETTINGS).blocks},
        {"blocks": unapproved_message(unapproved, apollo, period, SETTINGS).blocks},
        {"blocks": invoice_message(INVOICE, SETTINGS).blocks},
        review_modal(INVOICE, EVERYTHING, SETTINGS),
        flex_reply(report(), SETTINGS, about_self=True),
        flex_reply(report("no_contract"), SETTINGS, about_self=True),
        home_view(
            report=report(),
            unsubmitted=summarize_unsubmitted([entry], TODAY),
            invoices=[dataclasses.replace(waiting, figures=INVOICE.fingerprint)],
            settings=SETTINGS,
            today=TODAY,
        ),
        {"blocks": new_project_message(NEW_PROJECT, SETTINGS).blocks},
        *(
            {"blocks": message.blocks}
            for message in digest_messages([ProjectWaiting(apollo, unapproved)], period, SETTINGS)
        ),
        {"blocks": flex_saldo_message(flex_notice, SETTINGS).blocks},
        {
            "blocks": report_message(
                [(problems, person_blocks(problems, SETTINGS, hr=True))],
                1,
                1,
                1,
                TODAY,
                SETTINGS,
                hr=True,
            ).blocks
        },
    ]


def test_builders_put_only_enum_members() -> None:
    kinds: dict[str, tuple[type[StrEnum], ...]] = {
        "action_id": (ActionId, InputId),
        "block_id": (BlockId,),
        "callback_id": (CallbackId,),
    }
    found = [(where, key, value) for p in built_payloads() for where, key, value in ids_in(p)]
    wrong = [
        f"{where}/{key}: {value!r}" for where, key, value in found if type(value) not in kinds[key]
    ]
    assert not wrong, "ids not taken from handlers.slack_ids:\n" + "\n".join(wrong)
    # Every id a builder knows about shows up, so this test sees all of them.
    assert {value for _, _, value in found} == {*ActionId, *InputId, *BlockId, *CallbackId}
    inputs = [v for where, key, v in found if key == "action_id" and "/element/" not in where + "/"]
    assert not set(inputs) & set(InputId), "input ids belong to input elements only"


def test_link_buttons_are_exactly_the_buttons_with_a_url() -> None:
    buttons = [
        element
        for payload in built_payloads()
        for element in elements_of(payload)
        if element.get("type") == "button"
    ]
    assert {b["action_id"] for b in buttons if "url" in b} == set(LINK_BUTTONS)
    assert {b["action_id"] for b in buttons if "url" not in b} == {
        ActionId.HOME_SUBMIT_HOURS,
        ActionId.INVOICE_REVIEW,
        ActionId.REMINDER_SUBMIT_HOURS,
    }


def elements_of(payload: Any) -> Iterator[dict[str, Any]]:
    if isinstance(payload, dict):
        if "action_id" in payload:
            yield payload
        for value in payload.values():
            yield from elements_of(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from elements_of(item)


async def test_every_action_has_a_listener_and_url_buttons_are_only_acked(
    running_bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = running_bot.emulator
    with caplog.at_level(logging.WARNING):
        # The control: an id nobody listens to is reported by Bolt (and never acked).
        with pytest.raises(TimeoutError):
            await emulator.send_block_action("nobody_listens", user_id="U0ADA", timeout=1)
        assert "Unhandled request" in caplog.text
        caplog.clear()
        for action_id in ActionId:
            ack = await emulator.send_block_action(action_id, user_id="U0ADA")
            assert ack.payload is None
        assert "Unhandled request" not in caplog.text
    # The URL buttons answered nothing; only the two submit and the review clicks (no
    # reference) were refused.
    refusals = emulator.calls_to("response_url")
    assert len(refusals) == 3
    assert all("could not read that button" in c.args["text"] for c in refusals)
