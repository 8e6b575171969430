"""`financebot demo`: a sample company loaded through the real syncs, answering in Slack.

The subprocess tests run the real command on a data directory: its SQLite file is the demo's
database whatever FINANCEBOT_TEST_DB says, so they run in the SQLite run only. The in-process
tests load the same company into the `db` fixture's database, so the loading also runs on
PostgreSQL (tests/bot/demo/ has the rest of it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import signal
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.commands.demo import demo_settings, ready_text
from bot.demo.company import first_day
from bot.demo.data_dir import DATABASE_FILE, DEMO_FILES
from bot.demo.progress import HEADING
from bot.demo.reviews import ReviewCounts
from bot.demo.seed import (
    START_FILE,
    SampleCompany,
    SeedSummary,
    sample_company,
    seed_sample_company,
)
from bot.emulators.slack import SlackEmulator
from bot.emulators.tenkfeet import TenkfeetEmulator
from bot.scheduler import build_scheduler
from core.clock import company_today
from core.settings import Settings, load_settings
from models.flex.csv_import import ImportCounts
from tests.conftest import TEST_DB, BotUnderTest
from tests.support.demo_company import loading_settings, served_company
from tests.support.processes import kill_if_running, start_cli

SALDO = r"[+-]\d+\.\d{2}h"
READY = "Stop with Ctrl-C."
LINE_SECONDS = 120  # the longest step, the hours, on a busy machine
only_on_sqlite = pytest.mark.skipif(
    TEST_DB != "sqlite",
    reason="the demo runs on its own SQLite file: the SQLite run covers it",
)


# ---------------------------------------------------------------------- the real command


class DemoProcess:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.output = ""

    async def until(self, text: str) -> str:
        """Reads stdout up to the line holding ``text`` (each line within LINE_SECONDS)."""
        stdout = self.process.stdout
        assert stdout is not None
        while text not in self.output:
            line = await asyncio.wait_for(stdout.readline(), LINE_SECONDS)
            assert line, f"the demo ended before {text!r}:\n{self.output}"
            self.output += line.decode()
        return self.output

    async def ready(self) -> str:
        return await self.until(READY)

    async def stop(self) -> tuple[str, float]:
        """SIGINT, then waits for the exit; returns stderr and the seconds it took."""
        self.process.send_signal(signal.SIGINT)
        began = time.monotonic()
        _, stderr = await asyncio.wait_for(self.process.communicate(), 30)
        return stderr.decode(), time.monotonic() - began


def demo_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_", "WEB_", "TENKFEET_", "PUBLIC_URL"))
    }
    env.pop("PYTHONPATH", None)  # the demo must find bot/emulators in the package itself
    env["WEB_PORT"] = "0"
    return env


async def start_demo(data_dir: Path, cwd: Path, *extra: str) -> DemoProcess:
    process = await start_cli("demo", "--data-dir", str(data_dir), *extra, env=demo_env(), cwd=cwd)
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


def step_results(output: str) -> dict[str, str]:
    """The loading's plain lines (stdout is no terminal here): step → what it did."""
    lines = output.split(HEADING + "\n", 1)[1].split("\n\n", 1)[0].splitlines()
    found = {}
    for line in lines:
        match = re.fullmatch(r"  ([a-z -]+): (.*) \(\d+\.\d s\)", line)
        assert match, line
        found[match.group(1)] = match.group(2)
    return found


def load_seconds(output: str) -> float:
    match = re.search(r"loaded in (\d+\.\d) s\.", output)
    assert match, output
    return float(match.group(1))


def stored_counts(data_dir: Path) -> dict[str, int]:
    """Rows of the tables the loading fills, read from the demo's SQLite file."""
    tables = ("person", "work_contract", "flex_correction", "hour_entry", "invoice")
    with sqlite3.connect(data_dir / DATABASE_FILE) as connection:
        return {
            table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in (*tables, "invoice_check", "audit_log", "group_membership")
        }


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


def assert_clean_stop(demo: DemoProcess, stderr: str, seconds: float) -> None:
    assert demo.process.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
    assert seconds < 20, f"took {seconds:.1f} s to stop"


