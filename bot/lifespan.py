"""One lifespan for the running bot: database, admin site, scheduler and Socket Mode together.

Start order: Slack tokens are checked first (``auth.test`` for the bot token,
``apps.connections.open`` for the app token; nothing is touched when Slack rejects one),
then the database is migrated and opened (invoice figures left stale by an upgrade or
by changed invoice settings are recomputed), then the admin site starts (``/readyz`` says
503 until Socket Mode is connected and the scheduler runs) and Socket Mode connects (asking
Slack for a fresh websocket URL on every attempt; still not connected after
``SOCKET_CONNECT_TIMEOUT`` seconds: one error line), then the scheduler starts.

Stop runs the other way round: the scheduler starts no new job, running jobs and Slack
envelopes being handled get ``SHUTDOWN_GRACE`` seconds together, whatever is left is
cancelled and awaited (a cancelled sync records itself failed and releases its lock), then
Socket Mode, the site and the database close.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass

from aiohttp import ClientError, web
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.notifications.new_projects import after_sync
from bot.notifications.web_notifier import BotNotifier
from bot.readiness import (
    SCHEDULER,
    SOCKET_MODE,
    bot_readiness,
    scheduler_check,
    socket_mode_check,
)
from bot.scheduler import BotScheduler, build_scheduler
from bot.slack_app import build_slack_app
from bot.socket_mode import ImmediateAckSocketModeHandler
from core.db import DatabaseError, close_database, init_database, migrate_database
from core.errors import CommandError
from core.observability.readiness import Readiness
from core.off_loop import WorkerProcess
from core.settings import Settings
from models.invoices.refresh import refresh_stale_invoice_figures, rules_of
from web.app import build_web_app

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 5.0  # seconds for envelopes and jobs being handled when a stop is asked
SOCKET_CONNECT_TIMEOUT = 60.0  # seconds; the README: connected within 90 s of start


@dataclass
class RunningBot:
    settings: Settings
    app: AsyncApp
    socket_mode: ImmediateAckSocketModeHandler
    scheduler: BotScheduler
    web_url: str  # where this machine reaches the admin site, e.g. http://127.0.0.1:8080


async def check_bot_token(client: AsyncWebClient) -> dict[str, object]:
    """auth.test; a rejected token or an unreachable Slack becomes one CommandError line."""
    with _slack_refusal_as_error(client, "SLACK_BOT_TOKEN"):
        response = await client.auth_test()
    return dict(response.data) if isinstance(response.data, dict) else {}


async def check_app_token(client: AsyncWebClient, app_token: str) -> None:
    """apps.connections.open at SLACK_API_URL, to prove the app token before anything starts.

    The URL it returns is left unused: a Socket Mode URL is a single-use ticket that expires
    soon, so the connection asks for its own when it connects.
    """
    with _slack_refusal_as_error(client, "SLACK_APP_TOKEN"):
        await client.apps_connections_open(app_token=app_token)


@contextmanager
def _slack_refusal_as_error(client: AsyncWebClient, token_name: str) -> Iterator[None]:
    """A token Slack rejects, or a Slack that does not answer, becomes one CommandError line."""
    try:
        yield
    except SlackApiError as exc:
        raise CommandError(
            f"Slack rejected {token_name}: {exc.response.get('error', 'unknown error')}"
        ) from None
    except (ClientError, OSError, TimeoutError) as exc:
        raise CommandError(f"Slack API {client.base_url} is not reachable: {exc}") from None


async def connect_socket_mode(socket_mode: ImmediateAckSocketModeHandler, within: float) -> None:
    """Connects (each attempt with a fresh URL); not connected ``within`` seconds:
    CommandError naming the last failure. Reconnections later on retry without a bound."""
    try:
        await asyncio.wait_for(socket_mode.connect_async(), within)
    except TimeoutError:
        reason = socket_mode.client.last_connect_error or "no answer"
        raise CommandError(
            f"could not connect to Slack Socket Mode within {within:g} s: {reason}"
        ) from None


async def finish_open_work(
    socket_mode: ImmediateAckSocketModeHandler, scheduler: BotScheduler, grace: float
) -> None:
    """Lets running jobs and envelopes finish within one shared ``grace``; cancels the rest."""
    await asyncio.gather(scheduler.stop(grace), socket_mode.finish_in_flight(grace))


async def _start_web_site(
    settings: Settings, stack: AsyncExitStack, worker: WorkerProcess, readiness: Readiness
) -> str:
    notifier = BotNotifier(settings, run=worker.run)
    app = build_web_app(
        settings, after_sync=after_sync, notifier=notifier, worker=worker, readiness=readiness
    )
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    site = web.TCPSite(runner, settings.web_host, settings.web_port)
    try:
        await site.start()
    except OSError as exc:
        raise CommandError(
            f"admin site cannot listen on {settings.web_host}:{settings.web_port}: {exc.strerror}"
        ) from None
    port = settings.web_port
    server = site._server
    if server is not None and getattr(server, "sockets", None):
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    return f"http://{settings.web_local_host}:{port}"


def settle_startup_objects() -> None:
    """Moves everything alive after start (modules, Slack and AWS clients, templates) out of
    the garbage collector's reach: a full collection then walks only what requests create,
    instead of pausing the event loop for 50–150 ms each time (``benchmarks/web_pages.py``).
    """
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def bot_lifespan(
    settings: Settings,
    *,
    database_ready: bool = False,
    sync_at_start: bool = False,
    socket_connect_timeout: float = SOCKET_CONNECT_TIMEOUT,
) -> AsyncIterator[RunningBot]:
    """Runs the whole bot for the duration of the ``async with`` block.

    ``database_ready``: the ORM is already initialised (tests); leave it open at the end.
    ``sync_at_start``: run the hours sync as soon as the scheduler starts (`serve` does).
    """
    app = build_slack_app(settings)
    async with AsyncExitStack() as stack:
        await check_bot_token(app.client)
        await check_app_token(app.client, settings.slack_app_token)

        if not database_ready:
            try:
                await migrate_database(settings.database_url)
                await init_database(settings.database_url)
            except DatabaseError as exc:
                raise CommandError(str(exc)) from None
            stack.push_async_callback(close_database)
            # Figures from before an upgrade or a change of the invoice settings: recompute.
            await refresh_stale_invoice_figures(rules_of(settings))

        # One worker process for company-wide figures: the site's pages, its "Send now" and
        # the scheduled notifications (the site stops it, after the scheduler).
        worker = WorkerProcess()
        readiness = bot_readiness()  # /readyz: 503 until Socket Mode and the scheduler are up
        web_url = await _start_web_site(settings, stack, worker, readiness)

        socket_mode = ImmediateAckSocketModeHandler(app, settings.slack_app_token)
        stack.push_async_callback(socket_mode.close_async)
        readiness.watch(SOCKET_MODE, socket_mode_check(socket_mode))
        scheduler = build_scheduler(settings, sync_at_start=sync_at_start, run=worker.run)
        readiness.watch(SCHEDULER, scheduler_check(scheduler))
        stack.push_async_callback(finish_open_work, socket_mode, scheduler, SHUTDOWN_GRACE)
        await connect_socket_mode(socket_mode, socket_connect_timeout)

        scheduler.start()
        settle_startup_objects()
        log.debug("Finance Bot is running; admin site at %s", web_url)

        yield RunningBot(
            settings=settings,
            app=app,
            socket_mode=socket_mode,
            scheduler=scheduler,
            web_url=web_url,
        )
        log.info("Finance Bot is stopping")
