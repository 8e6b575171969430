"""`serve` end to end: Socket Mode through the Slack emulator, /healthz, errors, start and stop."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulators.slack import SlackEmulator
from bot.emulators.tenkfeet import DEFAULT_TOKEN, TenkfeetEmulator
from bot.lifespan import bot_lifespan
from core.errors import CommandError
from handlers.error_replies import APOLOGY
from handlers.flex.command import NOT_SET_UP
from models import SyncLock, SyncRun
from tests.conftest import BotUnderTest, bot_settings_for
from tests.support.processes import first_line, kill_if_running, serve_env, start_serve
from tests.support.web_company import make_person
from tests.support.web_site import TEST_SECRET_KEY, signed_in_headers, web_settings


async def test_flex_hours_is_acked_with_a_reply(running_bot: BotUnderTest) -> None:
    ack = await running_bot.emulator.send_slash_command("/flex-hours", user_id="U0ADA")
    assert ack.latency < 3.0
    assert ack.payload == {"response_type": "ephemeral", "text": NOT_SET_UP}


async def test_healthz_answers_ok(running_bot: BotUnderTest) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{running_bot.web_url}/healthz") as response:
            assert response.status == 200
            assert await response.text() == "ok"


async def test_every_slack_call_goes_to_slack_api_url(running_bot: BotUnderTest) -> None:
    emulator = running_bot.emulator
    assert [c.method for c in emulator.calls[:2]] == ["auth.test", "apps.connections.open"]
    assert emulator.calls_to("apps.connections.open")[0].token == emulator.app_token


async def test_listeners_find_the_settings_in_their_context(running_bot: BotUnderTest) -> None:
    async def show_public_url(ack: AsyncAck, context: AsyncBoltContext) -> None:
        await ack(text=context["settings"].public_url)

    running_bot.app.command("/where")(show_public_url)
    ack = await running_bot.emulator.send_slash_command("/where")
    assert ack.payload == {"text": running_bot.settings.public_url}


async def test_ack_goes_out_before_the_listener_finishes(running_bot: BotUnderTest) -> None:
    release = asyncio.Event()
    finished = asyncio.Event()

    async def slow_after_ack(ack: AsyncAck) -> None:
        await ack(text="working on it")
        await release.wait()
        finished.set()

    running_bot.app.command("/slow")(slow_after_ack)
    ack = await running_bot.emulator.send_slash_command("/slow")
    assert ack.payload == {"text": "working on it"}
    assert not finished.is_set()
    release.set()
    await asyncio.wait_for(finished.wait(), 3)


async def test_reconnects_after_disconnect(running_bot: BotUnderTest) -> None:
    emulator = running_bot.emulator
    opened = len(emulator.calls_to("apps.connections.open"))
    await emulator.send_disconnect("refresh_requested")
    await emulator.wait_for_connections_opened(2)
    assert len(emulator.calls_to("apps.connections.open")) == opened + 1
    ack = await emulator.send_slash_command("/flex-hours")
    assert ack.payload is not None and ack.payload["text"] == NOT_SET_UP


async def test_rate_limited_call_is_retried(running_bot: BotUnderTest) -> None:
    emulator = running_bot.emulator
    emulator.fail_once("chat.postMessage", status=429, retry_after=0)
    response = await running_bot.app.client.chat_postMessage(channel="C0GENERAL", text="hi")
    assert response["ok"] is True
    assert len(emulator.calls_to("chat.postMessage")) == 2


async def test_server_error_is_retried(running_bot: BotUnderTest) -> None:
    emulator = running_bot.emulator
    emulator.fail_once("chat.postMessage", status=503, error="service_unavailable")
    response = await running_bot.app.client.chat_postMessage(channel="C0GENERAL", text="hi")
    assert response["ok"] is True
    assert len(emulator.calls_to("chat.postMessage")) == 2


# ---------------------------------------------------------------------- errors reach the user


async def explode(ack: AsyncAck) -> None:
    """A listener that fails before it acks."""
    raise RuntimeError("boom")


async def explode_after_ack(ack: AsyncAck) -> None:
    """A listener that fails once it has acked."""
    await ack()
    raise RuntimeError("boom")


async def test_failing_command_apologises_in_the_ack(
    running_bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    running_bot.app.command("/explode")(explode)
    with caplog.at_level(logging.ERROR, logger="handlers.error_replies"):
        ack = await running_bot.emulator.send_slash_command("/explode", user_id="U0ADA")
    assert ack.payload == {"response_type": "ephemeral", "text": APOLOGY}
    failure = next(r for r in caplog.records if "Slack listener failed" in r.getMessage())
    assert "/explode" in failure.getMessage() and "U0ADA" in failure.getMessage()
    assert failure.exc_info is not None


async def test_failure_after_ack_apologises_by_response_url(running_bot: BotUnderTest) -> None:
    running_bot.app.command("/late-explode")(explode_after_ack)
    emulator = running_bot.emulator
    ack = await emulator.send_slash_command("/late-explode")
    assert ack.payload is None
    call = await emulator.wait_for_call("response_url", timeout=3)
    assert call.args["text"] == APOLOGY
    assert call.args["response_type"] == "ephemeral"


async def test_failing_button_apologises_by_response_url(running_bot: BotUnderTest) -> None:
    running_bot.app.action("explode")(explode_after_ack)
    emulator = running_bot.emulator
    await emulator.send_block_action("explode", user_id="U0ADA")
    call = await emulator.wait_for_call("response_url", timeout=3)
    assert call.args["text"] == APOLOGY


async def test_failing_view_submission_shows_an_error_view(running_bot: BotUnderTest) -> None:
    running_bot.app.view("explode")(explode)
    ack = await running_bot.emulator.send_view_submission("explode", user_id="U0ADA")
    assert ack.payload is not None
    assert ack.payload["response_action"] == "update"
    assert APOLOGY in str(ack.payload["view"]["blocks"])


async def test_failing_event_listener_tells_the_user(running_bot: BotUnderTest) -> None:
    async def explode_on_event() -> None:
        raise RuntimeError("boom")

    running_bot.app.event("member_joined_channel")(explode_on_event)
    emulator = running_bot.emulator
    ack = await emulator.send_event(
        {"type": "member_joined_channel", "user": "U0ADA", "channel": "C0GENERAL"}
    )
    assert ack.payload is None
    call = await emulator.wait_for_call("chat.postEphemeral", timeout=3)
    assert call.args["user"] == "U0ADA" and call.args["text"] == APOLOGY


# ---------------------------------------------------------------------- the real process


@pytest.mark.parametrize("token", ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"])
async def test_rejected_token_stops_serve_with_one_line(
    slack_emulator: SlackEmulator, tmp_path: Path, token: str
) -> None:
    database = tmp_path / "never-created.sqlite3"
    bad = "xoxb-rejected" if token == "SLACK_BOT_TOKEN" else "xapp-rejected"
    process = await start_serve(serve_env(slack_emulator, f"sqlite://{database}", **{token: bad}))
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    errors = stderr.decode().strip().splitlines()
    assert process.returncode != 0
    assert errors[-1] == f"financebot: Slack rejected {token}: invalid_auth"
    assert "Traceback" not in stderr.decode()
    assert not database.exists()


async def test_sigterm_stops_serve_cleanly(slack_emulator: SlackEmulator, db: str) -> None:
    process = await start_serve(serve_env(slack_emulator, db))
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 90)
        assert b"admin site at " in line, line
        web_url = line.decode().strip().rsplit(" ", 1)[-1]
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{web_url}/healthz") as response:
                assert (response.status, await response.text()) == (200, "ok")
        await slack_emulator.wait_for_connections(1)
        ack = await slack_emulator.send_slash_command("/flex-hours")
        assert ack.payload is not None and ack.payload["text"] == NOT_SET_UP
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    finally:
        await kill_if_running(process)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert slack_emulator.connection_count == 0


async def test_serve_refuses_a_public_web_host_without_sign_in(
    slack_emulator: SlackEmulator, tmp_path: Path
) -> None:
    database = tmp_path / "never-created.sqlite3"
    cases = [
        ({}, "SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SECRET_KEY"),
        ({"SLACK_CLIENT_ID": "1.2", "SECRET_KEY": TEST_SECRET_KEY}, "SLACK_CLIENT_SECRET"),
    ]
    for extra, missing in cases:
        env = serve_env(slack_emulator, f"sqlite://{database}", WEB_HOST="0.0.0.0", **extra)
        if "SECRET_KEY" not in extra:
            env.pop("SECRET_KEY", None)
        process = await start_serve(env)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 1
        assert stderr.decode().strip().splitlines() == [
            f"financebot: WEB_HOST 0.0.0.0 is not loopback: sign-in needs {missing}"
        ]
    assert not database.exists()
    assert not slack_emulator.calls  # refused before anything was started


async def test_serve_with_sign_in_configured_stays_a_single_workspace_bot(
    slack_emulator: SlackEmulator, db: str
) -> None:
    """Bolt must not turn SLACK_CLIENT_ID/SECRET into multi-workspace OAuth (which answers
    every command "your installation with this app is no longer available"). It listens on
    every address, as in the container image, and prints the loopback URL that reaches it."""
    person = await make_person("Ada", "Aalto", slack_id="U0ADA")
    env = serve_env(
        slack_emulator,
        db,
        WEB_HOST="0.0.0.0",
        SLACK_CLIENT_ID=slack_emulator.oidc_client_id,
        SLACK_CLIENT_SECRET=slack_emulator.oidc_client_secret,
        SECRET_KEY=TEST_SECRET_KEY,
    )
    process = await start_serve(env)
    try:
        web_url = (await first_line(process.stdout, "admin site at ", 90)).strip().split()[-1]
        assert web_url.startswith("http://127.0.0.1:"), web_url
        await slack_emulator.wait_for_connections(1)
        ack = await slack_emulator.send_slash_command("/flex-hours", user_id="U0NOBODY")
        assert ack.payload is not None and ack.payload["text"] == NOT_SET_UP
        # The admin site asks for sign-in, and the demo's sign-in page does not exist here.
        headers = signed_in_headers(web_settings(db), person.id)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{web_url}/demo/sign-in", headers=headers) as response:
                assert response.status == 404
            async with session.get(f"{web_url}/sign-in") as response:
                assert "Sign in with Slack</a>" in await response.text()
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    finally:
        await kill_if_running(process)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()


# ---------------------------------------------------------------------- Socket Mode tickets


async def test_emulator_tickets_are_single_use_and_expire() -> None:
    now = [1000.0]
    emulator = SlackEmulator(ticket_lifetime=30, clock=lambda: now[0])
    async with emulator, aiohttp.ClientSession() as session:
        client = AsyncWebClient(base_url=emulator.api_url)

        async def new_url() -> str:
            return str((await client.apps_connections_open(app_token=emulator.app_token))["url"])

        url = await new_url()
        ws = await session.ws_connect(url)
        assert (await ws.receive_json())["type"] == "hello"
        await ws.close()
        with pytest.raises(aiohttp.WSServerHandshakeError) as reused:
            await session.ws_connect(url)
        assert reused.value.status == 401

        old = await new_url()
        now[0] += 31
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(old)
        fresh = await new_url()
        ws = await session.ws_connect(fresh)
        await ws.close()
    assert emulator.socket_refusals == ["unknown or used ticket", "expired ticket"]
    assert emulator.connections_opened == 2


async def test_refused_first_connect_is_retried_with_a_fresh_url(
    db: str, slack_emulator: SlackEmulator
) -> None:
    slack_emulator.refuse_socket_connects(1)
    async with (
        asyncio.timeout(30),
        bot_lifespan(bot_settings_for(slack_emulator, db), database_ready=True),
    ):
        assert slack_emulator.connection_count == 1
        ack = await slack_emulator.send_slash_command("/flex-hours")
        assert ack.payload is not None and ack.payload["text"] == NOT_SET_UP
    assert slack_emulator.socket_refusals == ["refused on request"]
    # auth check, the refused connect, the retry: each connect asked for its own URL
    assert len(slack_emulator.calls_to("apps.connections.open")) == 3


async def test_unreachable_socket_mode_stops_start_with_one_line(
    db: str, slack_emulator: SlackEmulator
) -> None:
    slack_emulator.refuse_socket_connects(1000)
    settings = bot_settings_for(slack_emulator, db)
    with pytest.raises(CommandError) as failure:
        async with bot_lifespan(settings, database_ready=True, socket_connect_timeout=1.5):
            raise AssertionError("the bot started without a Socket Mode connection")
    message = str(failure.value)
    assert message.startswith("could not connect to Slack Socket Mode within 1.5 s: ")
    assert "401" in message and "\n" not in message
    refusals = slack_emulator.socket_refusals
    assert len(refusals) >= 2 and set(refusals) == {"refused on request"}  # never a used URL
    assert slack_emulator.connection_count == 0


# ---------------------------------------------------------------------- stopping during a sync


class ObservedTenkfeet(TenkfeetEmulator):
    """The 10000ft emulator, telling when its first request has arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.first_request = asyncio.Event()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.first_request.set()
        return await super()._dispatch(request)


