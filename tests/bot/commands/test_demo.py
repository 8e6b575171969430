"""`financebot demo`: a sample company loaded through the real syncs, answering in Slack.

The subprocess test runs the real command twice on one data directory (always SQLite, the
demo's database); the in-process tests load the same company into the `db` fixture's database,
so the loading also runs on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.commands.demo import demo_settings
from bot.demo.company import demo_people, first_day
from bot.demo.hours import company_hours
from bot.demo.seed import (
    START_FILE,
    SampleCompany,
    company_start,
    fill_slack_workspace,
    sample_company,
    seed_sample_company,
)
from bot.emulators.slack import SlackEmulator
from bot.emulators.tenkfeet import TenkfeetEmulator
from bot.scheduler import build_scheduler
from core.errors import CommandError
from core.settings import Settings
from models import AuditLog, FlexCorrection, GroupMembership, HourEntry, Person, WorkContract
from models.permissions import ADMIN_GROUP, FINANCE_GROUP, HR_GROUP
from tests.conftest import BotUnderTest, bot_settings_for
from tests.support.processes import kill_if_running, start_cli

SALDO = r"[+-]\d+\.\d{2}h"
TODAY = dt.date(2025, 3, 12)  # a Wednesday


# ---------------------------------------------------------------------- the real command


class DemoProcess:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.output = ""

    async def ready(self) -> str:
        """Reads stdout up to the last line of the ready text."""
        stdout = self.process.stdout
        assert stdout is not None
        while "Stop with Ctrl-C." not in self.output:
            line = await asyncio.wait_for(stdout.readline(), 90)
            assert line, f"the demo ended early:\n{self.output}"
            self.output += line.decode()
        return self.output

    async def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(self.process.communicate(), 30)
        return stderr.decode()


async def start_demo(data_dir: Path, cwd: Path) -> DemoProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_", "WEB_", "TENKFEET_", "PUBLIC_URL"))
    }
    env.pop("PYTHONPATH", None)  # the demo must find bot/emulators in the package itself
    env["WEB_PORT"] = "0"
    process = await start_cli("demo", "--data-dir", str(data_dir), env=env, cwd=cwd)
    return DemoProcess(process)


@pytest.fixture
async def demo_runs() -> AsyncIterator[list[DemoProcess]]:
    """Started demos, killed at the end if a test left one running."""
    runs: list[DemoProcess] = []
    yield runs
    for run in runs:
        await kill_if_running(run.process)


def try_urls(output: str) -> dict[str, str]:
    """The printed curl lines, by what they try (the words before the URL)."""
    found = {}
    for line in output.splitlines():
        match = re.search(r"curl '([^']+)'", line)
        if match:
            found[line.split(":")[0].strip()] = match.group(1)
    return found


async def demo_sign_in(session: aiohttp.ClientSession, url: str, name: str) -> None:
    """Signs in as ``name`` with the demo's sign-in page (the session keeps the cookie)."""
    async with session.get(url) as response:
        page = await response.text()
    assert response.status == 200, page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    person = re.search(r'value="(\d+)" aria-label="Sign in as ' + re.escape(name) + '"', page)
    assert csrf and person, page
    form = {"csrf_token": csrf.group(1), "person_id": person.group(1), "next": "/"}
    async with session.post(url, data=form, allow_redirects=False) as response:
        assert response.status == 302, await response.text()


async def get_json(session: aiohttp.ClientSession, url: str) -> dict[str, object]:
    async with session.get(url) as response:
        assert response.status == 200, await response.text()
        body = await response.json()
    assert isinstance(body, dict)
    return body


async def test_demo_answers_from_the_sample_company_and_restarts_on_its_data(
    tmp_path: Path, demo_runs: list[DemoProcess]
) -> None:
    data_dir = tmp_path / "demo-data"
    first = await start_demo(data_dir, tmp_path)
    demo_runs.append(first)
    output = await first.ready()

    health = re.search(r"Health:\s+(http://\S+/healthz)", output)
    users = re.search(r"Admin site:\s+(http://\S+/users)\n", output)
    person = re.search(r"One person:\s+(http://\S+/users/[0-9a-f-]+/flexhours)", output)
    sign_in = re.search(r"Sign in:\s+(http://\S+/demo/sign-in)\s", output)
    assert health and users and person and sign_in, output
    tries = try_urls(output)
    assert len(tries) == 5, output
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(health.group(1)) as response:
            assert (response.status, await response.text()) == (200, "ok")
        await demo_sign_in(session, sign_in.group(1), "Aino Korhonen")  # HR sees everyone
        async with session.get(users.group(1)) as response:
            page = await response.text()
        for name in ("Aino Korhonen", "Eino Virtanen", "Helmi Mäkinen", "Väinö Hämäläinen"):
            assert name in page
        async with session.get(person.group(1)) as response:
            assert response.status == 200
            assert "Eino Virtanen" in await response.text()

        own = await get_json(session, tries["/flex-hours as Eino Virtanen"])
        hr = await get_json(session, next(u for k, u in tries.items() if k.startswith("HR")))
        no_contract = await get_json(session, next(u for u in tries.values() if "U0DEMO06" in u))
        home = await get_json(session, next(u for u in tries.values() if "/try/app-home" in u))
    assert re.search(f"Flex saldo for Eino Virtanen is {SALDO}", str(own["replies"])), own
    assert re.search(f"Flex saldo for Elias Järvinen is {SALDO}", str(hr["replies"])), hr
    assert "not activated" in str(no_contract["replies"]), no_contract
    assert re.search(f"Flex saldo for Elias Järvinen is {SALDO}", str(home["texts"])), home
    assert "Unsubmitted hours" in home["texts"], home  # type: ignore[operator]
    assert (data_dir / "financebot.sqlite3").exists() and (data_dir / START_FILE).exists()
    stderr = await first.stop()
    assert first.process.returncode == 0, stderr
    assert "Traceback" not in stderr

    second = await start_demo(data_dir, tmp_path)
    demo_runs.append(second)
    again = await second.ready()
    since = re.compile(r"hour entries since (\d{4}-\d{2}-\d{2})")
    assert since.findall(again) == since.findall(output) != []
    async with aiohttp.ClientSession() as session:
        own = await get_json(session, try_urls(again)["/flex-hours as Eino Virtanen"])
    assert re.search(f"Flex saldo for Eino Virtanen is {SALDO}", str(own["replies"])), own
    stderr = await second.stop()
    assert second.process.returncode == 0, stderr
    assert "Traceback" not in stderr