@only_on_sqlite
async def test_demo_stops_mid_load_then_answers_and_reuses_its_data(
    tmp_path: Path, demo_runs: list[DemoProcess]
) -> None:
    data_dir = tmp_path / "demo-data"

    # Ctrl-C while the hours are loading: a clean, prompt stop.
    interrupted = await start_demo(data_dir, tmp_path)
    demo_runs.append(interrupted)
    await interrupted.until("  groups: ")
    stderr, seconds = await interrupted.stop()
    assert_clean_stop(interrupted, stderr, seconds)
    assert READY not in interrupted.output

    # Started again, it finishes loading where the first one stopped.
    first = await start_demo(data_dir, tmp_path)
    demo_runs.append(first)
    output = await first.ready()
    steps = step_results(output)
    entries = re.search(r"Demo is ready: 25 people, 8 projects and ([\d,]+) hour entries", output)
    assert entries, output
    assert steps["users"] == "added 0, updated 0, deleted 0, skipped 25"  # before the stop
    hours = re.fullmatch(r"added (\d+), updated 0, deleted 0, skipped \d+", steps["hours"])
    assert hours and int(hours.group(1)) > 0, steps
    assert re.fullmatch(
        r"\d+ approved, \d+ numbered, \d+ sent, 1 with changes requested", steps["invoice reviews"]
    ), steps

    tries = try_urls(output)
    assert len(tries) == 5, output
    slack_url = tries["/flex-hours as Eino Virtanen"].split("/try/")[0]
    workspace = re.search(r"Workspace:\s+(http://\S+)\s", output)
    admin = re.search(r"Admin site:\s+(http://\S+/demo/sign-in)\s", output)
    health = re.search(r"Health:\s+(http://\S+/healthz)", output)
    assert workspace and admin and health, output
    assert workspace.group(1) == f"{slack_url}/workspace"
    site = admin.group(1).removesuffix("/demo/sign-in")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(health.group(1)) as response:
            assert (response.status, await response.text()) == (200, "ok")
        await demo_sign_in(session, admin.group(1), "Aino Korhonen")  # HR sees everyone
        async with session.get(f"{site}/users") as response:
            page = await response.text()
        for name in ("Eino Virtanen", "Helmi Mäkinen", "Väinö Hämäläinen", "Nelli Jokinen"):
            assert name in page

        own = await get_json(session, tries["/flex-hours as Eino Virtanen"])
        hr = await get_json(session, next(u for k, u in tries.items() if k.startswith("HR")))
        no_contract = await get_json(session, next(u for u in tries.values() if "U0DEMO06" in u))
        home = await get_json(session, next(u for u in tries.values() if "/try/app-home" in u))
    assert re.search(f"Flex saldo for Eino Virtanen is {SALDO}", str(own["replies"])), own
    assert re.search(f"Flex saldo for Elias Järvinen is {SALDO}", str(hr["replies"])), hr
    assert "not activated" in str(no_contract["replies"]), no_contract
    assert re.search(f"Flex saldo for Elias Järvinen is {SALDO}", str(home["texts"])), home
    assert "Unsubmitted hours" in home["texts"], home  # type: ignore[operator]
    assert {p.name for p in data_dir.iterdir()} <= set(DEMO_FILES)
    stderr, seconds = await first.stop()
    assert_clean_stop(first, stderr, seconds)
    assert sorted(p.name for p in data_dir.iterdir()) == [DATABASE_FILE, START_FILE]
    stored = stored_counts(data_dir)
    assert stored["hour_entry"] == int(entries.group(1).replace(",", ""))

    # Started once more, it reuses the data: nothing changes, and it is quicker.
    second = await start_demo(data_dir, tmp_path)
    demo_runs.append(second)
    again = await second.ready()
    since = re.compile(r"hour entries since (\d{4}-\d{2}-\d{2})")
    assert since.findall(again) == since.findall(output) != []
    steps = step_results(again)
    for kind in ("users", "projects", "leave-types", "holidays"):
        assert re.fullmatch(r"added 0, updated 0, deleted 0, skipped \d+", steps[kind]), steps
    assert re.fullmatch(r"added 0, updated 0, deleted 0, skipped \d+", steps["hours"]), steps
    assert steps["contracts"] == "0 created, 0 updated, 29 unchanged"
    assert steps["invoice reviews"] == "0 approved, 0 numbered, 0 sent, 0 with changes requested"
    assert load_seconds(again) < load_seconds(output)
    async with aiohttp.ClientSession() as session:
        own = await get_json(session, try_urls(again)["/flex-hours as Eino Virtanen"])
    assert re.search(f"Flex saldo for Eino Virtanen is {SALDO}", str(own["replies"])), own
    stderr, seconds = await second.stop()
    assert_clean_stop(second, stderr, seconds)
    assert stored_counts(data_dir) == stored


