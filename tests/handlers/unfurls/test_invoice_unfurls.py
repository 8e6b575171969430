"""Invoice and project links unfurled end to end (link_shared → chat.unfurl over Socket Mode),
on invoices worked out by hand and set up through the real hours sync from the 10000ft
emulator (tests/support/invoices.py, ``invoice_company``):

Acme portal (client Acme Oy, administered by Alice Admin, starts 2016-01-01, no end date):
December 2024 10.00 h, 1000.00 EUR, nothing flagged; January 2025 19.75 h, billable 14.75 h,
1494.9775 EUR, six checks flagged (2 odd rates, 2 non-billable, 1 "[Non Phase Specific]",
2 not approved, 2 without notes, 4 without a category) and a remarkable change.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from bot.notifications.invoices import send_review_requests
from handlers.slack_ids import ActionId, BlockId, CallbackId, InputId
from handlers.unfurls.invoice_blocks import HIDDEN_TEXT, FiguresHidden
from models import (
    Client,
    Invoice,
    Notification,
    Person,
    Project,
    ProjectFixedRow,
)
from models.aws_billing.links import link_account
from models.invoices.approval import ReviewForm, record_review, review_access
from models.invoices.refresh import refresh_all_invoice_figures
from models.invoices.review import load_invoice_summary
from sync.tenkfeet.hours import sync_hours
from tests.conftest import BotUnderTest
from tests.support.aws_billing import billing_row, store_billing
from tests.support.invoice_review import join, person, ticks
from tests.support.invoices import (
    ACME,
    invoice_company,
    row,
    store_entries,
    sync_company,
)
from tests.support.invoices import person as entry_person
from tests.support.invoices import project as stored_project
from tests.support.sync_company import client_for, running_emulator
from tests.support.unfurls import share, texts_of, unfurl_of

JANUARY_FLAGGED = (
    "non_phase_specific",
    "non_billable",
    "odd_rate",
    "no_category",
    "not_approved",
    "empty_notes",
    "remarkable_change",
)
JANUARY_CHECKS = [
    '1 entry on "[Non Phase Specific]"',
    "2 entries on a non-billable phase",
    "2 entries billed at a rate of 50.00 or less, or 170.00 or more",
    "4 entries without a category",
    "2 entries not approved in 10000ft",
    "2 entries without notes",
    "A remarkable change from the previous month (hours, average rate or money)",
]


@dataclass
class Acme:
    project: Project
    december: Invoice
    january: Invoice
    alice: Person  # Acme's admin, U0ALICE

    def invoice_url(self, bot: BotUnderTest, invoice: Invoice) -> str:
        return bot.settings.public_link(f"/invoices/{invoice.id}")

    def project_url(self, bot: BotUnderTest) -> str:
        return bot.settings.public_link(f"/projects/{self.project.guid}")


@pytest.fixture
async def tenkfeet() -> AsyncIterator[Any]:
    async with running_emulator(invoice_company()) as emulator:
        yield emulator


@pytest.fixture
async def acme(running_bot: BotUnderTest, tenkfeet: Any) -> Acme:
    await sync_company(tenkfeet)
    await Person.filter(email="alice@example.com").update(slack_id="U0ALICE")
    await Person.filter(email="bob@example.com").update(slack_id="U0BOB")
    project = await Project.get(tenkfeet_id=ACME)
    return Acme(
        project=project,
        december=await Invoice.get(project=project, year=2024, month=12),
        january=await Invoice.get(project=project, year=2025, month=1),
        alice=await Person.get(email="alice@example.com"),
    )


async def approve(invoice: Invoice, who: Person, slack_id: str) -> None:
    """Records an approval the way the review modal does (models/invoices/approval.py)."""
    summary = await load_invoice_summary(invoice.id, "EUR")
    assert summary is not None
    access = await review_access(invoice.id, who)
    await record_review(
        invoice.id,
        seen_version=summary.review_version,
        seen_figures=summary.fingerprint,
        form=ReviewForm(confirmed=frozenset(summary.figures.flagged()), approve=True),
        checker=who,
        checker_slack_id=slack_id,
        rights=access.rights,
        hours_currency="EUR",
    )


# --- an invoice's figures ------------------------------------------------------------------------


async def test_an_invoice_unfurls_with_its_hand_computed_figures(
    running_bot: BotUnderTest, acme: Acme
) -> None:
    url = acme.invoice_url(running_bot, acme.january)
    args = await share(running_bot, "U0ALICE", url)
    assert (args["channel"], args["ts"]) == ("C0GENERAL", "1700000000.000200")
    text = texts_of(args["unfurls"][url])
    assert "*Invoice: Acme portal* (Acme Oy), January 2025 (2025-01)" in text
    assert "*Hours*\n19.75" in text
    assert "*Billable hours*\n14.75" in text
    assert "*Money*\n1494.98 EUR" in text  # 1494.9775 rounded half up
    assert "*State*\nWaiting for approval" in text
    checks = text.split("*Checks*\n", 1)[1].split("\n")[: len(JANUARY_CHECKS)]
    assert checks == [f"• {check}" for check in JANUARY_CHECKS]
    assert "Approved" not in text and "From hours" not in text

    december = await unfurl_of(running_bot, "U0ALICE", acme.invoice_url(running_bot, acme.december))
    assert "December 2024 (2024-12)" in december and "*Hours*\n10.00" in december
    assert "*Money*\n1000.00 EUR" in december and "*Checks:* nothing flagged." in december


async def test_money_per_currency_adds_fixed_rows_and_project_totals_follow(
    running_bot: BotUnderTest, acme: Acme
) -> None:
    for price, currency in (("250", "EUR"), ("30", "USD")):
        await ProjectFixedRow.create(
            project=acme.project, description="Hosting", price=Decimal(price), currency=currency
        )
    text = await unfurl_of(running_bot, "U0ALICE", acme.invoice_url(running_bot, acme.january))
    assert "*Money*\n1744.98 EUR, 30.00 USD" in text
    assert "From hours 1494.98 EUR · fixed rows 250.00 EUR, 30.00 USD" in text

    # Σ of both months: 10 + 19.75 h; 1000 + 1494.9775 + 2 × 250 EUR and 2 × 30 USD.
    project = await unfurl_of(running_bot, "U0ALICE", acme.project_url(running_bot))
    assert "*Hours, all invoices*\n29.75" in project
    assert "*Money, all invoices*\n2994.98 EUR, 60.00 USD" in project
    assert "From hours 2494.98 EUR · fixed rows 500.00 EUR, 60.00 USD" in project


async def test_aws_billing_of_a_linked_account_shows_per_currency(
    running_bot: BotUnderTest, acme: Acme
) -> None:
    """January's AWS billing of an account linked to Acme portal: its AccountTotal rows,
    40.00 EUR and 10.25 USD (the line items beside them are in the total, not added again)."""
    rows = [
        billing_row("111111111111", record_type, amount, year=2025, month=1, currency=currency)
        for record_type, amount, currency in (
            ("LinkedLineItem", "10.25", "USD"),
            ("AccountTotal", "10.25", "USD"),
            ("LinkedLineItem", "40", "EUR"),
            ("AccountTotal", "40", "EUR"),
        )
    ]
    await store_billing(2025, 1, rows)
    await link_account("111111111111", acme.project.guid, actor="test")
    url = acme.invoice_url(running_bot, acme.january)
    text = await unfurl_of(running_bot, "U0ALICE", url)
    # Hour money 1494.9775 EUR + AWS 40 EUR; the USD apart, never converted or added to EUR.
    assert "*Money*\n1534.98 EUR, 10.25 USD" in text
    assert "From hours 1494.98 EUR · AWS billing 40.00 EUR, 10.25 USD" in text
    december = await unfurl_of(running_bot, "U0ALICE", acme.invoice_url(running_bot, acme.december))
    assert "AWS" not in december and "USD" not in december  # no costs that month

    project = await unfurl_of(running_bot, "U0ALICE", acme.project_url(running_bot))
    assert "*Money, all invoices*\n2534.98 EUR, 10.25 USD" in project
    assert "From hours 2494.98 EUR · AWS billing 40.00 EUR, 10.25 USD" in project

    hidden = await unfurl_of(running_bot, "U0BOB", url)  # Bob may not see the figures
    assert HIDDEN_TEXT[FiguresHidden.NOT_ALLOWED] in hidden
    assert "AWS" not in hidden and "USD" not in hidden and "EUR" not in hidden


async def test_an_approved_invoice_says_approved_and_by_whom(
    running_bot: BotUnderTest, acme: Acme
) -> None:
    await approve(acme.january, acme.alice, "U0ALICE")
    await join("finance", await person("Fay", "Finance", "U0FAY"))
    url = acme.invoice_url(running_bot, acme.january)
    for sharer in ("U0ALICE", "U0FAY"):
        text = await unfurl_of(running_bot, sharer, url)
        assert "*State*\nApproved" in text
        assert "Approved by *Alice Admin* on " in text
        assert "*Hours*\n19.75" in text


async def test_changes_requested_show_who_and_why(running_bot: BotUnderTest, acme: Acme) -> None:
    summary = await load_invoice_summary(acme.january.id, "EUR")
    assert summary is not None
    access = await review_access(acme.january.id, acme.alice)
    await record_review(
        acme.january.id,
        seen_version=summary.review_version,
        seen_figures=summary.fingerprint,
        form=ReviewForm(request_changes=True, comment="Fill in the notes <!channel>"),
        checker=acme.alice,
        checker_slack_id="U0ALICE",
        rights=access.rights,
        hours_currency="EUR",
    )
    text = await unfurl_of(running_bot, "U0ALICE", acme.invoice_url(running_bot, acme.january))
    assert "Changes requested by *Alice Admin* on " in text
    assert "Fill in the notes &lt;!channel&gt;" in text and "<!channel>" not in text
    hidden = await unfurl_of(
        running_bot, "U0BOB", acme.invoice_url(running_bot, acme.january)
    )  # the reason is the approver's words about the figures: not for everyone
    assert "Changes requested by *Alice Admin*" in hidden and "Fill in the notes" not in hidden


# --- who sees the figures ------------------------------------------------------------------------


async def test_finance_and_admins_see_every_invoice_a_projects_admins_theirs(
    running_bot: BotUnderTest, acme: Acme
) -> None:
    await join("finance", await person("Fay", "Finance", "U0FAY"))
    await join("admin", await person("Boss", "Admin", "U0BOSS"))
    url = acme.invoice_url(running_bot, acme.january)
    for sharer in ("U0ALICE", "U0FAY", "U0BOSS"):
        assert "*Hours*\n19.75" in await unfurl_of(running_bot, sharer, url), sharer
    # In a DM or a group DM the rule is the same: the sharer chooses to show what they may see.
    for channel in ("D0SOMEONE", "G0GROUPDM"):
        assert "19.75" in await unfurl_of(running_bot, "U0ALICE", url, channel=channel)


@pytest.mark.parametrize("sharer", ["U0BOB", "U0STRANGER", "U0ARCHIVED"])
async def test_someone_who_may_not_see_the_invoice_unfurls_it_without_figures(
    running_bot: BotUnderTest, acme: Acme, sharer: str
) -> None:
    """Bob logged hours on Acme but administers nothing; a stranger is no 10000ft person; an
    archived admin has no rights."""
    archived = await person("Old", "Admin", "U0ARCHIVED", archived=True)
    await acme.project.admins.add(archived)
    await approve(acme.january, acme.alice, "U0ALICE")
    text = await unfurl_of(running_bot, sharer, acme.invoice_url(running_bot, acme.january))
    assert "*Invoice: Acme portal* (Acme Oy), January 2025 (2025-01)" in text
    assert "State: Approved" in text and "Approved by *Alice Admin*" in text
    assert HIDDEN_TEXT[FiguresHidden.NOT_ALLOWED] in text
    for figure in ("19.75", "14.75", "1494.98", "EUR", "entries"):
        assert figure not in text


async def test_no_figures_in_the_composer_or_a_slack_connect_channel(
    running_bot: BotUnderTest, acme: Acme
) -> None:
    url = acme.invoice_url(running_bot, acme.january)
    args = await share(running_bot, "U0ALICE", url, source="composer", channel="COMPOSER")
    assert (args.get("source"), args.get("unfurl_id")) == ("composer", "UNFURL-1")
    text = texts_of(args["unfurls"][url])
    assert HIDDEN_TEXT[FiguresHidden.COMPOSER] in text and "19.75" not in text
    assert "January 2025 (2025-01)" in text

    for link in (url, acme.project_url(running_bot)):
        text = await unfurl_of(running_bot, "U0ALICE", link, ext_shared_channel=True)
        assert HIDDEN_TEXT[FiguresHidden.OTHER_ORGANISATION] in text
        assert "19.75" not in text and "EUR" not in text


# --- not found ---------------------------------------------------------------------------------


async def test_unknown_or_malformed_ids_unfurl_as_not_found(
    running_bot: BotUnderTest, acme: Acme
) -> None:
    base = running_bot.settings.public_url
    unknown_invoice = f"{base}/invoices/{uuid4()}"
    malformed_invoice = f"{base}/invoices/not-a-uuid'%20OR%201=1"
    unknown_project = f"{base}/projects/no-such-guid"
    args = await share(running_bot, "U0ALICE", unknown_invoice, malformed_invoice, unknown_project)
    unfurls = args["unfurls"]
    assert sorted(unfurls) == sorted([unknown_invoice, malformed_invoice, unknown_project])
    for url in (unknown_invoice, malformed_invoice):
        assert "*Invoice not found* in Finance Bot" in texts_of(unfurls[url])
    assert "*Project not found* in Finance Bot" in texts_of(unfurls[unknown_project])


# --- projects ----------------------------------------------------------------------------------


async def test_a_project_unfurls_with_its_totals_and_invoices(
    running_bot: BotUnderTest, acme: Acme
) -> None:
    await approve(acme.december, acme.alice, "U0ALICE")
    text = await unfurl_of(running_bot, "U0ALICE", acme.project_url(running_bot))
    january, december = (acme.invoice_url(running_bot, i) for i in (acme.january, acme.december))
    assert "*Project: Acme portal* (Acme Oy)\nStarts 2016-01-01" in text
    assert "Ends" not in text
    assert "*Hours, all invoices*\n29.75" in text
    assert "*Money, all invoices*\n2494.98 EUR" in text
    assert "*Invoices*\n2" in text
    assert (
        f"*Invoices, newest first*\n• <{january}|January 2025 (2025-01)>: Waiting for approval"
        f" · 19.75 h · 1494.98 EUR\n• <{december}|December 2024 (2024-12)>: Approved"
        " · 10.00 h · 1000.00 EUR"
    ) in text

    hidden = await unfurl_of(running_bot, "U0BOB", acme.project_url(running_bot))
    assert f"• <{january}|January 2025 (2025-01)>: Waiting for approval\n" in hidden
    assert HIDDEN_TEXT[FiguresHidden.NOT_ALLOWED] in hidden
    assert "29.75" not in hidden and "EUR" not in hidden


async def test_a_project_without_dates_or_invoices_unfurls_fine(running_bot: BotUnderTest) -> None:
    bare = await stored_project(77, "Bare", client=None)
    assert (bare.starts_at, bare.ends_at) == (None, None)
    url = running_bot.settings.public_link(f"/projects/{bare.guid}")
    await join("finance", await person("Fay", "Finance", "U0FAY"))
    text = await unfurl_of(running_bot, "U0FAY", url)
    assert text.startswith("*Project: Bare*\n")
    assert "Starts" not in text and "Ends" not in text
    assert "*Hours, all invoices*\n0.00" in text and "*Money, all invoices*\n0.00 EUR" in text
    assert "*Invoices:* none yet." in text

    await Project.filter(id=bare.id).update(ends_at=date(2025, 6, 30))
    assert "*Project: Bare*\nEnds 2025-06-30" in await unfurl_of(running_bot, "U0FAY", url)


async def test_a_project_lists_its_latest_12_invoices(running_bot: BotUnderTest) -> None:
    """14 months, month n with n hours at rate 100: totals 105.00 h and 10500.00 EUR; the list
    holds the newest 12 (2025-02 back to 2024-03) and says 2 are older."""
    long = await stored_project(78, "Long <b>&</b>", client="Acme Oy")
    worker = await entry_person(78)
    months = [(2024, m) for m in range(1, 13)] + [(2025, 1), (2025, 2)]
    await store_entries(
        worker, [row(long, f"{y}-{m:02d}-10", str(n)) for n, (y, m) in enumerate(months, 1)]
    )
    await refresh_all_invoice_figures()
    await join("finance", await person("Fay", "Finance", "U0FAY"))
    url = running_bot.settings.public_link(f"/projects/{long.guid}")
    args = await share(running_bot, "U0FAY", url)
    text = texts_of(args["unfurls"][url])
    assert "*Project: Long &lt;b&gt;&amp;&lt;/b&gt;* (Acme Oy)" in text
    assert "*Hours, all invoices*\n105.00" in text and "10500.00 EUR" in text
    assert "*Invoices*\n14" in text
    listed = [line for line in text.split("\n") if line.startswith("• <")]
    assert len(listed) == 12
    assert "|February 2025 (2025-02)>: Waiting for approval · 14.00 h · 1400.00 EUR" in listed[0]
    assert "|March 2024 (2024-03)>: Waiting for approval · 3.00 h · 300.00 EUR" in listed[-1]
    assert "…and 2 older invoices." in text
    assert "(2024-02)" not in text and "(2024-01)" not in text
    assert len(args["unfurls"][url]["blocks"]) <= 50


# --- several links, hostile names ------------------------------------------------------------


async def test_several_links_in_one_message_each_unfurl(
    running_bot: BotUnderTest, acme: Acme
) -> None:
    urls = [
        acme.invoice_url(running_bot, acme.january),
        acme.invoice_url(running_bot, acme.december),
        acme.project_url(running_bot),
        running_bot.settings.public_link(f"/invoices/{uuid4()}"),
    ]
    args = await share(running_bot, "U0ALICE", *urls, urls[0])
    assert sorted(args["unfurls"]) == sorted(urls)  # one chat.unfurl call, one unfurl per link
    assert "19.75" in texts_of(args["unfurls"][urls[0]])
    assert "*Hours*\n10.00" in texts_of(args["unfurls"][urls[1]])
    assert "*Project: Acme portal*" in texts_of(args["unfurls"][urls[2]])
    assert "not found" in texts_of(args["unfurls"][urls[3]])

    # More links than one message unfurls: the first ten are answered.
    many = [running_bot.settings.public_link(f"/invoices/{uuid4()}") for _ in range(12)]
    assert sorted((await share(running_bot, "U0ALICE", *many))["unfurls"]) == sorted(many[:10])


async def test_hostile_names_are_escaped(running_bot: BotUnderTest, acme: Acme) -> None:
    client = await Client.create(name="<@U0BOSS> & Co")
    await Project.filter(id=acme.project.id).update(name="<!channel> portal", client_id=client.id)
    approver = await person("<!here>", "<https://evil.example|click>", "U0EVIL")
    await acme.project.admins.add(approver)
    await approve(acme.january, approver, "U0EVIL")
    for url in (acme.invoice_url(running_bot, acme.january), acme.project_url(running_bot)):
        text = await unfurl_of(running_bot, "U0EVIL", url)
        assert "&lt;!channel&gt; portal" in text and "&lt;@U0BOSS&gt; &amp; Co" in text
        for raw in ("<!channel>", "<@U0BOSS>", "<!here>", "<https://evil"):
            assert raw not in text
    text = await unfurl_of(running_bot, "U0EVIL", acme.invoice_url(running_bot, acme.january))
    assert "Approved by *&lt;!here&gt; &lt;https://evil.example|click&gt;*" in text


# --- approved, changed by a later sync, approved again (review modal + hours sync) -------------


async def review_and_approve(bot: BotUnderTest, message: tuple[str, str], user_id: str) -> None:
    """Clicks Review on the invoice's message, waits for the filled modal, ticks every flagged
    check and "approve", and submits."""
    emulator = bot.emulator
    value = next(
        element["value"]
        for block in emulator.messages[message]["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id") == ActionId.INVOICE_REVIEW
    )
    seen = len(emulator.calls)
    await emulator.send_block_action(
        ActionId.INVOICE_REVIEW,
        value,
        user_id=user_id,
        channel_id=message[0],
        message_ts=message[1],
    )
    filled = await emulator.wait_for_call(
        "views.update", after=seen, where=lambda c: "submit" in str(c.args.get("view"))
    )
    view_id = str(filled.args["view_id"])
    ack = await emulator.send_view_submission(
        CallbackId.INVOICE_REVIEW,
        {
            BlockId.REVIEW_CHECKLIST: {InputId.REVIEW_CHECKLIST: ticks(*JANUARY_FLAGGED)},
            BlockId.REVIEW_DECISION: {InputId.REVIEW_DECISION: ticks("approve")},
        },
        user_id=user_id,
        view_id=view_id,
    )
    assert ack.payload is not None and "You approved it" in str(ack.payload)


async def test_an_approved_invoice_changed_by_a_later_sync_says_so_until_approved_again(
    running_bot: BotUnderTest, acme: Acme, tenkfeet: Any
) -> None:
    results = await send_review_requests(running_bot.settings, running_bot.app.client, 2025, 1)
    assert [r.status for r in results] == ["sent"]
    notice = await Notification.get(type="invoice-review")
    await review_and_approve(running_bot, (notice.channel, notice.message_ts), "U0ALICE")
    url = acme.invoice_url(running_bot, acme.january)
    text = await unfurl_of(running_bot, "U0ALICE", url)
    assert "Approved by *Alice Admin*" in text and "Changed since approval" not in text

    # In 10000ft, entry 201 (7.5 h at 120) becomes 9.5 h: +2.00 h, +240.00 EUR.
    tenkfeet.data.time_entries.update(201, hours="9.5")
    async with client_for(tenkfeet) as client:
        await sync_hours(client, date(2025, 1, 1), date(2025, 1, 31))
    stored = await Invoice.get(id=acme.january.id)
    assert stored.state == "Approved" and stored.changed_since_approval
    assert stored.hours_change_since_approval == Decimal(2)

    text = await unfurl_of(running_bot, "U0ALICE", url)
    assert "*Hours*\n21.75" in text and "*Money*\n1734.98 EUR" in text
    assert ":warning: *Changed since approval*: +2.00h, +240.00 EUR." in text
    assert "*State*\nApproved" in text  # nothing silently re-approved or dropped
    project = await unfurl_of(running_bot, "U0ALICE", acme.project_url(running_bot))
    assert "|January 2025 (2025-01)>: Approved, changed since approval · 21.75 h" in project

    await review_and_approve(running_bot, (notice.channel, notice.message_ts), "U0ALICE")
    text = await unfurl_of(running_bot, "U0ALICE", url)
    assert "Changed since approval" not in text and "Approved by *Alice Admin*" in text
    assert not (await Invoice.get(id=acme.january.id)).changed_since_approval
