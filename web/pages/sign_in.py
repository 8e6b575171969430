"""``/sign-in``, ``/sign-in/slack``, ``/sign-in/callback`` and ``/sign-out``.

``/sign-in`` is a small page with a "Sign in with Slack" link to ``/sign-in/slack``, which
keeps a fresh ``state`` and ``nonce`` in the session (with ``next``) and sends the browser to
Slack. Slack sends it back to ``/sign-in/callback``; the pending sign-in is taken out of the
session there whatever happens, so a ``state`` works once. The Slack user is matched to an
active person (by Slack id, else by verified e-mail) and a new session begins; anyone else
gets a plain refusal and stays signed out. ``next`` is only ever a path on this site.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp_session import get_session

from models.people_directory import person_for_sign_in
from web.app_keys import PERSON_KEY, SETTINGS_KEY
from web.auth import begin_session, end_session
from web.rendering import render, site_root
from web.slack_identity import SignInFailed, authorize_url, identify

log = logging.getLogger(__name__)

PENDING_KEY = "sign_in"  # the session's pending sign-in: state, nonce, next, started
PENDING_SECONDS = 10 * 60  # how long a started sign-in may take at Slack
NOT_A_PERSON = "No active 10000ft person for this Slack account."
TITLES = {400: "Sign-in failed", 403: "Not signed in", 502: "Sign-in failed"}


def safe_next(raw: str | None) -> str:
    """``raw`` when it is a path on this site (``/users?x=1``), else ``/``.

    Refuses absolute URLs, scheme-relative ones (``//evil.example``) and backslashes, which
    some browsers read as slashes.
    """
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in raw):
        return "/"
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return "/"
    return raw


def failure_page(request: web.Request, status: int, message: str) -> web.Response:
    return render(
        request,
        "sign_in_failed.html",
        status=status,
        title=TITLES.get(status, "Sign-in failed"),
        status_code=status,
        message=message,
    )


async def sign_in_page(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS_KEY]
    next_path = safe_next(request.query.get("next"))
    if request.get(PERSON_KEY) is not None:
        raise web.HTTPFound(site_root(settings) + next_path)
    missing = [
        name
        for name, value in (
            ("SLACK_CLIENT_ID", settings.slack_client_id),
            ("SLACK_CLIENT_SECRET", settings.slack_client_secret),
            ("SECRET_KEY", settings.secret_key),
        )
        if not value
    ]
    return render(
        request,
        "sign_in.html",
        next_path=next_path,
        missing=missing,
        demo=settings.demo_sign_in,
    )


async def start_sign_in(request: web.Request) -> web.StreamResponse:
    """Keeps a fresh state and nonce in the session and sends the browser to Slack."""
    settings = request.app[SETTINGS_KEY]
    if not settings.sign_in_configured:
        return failure_page(
            request,
            400,
            "Sign in with Slack is not set up here: SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and "
            "SECRET_KEY are needed.",
        )
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session = await get_session(request)
    session[PENDING_KEY] = {
        "state": state,
        "nonce": nonce,
        "next": safe_next(request.query.get("next")),
        "started": int(time.time()),
    }
    raise web.HTTPFound(authorize_url(settings, state, nonce))


def pending_sign_in(pending: Any, state: str) -> dict[str, Any] | None:
    """The session's pending sign-in when ``state`` is its state and it is recent, else None."""
    if not isinstance(pending, dict) or not state:
        return None
    expected, started = pending.get("state"), pending.get("started")
    if not isinstance(expected, str) or not isinstance(started, int):
        return None
    if time.time() - started > PENDING_SECONDS:
        return None
    return pending if hmac.compare_digest(expected, state) else None


async def sign_in_callback(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS_KEY]
    session = await get_session(request)
    pending = pending_sign_in(session.pop(PENDING_KEY, None), request.query.get("state", ""))
    if pending is None:
        return failure_page(
            request,
            400,
            "This sign-in answer does not belong to a sign-in started in this browser, or it "
            "was used already or is too old. Please sign in again.",
        )
    if "error" in request.query:
        error = request.query["error"][:80]
        return failure_page(request, 400, f"Slack did not sign you in ({error}).")
    code = request.query.get("code", "")
    if not code:
        return failure_page(request, 400, "Slack's answer held no code. Please sign in again.")
    try:
        identity = await identify(settings, code, str(pending["nonce"]))
    except SignInFailed as exc:
        return failure_page(request, exc.status, exc.message)
    person = await person_for_sign_in(identity.user_id, identity.email)
    if person is None:
        log.info("sign-in refused: Slack user %s is no active person", identity.user_id)
        return failure_page(request, 403, NOT_A_PERSON)
    await begin_session(request, person)
    log.info("%s signed in with Slack", person.full_name)
    raise web.HTTPFound(site_root(settings) + safe_next(str(pending.get("next") or "/")))


async def sign_out(request: web.Request) -> web.StreamResponse:
    """Ends the session (the middleware has checked its CSRF token)."""
    await end_session(request)
    raise web.HTTPFound(site_root(request.app[SETTINGS_KEY]) + "/sign-in")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/sign-in", sign_in_page)
    app.router.add_get("/sign-in/slack", start_sign_in)
    app.router.add_get("/sign-in/callback", sign_in_callback)
    app.router.add_post("/sign-out", sign_out)
