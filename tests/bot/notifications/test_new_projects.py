"""New projects posted to the channels marked for them, after the projects sync against the
10000ft emulator, through the Slack emulator: once per project and channel, never on the
first sync of an empty database, never to unmarked or archived channels."""

from __future__ import annotations

import asyncio
import datetime as dt
import os

from bot.emulators.slack import SlackEmulator
from bot.emulators.tenkfeet import DEFAULT_TOKEN, TenkfeetEmulator
from bot.emulators.tenkfeet_data import project
from bot.notifications.new_projects import after_sync
from bot.scheduler import build_scheduler
from core.settings import Settings, load_settings
from models import Notification, Project, SlackChannel
from models.notifications.new_projects import (
    RETRY_FOR,
    MarkedChannel,
    NewProject,
    announcements,
)
from sync.schedule import run_scheduled_sync
from tests.support.processes import start_cli
from tests.support.sync_company import running_emulator
from web.sync_now import SyncNow

EVIL = "<!channel> <https://evil.example|x>"
NEW_ID = 1500
NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)


def settings_for(db: str, tenkfeet: TenkfeetEmulator, slack: SlackEmulator, **env: str) -> Settings:
    return load_settings(
        {
            "DATABASE_URL": db,
            "TENKFEET_API_URL": tenkfeet.base_url,
            "TENKFEET_AUTH": DEFAULT_TOKEN,
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_API_URL": slack.api_url,
            "PUBLIC_URL": "https://finance.example.com",
            "TENKFEET_APP_URL": "https://app.10000ft.example",
            **env,
        }
    )


async def channels() -> None:
    await SlackChannel.create(slack_id="C0NEWS", name="news", new_project_notifications=True)
    await SlackChannel.create(slack_id="C0QUIET", name="quiet")
    await SlackChannel.create(
        slack_id="C0OLD", name="old", archived=True, new_project_notifications=True
    )


def posts_to(slack: SlackEmulator) -> list[str]:
    return [str(call.args["channel"]) for call in slack.calls_to("chat.postMessage")]


async def test_a_project_added_between_two_syncs_is_posted_once_to_the_marked_channel(
    db: str, slack_emulator: SlackEmulator
) -> None:
    await channels()
    async with running_emulator() as tenkfeet:
        settings = settings_for(db, tenkfeet, slack_emulator)
        # The first sync of an empty database: every project is new, none is news.
        await run_scheduled_sync("projects", settings, after=after_sync)
        assert await Project.filter(new_project_announced=True).count() == 2
        assert posts_to(slack_emulator) == []

        tenkfeet.data.projects.append(project(NEW_ID, EVIL, "Beta & Co"))
        await run_scheduled_sync("projects", settings, after=after_sync)
        assert posts_to(slack_emulator) == ["C0NEWS"]
        assert slack_emulator.calls_to("conversations.open") == []  # a channel, not a DM
        post = slack_emulator.calls_to("chat.postMessage")[0].args
        new = await Project.get(tenkfeet_id=NEW_ID)
        escaped = "Beta &amp; Co – &lt;!channel&gt; &lt;https://evil.example|x&gt;"
        assert escaped in str(post["text"])
        assert "<!channel>" not in str(post["text"]) + str(post["blocks"])
        assert f"https://finance.example.com/projects/{new.guid}" in str(post["text"])
        assert f"https://app.10000ft.example/viewproject?id={NEW_ID}" in str(post["text"])
        buttons = [
            e["url"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]
        ]
        assert buttons == [
            f"https://finance.example.com/projects/{new.guid}",
            f"https://app.10000ft.example/viewproject?id={NEW_ID}",
        ]
        assert new.new_project_announced

        ledger = await Notification.all().values_list("type", "period", "recipient", "subject")
        assert ledger == [("new-project", "once", "C0NEWS", new.guid)]

        # A re-run, and the hours sync's follow-up, post nothing.
        await run_scheduled_sync("projects", settings, after=after_sync)
        assert await after_sync("hours", settings) == []
        assert posts_to(slack_emulator) == ["C0NEWS"]
    assert slack_emulator.violations == []


async def test_a_failed_post_is_tried_again_by_the_next_sync_for_that_channel_only(
    db: str, slack_emulator: SlackEmulator
) -> None:
    await channels()
    await SlackChannel.filter(slack_id="C0QUIET").update(new_project_notifications=True)
    async with running_emulator() as tenkfeet:
        settings = settings_for(db, tenkfeet, slack_emulator)
        await run_scheduled_sync("projects", settings, after=after_sync)
        tenkfeet.data.projects.append(project(NEW_ID, "Gamma", None))
        slack_emulator.fail_once("chat.postMessage", status=200, error="not_in_channel")
        await run_scheduled_sync("projects", settings, after=after_sync)
        assert sorted(posts_to(slack_emulator)) == ["C0NEWS", "C0QUIET"]
        statuses = dict(await Notification.all().values_list("recipient", "status"))
        failed = next(channel for channel, status in statuses.items() if status == "failed")
        assert not (await Project.get(tenkfeet_id=NEW_ID)).new_project_announced

        lines = await after_sync("projects", settings)
        assert failed == "C0NEWS"  # the first post of the run
        assert lines == [
            "sent         new project Gamma -> #news",
            "already sent new project Gamma -> #quiet",
        ]
        assert posts_to(slack_emulator)[-1] == failed
        assert len(posts_to(slack_emulator)) == 3
        assert await Notification.filter(status="sent").count() == 2
        assert (await Project.get(tenkfeet_id=NEW_ID)).new_project_announced