async def _serve_with_sync_at_start(
    slack_emulator: SlackEmulator, tenkfeet: ObservedTenkfeet, db: str
) -> asyncio.subprocess.Process:
    """`serve` whose start-up hours sync is held at its first 10000ft request."""
    env = serve_env(
        slack_emulator, db, TENKFEET_API_URL=tenkfeet.base_url, TENKFEET_AUTH=DEFAULT_TOKEN
    )
    process = await start_serve(env)
    await first_line(process.stdout, "admin site at ", 90)
    await asyncio.wait_for(tenkfeet.first_request.wait(), 30)
    assert await SyncRun.filter(kind="hours", status="running").count() == 1
    return process


async def test_sigterm_during_a_scheduled_sync_cancels_it_cleanly(
    slack_emulator: SlackEmulator, db: str
) -> None:
    tenkfeet = ObservedTenkfeet()
    async with tenkfeet:
        tenkfeet.slow_request(1, seconds=120)
        process = await _serve_with_sync_at_start(slack_emulator, tenkfeet, db)
        try:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 30)
        finally:
            await kill_if_running(process)
    errors = stderr.decode()
    assert process.returncode == 0, errors
    assert "Traceback" not in errors
    assert "'sync hours' was stopped at shutdown" in errors
    run = await SyncRun.get(kind="hours")
    assert (run.status, run.error) == ("failed", "cancelled")
    assert run.finished_at is not None
    assert not await SyncLock.filter(kind="hours").exists()


async def test_sigterm_lets_a_running_sync_finish_within_the_grace(
    slack_emulator: SlackEmulator, db: str
) -> None:
    tenkfeet = ObservedTenkfeet()
    async with tenkfeet:
        release = tenkfeet.slow_request(1, seconds=120)
        process = await _serve_with_sync_at_start(slack_emulator, tenkfeet, db)
        try:
            process.send_signal(signal.SIGTERM)
            await first_line(process.stderr, "waiting up to", 30)
            release.set()  # the stop is under way: the sync may go on and finish now
            _, stderr = await asyncio.wait_for(process.communicate(), 30)
        finally:
            await kill_if_running(process)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()
    run = await SyncRun.get(kind="hours")
    assert (run.status, run.error) == ("succeeded", "")
    assert not await SyncLock.filter(kind="hours").exists()
