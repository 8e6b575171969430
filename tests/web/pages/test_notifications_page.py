"""``/notifications``: the ledger's history for admins, "Send now" (a dry-run preview, then a
confirmed send in the background through the Slack emulator, once), and the channels marked
for new projects."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from aiohttp import web

from bot.emulators.slack import SlackEmulator
from bot.notifications.batch import Batch, Outgoing
from bot.notifications.registry import PLANNERS
from bot.notifications.web_notifier import BotNotifier
from core.clock import company_today
from core.settings import Settings
from models import AuditLog, Client, Invoice, Notification, Person, Project, SlackChannel
from models.invoices.review_requests import previous_month
from models.notifications.kinds import NotificationType
from models.notifications.periods import week_key
from models.notifications.recipients import Conversation
from sync.slack_delivery import Notice, SlackMessage
from tests.support.browsers import browser
from tests.support.signed_in import Answer, fetch, join, serve_app
from tests.support.web_company import make_person
from tests.support.web_site import read_page, web_settings
from web.app_keys import NOTIFY_NOW_KEY
from web.auth import CSRF_HEADER
from web.notify_now import KINDS

WAIT = 10.0
EVIL = "<!channel> <https://evil.example|x> <script>alert(1)</script>"


@dataclass
class Site:
    url: str
    app: web.Application
    settings: Settings
    admin: Person
    hr: Person
    employee: Person
    slack: SlackEmulator


@pytest.fixture
async def site(db: str, slack_emulator: SlackEmulator) -> AsyncIterator[Site]:
    admin = await make_person("Adam", "Admin", slack_id="U0ADAM")
    await join(admin, "admin")
    hr = await make_person("Helen", "Hr")
    await join(hr, "hr")
    employee = await make_person("Eve", "Employee", slack_id="U0EVE")
    settings = web_settings(
        db,
        SLACK_BOT_TOKEN=slack_emulator.bot_token,
        SLACK_API_URL=slack_emulator.api_url,
        SLACK_NOTIFICATIONS_ADMIN="U0NOTIFY",
        PUBLIC_URL="http://finance.example.com",  # http: the test browser keeps its cookie
    )
    async with serve_app(settings, notifier=BotNotifier(settings)) as (url, app):
        yield Site(url, app, settings, admin, hr, employee, slack_emulator)


async def plan_unsubmitted(settings: Settings, today: dt.date, *, run: object = None) -> Batch:
    """A stand-in planner: two messages (a DM with a name to escape, a group DM), and one
    person nobody can be told about."""
    period = week_key(today)

    def outgoing(users: tuple[str, ...], about: str) -> Outgoing:
        notice = Notice(
            NotificationType.UNSUBMITTED,
            period,
            Conversation(users),
            SlackMessage(f"Unsubmitted hours: {about}"),
            summary=about,
        )
        return Outgoing(notice, about)

    return Batch(
        "unsubmitted",
        period,
        (
            outgoing(("U0EVE",), f"{EVIL}: 2 entries, 3.00h"),
            outgoing(("U0BOB", "U0CY"), "Bob and Cy: 1 entry, 7.50h"),
        ),
        unreachable=("Dan Noslack: 1 entry, 1.00h",),
        covers="2026-10-01..2026-11-29",
    )


@pytest.fixture
def unsubmitted_planner(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(PLANNERS, "unsubmitted", plan_unsubmitted)
    yield


async def ledger_row(type_: str, recipient: str, **fields: object) -> Notification:
    values: dict[str, object] = {"period": "2026-W48", "status": "sent", "summary": ""}
    values.update(fields)
    return await Notification.create(type=type_, recipient=recipient, **values)


async def get(site: Site, path: str, person: Person | None = None) -> Answer:
    return await fetch(site.url + path, site.settings, person or site.admin)


async def wait_for_send(site: Site, kind: str) -> None:
    task = site.app[NOTIFY_NOW_KEY].task(kind)
    if task is not None:
        await asyncio.wait_for(asyncio.shield(task), WAIT)


# --- who may ---------------------------------------------------------------------------------


async def test_only_admins_see_the_page_and_may_send(site: Site) -> None:
    page = await get(site, "/notifications")
    assert page.status == 200
    assert 'href="/notifications" aria-current="page"' in page.text  # in the navigation
    for person in (site.hr, site.employee):
        refused = await get(site, "/notifications", person)
        assert refused.status == 403
        assert "This needs the admin group (to see notifications)." in refused.text
        preview = await get(site, "/notifications/preview?kind=invoices", person)
        assert preview.status == 403
        for path, data in (
            ("/notifications/send", {"kind": "invoices", "today": "2026-11-30"}),
            ("/notifications/channels", {"shown": "C0NEWS", "announce": "C0NEWS"}),
        ):
            posted = await fetch(site.url + path, site.settings, person, method="POST", data=data)
            assert posted.status == 403
    anonymous = await fetch(site.url + "/notifications", site.settings, headers={"Accept": "*/*"})
    assert anonymous.status == 401
    hr_start = await get(site, "/", site.hr)
    assert 'href="/notifications"' not in hr_start.text


async def test_posts_without_the_csrf_token_are_refused(site: Site) -> None:
    await SlackChannel.create(slack_id="C0NEWS", name="news")
    for path, data in (
        ("/notifications/send", {"kind": "invoices", "today": "2026-11-30"}),
        ("/notifications/channels", {"shown": "C0NEWS", "announce": "C0NEWS"}),
    ):
        answer = await fetch(
            site.url + path,
            site.settings,
            site.admin,
            method="POST",
            data=data,
            headers={CSRF_HEADER: None},
        )
        assert answer.status == 403
    assert not (await SlackChannel.get(slack_id="C0NEWS")).new_project_notifications
    assert await AuditLog.all().count() == 0
    assert site.app[NOTIFY_NOW_KEY].latest("invoices") is None


# --- history ---------------------------------------------------------------------------------


async def test_history_newest_first_with_names_filters_and_escaped_summaries(site: Site) -> None:
    older = await ledger_row("unsubmitted", "U0EVE", summary=f"{EVIL}: 2 entries, 3.00h")
    await Notification.filter(id=older.id).update(
        sent_at=dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
    )
    failed = await ledger_row(
        "invoice-review", "U0ADAM,U0EVE", status="failed", error="not_in_channel", period="2026-10"
    )
    await SlackChannel.create(slack_id="C0NEWS", name="news")
    await ledger_row("new-project", "C0NEWS", period="once", subject="p-guid")

    page = await get(site, "/notifications")
    assert page.status == 200
    rows = read_page(page.text).tables["history"][1:]
    assert [row[1] for row in rows] == ["new-project", "invoice-review", "unsubmitted"]
    assert rows[1][3] == "Adam Admin (U0ADAM), Eve Employee (U0EVE)"
    assert rows[1][5:7] == ["failed", "not_in_channel"]
    assert rows[0][3] == "#news (C0NEWS)"
    assert rows[2][0] == "2026-11-23 11:00"  # Europe/Helsinki, the default TIME_ZONE
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert rows[2][7] == f"{EVIL}: 2 entries, 3.00h"

    def ids(answer: Answer) -> list[str]:
        return [row_id for row_id in read_page(answer.text).rows if row_id.startswith("notif")]

    by_status = await get(site, "/notifications?status=failed")
    assert ids(by_status) == [f"notification-{failed.id}"]
    by_type = await get(site, "/notifications?type=unsubmitted")
    assert ids(by_type) == [f"notification-{older.id}"]
    by_period = await get(site, "/notifications?period=2026-10")
    assert ids(by_period) == [f"notification-{failed.id}"]
    by_name = await get(site, "/notifications?recipient=eve+employee")
    assert sorted(ids(by_name)) == sorted([f"notification-{failed.id}", f"notification-{older.id}"])
    by_channel = await get(site, "/notifications?recipient=%23news")
    assert len(ids(by_channel)) == 1
    nothing = await get(site, "/notifications?recipient=nobody+at+all")
    assert ids(nothing) == [] and "No messages match these filters." in nothing.text
    wrong = await get(site, "/notifications?status=lost")
    assert wrong.status == 400


async def test_history_pages_like_the_audit_log(site: Site) -> None:
    await Notification.bulk_create(
        [
            Notification(
                type="unsubmitted", period="2026-W48", recipient=f"U{n:04d}", status="sent"
            )
            for n in range(101)
        ]
    )
    first = await get(site, "/notifications")
    assert "101 messages · page 1 of 2" in read_page(first.text).texts["counts"]
    assert len(read_page(first.text).tables["history"]) == 101  # header + 100
    assert 'href="/notifications?page=2" rel="next"' in first.text
    second = await get(site, "/notifications?page=2")
    assert len(read_page(second.text).tables["history"]) == 2


async def test_flex_saldo_summaries_are_for_the_hr_group_only(site: Site) -> None:
    await ledger_row("flex-saldo", "U0EVE", period="2026-10", summary="Eve Employee: +12.50h")
    as_admin = await get(site, "/notifications")
    assert "+12.50h" not in as_admin.text
    assert "values hidden: flex numbers are for the hr group" in as_admin.text
    await join(site.admin, "hr")
    as_admin_in_hr = await get(site, "/notifications")
    assert "Eve Employee: +12.50h" in as_admin_in_hr.text


# --- send now --------------------------------------------------------------------------------


async def test_preview_shows_who_gets_what_and_sends_nothing(
    site: Site, unsubmitted_planner: None
) -> None:
    answer = await get(site, "/notifications/preview?kind=unsubmitted")
    assert answer.status == 200
    page = read_page(answer.text)
    assert page.tables["preview"][1:] == [
        ["would send", f"{EVIL}: 2 entries, 3.00h", "Eve Employee (U0EVE)"],
        ["would send", "Bob and Cy: 1 entry, 7.50h", "U0BOB, U0CY"],
    ]
    assert page.texts["unreachable"] == "Dan Noslack: 1 entry, 1.00h"
    today = company_today(site.settings)
    assert page.texts["period"].startswith(f"Period {week_key(today)} (2026-10-01..2026-11-29)")
    assert "<script>alert(1)</script>" not in answer.text
    assert f'name="today" value="{today.isoformat()}"' in answer.text
    assert "Send 2 messages now" in answer.text
    assert site.slack.calls_to("chat.postMessage") == []
    assert site.slack.calls_to("conversations.open") == []
    assert await Notification.all().count() == 0


async def test_confirm_sends_in_the_background_once(site: Site, unsubmitted_planner: None) -> None:
    today = company_today(site.settings).isoformat()
    async with browser(site.url, site.settings, site.admin.id) as admin:
        status, html, location = await admin.post(
            "/notifications/send", kind="unsubmitted", today=today
        )
        assert status == 200 and location == "/notifications#send-now"
        assert "Sending the unsubmitted notifications in the background" in html, read_page(
            html
        ).texts
        await wait_for_send(site, "unsubmitted")

        opened = sorted(str(c.args["users"]) for c in site.slack.calls_to("conversations.open"))
        assert opened == ["U0BOB,U0CY", "U0EVE"]
        assert len(site.slack.calls_to("chat.postMessage")) == 2
        rows = await Notification.filter(type="unsubmitted").order_by("recipient")
        assert [(r.recipient, r.status) for r in rows] == [
            ("U0BOB,U0CY", "sent"),
            ("U0EVE", "sent"),
        ]

        _, after = await admin.get("/notifications")
        kind_row = read_page(after).rows["kind-unsubmitted"]
        assert "2 sent" in kind_row[1] and "finished" in kind_row[1]

        # The preview now says it was sent; a second confirm sends nothing new.
        _, preview = await admin.get("/notifications/preview?kind=unsubmitted")
        assert [row[0] for row in read_page(preview).tables["preview"][1:]] == [
            "already sent",
            "already sent",
        ]
        assert "Nothing would be sent." in preview
        await admin.post("/notifications/send", kind="unsubmitted", today=today)
        await wait_for_send(site, "unsubmitted")
    assert len(site.slack.calls_to("chat.postMessage")) == 2
    assert await Notification.filter(type="unsubmitted").count() == 2
    outcome = site.app[NOTIFY_NOW_KEY].latest("unsubmitted")
    assert outcome is not None and outcome.outcome is not None
    assert outcome.outcome.tally() == "2 already sent, 1 nobody could be told about"


async def test_a_confirm_from_another_day_sends_nothing(
    site: Site, unsubmitted_planner: None
) -> None:
    yesterday = company_today(site.settings) - dt.timedelta(days=1)
    async with browser(site.url, site.settings, site.admin.id) as admin:
        _, html, _ = await admin.post(
            "/notifications/send", kind="unsubmitted", today=yesterday.isoformat()
        )
    assert f"preview was made on {yesterday.isoformat()}; preview again" in html
    assert site.app[NOTIFY_NOW_KEY].latest("unsubmitted") is None
    assert site.slack.calls_to("chat.postMessage") == []


async def test_every_kind_can_be_previewed_and_an_unknown_one_is_refused(site: Site) -> None:
    page = read_page((await get(site, "/notifications")).text)
    for kind in KINDS:
        assert page.rows[f"kind-{kind}"][2] == "Preview", kind
    unknown = await get(site, "/notifications/preview?kind=everything")
    assert unknown.status == 400


async def test_invoice_review_requests_of_last_month_preview_then_send(site: Site) -> None:
    year, month = previous_month(company_today(site.settings))
    project = await Project.create(
        tenkfeet_id=77, guid="p-apollo", name="Apollo", client=await Client.create(name="Acme")
    )
    await project.admins.add(site.admin, site.employee)
    await Invoice.create(project=project, year=year, month=month, hours=10, money=1000)

    preview = await get(site, "/notifications/preview?kind=invoices")
    rows = read_page(preview.text).tables["preview"][1:]
    assert rows == [
        [
            "would send",
            f"Apollo (Acme), {dt.date(year, month, 1):%B %Y} ({year:04d}-{month:02d})",
            "Adam Admin (U0ADAM), Eve Employee (U0EVE)",
        ]
    ]
    assert site.slack.calls_to("chat.postMessage") == []

    today = company_today(site.settings).isoformat()
    async with browser(site.url, site.settings, site.admin.id) as admin:
        await admin.post("/notifications/send", kind="invoices", today=today)
        await wait_for_send(site, "invoices")
        await admin.post("/notifications/send", kind="invoices", today=today)
        await wait_for_send(site, "invoices")
    opened = [str(c.args["users"]) for c in site.slack.calls_to("conversations.open")]
    assert opened == ["U0ADAM,U0EVE"]
    posted = site.slack.calls_to("chat.postMessage")
    assert len(posted) == 1 and "http://finance.example.com/invoices/" in str(
        posted[0].args["text"]
    )
    assert await Notification.filter(type="invoice-review", status="sent").count() == 1


# --- channels for new projects ---------------------------------------------------------------


async def test_channels_are_marked_for_new_projects_with_an_audit_row(site: Site) -> None:
    await SlackChannel.create(slack_id="C0NEWS", name="news")
    await SlackChannel.create(slack_id="C0RANDOM", name="random", new_project_notifications=True)
    await SlackChannel.create(slack_id="C0OLD", name="old", archived=True)
    page = read_page((await get(site, "/notifications")).text)
    assert [row[0] for row in page.tables["channel-list"][1:]] == [
        "#news C0NEWS",
        "#random C0RANDOM",
        "#old archived C0OLD",
    ]
    async with browser(site.url, site.settings, site.admin.id) as admin:
        form = {"shown": "C0NEWS", "announce": "C0NEWS"}
        status, html, _ = await admin.post("/notifications/channels", **form)
        assert status == 200
        assert "New project posts: #news on." in html
        # Unticking a box sends the channel in "shown" only.
        await admin.post("/notifications/channels", shown="C0RANDOM")
    marked = await SlackChannel.filter(new_project_notifications=True).values_list(
        "slack_id", flat=True
    )
    assert list(marked) == ["C0NEWS"]
    audit = await AuditLog.filter(entity="slack_channel").order_by("id")
    assert [(row.entity_id, row.actor, row.after) for row in audit] == [
        ("C0NEWS", "web:adam@example.com", {"name": "news", "announce_new_projects": True}),
        ("C0RANDOM", "web:adam@example.com", {"name": "random", "announce_new_projects": False}),
    ]
