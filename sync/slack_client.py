"""The Slack Web API client every part of the bot uses: the Bolt app, syncs and senders.

Every call is counted in the metrics by method, and every failure by method and Slack's error
code (or the exception's type when no answer came): :class:`CountedWebClient`.

Retries are slack_sdk's own handlers, bounded: a 429 is waited out for its ``Retry-After``
(plus up to a second, as slack_sdk does), a 5xx and a dropped connection after slack_sdk's
backoff; each wait at most :data:`MAX_WAIT` seconds, and, given a
:class:`~sync.retry_budget.RetryBudget` (a sync's or a notification batch's:
``SLACK_RETRY_WAIT_SECONDS``), all of them together within it. A retry the budget cannot
take is not made: the call fails with Slack's error, which its caller records. Each retry is
counted in the budget by its cause.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from core.observability.metrics import observe_api_call
from core.settings import Settings
from sync.retry_budget import RetryBudget


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

MAX_WAIT = 60.0
"""The longest single wait before a retry, whatever ``Retry-After`` says."""


class _Budgeted(AsyncRetryHandler):
    """What the three handlers share. slack_sdk's handler each one extends says which failures
    are its kind; here the wait before each retry is drawn once, capped, checked against the
    budget (no retry when it would go over), then waited exactly and counted under its cause.
    Each handler says only how long it waits (:meth:`_wait_seconds`) and what it counts
    (:meth:`_cause`)."""

    def __init__(self, max_retry_count: int, budget: RetryBudget | None) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.budget = budget
        self._waits: dict[int, float] = {}  # the wait drawn for a retry allowed, by its state

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        ours = await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )
        if not ours:
            return False
        wait = min(self._wait_seconds(state, response), MAX_WAIT)
        if self.budget is not None and not self.budget.allows(wait):
            return False
        self._waits[id(state)] = wait
        return True

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        seconds = self._waits.pop(id(state), 1.0)
        if self.budget is not None:
            self.budget.spend(self._cause(response, error), seconds)
        state.next_attempt_requested = True
        await asyncio.sleep(seconds)
        state.increment_current_attempt()

    def _wait_seconds(self, state: RetryState, response: HttpResponse | None) -> float:
        """The wait before retrying this failure (one of the handler's kind), before the cap."""
        raise NotImplementedError

    def _cause(self, response: HttpResponse | None, error: Exception | None) -> str:
        """The retry's cause, as the budget counts it."""
        raise NotImplementedError


class BoundedRateLimitRetryHandler(_Budgeted, AsyncRateLimitErrorRetryHandler):
    """A 429, after its Retry-After plus up to a second (as slack_sdk does)."""

    def _wait_seconds(self, state: RetryState, response: HttpResponse | None) -> float:
        assert response is not None  # a 429: slack_sdk's handler said so
        return _retry_after(response) + random.random()

    def _cause(self, response: HttpResponse | None, error: Exception | None) -> str:
        return "HTTP 429"


class _BudgetedBackoff(_Budgeted):
    """A retry after slack_sdk's backoff (with its jitter)."""

    def _wait_seconds(self, state: RetryState, response: HttpResponse | None) -> float:
        return float(self.interval_calculator.calculate_sleep_duration(state.current_attempt))


class BoundedServerErrorRetryHandler(_BudgetedBackoff, AsyncServerErrorRetryHandler):
    """A 500 or 503 (slack_sdk's choice), after the backoff."""

    def _cause(self, response: HttpResponse | None, error: Exception | None) -> str:
        status = response.status_code if response is not None else 0
        return f"HTTP {status}"


class BoundedConnectionErrorRetryHandler(_BudgetedBackoff, AsyncConnectionErrorRetryHandler):
    """A dropped or refused connection (slack_sdk's list of errors), after the backoff."""

    def _cause(self, response: HttpResponse | None, error: Exception | None) -> str:
        return type(error).__name__


def _retry_after(response: HttpResponse) -> float:
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return max(0.0, float(values[0]))
            except ValueError:
                break
    return 1.0


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
    settings: Settings,
    token: str | None = None,
    *,
    rate_limit_retries: int = 3,
    budget: RetryBudget | None = None,
) -> AsyncWebClient:
    """A Web API client for ``SLACK_API_URL`` that waits out 429s (``rate_limit_retries`` times
    in a row at most) and retries 5xx and resets, within ``budget`` when given."""
    handlers: list[AsyncRetryHandler] = [
        BoundedConnectionErrorRetryHandler(2, budget),
        BoundedRateLimitRetryHandler(rate_limit_retries, budget),
        BoundedServerErrorRetryHandler(2, budget),
    ]
    return CountedWebClient(
        token=token if token is not None else settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=handlers,
    )


def build_notification_client(
    settings: Settings, budget: RetryBudget | None = None
) -> AsyncWebClient:
    """The client notification batches send with: it retries only 429s (each after its
    Retry-After, see NOTIFICATION_RATE_LIMIT_RETRIES), which Slack answers without handling
    the request, within ``budget`` (a new one of SLACK_RETRY_WAIT_SECONDS when not given: one
    client per batch). A 5xx or a dropped connection may come after Slack posted the message,
    so a retry could post it twice: the sender records such a post as unknown and looks it up
    in Slack before it sends again (``sync/slack_delivery.py``)."""
    budget = budget if budget is not None else run_budget(settings)
    handler = BoundedRateLimitRetryHandler(NOTIFICATION_RATE_LIMIT_RETRIES, budget)
    return CountedWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[handler],
    )


def run_budget(settings: Settings) -> RetryBudget:
    """A fresh budget for one run's Slack calls (SLACK_RETRY_WAIT_SECONDS)."""
    return RetryBudget(settings.slack_retry_wait)
