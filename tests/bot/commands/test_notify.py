"""`financebot notify invoices`, run as a real process against this run's test database and
the Slack emulator: who gets what, once, --force, --dry-run, and honest refusals."""

from __future__ import annotations

import asyncio
import itertools
import os
from dataclasses import dataclass

from bot.emulators.slack import SlackEmulator
from models import Client, Invoice, Notification, Project
from tests.support.invoice_review import person, review_company
from tests.support.processes import start_cli

_ids = itertools.count(9000)


@dataclass
class Outcome:
    code: int
    out: str
    err: str


async def notify(database_url: str, emulator: SlackEmulator, *args: str, **env: str) -> Outcome:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "DATABASE_", "TENKFEET_", "PUBLIC_URL"))
    }
    environment.update(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=emulator.bot_token,
        SLACK_API_URL=emulator.api_url,
        SLACK_NOTIFICATIONS_ADMIN="U0NOTIFY",
        PUBLIC_URL="https://finance.example.com",
    )
    environment.update(env)
    proc = await start_cli("notify", *args, env=environment)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return Outcome(proc.returncode, out.decode(), err.decode())


async def project_with_admins(name: str, slack_ids: list[str | None], **invoice: object) -> Project:
    project = await Project.create(
        tenkfeet_id=next(_ids),
        guid=f"p-{name}",
        name=name,
        client=await Client.create(name=f"{name} Oy"),
    )
    for n, slack_id in enumerate(slack_ids):
        await project.admins.add(await person(f"{name}{n}", "Admin", slack_id))
    await Invoice.create(
        project=project, year=2025, month=3, **({"hours": 10, "money": 1000} | invoice)
    )
    return project


async def test_each_client_invoice_with_hours_goes_to_its_admins_once(
    db: str, slack_emulator: SlackEmulator
) -> None:
    company = await review_company()  # Apollo: Ada and Bob, one group DM
    await project_with_admins("Solo", ["U0SOLO"])
    await project_with_admins("Crowd", [f"U0C{n:02d}" for n in range(10)])  # split: 5 + 5
    await project_with_admins("Nobody", [None])  # no admin on Slack: the notifications admin
    await project_with_admins("Empty", ["U0SOLO"], hours=0)  # no hours: nothing
    internal = await project_with_admins("Inside", ["U0SOLO"])
    internal.project_state = "Internal"
    await internal.save()

    result = await notify(db, slack_emulator, "invoices", "--month", "2025-03")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[-1] == "invoices 2025-03: 5 sent"
    assert any(
        line.startswith("sent")
        and "Apollo (Acme), March 2025 (2025-03) -> group DM U0ADA,U0BOB" in line
        for line in lines
    )
    assert any("Nobody" in line and "DM U0NOTIFY (notifications admins" in line for line in lines)
    opened = sorted(str(c.args["users"]) for c in slack_emulator.calls_to("conversations.open"))
    assert opened == sorted(
        [
            "U0ADA,U0BOB",
            "U0SOLO",
            "U0NOTIFY",
            ",".join(f"U0C{n:02d}" for n in range(5)),
            ",".join(f"U0C{n:02d}" for n in range(5, 10)),
        ]
    )
    assert len(slack_emulator.calls_to("chat.postMessage")) == 5
    posted = [str(c.args["text"]) for c in slack_emulator.calls_to("chat.postMessage")]
    assert all(
        "2025-03" in text and "https://finance.example.com/invoices/" in text for text in posted
    )
    assert await Notification.filter(type="invoice-review", status="sent").count() == 5
    assert (await company.current()).review_requested_at is not None
    assert slack_emulator.violations == []

    again = await notify(db, slack_emulator, "invoices", "--month", "2025-03")
    assert again.code == 0 and again.out.splitlines()[-1] == "invoices 2025-03: 5 already sent"
    assert len(slack_emulator.calls_to("chat.postMessage")) == 5

    forced = await notify(db, slack_emulator, "invoices", "--month", "2025-03", "--force")
    assert forced.code == 0 and forced.out.splitlines()[-1] == "invoices 2025-03: 5 sent"
    assert len(slack_emulator.calls_to("chat.postMessage")) == 10


async def test_a_dry_run_sends_nothing_and_needs_no_token(
    db: str, slack_emulator: SlackEmulator
) -> None:
    await review_company()
    result = await notify(
        db, slack_emulator, "invoices", "--month", "2025-03", "--dry-run", SLACK_BOT_TOKEN=""
    )
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "would send    Apollo (Acme), March 2025 (2025-03) -> group DM U0ADA,U0BOB",
        "invoices 2025-03: 1 would send",
    ]
    assert slack_emulator.calls == [] and await Notification.all().count() == 0


