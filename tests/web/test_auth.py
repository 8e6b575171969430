"""The sign-in requirement, sessions and security headers on every admin-site response.

Refusals: signed out (browsers are sent to sign in, other clients get 401), an archived
person's session, an expired session, a POST without or with a wrong CSRF token (403, and
nothing changes). The session cookie's flags and the headers are read off real responses.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from models import Person
from tests.support.sign_in_flow import browser, redirect_of
from tests.support.web_company import make_person
from tests.support.web_site import (
    serve_web,
    session_cookie,
    signed_in_headers,
    web_settings,
)
from web.auth import CSRF_HEADER, SESSION_COOKIE, SESSION_SECONDS
from web.security_headers import CONTENT_SECURITY_POLICY

SIGN_IN_ENV = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "secret"}


@pytest.fixture
async def site(db: str) -> AsyncIterator[str]:
    async with serve_web(web_settings(db, **SIGN_IN_ENV)) as url:
        yield url


@pytest.fixture
async def ada(db: str) -> Person:
    return await make_person("Ada", "Aalto", slack_id="U0ADA")


async def get(url: str, headers: dict[str, str]) -> tuple[int, str, str]:
    """Status, Location and body of a GET that is not followed."""
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=headers, allow_redirects=False) as response:
            return response.status, response.headers.get("Location", ""), await response.text()


# ---------------------------------------------------------------------- who may come in


@pytest.mark.parametrize("path", ["/", "/users", "/users/some-guid/flexhours?as_of=2025-01-31"])
async def test_signed_out_browsers_are_sent_to_sign_in_with_next(site: str, path: str) -> None:
    status, location, _ = await get(site + path, {"Accept": "text/html"})
    assert status == 302
    parts = urlsplit(location)
    assert parts.path == "/sign-in"
    assert parse_qs(parts.query) == {"next": [path]}


async def test_signed_out_api_clients_get_401(site: str) -> None:
    status, _, body = await get(f"{site}/users", {"Accept": "application/json"})
    assert (status, body) == (401, "Sign in first.")


async def test_public_paths_need_no_sign_in(site: str) -> None:
    assert (await get(f"{site}/healthz", {}))[0] == 200
    assert (await get(f"{site}/sign-in", {"Accept": "text/html"}))[0] == 200


async def test_a_signed_in_person_gets_in(site: str, ada: Person) -> None:
    settings = web_settings("sqlite://unused", **SIGN_IN_ENV)
    status, _, html = await get(f"{site}/", signed_in_headers(settings, ada.id))
    assert status == 200
    assert '<span class="signed-in-as">Ada Aalto</span>' in html


async def test_an_archived_persons_session_is_refused(site: str, ada: Person) -> None:
    settings = web_settings("sqlite://unused", **SIGN_IN_ENV)
    headers = signed_in_headers(settings, ada.id)
    await Person.filter(id=ada.id).update(archived=True)
    status, location, _ = await get(f"{site}/", headers)
    assert (status, urlsplit(location).path) == (302, "/sign-in")


async def test_a_session_expires_after_12_hours(site: str, ada: Person) -> None:
    settings = web_settings("sqlite://unused", **SIGN_IN_ENV)
    for age, expected in ((SESSION_SECONDS - 60, 200), (SESSION_SECONDS + 1, 302)):
        cookie, _ = session_cookie(settings, ada.id, age_seconds=age)
        headers = {"Cookie": f"{SESSION_COOKIE}={cookie}", "Accept": "text/html"}
        assert (await get(f"{site}/", headers))[0] == expected, age


async def test_a_cookie_made_with_another_key_is_no_session(site: str, ada: Person) -> None:
    key = base64.b64encode(b"another-key-of-32-bytes-for-test").decode()
    other = web_settings("sqlite://unused", SECRET_KEY=key)
    status, _, _ = await get(f"{site}/", signed_in_headers(other, ada.id))
    assert status == 302


@pytest.mark.parametrize("csrf", [None, "forged", ""])
async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    site: str, ada: Person, csrf: str | None
) -> None:
    settings = web_settings("sqlite://unused", **SIGN_IN_ENV)
    headers = signed_in_headers(settings, ada.id)
    if csrf is None:
        headers.pop(CSRF_HEADER)
    else:
        headers[CSRF_HEADER] = csrf
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{site}/sign-out", headers=headers, allow_redirects=False
        ) as response:
            assert response.status == 403
            assert "This form has expired or was not sent from this site." in (
                await response.text()
            )
            assert SESSION_COOKIE not in response.cookies  # the session was not ended
    assert (await get(f"{site}/", headers))[0] == 200


async def test_a_post_without_a_session_is_refused(site: str) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{site}/sign-out", headers={"Accept": "text/html"}) as response:
            assert response.status == 403
            assert "Sign in first" in await response.text()


# ---------------------------------------------------------------------- the session cookie


async def session_set_cookie(db: str, **env: str) -> str:
    """The Set-Cookie header the site sends when a session is first written."""
    async with serve_web(web_settings(db, **SIGN_IN_ENV, **env)) as url, browser() as session:
        async with session.get(f"{url}/sign-in/slack", allow_redirects=False) as response:
            assert response.status == 302
            return response.headers["Set-Cookie"]


async def test_the_session_cookie_is_http_only_lax_and_lasts_12_hours(db: str) -> None:
    raw = await session_set_cookie(db)
    morsel = SimpleCookie(raw)[SESSION_COOKIE]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert morsel["max-age"] == str(12 * 60 * 60)
    assert morsel["path"] == "/"
    assert not morsel["secure"]  # http://127.0.0.1: a Secure cookie would never come back


async def test_the_session_cookie_is_secure_when_public_url_is_https(db: str) -> None:
    raw = await session_set_cookie(db, PUBLIC_URL="https://finance.example.com/admin")
    morsel = SimpleCookie(raw)[SESSION_COOKIE]
    assert morsel["secure"] is True
    assert morsel["path"] == "/admin"


# ---------------------------------------------------------------------- security headers


async def headers_of(url: str, headers: dict[str, str]) -> CIMultiDictProxy[str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=headers, allow_redirects=False) as response:
            return response.headers


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/sign-in", "text/html"),  # a page
        ("/users", "text/html"),  # a redirect to sign in
        ("/users", "application/json"),  # a 401
        ("/healthz", "*/*"),  # plain text
        ("/no-such-page", "text/html"),  # signed out, an unknown path redirects too
    ],
)
async def test_every_response_carries_the_security_headers(
    site: str, path: str, accept: str
) -> None:
    headers = await headers_of(site + path, {"Accept": accept})
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src" not in CONTENT_SECURITY_POLICY  # default-src 'none': no scripts
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers  # PUBLIC_URL is http


async def test_error_pages_and_static_files_carry_them_too(site: str, ada: Person) -> None:
    settings = web_settings("sqlite://unused", **SIGN_IN_ENV)
    missing = await headers_of(f"{site}/no-such-page", signed_in_headers(settings, ada.id))
    async with aiohttp.ClientSession() as session, session.get(f"{site}/sign-in") as response:
        css = str(response.url.with_path("/static/site.css"))
    static = await headers_of(css, {})
    for headers in (missing, static):
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert headers["X-Content-Type-Options"] == "nosniff"


async def test_hsts_when_public_url_is_https(db: str) -> None:
    settings = web_settings(db, PUBLIC_URL="https://finance.example.com")
    async with serve_web(settings) as url:
        for path in ("/healthz", "/users"):
            headers = await headers_of(url + path, {"Accept": "text/html"})
            assert headers["Strict-Transport-Security"] == "max-age=31536000"


async def test_sign_in_redirect_goes_to_slack_only_from_the_start_link(site: str) -> None:
    async with browser() as session:
        location = await redirect_of(session, f"{site}/sign-in/slack?next=/users")
    assert location.startswith("https://slack.com/openid/connect/authorize?")