async def test_without_a_slack_token_new_projects_wait_with_a_note(
    db: str, slack_emulator: SlackEmulator
) -> None:
    await channels()
    async with running_emulator() as tenkfeet:
        settings = settings_for(db, tenkfeet, slack_emulator, SLACK_BOT_TOKEN="")
        await run_scheduled_sync("projects", settings, after=after_sync)
        tenkfeet.data.projects.append(project(NEW_ID, "Delta", None))
        await run_scheduled_sync("projects", settings, after=after_sync)
        assert await after_sync("projects", settings) == [
            "new projects: not posted (SLACK_BOT_TOKEN is not set)"
        ]
    assert posts_to(slack_emulator) == []
    assert not (await Project.get(tenkfeet_id=NEW_ID)).new_project_announced


async def test_financebot_sync_projects_posts_and_says_so(
    db: str, slack_emulator: SlackEmulator
) -> None:
    await channels()
    async with running_emulator() as tenkfeet:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TENKFEET_", "SLACK_", "AWS_", "DATABASE_URL", "PUBLIC_URL"))
        }
        env.update(
            DATABASE_URL=db,
            TENKFEET_API_URL=tenkfeet.base_url,
            TENKFEET_AUTH=DEFAULT_TOKEN,
            SLACK_BOT_TOKEN=slack_emulator.bot_token,
            SLACK_API_URL=slack_emulator.api_url,
        )

        async def sync_projects() -> str:
            process = await start_cli("sync", "projects", env=env)
            out, err = await asyncio.wait_for(process.communicate(), 120)
            assert process.returncode == 0, err.decode()
            return out.decode()

        first = await sync_projects()
        assert "new project" not in first
        tenkfeet.data.projects.append(project(NEW_ID, "Epsilon", "Acme Oy"))
        second = await sync_projects()
        assert "sent         new project Acme Oy – Epsilon -> #news" in second
        third = await sync_projects()
        assert "new project" not in third
    assert posts_to(slack_emulator) == ["C0NEWS"]


async def test_sync_now_on_the_admin_site_posts_too(db: str, slack_emulator: SlackEmulator) -> None:
    await channels()
    async with running_emulator() as tenkfeet:
        settings = settings_for(db, tenkfeet, slack_emulator)
        sync_now = SyncNow(settings, after=after_sync)
        for added in (None, project(NEW_ID, "Zeta", None)):
            if added is not None:
                tenkfeet.data.projects.append(added)
            assert (await sync_now.start("projects")).outcome == "started"
            task = sync_now.task("projects")
            assert task is not None
            await asyncio.wait_for(task, 60)
        await sync_now.close()
    assert posts_to(slack_emulator) == ["C0NEWS"]


def test_serves_scheduled_syncs_are_followed_by_the_posts() -> None:
    settings = Settings(tenkfeet_auth="token", slack_bot_token="xoxb-1")
    scheduler = build_scheduler(settings)
    assert scheduler.get_job("sync-projects") is not None
    assert scheduler.sync_retries is not None
    follow_up = scheduler.sync_retries.after  # what each scheduled sync runs when it finished
    assert follow_up is not None and follow_up.__wrapped__ is after_sync  # then the catch-up


# --- the rule, as a plain function -----------------------------------------------------------


def new_project(
    n: int, *, archived: bool = False, age: dt.timedelta = dt.timedelta()
) -> NewProject:
    return NewProject(n, f"g{n}", 1000 + n, f"P{n}", "", archived, NOW - age)


def test_archived_old_and_unheard_projects_are_done_without_posts() -> None:
    news = [MarkedChannel("C0NEWS", "news")]
    fresh, archived = new_project(1), new_project(2, archived=True)
    stale = new_project(3, age=RETRY_FOR + dt.timedelta(minutes=1))
    recent = new_project(4, age=RETRY_FOR - dt.timedelta(minutes=1))
    plan = announcements([stale, recent, archived, fresh], news, NOW)
    assert plan.to_post == (fresh, recent) or plan.to_post == (recent, fresh)
    assert [p.id for p in plan.to_post] == [4, 1]  # oldest first
    assert {p.id for p in plan.done_without_posts} == {2, 3}
    nobody = announcements([fresh, recent], [], NOW)
    assert nobody.to_post == () and len(nobody.done_without_posts) == 2
    assert announcements([], news, NOW).to_post == ()


def test_the_title_names_the_client_first() -> None:
    assert new_project(1).title == "P1"
    assert NewProject(1, "g", 1, "Portal", "Acme", False, NOW).title == "Acme – Portal"
