"""The workspace page's HTTP side: the page, its static files, JSON endpoints, live updates.

``GET /workspace`` serves the page (``bot/emulators/workspace/``, package data). The page asks
``/workspace/api/...`` for the members, a member's conversations, messages, App Home and modal
(:meth:`SlackWorkspace.state_for`), and posts what the member does there; each post becomes the
envelopes Slack would send (:class:`~bot.emulators.slack_workspace.SlackWorkspace`).
``/workspace/api/events`` is a Server-Sent Events stream that names the workspace's version
whenever anything changed (a post, an update, a modal), so the page fetches it again.
Bad requests get ``{"ok": false, "error": "…"}`` with 400 (malformed), 404 (no such member,
message or view), 403 (not in that conversation), 409 (the message or view changed since the
page drew it) or 503 (the bot is not connected, or did not ack within 3 s).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.emulators.slack_workspace import NotConnected, SlackWorkspace
from bot.emulators.slack_workspace_blocks import BlockNotFound

ASSETS = Path(__file__).resolve().parent / "workspace"
CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}
_ASSET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(?:js|css|svg|html)$")
KEEP_ALIVE = 15.0  # seconds between comments on an idle event stream
TEXT_MAX = 40_000  # Slack's limit on a message's text

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadRequest(ValueError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _refusal(message: str, status: int) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


def _guarded(handler: Handler) -> Handler:
    """Turns the workspace's refusals into JSON answers with their status."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except BadRequest as exc:
            return _refusal(str(exc), exc.status)
        except BlockNotFound as exc:
            return _refusal(f"that changed since the page showed it ({exc}); look again", 409)
        except NotConnected as exc:
            return _refusal(str(exc), 503)

    return guarded


def _text(body: dict[str, Any], name: str, *, limit: int = 200) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise BadRequest(f"{name} is required (a non-empty string)")
    if len(value) > limit:
        raise BadRequest(f"{name} is longer than {limit} characters")
    return value


def _index(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"{name} is required (a whole number)")
    return value


def _entered(body: dict[str, Any]) -> dict[str, Any]:
    entered = body.get("entered", {})
    if not isinstance(entered, dict):
        raise BadRequest("entered must be an object: block id → action id → value")
    return entered


class WorkspaceSite:
    """The routes of one workspace."""

    def __init__(self, workspace: SlackWorkspace) -> None:
        self.workspace = workspace

    def _user(self, user_id: str) -> str:
        if self.workspace.member(user_id) is None:
            raise BadRequest(f"no member {user_id!r} in this workspace", 404)
        return user_id

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("the body must be JSON") from None
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object")
        body["user"] = self._user(_text(body, "user"))
        return body

    def _conversation(self, user_id: str, conversation: str) -> str:
        if not self.workspace.is_member_of(user_id, conversation):
            raise BadRequest(f"{user_id} is not in conversation {conversation}", 403)
        return conversation

    # ------------------------------------------------------------------ the page

    async def page(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(ASSETS / "index.html", headers={"Cache-Control": "no-cache"})

    async def asset(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        path = ASSETS / name
        if not _ASSET_NAME.match(name) or not path.is_file():
            raise web.HTTPNotFound(text=f"no workspace file {name!r}")
        content_type = CONTENT_TYPES[path.suffix]
        return web.FileResponse(
            path, headers={"Content-Type": content_type, "Cache-Control": "no-cache"}
        )

    # ------------------------------------------------------------------ reading

    async def people(self, request: web.Request) -> web.StreamResponse:
        workspace = self.workspace
        members = [
            {"id": u["id"], "name": u["name"], "real_name": u.get("real_name") or u["name"]}
            for u in workspace.members()
        ]
        commands = [{"command": c, "description": d} for c, d in workspace.commands.items()]
        return web.json_response(
            {
                "ok": True,
                "team": workspace.emulator.team_domain,
                "app_name": workspace.app_name,
                "bot_user_id": workspace.emulator.bot_user_id,
                "members": members,
                "commands": commands,
            }
        )

    async def state(self, request: web.Request) -> web.StreamResponse:
        user = self._user(request.query.get("user", ""))
        return web.json_response({"ok": True, **self.workspace.state_for(user)})

    async def messages(self, request: web.Request) -> web.StreamResponse:
        user = self._user(request.query.get("user", ""))
        conversation = self._conversation(user, request.query.get("conversation", ""))
        found = self.workspace.messages_in(conversation, user)
        return web.json_response({"ok": True, "conversation": conversation, "messages": found})

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-Sent Events: ``data: {"version": N}`` after every change."""
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        seen = -1
        workspace = self.workspace
        try:
            while not workspace.closed:
                version = await workspace.wait_for_change(seen, KEEP_ALIVE)
                if workspace.closed:
                    break
                if version != seen:
                    seen = version
                    await response.write(f"data: {json.dumps({'version': version})}\n\n".encode())
                else:
                    await response.write(b": keep-alive\n\n")
        except ConnectionResetError:
            pass  # the page went away
        return response

    # ------------------------------------------------------------------ doing

    async def type_text(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        conversation = self._conversation(body["user"], _text(body, "conversation"))
        text = _text(body, "text", limit=TEXT_MAX).strip()
        if not text:
            raise BadRequest("text is empty")
        what = await self.workspace.type_text(body["user"], conversation, text)
        return web.json_response({"ok": True, "sent": what})

    async def open_home(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        await self.workspace.open_home(body["user"])
        return web.json_response({"ok": True})

    async def click(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        user = body["user"]
        where = (_index(body, "block"), _index(body, "element"), _text(body, "action_id"))
        chosen = body.get("chosen")
        if body.get("view_id"):
            await self.workspace.click_in_view(
                user, _text(body, "view_id"), *where, chosen=chosen, entered=_entered(body)
            )
        else:
            conversation = self._conversation(user, _text(body, "conversation"))
            await self.workspace.click_in_message(
                user, conversation, _text(body, "ts"), *where, chosen=chosen
            )
        return web.json_response({"ok": True})

    async def submit(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        errors = await self.workspace.submit(body["user"], _text(body, "view_id"), _entered(body))
        return web.json_response({"ok": True, "errors": errors})

    async def close(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        await self.workspace.close_modal(body["user"], _text(body, "view_id"))
        return web.json_response({"ok": True})

    async def run_action(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        if key not in self.workspace.actions:
            raise BadRequest(f"no workspace action {key!r}", 404)
        action = self.workspace.start_action(key)
        return web.json_response({"ok": True, "action": action.shown()})


def add_workspace_routes(app: web.Application, workspace: SlackWorkspace) -> None:
    site = WorkspaceSite(workspace)
    app.router.add_get("/workspace", site.page)
    app.router.add_get("/workspace/static/{name}", site.asset)
    app.router.add_get("/workspace/api/people", _guarded(site.people))
    app.router.add_get("/workspace/api/state", _guarded(site.state))
    app.router.add_get("/workspace/api/messages", _guarded(site.messages))
    app.router.add_get("/workspace/api/events", site.events)
    app.router.add_post("/workspace/api/type", _guarded(site.type_text))
    app.router.add_post("/workspace/api/home", _guarded(site.open_home))
    app.router.add_post("/workspace/api/click", _guarded(site.click))
    app.router.add_post("/workspace/api/submit", _guarded(site.submit))
    app.router.add_post("/workspace/api/close", _guarded(site.close))
    app.router.add_post("/workspace/api/actions/{key}", _guarded(site.run_action))
