"""The Slack Web API client every part of the bot uses: the Bolt app, syncs and senders.

Every call is counted in the metrics by method, and every failure by method and Slack's error
code (or the exception's type when no answer came): :class:`CountedWebClient`.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from core.observability.metrics import observe_api_call
from core.settings import Settings


class CountedWebClient(AsyncWebClient):
    """slack_sdk's AsyncWebClient whose calls (each method goes through ``api_call``, retries
    inside it) are counted in the metrics."""

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:  # type: ignore[override]
        error: str | None = None
        try:
            return await super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "error")
            raise
        except Exception as exc:
            error = type(exc).__name__
            raise
        finally:
            observe_api_call(api_method, error)


NOTIFICATION_RATE_LIMIT_RETRIES = 30
"""A notification batch waits out a long run of 429s (each for its Retry-After) rather than
give up on a recipient: nobody is waiting on a reply, and the batch must go on."""


def counted(client: AsyncWebClient) -> CountedWebClient:
    """``client``, or a CountedWebClient with its settings. Bolt builds a plain AsyncWebClient
    for every request from the app's client (slack_bolt 1.30 ``AsyncApp._init_context``); the
    bot swaps it for this one, so that what listeners call is counted too."""
    if isinstance(client, CountedWebClient):
        return client
    copy = CountedWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        session=client.session,
        trust_env_in_session=client.trust_env_in_session,
        headers=dict(client.headers),
        logger=client.logger,
        retry_handlers=client.retry_handlers,
    )
    copy.default_params = dict(client.default_params)
    return copy


def build_web_client(
    settings: Settings, token: str | None = None, *, rate_limit_retries: int = 3
) -> AsyncWebClient:
    """A Web API client for ``SLACK_API_URL`` that waits out 429s (``rate_limit_retries`` times
    in a row at most) and retries 5xx and resets."""
    return CountedWebClient(
        token=token if token is not None else settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_notification_client(settings: Settings) -> AsyncWebClient:
    """The client notification batches send with: it retries only 429s (each after its
    Retry-After, see NOTIFICATION_RATE_LIMIT_RETRIES), which Slack answers without handling
    the request. A 5xx or a dropped connection may come after Slack posted the message, so a
    retry could post it twice: the sender records such a post as unknown and looks it up in
    Slack before it sends again (``sync/slack_delivery.py``)."""
    return CountedWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=NOTIFICATION_RATE_LIMIT_RETRIES)
        ],
    )
