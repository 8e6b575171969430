"""A batch of notifications is one run: everything it does carries one ``run_id`` (the
scheduled job's, when a job sends it)."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.emulators.slack import SlackEmulator
from bot.notifications.batch import Batch, Outgoing, send_batch
from core.observability.logs import run_context, run_id
from models.notifications.recipients import Conversation
from sync.slack_delivery import Notice, SlackMessage


class RunNotingClient(AsyncWebClient):
    """slack_sdk's Web API client, noting the run id in force at each call."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.run_ids: list[str | None] = []

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:  # type: ignore[override]
        self.run_ids.append(run_id.get())
        return await super().api_call(api_method, **kwargs)


def batch_for(*users: str) -> Batch:
    def outgoing(user: str) -> Outgoing:
        message = SlackMessage(text="You have unsubmitted hours")
        notice = Notice("unsubmitted", "2026-W49", Conversation((user,)), message, "hours")
        return Outgoing(notice, f"{user}: 1 entry")

    return Batch("unsubmitted", "2026-W49", tuple(outgoing(user) for user in users))


async def test_a_batch_runs_under_one_run_id(db: str, slack_emulator: SlackEmulator) -> None:
    client = RunNotingClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    report = await send_batch(client, batch_for("U1", "U2"), send_rate=1000)
    assert [outcome.status for outcome in report.outcomes] == ["sent", "sent"]
    (batch_run,) = set(client.run_ids)
    assert len(client.run_ids) == 4  # conversations.open and chat.postMessage, twice
    assert batch_run is not None and batch_run.startswith("notify-unsubmitted-")
    assert run_id.get() is None

    client.run_ids.clear()
    await send_batch(client, batch_for("U3"), send_rate=1000)
    (another,) = set(client.run_ids)
    assert another != batch_run


async def test_a_batch_sent_by_a_job_keeps_the_jobs_run_id(
    db: str, slack_emulator: SlackEmulator
) -> None:
    client = RunNotingClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    with run_context("job-notify-unsubmitted-1a2b3c4d"):
        await send_batch(client, batch_for("U1"), send_rate=1000)
    assert set(client.run_ids) == {"job-notify-unsubmitted-1a2b3c4d"}