# ---------------------------------------------------------------------- the sample company


def test_a_days_entries_stay_the_same_when_the_history_grows() -> None:
    started = first_day(TODAY)
    people = demo_people(started)
    now = company_hours(people, {}, started, TODAY)
    later = company_hours(people, {}, started, TODAY + dt.timedelta(days=40))
    assert len(later) > len(now) > 5000
    old_ids = list(now.select(None, TODAY - dt.timedelta(days=60), with_suggestions=True))
    for entry_id in old_ids[::97]:
        before, after = now.get(entry_id), later.get(entry_id)
        before.pop("approvals"), after.pop("approvals")
        assert before == after  # same person, day, project, hours; only approvals move on


def test_hours_follow_contracts_and_states_follow_age() -> None:
    started = first_day(TODAY)
    people = {p.handle: p for p in demo_people(started)}
    store = company_hours(list(people.values()), {}, started, TODAY)
    helmi = people["helmi.makinen"].tenkfeet_id
    part_time_start = people["helmi.makinen"].contracts[1].start
    work_by_day: dict[str, float] = {}
    states: dict[int, set[str]] = {}
    for entry_id in store.ids():
        entry = store.get(entry_id)
        day = dt.date.fromisoformat(entry["date"])
        approvals = entry["approvals"]["data"]
        status = approvals[0]["status"] if approvals else "unsubmitted"
        states.setdefault((TODAY - day).days // 30, set()).add(status)
        if entry["user_id"] == helmi and day >= part_time_start:
            work_by_day[entry["date"]] = work_by_day.get(entry["date"], 0) + float(entry["hours"])
    average = sum(work_by_day.values()) / len(work_by_day)
    assert 4.3 < average < 4.8  # 60 % of 7.5 h, give or take her extra minutes
    assert states[0] >= {"unsubmitted", "pending", "approved"}
    assert states[12] <= {"pending", "approved"}


def test_the_start_day_is_kept_in_the_data_directory(tmp_path: Path) -> None:
    started = company_start(tmp_path, TODAY)
    assert started.weekday() == 0 and 730 <= (TODAY - started).days < 737
    assert company_start(tmp_path, TODAY + dt.timedelta(days=100)) == started
    (tmp_path / START_FILE).write_text("yesterday")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        company_start(tmp_path, TODAY)


def test_a_demo_listening_on_every_address_links_to_loopback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the container image WEB_HOST is 0.0.0.0; the demo's links must still open."""
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    for name in ("SLACK_API_URL", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID"):
        monkeypatch.setenv(name, "restored after the test")
    for name in ("SLACK_CLIENT_SECRET", "SLACK_OPENID_AUTHORIZE_URL"):
        monkeypatch.setenv(name, "restored after the test")
    for name in ("TENKFEET_API_URL", "TENKFEET_AUTH"):
        monkeypatch.setenv(name, "restored after the test")
    everywhere = Settings(web_host="0.0.0.0", web_port=8090)
    settings = demo_settings(everywhere, SlackEmulator(), TenkfeetEmulator(), tmp_path)
    assert settings.web_host == "0.0.0.0"
    assert settings.public_url == "http://127.0.0.1:8090"


# ---------------------------------------------------------------------- loading it (both backends)


@pytest.fixture
async def company_emulators(
    slack_emulator: SlackEmulator,
) -> AsyncIterator[tuple[SampleCompany, TenkfeetEmulator]]:
    today = dt.date.today()
    company = sample_company(first_day(today), today)
    fill_slack_workspace(slack_emulator, company)
    async with TenkfeetEmulator(company.tenkfeet, max_per_page=1000) as tenkfeet:
        yield company, tenkfeet


def loading_settings(db: str, slack: SlackEmulator, tenkfeet: TenkfeetEmulator) -> Settings:
    return bot_settings_for(
        slack, db, TENKFEET_API_URL=tenkfeet.base_url, TENKFEET_AUTH=tenkfeet.token
    )


async def test_the_sample_company_loads_through_the_syncs_and_imports_idempotently(
    db: str,
    slack_emulator: SlackEmulator,
    company_emulators: tuple[SampleCompany, TenkfeetEmulator],
) -> None:
    company, tenkfeet = company_emulators
    settings = loading_settings(db, slack_emulator, tenkfeet)
    first = await seed_sample_company(settings, company)

    assert first.hour_entries_changed == company.entry_count == await HourEntry.all().count()
    contracts = sum(len(p.contracts) for p in company.people)
    assert contracts == 15
    assert first.contracts.created == contracts and first.corrections.created == 3
    people = {p.email: p for p in await Person.all()}
    assert len(people) == 13
    assert "iida.salminen@example.com" in people  # mixed case in 10000ft
    assert people["aino.korhonen@example.com"].slack_id == "U0DEMO01"  # mixed case in Slack
    assert sum(1 for p in people.values() if p.slack_id) == 12  # Oliver left: no Slack
    assert people["oliver.saarinen@example.com"].archived
    helmi = people["helmi.makinen@example.com"]
    vaino = people["vaino.hamalainen@example.com"]
    onni = people["onni.nieminen@example.com"]
    percents = await WorkContract.filter(person_id=helmi.id).order_by("start_date")
    assert [c.worktime_percent for c in percents] == [100, 60]
    assert not await WorkContract.filter(person_id=vaino.id).exists()
    assert await WorkContract.filter(person_id=onni.id, flex_enabled=False).count() == 1
    hr = await GroupMembership.filter(group__name=HR_GROUP).prefetch_related("person")
    assert [m.person.email for m in hr] == ["aino.korhonen@example.com"]
    for group, email in ((FINANCE_GROUP, "lilja.makela@"), (ADMIN_GROUP, "olivia.lehtonen@")):
        members = await GroupMembership.filter(group__name=group).prefetch_related("person")
        assert [m.person.email for m in members] == [email + "example.com"]
    statuses = set(await HourEntry.all().distinct().values_list("status", flat=True))
    assert statuses == {"Unsubmitted", "Pending Approval", "Approved"}
    audit_rows = await AuditLog.all().count()
    assert audit_rows == contracts + 3 + 3  # contracts, corrections, hr + finance + admin

    again = await seed_sample_company(settings, company)
    assert again.hour_entries_changed == 0
    assert (again.contracts.unchanged, again.corrections.unchanged) == (contracts, 3)
    assert await AuditLog.all().count() == audit_rows
    assert await FlexCorrection.all().count() == 3


async def test_the_loaded_company_answers_in_slack_and_schedules_syncs_on_the_emulator(
    running_bot: BotUnderTest,
    company_emulators: tuple[SampleCompany, TenkfeetEmulator],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    company, tenkfeet = company_emulators
    slack = running_bot.emulator
    await seed_sample_company(
        loading_settings(running_bot.settings.database_url, slack, tenkfeet), company
    )

    ack = await slack.send_slash_command("/flex-hours", "@elias.jarvinen", user_id="U0DEMO01")
    assert ack.payload and re.search(
        f"Flex saldo for Elias Järvinen is {SALDO}", ack.payload["text"]
    )
    refused = await slack.send_slash_command("/flex-hours", "@aino.korhonen", user_id="U0DEMO02")
    assert refused.payload and "Flex saldo for" not in refused.payload["text"]
    guest = await slack.send_slash_command("/flex-hours", user_id="U0DEMOGUEST")
    assert guest.payload and "Flex saldo for" not in guest.payload["text"]

    for name in ("SLACK_API_URL", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID"):
        monkeypatch.setenv(name, "restored after the test")
    for name in ("SLACK_CLIENT_SECRET", "SLACK_OPENID_AUTHORIZE_URL"):
        monkeypatch.setenv(name, "restored after the test")
    for name in ("TENKFEET_API_URL", "TENKFEET_AUTH"):
        monkeypatch.delenv(name, raising=False)
    settings = demo_settings(running_bot.settings, slack, tenkfeet, tmp_path)
    assert os.environ["TENKFEET_API_URL"] == tenkfeet.base_url
    # Sign-in: the demo's own page, and Sign in with Slack through the emulator.
    assert settings.demo_sign_in and settings.sign_in_configured
    assert settings.slack_openid_authorize_url == slack.openid_authorize_url
    assert os.environ["SLACK_CLIENT_ID"] == settings.slack_client_id == slack.oidc_client_id
    scheduler = build_scheduler(settings)
    jobs = scheduler.get_jobs()
    assert {job.id for job in jobs} >= {"sync-hours", "sync-users", "sync-holidays"}
    for job in jobs:
        (job_settings,) = [arg for arg in job.args if isinstance(arg, Settings)]
        assert job_settings.tenkfeet_api_url == tenkfeet.base_url
        assert job_settings.slack_api_url == slack.api_url
