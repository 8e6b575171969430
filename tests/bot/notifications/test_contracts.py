"""The weekly contract-problems report through the Slack emulator: on the admin-site test
company (tests/support/web_company.py) run on Monday 2025-03-03, as of Sunday 2025-03-02, only
Carol has problems (no contract 16-31 Jan, so no saldo); a notifications admin in HR gets the
report with links and corrections' hours, any other without; a long report goes in parts."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from bot.emulators.slack import SlackEmulator
from bot.notifications.batch import send_batch
from bot.notifications.contracts import plan_contracts
from handlers.slack_ids import ActionId
from models import FlexCorrection, Notification, Person, WorkContract
from sync.slack_client import build_web_client
from tests.bot.notifications.test_unsubmitted import blocks_of, posted_to, shown
from tests.conftest import bot_settings_for
from tests.support.signed_in import join
from tests.support.web_company import build_company, make_person

MONDAY = dt.date(2025, 3, 3)
ADMINS = "U0NOTE,U0HR"
_ids = itertools.count(1)


async def test_hr_gets_the_report_with_links_and_the_others_without_once(
    db: str, slack_emulator: SlackEmulator
) -> None:
    company = await build_company()
    await Person.filter(id=company.carol.id).update(first_name="<!channel>")
    await Person.filter(id=company.dave.id).update(first_name="Archived")
    await WorkContract.create(  # Dave's hours-free gap: not reported, he is archived
        person=company.dave, start_date=dt.date(2025, 3, 1), end_date=None, worktime_percent=50
    )
    # Carol's correction inside her gap: its hours are flex figures, for HR only.
    await FlexCorrection.create(
        person=company.carol, date=dt.date(2025, 1, 20), adjust_by=Decimal("5.5")
    )
    await join(await make_person("Hanna", "Hr", slack_id="U0HR"), "hr")
    await join(await make_person("Nora", "Note", slack_id="U0NOTE"), "admin")
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN=ADMINS)
    batch = await plan_contracts(settings, MONDAY)
    assert (batch.kind, batch.period, batch.covers) == (
        "contracts",
        "2025-W10",
        "as of 2025-03-02: 1 person with contract problems",
    )
    assert [(o.about, o.notice.conversation.key, o.notice.subject) for o in batch.messages] == [
        ("part 1 of 1: 1 person, 3 problems (HR)", "U0HR", "part-1"),
        (
            "part 1 of 1: 1 person, 3 problems (not HR: no links, no corrections' hours)",
            "U0NOTE",
            "part-1",
        ),
    ]

    dry = await send_batch(None, batch, dry_run=True)
    assert [o.status for o in dry.outcomes] == ["would send", "would send"]
    assert slack_emulator.calls == [] and await Notification.all().count() == 0

    report = await send_batch(build_web_client(settings), batch, send_rate=100)
    assert report.tally() == "2 sent"
    gap = "Gap between contracts: no contract 2025-01-16 … 2025-01-31 (16 days)"
    saldo = "The flex saldo cannot be computed: no contract on 2025-01-16"

    (for_hr,) = posted_to(slack_emulator, slack_emulator.conversation_id("U0HR"))
    text = shown(for_hr)
    url = settings.public_link(f"/contracts/{company.carol.guid}")
    assert f"*<{url}|&lt;!channel&gt; Cole>*" in text
    assert gap in text and saldo in text
    assert "Correction on 2025-01-20 (adjust by +5.50h) is outside every contract." in text
    assert "<!channel>" not in text and "<!channel>" not in for_hr.args["text"]
    assert for_hr.args["text"].startswith(
        "Contract problems as of 2025-03-02: &lt;!channel&gt; Cole: Gap between contracts"
    )
    assert "5.50" not in for_hr.args["text"]  # the fallback is the ledger's summary too
    assert "As of 2025-03-02, 1 person has contract problems" in text
    (actions,) = [b for b in blocks_of(for_hr) if b["type"] == "actions"]
    (button,) = actions["elements"]
    assert button["action_id"] == ActionId.CONTRACT_REPORT_OPEN
    assert button["url"] == settings.public_link("/contracts")

    # Nora is an admin, not HR: the problems, who fixes them, no links, no hours.
    (for_others,) = posted_to(slack_emulator, slack_emulator.conversation_id("U0NOTE"))
    text = shown(for_others)
    assert "*&lt;!channel&gt; Cole*" in text and gap in text and saldo in text
    assert "Correction on 2025-01-20 is outside every contract." in text
    assert "5.50" not in text and "5.50" not in for_others.args["text"]
    assert "http" not in text and "<" not in text
    assert all(b["type"] != "actions" for b in blocks_of(for_others))
    assert "HR fixes these on the admin site's Contracts page" in text
    for nobody in ("Alice", "Bob", "Frank", "Gina", "Archived", "Erin"):
        assert nobody not in shown(for_hr) + text
    rows = (
        await Notification.all()
        .order_by("recipient")
        .values_list("type", "period", "recipient", "subject", "status")
    )
    assert rows == [
        ("contracts", "2025-W10", "U0HR", "part-1", "sent"),
        ("contracts", "2025-W10", "U0NOTE", "part-1", "sent"),
    ]

    # Again that week: nothing more.
    again = await send_batch(build_web_client(settings), await plan_contracts(settings, MONDAY))
    assert [o.status for o in again.outcomes] == ["already sent", "already sent"]
    assert len(slack_emulator.calls_to("chat.postMessage")) == 2
    assert slack_emulator.violations == []


async def test_without_problems_nothing_is_sent(db: str, slack_emulator: SlackEmulator) -> None:
    fine = await make_person("Fine", "Person", slack_id="U0FINE")
    await WorkContract.create(
        person=fine, start_date=dt.date(2025, 1, 1), end_date=None, worktime_percent=100
    )
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN=ADMINS)
    batch = await plan_contracts(settings, MONDAY)
    assert batch.messages == () and batch.unreachable == ()
    assert (await send_batch(build_web_client(settings), batch)).lines() == [
        "contracts 2025-W10 (as of 2025-03-02: no contract problems): nothing to send"
    ]
    assert slack_emulator.calls == []


async def test_a_long_report_is_sent_in_parts_within_slacks_limits(
    db: str, slack_emulator: SlackEmulator
) -> None:
    # 60 people, each with a gap between two contracts: one section each; 47 fit a message.
    for n in range(60):
        person = await make_person(f"Person{n:02d}", "Gap")
        for start, end in (
            (dt.date(2025, 1, 1), dt.date(2025, 1, 10)),
            (dt.date(2025, 2, 1), None),
        ):
            await WorkContract.create(
                person=person, start_date=start, end_date=end, worktime_percent=100
            )
    settings = bot_settings_for(slack_emulator, db, SLACK_NOTIFICATIONS_ADMIN="U0NOTE")
    batch = await plan_contracts(settings, MONDAY)
    assert [(o.about, o.notice.subject) for o in batch.messages] == [
        ("part 1 of 2: 47 people, 94 problems (not HR: no links, no corrections' hours)", "part-1"),
        ("part 2 of 2: 13 people, 26 problems (not HR: no links, no corrections' hours)", "part-2"),
    ]
    report = await send_batch(build_web_client(settings), batch, send_rate=100)
    assert report.tally() == "2 sent"
    first, second = posted_to(slack_emulator, slack_emulator.conversation_id("U0NOTE"))
    for post, number, people in ((first, 1, range(47)), (second, 2, range(47, 60))):
        blocks = blocks_of(post)
        assert len(blocks) <= 50
        assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
        assert blocks[0]["text"]["text"] == f"Contract problems ({number}/2)"
        text = shown(post)
        assert "As of 2025-03-02, 60 people have contract problems" in text
        assert f"Part {number} of 2." in text
        assert [f"Person{n:02d} Gap" in text for n in range(60)] == [n in people for n in range(60)]
    assert len(slack_emulator.calls_to("chat.postMessage")) == 2
    subjects = await Notification.all().order_by("subject").values_list("subject", flat=True)
    assert subjects == ["part-1", "part-2"]
    assert slack_emulator.violations == []


async def test_without_notifications_admins_the_report_is_unreachable(
    db: str, slack_emulator: SlackEmulator
) -> None:
    await build_company()
    batch = await plan_contracts(bot_settings_for(slack_emulator, db), MONDAY)
    assert batch.messages == ()
    assert batch.unreachable == (
        "part 1 of 1: 1 person, 2 problems (HR): SLACK_NOTIFICATIONS_ADMIN is empty",
    )
