"""Storms of 429s and 5xx from 10000ft and Slack, as `financebot sync` meets them: retried
within bounds (Retry-After honoured, each wait capped, a run's waits capped in all), recorded
with the run, and the run either completes or fails cleanly with a one-line reason."""

from __future__ import annotations

import itertools
import re

from bot.emulators.slack import SlackEmulator
from models import HourEntry, SlackUser, SyncRun
from sync.retry_budget import RetryBudget
from tests.bot.commands.test_sync import RANGE, financebot, tenkfeet_env
from tests.support.sync_company import running_emulator

SMALL_COMPANY_ENTRIES = 5  # in RANGE


def test_a_budget_counts_retries_by_cause_and_refuses_what_would_go_over() -> None:
    budget = RetryBudget(total=10)
    assert budget.describe("Slack") == ""
    budget.spend("HTTP 429", 4)
    budget.spend("HTTP 429", 4)
    budget.spend("ConnectError", 0.5)
    assert budget.allows(1.5) and not budget.allows(1.6)
    assert budget.describe("Slack") == (
        "Slack: 3 retries (ConnectError ×1, HTTP 429 ×2), 8.5 s waited"
    )


async def test_a_10000ft_storm_is_waited_out_and_recorded_with_the_run(db: str) -> None:
    async with running_emulator() as tenkfeet:
        tenkfeet.storm("/time_entries", 2, status=429, retry_after=1)
        tenkfeet.storm("/time_entries", 1, status=503, retry_after=1, message="Maintenance")
        result = await financebot("sync", "hours", *RANGE, **tenkfeet_env(db, tenkfeet))
        limited = [r.at for r in tenkfeet.requests if "/time_entries" in r.path]
    assert result.code == 0, result.err
    assert result.out.rstrip().endswith(
        "; 10000ft: 3 retries (HTTP 429 ×2, HTTP 503 ×1), 3.0 s waited"
    ), result.out
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(limited))  # Retry-After
    run = await SyncRun.get(kind="hours")
    assert (run.status, run.added) == ("succeeded", SMALL_COMPANY_ENTRIES)
    assert run.retries == "10000ft: 3 retries (HTTP 429 ×2, HTTP 503 ×1), 3.0 s waited"


async def test_a_10000ft_storm_longer_than_the_runs_budget_fails_it_cleanly(db: str) -> None:
    async with running_emulator() as tenkfeet:
        tenkfeet.storm("/time_entries", 50, status=429, retry_after=1)
        env = tenkfeet_env(db, tenkfeet) | {"TENKFEET_RETRY_WAIT_SECONDS": "2"}
        result = await financebot("sync", "hours", *RANGE, **env)
    assert result.code == 1
    assert result.err.strip().splitlines()[-1] == (
        "financebot: hours sync failed: GET /api/v1/time_entries?fields=approvals&"
        "from=2024-03-01&to=2024-04-30&per_page=1000 (page 1): HTTP 429: Rate limit exceeded "
        "(gave up: retries of this run would wait more than 2 s in all)"
    )
    run = await SyncRun.get(kind="hours")
    assert run.status == "failed" and "would wait more than 2 s in all" in run.error
    assert run.retries == "10000ft: 2 retries (HTTP 429 ×2), 2.0 s waited"
    assert not await HourEntry.exists()  # a fetch that failed part-way changes nothing


def slack_env(db: str, emulator: SlackEmulator, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": db,
        "SLACK_BOT_TOKEN": emulator.bot_token,
        "SLACK_API_URL": emulator.api_url,
        **extra,
    }


async def test_a_slack_storm_is_waited_out_and_recorded_with_the_run(
    db: str, slack_emulator: SlackEmulator
) -> None:
    slack_emulator.add_user("U0ADA", email="ada@example.com", real_name="Ada Aalto")
    slack_emulator.fail_once("users.list", status=429, retry_after=1)
    slack_emulator.fail_once("users.list", status=503, error="service_unavailable")
    slack_emulator.fail_once("users.list", status=429, retry_after=1)
    result = await financebot("sync", "slack-users", **slack_env(db, slack_emulator))
    assert result.code == 0, result.err
    calls = slack_emulator.calls_to("users.list")
    assert len(calls) == 4
    assert calls[1].at - calls[0].at >= 1.0 and calls[3].at - calls[2].at >= 1.0  # Retry-After
    run = await SyncRun.get(kind="slack-users")
    assert run.status == "succeeded"
    assert re.fullmatch(
        r"Slack: 3 retries \(HTTP 429 ×2, HTTP 503 ×1\), \d+\.\d s waited", run.retries
    ), run.retries
    assert await SlackUser.filter(slack_id="U0ADA").exists()


async def test_a_slack_storm_beyond_the_budget_fails_the_run_cleanly(
    db: str, slack_emulator: SlackEmulator
) -> None:
    for _ in range(20):
        slack_emulator.fail_once("users.list", status=429, retry_after=2)
    env = slack_env(db, slack_emulator, SLACK_RETRY_WAIT_SECONDS="5")
    result = await financebot("sync", "slack-users", **env)
    assert result.code == 1
    assert result.err.strip().splitlines()[-1] == (
        "financebot: slack-users sync failed: Slack users.list: ratelimited (HTTP 429)"
    )
    run = await SyncRun.get(kind="slack-users")
    assert (run.status, run.error) == ("failed", "Slack users.list: ratelimited (HTTP 429)")
    # Each wait is Retry-After plus up to a second: at most two fit in five seconds.
    assert re.fullmatch(r"Slack: [12] retr(y|ies) \(HTTP 429 ×[12]\), \d\.\d s waited", run.retries)
    assert len(slack_emulator.calls_to("users.list")) <= 3
