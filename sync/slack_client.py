"""The Slack Web API client every part of the bot uses: the Bolt app, syncs and senders."""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from core.settings import Settings

NOTIFICATION_RATE_LIMIT_RETRIES = 30
"""A notification batch waits out a long run of 429s (each for its Retry-After) rather than
give up on a recipient: nobody is waiting on a reply, and the batch must go on."""


def build_web_client(
    settings: Settings, token: str | None = None, *, rate_limit_retries: int = 3
) -> AsyncWebClient:
    """A Web API client for ``SLACK_API_URL`` that waits out 429s (``rate_limit_retries`` times
    in a row at most) and retries 5xx and resets."""
    return AsyncWebClient(
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
    return AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=NOTIFICATION_RATE_LIMIT_RETRIES)
        ],
    )
