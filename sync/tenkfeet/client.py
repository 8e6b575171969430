"""Async client of the 10000ft (Smartsheet Resource Management) API.

What it guarantees (10000ft's API docs and the README's conventions):
- the token goes in the ``auth`` header of every request, never in a URL or a message;
- collections are followed through ``paging.next`` (a path) until it is null; each request URL
  is built from ``base_url + path`` by hand, because httpx's ``params=`` would replace the
  query string of ``next`` and silently lose its paging parameters; ``per_page`` is sent on the
  first request only, as a hint the server may ignore; a ``next`` seen twice is an error;
- every request has a timeout; 429, 5xx, connection and timeout errors are retried at most
  ``max_retries`` times, after the answer's ``Retry-After`` when it gives one (capped), else
  with exponential backoff, and all of a client's waits together stay within its
  :class:`~sync.retry_budget.RetryBudget` (a sync's: ``TENKFEET_RETRY_WAIT_SECONDS``); other
  4xx fail at once;
- every failure is a ``TenkfeetError`` with a one-line message: method, path, status and the
  upstream ``message`` when there is one; when the likely cause is a setting (a refused token,
  an unreachable host, a path the host does not have) the message ends naming the host and
  the setting to check, ``TENKFEET_AUTH`` or ``TENKFEET_API_URL``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from httpcore import AsyncHTTP11Connection

from sync.retry_budget import RetryBudget
from sync.tenkfeet.schema import (
    Approval,
    Holiday,
    InvalidItem,
    LeaveType,
    Project,
    TenkfeetError,
    User,
    parse_page,
)

__all__ = ["Fetched", "RawPage", "TenkfeetClient", "TenkfeetError"]

log = logging.getLogger(__name__)

T = TypeVar("T", User, Project, Holiday, LeaveType)

_PAGING_KEY = re.compile(rb'"paging"\s*:\s*')
_MESSAGE_LIMIT = 200
URL_SETTING = "TENKFEET_API_URL"
AUTH_SETTING = "TENKFEET_AUTH"
_DECODER = json.JSONDecoder()

DEFAULT_RETRY_WAIT = 300.0
"""Seconds a client's retries may wait in all, unless given (TENKFEET_RETRY_WAIT_SECONDS)."""

READ_BYTES = 1 << 20
"""Bytes httpcore asks the socket for per read (its default: 64 KiB). A page of 1,000 time
entries is about 660 KB; each read goes through h11 and anyio in pure Python, so at 64 KiB
reading the pages of an unchanged re-sync cost a sixth more CPU. httpcore sets this per class
only; no other HTTP/1.1 client of the bot is hurt by larger reads (nothing is preallocated)."""
AsyncHTTP11Connection.READ_NUM_BYTES = max(AsyncHTTP11Connection.READ_NUM_BYTES, READ_BYTES)


@dataclass(frozen=True)
class RawPage:
    path: str  # the path+query that was fetched (no token)
    body: bytes  # raw response bytes


@dataclass(frozen=True)
class Fetched(Generic[T]):
    """A whole collection: its valid items, and the invalid ones left out of them."""

    items: list[T]
    invalid: list[InvalidItem]


class TenkfeetClient:
    """One connection pool to 10000ft; use as ``async with TenkfeetClient(...) as client``.

    ``retry_after_cap`` bounds a server's ``Retry-After`` wait; ``budget`` bounds all the waits
    together and counts the retries (:attr:`budget`); ``sleep`` is the wait between attempts
    (tests give a recording one so retries cost no wall time).
    """

    def __init__(
        self,
        base_url: str,
        auth: str,
        *,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff: float = 0.5,
        per_page: int = 1000,
        transport: httpx.AsyncBaseTransport | None = None,
        retry_after_cap: float = 60.0,
        budget: RetryBudget | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not auth:
            raise TenkfeetError(f"10000ft token is empty: set {AUTH_SETTING}")
        self._origin = base_url.rstrip("/")
        self._host = _host_of(self._origin)
        self._max_retries = max_retries
        self._backoff = backoff
        self._per_page = per_page
        self._retry_after_cap = retry_after_cap
        self.budget = budget if budget is not None else RetryBudget(DEFAULT_RETRY_WAIT)
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            headers={"auth": auth, "accept": "application/json"},
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=False,
        )

    async def __aenter__(self) -> TenkfeetClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # Collections -------------------------------------------------------------------------

    async def raw_pages(self, path: str, query: Mapping[str, str]) -> AsyncIterator[RawPage]:
        """Every page of a collection, in order, as fetched (bodies are not validated here)."""
        first_query = {**query, "per_page": str(self._per_page)}
        current: str | None = f"{path}?{urlencode(first_query)}" if first_query else path
        seen: set[str] = set()
        page_number = 0
        while current is not None:
            page_number += 1
            seen.add(current)
            what = f"GET {_without_token(current)} (page {page_number})"
            body = await self._send("GET", current, what)
            next_path = _next_path(body, what)
            if next_path is not None:
                next_path = self._as_path(next_path, what)
                if next_path in seen:
                    raise TenkfeetError(f"{what}: paging.next repeats {_without_token(next_path)}")
            yield RawPage(path=current, body=body)
            current = next_path

    async def users(self) -> Fetched[User]:
        return await self._collect("/api/v1/users", {"with_archived": "true"}, User)

    async def projects(self) -> Fetched[Project]:
        """Projects and their phases (a phase has ``parent_id``), archived ones included."""
        query = {"with_archived": "true", "with_phases": "true"}
        return await self._collect("/api/v1/projects", query, Project)

    async def holidays(self) -> Fetched[Holiday]:
        return await self._collect("/api/v1/holidays", {}, Holiday)

    async def leave_types(self) -> Fetched[LeaveType]:
        return await self._collect("/api/v1/leave_types", {}, LeaveType)

    def time_entry_pages(self, start: date, end: date) -> AsyncIterator[RawPage]:
        """Raw pages of the entries dated ``start``..``end`` (inclusive), with approvals.

        One request window: the caller splits long ranges (10000ft handles ≤ 90 days well).
        Parse each body with ``parse_page(page.body, TimeEntry)``.
        """
        if end < start:
            raise TenkfeetError(f"time entries: end {end} is before start {start}")
        query = {"fields": "approvals", "from": start.isoformat(), "to": end.isoformat()}
        return self.raw_pages("/api/v1/time_entries", query)

    # Approvals ---------------------------------------------------------------------------

    async def submit_for_approval(self, entries: Sequence[tuple[int, str]]) -> list[Approval]:
        """Submit (entry id, entry ``updated_at``) pairs; returns the approvals 10000ft made.

        10000ft leaves an entry whose ``updated_at`` no longer matches unchanged, so a retried
        POST cannot submit anything twice. An approval in the answer that fails validation is
        left out (logged): its entry stays unsubmitted here until the next hours sync.
        """
        if not entries:
            return []
        payload = {
            "approvables": [
                {"id": entry_id, "type": "TimeEntry", "updated_at": updated_at}
                for entry_id, updated_at in entries
            ],
            "status": "pending",
        }
        path = "/api/v1/approvals"
        body = await self._send("POST", path, f"POST {path}", json_body=payload)
        answer = parse_page(body, Approval)
        for item in answer.invalid:
            log.warning("10000ft answered an invalid approval: %s", item.describe())
        return answer.items

    # Internals ---------------------------------------------------------------------------

    async def _collect(self, path: str, query: Mapping[str, str], model: type[T]) -> Fetched[T]:
        items: list[T] = []
        invalid: list[InvalidItem] = []
        async for page in self.raw_pages(path, query):
            parsed = parse_page(page.body, model)
            items.extend(parsed.items)
            invalid.extend(parsed.invalid)
        return Fetched(items, invalid)

    def _as_path(self, next_path: str, what: str) -> str:
        """``next`` is documented as a path; accept an absolute URL on our origin too."""
        if next_path.startswith("/"):
            return next_path
        parts = urlsplit(next_path)
        if parts.scheme and parts.netloc:
            if f"{parts.scheme}://{parts.netloc}" != self._origin:
                raise TenkfeetError(f"{what}: paging.next points elsewhere: {parts.netloc}")
            return urlunsplit(("", "", parts.path, parts.query, ""))
        raise TenkfeetError(f"{what}: paging.next is not a path: {next_path[:100]!r}")

    async def _send(self, method: str, path: str, what: str, *, json_body: Any = None) -> bytes:
        """One request with retries; returns the body of a 2xx answer."""
        url = self._origin + path
        attempt = 0
        while True:
            hint = ""
            try:
                response = await self._http.request(method, url, json=json_body)
            except httpx.TransportError as exc:  # connect/read/write errors and timeouts
                problem = _transport_problem(exc)
                delay = self._backoff * 2**attempt
                if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
                    hint = f"; cannot reach 10000ft at {self._host}: check {URL_SETTING}"
                elif isinstance(exc, httpx.TimeoutException):
                    hint = f"; 10000ft at {self._host} did not answer in time"
                cause = type(exc).__name__
            else:
                status = response.status_code
                if status < 300:
                    return response.content
                problem = f"HTTP {status}{_upstream_message(response.content)}"
                cause = f"HTTP {status}"
                if status == 429 or status >= 500:  # a 503 may say when to come back, too
                    retry_after = _retry_after_seconds(response.headers.get("retry-after"))
                    delay = self._backoff * 2**attempt if retry_after is None else retry_after
                    delay = min(delay, self._retry_after_cap)
                else:
                    raise TenkfeetError(f"{what}: {problem}{self._status_hint(status)}")
            if attempt >= self._max_retries:
                tries = attempt + 1
                raise TenkfeetError(f"{what}: {problem} (gave up after {tries} attempts){hint}")
            if not self.budget.allows(delay):
                why = self.budget.spent_note()
                raise TenkfeetError(f"{what}: {problem} (gave up: {why}){hint}")
            attempt += 1
            self.budget.spend(cause, delay)
            log.info("10000ft %s: %s; retry %d in %.2fs", what, problem, attempt, delay)
            await self._sleep(delay)

    def _status_hint(self, status: int) -> str:
        """What to check for a refusal that points at a setting rather than at the request."""
        if status == 401:
            return f"; 10000ft at {self._host} did not accept the token: check {AUTH_SETTING}"
        if status == 403:
            return (
                f"; 10000ft at {self._host} does not let this token do that: check {AUTH_SETTING}"
            )
        if status == 404:
            return (
                f"; 10000ft at {self._host} has no such path: check that {URL_SETTING} is "
                "the API's origin"
            )
        return ""


def _host_of(origin: str) -> str:
    """The origin's host and port as messages name it: never its ``user:password@`` part."""
    parts = urlsplit(origin)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = parts.hostname or "?"
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    return f"{host}:{port}" if port else host


def _next_path(body: bytes, what: str) -> str | None:
    """``paging.next`` of a page body, checking that the body is a complete JSON object.

    10000ft writes ``paging`` after ``data``: reading just that trailing object avoids parsing
    the whole page (the hours sync hashes raw pages and parses only changed ones). Any other
    layout falls back to a full parse.
    """
    match = None
    tail_start = body.rfind(b'"paging"')
    if tail_start != -1:
        match = _PAGING_KEY.match(body, tail_start)
    if match is not None and body.lstrip()[:1] == b"{":
        try:
            tail = body[match.end() :].decode()
            paging, end = _DECODER.raw_decode(tail)
        except ValueError:  # UnicodeDecodeError is a ValueError too
            paging, end, tail = None, 0, ""
        if isinstance(paging, dict) and tail[end:].strip() == "}":
            return _checked_next(paging.get("next"), what)
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise TenkfeetError(f"{what}: invalid JSON ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise TenkfeetError(f"{what}: not a collection page (no data list)")
    paging = document.get("paging")
    return _checked_next(paging.get("next") if isinstance(paging, dict) else None, what)


def _checked_next(value: object, what: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TenkfeetError(f"{what}: paging.next is not a string")
    return value


def _retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _upstream_message(body: bytes) -> str:
    try:
        document = json.loads(body)
    except ValueError:
        return ""
    message = document.get("message") if isinstance(document, dict) else None
    if not message:
        return ""
    return ": " + " ".join(str(message).split())[:_MESSAGE_LIMIT]


def _transport_problem(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    detail = " ".join(str(exc).split())[:_MESSAGE_LIMIT]
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _without_token(path: str) -> str:
    """A path for messages: an ``auth`` query parameter, should one appear, is dropped."""
    parts = urlsplit(path)
    if "auth=" not in parts.query:
        return path
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "auth"]
    return urlunsplit(("", "", parts.path, urlencode(query), ""))
