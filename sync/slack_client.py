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
    """The client notification batches send with (see NOTIFICATION_RATE_LIMIT_RETRIES)."""
    return build_web_client(settings, rate_limit_retries=NOTIFICATION_RATE_LIMIT_RETRIES)