@only_on_sqlite
async def test_reset_starts_over_and_touches_only_the_demos_files(
    tmp_path: Path, demo_runs: list[DemoProcess]
) -> None:
    data_dir = tmp_path / "demo-data"
    data_dir.mkdir()
    (data_dir / DATABASE_FILE).write_text("not a database: only --reset gets past this")
    (data_dir / START_FILE).write_text("2020-01-06\n")
    (data_dir / "notes.txt").write_text("mine")

    refused = await start_demo(data_dir, tmp_path, "--reset")
    demo_runs.append(refused)
    stdout, stderr = await asyncio.wait_for(refused.process.communicate(), 60)
    assert refused.process.returncode == 1
    assert stderr.decode().splitlines() == [
        f"financebot: --reset deletes only the demo's own files, but {data_dir} also holds "
        "notes.txt; nothing was deleted (move those away, or give another --data-dir)"
    ]
    assert not stdout
    assert sorted(p.name for p in data_dir.iterdir()) == [DATABASE_FILE, "notes.txt", START_FILE]

    (data_dir / "notes.txt").unlink()
    fresh = await start_demo(data_dir, tmp_path, "--reset")
    demo_runs.append(fresh)
    output = await fresh.ready()
    today = company_today(load_settings({}))
    assert f"hour entries since {first_day(today)}," in output
    assert step_results(output)["users"] == "added 25, updated 0, deleted 0, skipped 0"
    stderr, seconds = await fresh.stop()
    assert_clean_stop(fresh, stderr, seconds)


# ---------------------------------------------------------------------- what it prints


def test_the_ready_text_names_the_workspace_and_the_admin_sign_in() -> None:
    today = dt.date(2026, 12, 1)
    company = sample_company(first_day(today), today)
    summary = SeedSummary(25_000, ImportCounts(), ImportCounts(), ReviewCounts(), 8.25)
    text = ready_text(
        company, summary, "http://127.0.0.1:8080", "http://127.0.0.1:4000", Path("/data")
    )
    lines = text.splitlines()
    assert lines[1] == (
        f"Demo is ready: 25 people, 8 projects and {company.entry_count:,} hour entries since "
        f"{company.started}, loaded in 8.2 s."
    )
    assert "  Workspace:     http://127.0.0.1:4000/workspace  (the sample company's Slack)" in lines
    admin = next(line for line in lines if line.startswith("  Admin site:"))
    assert admin.startswith("  Admin site:    http://127.0.0.1:8080/demo/sign-in  (")
    assert "Aino (hr), Lilja (finance), Olivia (admin)" in admin
    assert "  Data directory: /data  (--reset starts over)" in lines
    assert lines[-1] == READY


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


# ---------------------------------------------------------------------- in process (both backends)


@pytest.fixture
async def company_emulators(
    slack_emulator: SlackEmulator,
) -> AsyncIterator[tuple[SampleCompany, TenkfeetEmulator]]:
    async with served_company(slack_emulator) as served:
        yield served


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
    assert settings.database_url == f"sqlite://{tmp_path / DATABASE_FILE}"
    # Sign-in: the demo's own page, and Sign in with Slack through the emulator.
    assert settings.demo_sign_in and settings.sign_in_configured
    assert settings.slack_openid_authorize_url == slack.openid_authorize_url
    assert os.environ["SLACK_CLIENT_ID"] == settings.slack_client_id == slack.oidc_client_id
    scheduler = build_scheduler(settings)
    jobs = scheduler.get_jobs()
    assert {job.id for job in jobs} >= {"sync-hours", "sync-users", "sync-holidays"}
    assert scheduler.sync_retries is not None  # the sync jobs' body, with their settings
    for job in jobs:
        given = [arg for arg in job.args if isinstance(arg, Settings)]
        if job.id.startswith("sync-"):
            given.append(scheduler.sync_retries.settings)
        (job_settings,) = given
        assert job_settings.tenkfeet_api_url == tenkfeet.base_url
        assert job_settings.slack_api_url == slack.api_url
