"""The Web API client counts its calls by method, and its failures by method and error."""

from __future__ import annotations

import socket

import pytest
from slack_sdk.errors import SlackApiError

from bot.emulators.slack import SlackEmulator
from core.settings import Settings
from sync.slack_client import build_notification_client, build_web_client
from tests.support.metrics import sample

CALLS = "financebot_slack_api_calls_total"
ERRORS = "financebot_slack_api_errors_total"


def settings_for(emulator: SlackEmulator, token: str | None = None) -> Settings:
    return Settings(slack_api_url=emulator.api_url, slack_bot_token=token or emulator.bot_token)


async def test_calls_are_counted_by_method_once_however_often_retried(
    slack_emulator: SlackEmulator,
) -> None:
    client = build_web_client(settings_for(slack_emulator))
    posts, users = sample(CALLS, method="chat.postMessage"), sample(CALLS, method="users.list")
    slack_emulator.fail_once("chat.postMessage", status=429, retry_after=0)
    await client.chat_postMessage(channel="C0GENERAL", text="hi")
    await client.users_list()
    assert len(slack_emulator.calls_to("chat.postMessage")) == 2  # the 429 and its retry
    assert sample(CALLS, method="chat.postMessage") == posts + 1
    assert sample(CALLS, method="users.list") == users + 1


async def test_slacks_refusal_is_counted_with_its_error_code(
    slack_emulator: SlackEmulator,
) -> None:
    client = build_web_client(settings_for(slack_emulator, "xoxb-not-this-one"))
    before = sample(CALLS, method="auth.test")
    refused = sample(ERRORS, method="auth.test", error="invalid_auth")
    with pytest.raises(SlackApiError):
        await client.auth_test()
    assert sample(CALLS, method="auth.test") == before + 1
    assert sample(ERRORS, method="auth.test", error="invalid_auth") == refused + 1


async def test_an_unreachable_slack_is_counted_with_the_exceptions_type() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = build_notification_client(
        Settings(slack_api_url=f"http://127.0.0.1:{port}/api/", slack_bot_token="xoxb-1")
    )
    before = sample(ERRORS, method="conversations.open", error="ClientConnectorError")
    with pytest.raises(OSError):
        await client.conversations_open(users="U1")
    assert sample(ERRORS, method="conversations.open", error="ClientConnectorError") == before + 1


@pytest.mark.parametrize("status", [429, 503])
async def test_a_retry_waits_exactly_what_the_budget_allowed(
    status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wait checked against the budget is the one waited and counted (slack_sdk's backoff
    and the 429's extra second are random): however the draws fall, a run's waits never add
    up to more than its budget."""
    from slack_sdk.http_retry.request import HttpRequest
    from slack_sdk.http_retry.response import HttpResponse
    from slack_sdk.http_retry.state import RetryState

    from sync import slack_client
    from sync.retry_budget import RetryBudget

    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(slack_client.asyncio, "sleep", sleep)
    request = HttpRequest(method="POST", url="https://slack.test/api/chat.postMessage", headers={})
    response = HttpResponse(status_code=status, headers={"Retry-After": ["1"]})
    handler_type = {
        429: slack_client.BoundedRateLimitRetryHandler,
        503: slack_client.BoundedServerErrorRetryHandler,
    }[status]
    for _ in range(200):
        budget = RetryBudget(2.5)
        handler = handler_type(max_retry_count=50, budget=budget)
        state, slept[:] = RetryState(), []
        while await handler.can_retry_async(state=state, request=request, response=response):
            await handler.prepare_for_next_attempt_async(
                state=state, request=request, response=response
            )
        assert slept and budget.waited == pytest.approx(sum(slept))
        assert budget.waited <= budget.total
