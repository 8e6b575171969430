"""Who is asking: sessions, the sign-in requirement, CSRF and per-page capabilities.

Sessions live in encrypted, signed cookies (aiohttp-session's ``EncryptedCookieStorage``,
Fernet): ``HttpOnly``, ``SameSite=Lax``, ``Secure`` when ``PUBLIC_URL`` is https, and
expiring 12 h after sign-in whatever the browser does. A session holds the person's id,
when they signed in and the CSRF token of their forms; nothing else.

Every path but the public ones (health checks, the sign-in flow, static files) needs a
signed-in, non-archived person: browsers are sent to sign in, other clients get 401. Every
POST needs that session and its CSRF token, or it is refused with 403 before any view runs.
Views then state the capability they need with :func:`requires`; the one rule that decides
is :mod:`models.permissions`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp_session import Session, get_session, new_session, session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from core.settings import Settings
from models.invoices.visibility import invoice_scope
from models.people import Person
from models.permissions import Actor, Capability, actor_for, allows, refusal
from web.app_keys import ACTOR_KEY, CSRF_KEY, INVOICE_SCOPE_KEY, PERSON_KEY
from web.site_errors import PageError

log = logging.getLogger(__name__)

SESSION_COOKIE = "financebot_session"
SESSION_SECONDS = 12 * 60 * 60
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
#: Paths anyone may open: health checks, the sign-in flow, the stylesheet; and /metrics,
#: which asks for its own bearer token (web/monitoring.py).
PUBLIC_PATHS = frozenset(
    {"/healthz", "/readyz", "/metrics", "/sign-in", "/sign-in/slack", "/sign-in/callback"}
)
#: Public in `financebot demo` only; the route does not exist anywhere else.
DEMO_SIGN_IN_PATH = "/demo/sign-in"
PUBLIC_PREFIXES = ("/static/",)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

View = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Forbidden(PageError):
    def __init__(self, message: str) -> None:
        super().__init__(403, message)


def session_key(settings: Settings) -> bytes:
    """32 bytes for Fernet from SECRET_KEY; a fresh random key when none is set (loopback
    only: sessions then end when the process does)."""
    if not settings.secret_key:
        return secrets.token_bytes(32)
    return hashlib.sha256(settings.secret_key).digest()


def sessions(settings: Settings, site_root: str) -> Any:
    """The session middleware; it must stand first (outermost) in the app's middlewares."""
    storage = EncryptedCookieStorage(
        session_key(settings),
        cookie_name=SESSION_COOKIE,
        max_age=SESSION_SECONDS,
        path=site_root or "/",
        secure=settings.public_url.startswith("https://"),
        httponly=True,
        samesite="Lax",
    )
    return session_middleware(storage)


def is_public(path: str, *, demo: bool = False) -> bool:
    if demo and path == DEMO_SIGN_IN_PATH:
        return True
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def wants_html(request: web.Request) -> bool:
    return "text/html" in request.headers.get("Accept", "")


async def begin_session(request: web.Request, person: Person) -> Session:
    """A fresh session for ``person`` (a new cookie: no fixation of an older one)."""
    session = await new_session(request)
    session["person_id"] = person.id
    session["signed_in_at"] = int(time.time())
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session


async def end_session(request: web.Request) -> None:
    session = await get_session(request)
    session.invalidate()


async def signed_in_person(request: web.Request) -> Person | None:
    """The session's person when the session is valid, unexpired and names an active person."""
    session = await get_session(request)
    person_id, since = session.get("person_id"), session.get("signed_in_at")
    if not isinstance(person_id, int) or not isinstance(since, int):
        return None
    if time.time() - since > SESSION_SECONDS:
        session.invalidate()
        return None
    person = await Person.get_or_none(id=person_id)
    if person is None or person.archived:
        session.invalidate()
        return None
    return person


async def csrf_token(request: web.Request) -> str:
    """The session's CSRF token, for the hidden field of every form."""
    session = await get_session(request)
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


async def csrf_ok(request: web.Request) -> bool:
    session = await get_session(request)
    expected = session.get(CSRF_FIELD)
    if not isinstance(expected, str) or not expected:
        return False
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.post()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    return sent is not None and hmac.compare_digest(sent, expected)


def sign_in_redirect(request: web.Request, root: str) -> web.HTTPFound:
    next_path = request.path_qs if request.method in SAFE_METHODS else "/"
    return web.HTTPFound(f"{root}/sign-in?{urlencode({'next': next_path})}")


def sign_in_required(root: str, *, demo: bool = False) -> Any:
    """The middleware: resolves the signed-in person, refuses the rest before any view runs.

    ``demo``: the demo's sign-in page is public too. A POST always needs the session's CSRF
    token, on a public path as well (the demo page gives signed-out visitors one).
    """

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        public = is_public(request.path, demo=demo)
        person = await signed_in_person(request)
        if person is None and not public:
            if request.method not in SAFE_METHODS:
                raise Forbidden("Sign in first: this form was sent without a valid session.")
            if wants_html(request):
                raise sign_in_redirect(request, root)
            raise web.HTTPUnauthorized(
                text="Sign in first.", headers={"WWW-Authenticate": 'Cookie realm="financebot"'}
            )
        if request.method not in SAFE_METHODS:
            if not await csrf_ok(request):
                raise Forbidden("This form has expired or was not sent from this site.")
        if person is not None:
            request[PERSON_KEY] = person
            actor = await actor_for(person)
            assert actor is not None
            request[ACTOR_KEY] = actor
            request[INVOICE_SCOPE_KEY] = await invoice_scope(actor)
            request[CSRF_KEY] = await csrf_token(request)
        return await handler(request)

    return check


def current_person(request: web.Request) -> Person:
    """The signed-in person (every non-public view has one)."""
    return request[PERSON_KEY]


def current_actor(request: web.Request) -> Actor:
    return request[ACTOR_KEY]


def audit_actor(request: web.Request) -> str:
    """Who the audit log names for a change made on this site: ``web:<e-mail>``."""
    person = current_person(request)
    return f"web:{person.email or person.guid}"


def require(request: web.Request, capability: Capability) -> Actor:
    """Raises 403 naming the group needed unless the signed-in person has ``capability``."""
    actor = request.get(ACTOR_KEY)
    if not allows(actor, capability):
        raise Forbidden(refusal(capability))
    assert actor is not None
    return actor


def requires(capability: Capability) -> Callable[[View], View]:
    """Decorates a view with the capability it needs (see :func:`require`)."""

    def wrap(view: View) -> View:
        @wraps(view)
        async def checked(request: web.Request) -> web.StreamResponse:
            require(request, capability)
            return await view(request)

        return checked

    return wrap
