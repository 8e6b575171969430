"""The Slack Web API client every part of the bot uses: the Bolt app, syncs and senders."""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from core.settings import Settings


def build_web_client(settings: Settings, token: str | None = None) -> AsyncWebClient:
    """A Web API client for ``SLACK_API_URL`` that waits out 429s and retries 5xx and resets."""
    return AsyncWebClient(
        token=token if token is not None else settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )
