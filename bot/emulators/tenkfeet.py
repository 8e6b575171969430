"""A local 10000ft API (aiohttp) serving ``TenkfeetData``, with faults tests can inject.

Behaves like the real API where Finance Bot depends on it (10000ft's public API docs): the token is
checked in the ``auth`` header only (401 with a message otherwise, so a client that puts it
anywhere else fails here); collections are paged, with ``paging.next`` a path without the token
and ``per_page`` honoured only up to ``max_per_page`` (default 100, below the documented 1000,
to prove a client never trusts it); filters ``with_archived``, ``with_phases``, ``from``/``to``
(inclusive), ``fields=approvals``, ``with_suggestions``; ``POST /api/v1/approvals`` submits
entries whose ``updated_at`` matches. Every request is recorded.

Faults count requests from the moment they are set: ``fail_request(1)`` fails the next one;
``fail_matching`` fails the next requests whose path contains a text, whatever their order
(a client fetching several windows at once interleaves its requests); ``storm`` answers a run
of them with 429 or 5xx and a ``Retry-After``; ``hold_matching`` holds them, from a given one
on, until released (a test kills the process that asked meanwhile).
"""

from __future__ import annotations

import asyncio
import json
import time
from array import array
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.emulators.tenkfeet_data import TenkfeetData, timestamp

DEFAULT_TOKEN = "tenkfeet-test-token"

Handler = Callable[[web.Request], Awaitable[web.Response]]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # path and query as received
    headers: dict[str, str]
    body: bytes
    query: dict[str, str] = field(default_factory=dict)
    at: float = 0.0  # time.monotonic() when it arrived


@dataclass
class Hold:
    """Requests held by :meth:`TenkfeetEmulator.hold_matching`: ``reached`` is set when the
    first is held; :meth:`release` answers them all (``stop()`` does too)."""

    fragment: str
    after: int  # matching requests that are still answered before the hold begins
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    answered: int = 0  # matching requests answered before the hold began

    def release(self) -> None:
        self.released.set()


@dataclass
class _Fault:
    kind: str  # "fail", "slow", "truncate", "rate_limit"
    status: int = 500
    message: str = "Internal error"
    seconds: float = 0.0
    release: asyncio.Event | None = None
    retry_after: int = 1
    headers: dict[str, str] = field(default_factory=dict)


class TenkfeetEmulator:
    def __init__(
        self,
        data: TenkfeetData | None = None,
        *,
        token: str = DEFAULT_TOKEN,
        max_per_page: int = 100,
        default_per_page: int = 20,
    ) -> None:
        self.data = data if data is not None else TenkfeetData()
        self.token = token
        self.max_per_page = max_per_page
        self.default_per_page = default_per_page
        self.requests: list[RecordedRequest] = []
        self._faults: dict[int, _Fault] = {}
        self._matching_faults: list[tuple[str, _Fault]] = []
        self._releases: list[asyncio.Event] = []
        self._holds: list[Hold] = []
        self._selection_cache: dict[tuple[Any, ...], array[int]] = {}
        self._selection_version = -1
        self._runner: web.AppRunner | None = None
        self._last_stamp = ""
        self.base_url = ""

    # Lifecycle --------------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        for release in self._releases:
            release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TenkfeetEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # Faults -----------------------------------------------------------------------------------

    def fail_request(self, n: int = 1, status: int = 500, message: str = "Internal error") -> None:
        """The ``n``-th request from now answers ``status`` with ``{"message": message}``."""
        self._faults[self._target(n)] = _Fault("fail", status=status, message=message)

    def fail_matching(
        self, fragment: str, times: int = 1, status: int = 500, message: str = "Internal error"
    ) -> None:
        """The next ``times`` requests whose path and query contain ``fragment`` answer
        ``status`` with ``{"message": message}``."""
        for _ in range(times):
            self._matching_faults.append((fragment, _Fault("fail", status, message)))

    def slow_request(self, n: int = 1, seconds: float = 30.0) -> asyncio.Event:
        """Hold the ``n``-th request from now until the returned event is set (or ``seconds``).

        The request is answered normally afterwards; ``stop()`` releases any held request.
        """
        release = asyncio.Event()
        self._releases.append(release)
        self._faults[self._target(n)] = _Fault("slow", seconds=seconds, release=release)
        return release

    def truncate_request(self, n: int = 1) -> None:
        """The ``n``-th request from now gets 200 with only the first half of its body."""
        self._faults[self._target(n)] = _Fault("truncate")

    def rate_limit_request(self, n: int = 1, retry_after: int = 1) -> None:
        """The ``n``-th request from now gets 429 with Retry-After and X-RateLimit-* headers."""
        self._faults[self._target(n)] = _Fault("rate_limit", status=429, retry_after=retry_after)

    def storm(
        self,
        fragment: str,
        times: int,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        message: str = "Rate limit exceeded",
    ) -> None:
        """The next ``times`` requests whose path and query contain ``fragment`` answer
        ``status`` (429, or a 5xx such as 503) with ``{"message": message}`` and, unless None,
        a ``Retry-After`` of ``retry_after`` seconds."""
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        for _ in range(times):
            fault = _Fault("fail", status=status, message=message, headers=headers)
            self._matching_faults.append((fragment, fault))

    def hold_matching(self, fragment: str, *, after: int = 0) -> Hold:
        """Requests whose path and query contain ``fragment`` are answered as usual for the
        first ``after`` of them; every later one is held until the returned hold is released."""
        hold = Hold(fragment, after)
        self._holds.append(hold)
        self._releases.append(hold.released)
        return hold

    def _target(self, n: int) -> int:
        if n < 1:
            raise ValueError("n counts requests from now and starts at 1")
        return len(self.requests) + n

    # Dispatch ---------------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path_qs,
                headers=dict(request.headers),
                body=body,
                query=dict(request.query),
                at=time.monotonic(),
            )
        )
        for hold in self._holds:
            if hold.fragment in request.path_qs and not hold.released.is_set():
                if hold.answered < hold.after:
                    hold.answered += 1
                else:
                    hold.reached.set()
                    await hold.released.wait()
        fault = self._faults.pop(len(self.requests), None)
        for index, (fragment, matching) in enumerate(self._matching_faults):
            if fault is None and fragment in request.path_qs:
                fault = matching
                del self._matching_faults[index]
                break
        if fault is not None:
            if fault.kind == "fail":
                response = _error(fault.status, fault.message)
                response.headers.update(fault.headers)
                return response
            if fault.kind == "rate_limit":
                return self._rate_limited(fault.retry_after)
            if fault.kind == "slow" and fault.release is not None:
                try:
                    await asyncio.wait_for(fault.release.wait(), fault.seconds)
                except TimeoutError:
                    pass
        if request.headers.get("auth") != self.token:
            return _error(401, "Invalid or missing auth token")
        response = await self._route(request, body)
        if fault is not None and fault.kind == "truncate":
            assert isinstance(response.body, bytes)
            cut = response.body[: len(response.body) // 2]
            return web.Response(body=cut, status=200, content_type="application/json")
        return response

    async def _route(self, request: web.Request, body: bytes) -> web.Response:
        path = request.path.rstrip("/")
        method = request.method
        if method == "GET" and path == "/api/v1/users":
            return self._users(request)
        if method == "GET" and path == "/api/v1/projects":
            return self._projects(request)
        if method == "GET" and path == "/api/v1/time_entries":
            return self._time_entries(request)
        if method == "GET" and path == "/api/v1/holidays":
            return self._page(request, self.data.holidays)
        if method == "GET" and path == "/api/v1/leave_types":
            return self._page(request, self.data.leave_types)
        if method == "POST" and path == "/api/v1/approvals":
            return self._approve(body)
        return _error(404, f"No route for {method} {request.path}")

    # Collections ------------------------------------------------------------------------------

    def _users(self, request: web.Request) -> web.Response:
        users = self.data.users
        if not _flag(request, "with_archived"):
            users = [u for u in users if not u.get("archived")]
        return self._page(request, users)

    def _projects(self, request: web.Request) -> web.Response:
        projects = self.data.projects
        if not _flag(request, "with_archived"):
            projects = [p for p in projects if not p.get("archived")]
        if not _flag(request, "with_phases"):
            projects = [p for p in projects if p.get("parent_id") is None]
        return self._page(request, projects)

    def _page(self, request: web.Request, items: list[dict[str, Any]]) -> web.Response:
        paging = self._paging(request, len(items))
        if isinstance(paging, web.Response):
            return paging
        chosen = items[paging["_start"] : paging["_stop"]]
        return _page_response([json.dumps(item, separators=(",", ":")) for item in chosen], paging)

    def _time_entries(self, request: web.Request) -> web.Response:
        try:
            start = _query_date(request, "from")
            end = _query_date(request, "to")
        except ValueError as exc:
            return _error(400, str(exc))
        with_suggestions = _flag(request, "with_suggestions")
        with_approvals = "approvals" in request.query.get("fields", "").split(",")
        ids = self._selection(start, end, with_suggestions)
        paging = self._paging(request, len(ids))
        if isinstance(paging, web.Response):
            return paging
        store = self.data.time_entries
        rendered = [
            store.render(entry_id, with_approvals)
            for entry_id in ids[paging["_start"] : paging["_stop"]]
        ]
        return _page_response(rendered, paging)

    def _selection(self, start: date | None, end: date | None, suggestions: bool) -> array[int]:
        store = self.data.time_entries
        if store.version != self._selection_version:
            self._selection_cache.clear()
            self._selection_version = store.version
        key = (start, end, suggestions)
        ids = self._selection_cache.get(key)
        if ids is None:
            ids = store.select(start, end, suggestions)
            self._selection_cache[key] = ids
        return ids

    def _paging(self, request: web.Request, total: int) -> dict[str, Any] | web.Response:
        try:
            page = int(request.query.get("page", "1"))
            per_page = int(request.query.get("per_page", str(self.default_per_page)))
        except ValueError:
            return _error(400, "page and per_page must be integers")
        if page < 1 or per_page < 1:
            return _error(400, "page and per_page must be positive")
        per_page = min(per_page, self.max_per_page)
        start = (page - 1) * per_page
        stop = start + per_page

        def link(number: int) -> str:
            query = {k: v for k, v in request.query.items() if k not in ("auth", "page")}
            query["page"] = str(number)
            return f"{request.path}?{urlencode(query)}"

        return {
            "next": link(page + 1) if stop < total else None,
            "previous": link(page - 1) if page > 1 else None,
            "self": link(page),
            "page": page,
            "per_page": per_page,
            "_start": start,
            "_stop": stop,
        }

    # Approvals --------------------------------------------------------------------------------

    def _approve(self, body: bytes) -> web.Response:
        try:
            payload = json.loads(body)
            approvables = payload["approvables"]
            status = payload["status"]
            assert isinstance(approvables, list)
        except (ValueError, KeyError, TypeError, AssertionError):
            return _error(400, "Expected {approvables: [...], status: ...}")
        if status != "pending":
            return _error(422, f"Unsupported status {status!r}")
        store = self.data.time_entries
        created: list[dict[str, Any]] = []
        for item in approvables:
            if not isinstance(item, dict) or item.get("type") != "TimeEntry":
                continue
            entry_id = item.get("id")
            if not isinstance(entry_id, int) or entry_id not in store:
                continue
            entry = store.get(entry_id)
            if entry.get("updated_at") != item.get("updated_at"):
                continue  # stale: 10000ft leaves the entry unchanged
            stamp = self._next_stamp(entry["updated_at"])
            made = {
                "id": next(self.data.approval_ids),
                "status": "pending",
                "approvable_id": entry_id,
                "approvable_type": "TimeEntry",
                "submitted_by": entry["user_id"],
                "submitted_at": stamp,
                "approved_by": None,
                "approved_at": None,
                "created_at": stamp,
                "updated_at": stamp,
            }
            approvals = entry.get("approvals") or {"data": [], "paging": {}}
            approvals["data"] = [made]
            store.update(entry_id, approvals=approvals, updated_at=stamp)
            created.append(made)
        return web.json_response({"data": created})

    def _next_stamp(self, previous: str) -> str:
        """Now, but always later than ``previous`` and than any stamp handed out before."""
        moment = datetime.now(UTC).replace(microsecond=0)
        stamp = timestamp(moment)
        while stamp <= previous or stamp <= self._last_stamp:
            moment += timedelta(seconds=1)
            stamp = timestamp(moment)
        self._last_stamp = stamp
        return stamp

    def _rate_limited(self, retry_after: int) -> web.Response:
        response = _error(429, "Rate limit exceeded")
        response.headers["Retry-After"] = str(retry_after)
        response.headers["X-RateLimit-Limit"] = "100"
        response.headers["X-RateLimit-Remaining"] = "0"
        response.headers["X-RateLimit-Reset"] = str(int(time.time()) + retry_after)
        return response


def _page_response(rendered: list[str], paging: dict[str, Any]) -> web.Response:
    public = {k: v for k, v in paging.items() if not k.startswith("_")}
    text = '{"data":[' + ",".join(rendered) + '],"paging":' + json.dumps(public) + "}"
    return web.Response(body=text.encode(), content_type="application/json")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() == "true"


def _query_date(request: web.Request, name: str) -> date | None:
    value = request.query.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} must be YYYY-MM-DD, not {value!r}") from None