async def test_a_failed_send_is_reported_and_retried_next_run(
    db: str, slack_emulator: SlackEmulator
) -> None:
    await review_company()
    await project_with_admins("Solo", ["U0SOLO"])
    slack_emulator.fail_once("chat.postMessage", status=200, error="is_archived")
    result = await notify(db, slack_emulator, "invoices", "--month", "2025-03")
    assert result.code == 1
    assert (
        result.err.strip() == "financebot: 1 message(s) could not be sent; run again to retry them"
    )
    assert "failed" in result.out and "is_archived" in result.out and "1 sent" in result.out
    retry = await notify(db, slack_emulator, "invoices", "--month", "2025-03")
    assert (
        retry.code == 0 and retry.out.splitlines()[-1] == "invoices 2025-03: 1 already sent, 1 sent"
    )


async def test_bad_arguments_are_refused_in_one_line(
    db: str, slack_emulator: SlackEmulator
) -> None:
    unknown = await notify(db, slack_emulator, "everyone")
    assert unknown.code == 2 and "invalid choice: 'everyone'" in unknown.err
    month = await notify(db, slack_emulator, "unsubmitted", "--month", "2025-03")
    assert month.code == 1 and "--month picks the invoices' month" in month.err
    bad = await notify(db, slack_emulator, "invoices", "--month", "2025-13")
    assert bad.code == 2 and "'2025-13' is not a month YYYY-MM" in bad.err
    no_token = await notify(db, slack_emulator, "invoices", SLACK_BOT_TOKEN="")
    assert no_token.code == 1 and "SLACK_BOT_TOKEN is required" in no_token.err
    assert slack_emulator.calls == []


async def test_a_weekly_reminder_from_the_command_line(
    db: str, slack_emulator: SlackEmulator
) -> None:
    from core.clock import company_today
    from core.settings import load_settings
    from models.notifications.periods import reminder_period
    from tests.support.flex_people import make_person
    from tests.support.hour_reminders import entry, project

    period = reminder_period(company_today(load_settings({})))
    apollo = await project("Apollo")
    for name, slack_id in (("Aino", "U0AINO"), ("Eino", "U0EINO"), ("Olli", None)):
        await entry(await make_person(name, "Test", slack_id), period.last, "7.5", on=apollo)

    dry = await notify(db, slack_emulator, "unsubmitted", "--dry-run", SLACK_BOT_TOKEN="")
    assert dry.code == 0, dry.err
    assert dry.out.count("would send") >= 3  # Aino, Eino, and the admin told about Olli
    assert slack_emulator.calls == [] and await Notification.all().count() == 0
    assert "unsubmitted 20" in dry.out.splitlines()[-1] and str(period) in dry.out

    slack_emulator.fail_once("chat.postMessage", status=200, error="account_inactive", after=1)
    sent = await notify(db, slack_emulator, "unsubmitted")
    assert sent.code == 1
    assert sent.err.strip() == (
        "financebot: 1 message(s) could not be sent; run again to retry them"
    )
    assert "1 failed" in sent.out.splitlines()[-1] and "account_inactive" in sent.out

    again = await notify(db, slack_emulator, "unsubmitted")
    assert again.code == 0, again.err
    assert "1 sent" in again.out.splitlines()[-1] and "already sent" in again.out
    # Aino, Eino, and for the notifications admin: two copies and the word about Olli.
    assert await Notification.filter(status="sent").count() == 5
    assert len(slack_emulator.messages) == 5  # each once: the refused post posted nothing


async def test_the_flex_saldo_message_and_the_contract_report_from_the_command_line(
    db: str, slack_emulator: SlackEmulator
) -> None:
    from core.clock import company_today
    from core.settings import load_settings
    from models import WorkContract
    from models.flex.saldo import previous_month_end
    from tests.support.flex_people import make_person as someone

    last_month_end = previous_month_end(company_today(load_settings({})))
    # From the first of last month, no hours: a month of workdays below the band on L.
    aino = await someone("Aino", "Below", "U0AINO")
    await WorkContract.create(
        person=aino, start_date=last_month_end.replace(day=1), worktime_percent=100
    )
    empty = await notify(db, slack_emulator, "contracts", "--dry-run", SLACK_BOT_TOKEN="")
    assert empty.code == 0, empty.err
    assert empty.out.strip().endswith(": no contract problems): nothing to send")

    dry = await notify(db, slack_emulator, "flex-saldo", "--dry-run", SLACK_BOT_TOKEN="")
    assert dry.code == 0, dry.err
    assert "would send" in dry.out and "Aino Below: -" in dry.out and "below_band" in dry.out
    assert f"(as of {last_month_end.isoformat()}): 2 would send" in dry.out  # DM + a copy
    assert slack_emulator.calls == [] and await Notification.all().count() == 0

    sent = await notify(db, slack_emulator, "flex-saldo")
    assert sent.code == 0, sent.err
    assert "2 sent" in sent.out.splitlines()[-1]
    again = await notify(db, slack_emulator, "flex-saldo")
    assert again.code == 0 and "2 already sent" in again.out.splitlines()[-1]
    assert len(slack_emulator.messages) == 2
