"""Sign in with Slack in the emulator: the authorize page, openid.connect.token (single-use,
short-lived codes bound to their redirect_uri) and openid.connect.userInfo, spoken to through
slack_sdk as the admin site speaks to Slack."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulators.slack import SlackEmulator

REDIRECT = "http://127.0.0.1:9/sign-in/callback"


class FakeClock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def emulator(clock: FakeClock) -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(clock=clock) as emu:
        emu.add_user("U0ADA", email="Ada@Example.com", real_name="Ada Lovelace", name="ada")
        emu.add_user("U0GONE", email="gone@example.com", real_name="Gone Person", deleted=True)
        yield emu


def authorize_query(emulator: SlackEmulator, **overrides: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "scope": "openid email profile",
        "client_id": emulator.oidc_client_id,
        "state": "the-state",
        "nonce": "the-nonce",
        "redirect_uri": REDIRECT,
        **overrides,
    }


async def authorize(emulator: SlackEmulator, **overrides: str) -> tuple[int, str]:
    """GETs the authorize page; returns the status and the Location (or the body)."""
    url = emulator.openid_authorize_url + "?" + urlencode(authorize_query(emulator, **overrides))
    async with aiohttp.ClientSession() as session:
        async with session.get(url, allow_redirects=False) as response:
            return response.status, response.headers.get("Location") or await response.text()


async def code_for(emulator: SlackEmulator, user_id: str = "U0ADA", **overrides: str) -> str:
    emulator.oidc_signed_in_user = user_id
    status, location = await authorize(emulator, **overrides)
    assert status == 302, location
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(REDIRECT + "?")
    assert query["state"] == ["the-state"]
    return query["code"][0]


def client(emulator: SlackEmulator, token: str | None = None) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=emulator.api_url)


async def exchange(emulator: SlackEmulator, code: str, **overrides: str) -> dict[str, Any]:
    args = {
        "client_id": emulator.oidc_client_id,
        "client_secret": emulator.oidc_client_secret,
        "code": code,
        "redirect_uri": REDIRECT,
        **overrides,
    }
    try:
        response = await client(emulator).openid_connect_token(**args)
    except SlackApiError as exc:
        return dict(exc.response.data)  # type: ignore[arg-type]
    return dict(response.data)  # type: ignore[arg-type]


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    def decode(part: str) -> bytes:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

    header, payload, signature = token.split(".")
    return (
        json.loads(decode(header)),
        json.loads(decode(payload)),
        decode(signature),
        f"{header}.{payload}".encode(),
    )


async def test_the_code_flow_gives_an_id_token_and_the_profile(emulator: SlackEmulator) -> None:
    code = await code_for(emulator)
    answer = await exchange(emulator, code)
    assert answer["ok"] is True and answer["token_type"] == "Bearer"
    header, claims, signature, signed = jwt_parts(answer["id_token"])
    assert header == {"alg": "HS256", "typ": "JWT"}
    secret = emulator.oidc_client_secret.encode()
    assert hmac.compare_digest(signature, hmac.new(secret, signed, hashlib.sha256).digest())
    assert claims["iss"] == "https://slack.com"
    assert claims["aud"] == emulator.oidc_client_id
    assert claims["sub"] == claims["https://slack.com/user_id"] == "U0ADA"
    assert claims["https://slack.com/team_id"] == emulator.team_id
    assert claims["nonce"] == "the-nonce"
    assert claims["email"] == "Ada@Example.com" and claims["email_verified"] is True
    assert claims["iat"] <= time.time() < claims["exp"]

    profile = await client(emulator, answer["access_token"]).openid_connect_userInfo()
    assert profile["ok"] is True
    assert profile["https://slack.com/user_id"] == "U0ADA"
    assert (profile["name"], profile["email"]) == ("Ada Lovelace", "Ada@Example.com")
    call = emulator.calls_to("openid.connect.userInfo")[-1]
    assert call.token == answer["access_token"]


async def test_a_code_works_once(emulator: SlackEmulator) -> None:
    code = await code_for(emulator)
    assert (await exchange(emulator, code))["ok"] is True
    assert await exchange(emulator, code) == {"ok": False, "error": "invalid_code"}


async def test_a_code_expires(emulator: SlackEmulator, clock: FakeClock) -> None:
    code = await code_for(emulator)
    clock.now += emulator.openid.code_lifetime + 1
    assert await exchange(emulator, code) == {"ok": False, "error": "invalid_code"}


async def test_the_token_call_checks_the_client_and_the_redirect_uri(
    emulator: SlackEmulator,
) -> None:
    code = await code_for(emulator)
    assert (await exchange(emulator, code, client_secret="wrong"))["error"] == "bad_client_secret"
    code = await code_for(emulator)
    assert (await exchange(emulator, code, client_id="9.9"))["error"] == "invalid_client_id"
    code = await code_for(emulator)
    other = "http://127.0.0.1:9/elsewhere"
    assert (await exchange(emulator, code, redirect_uri=other))["error"] == "bad_redirect_uri"
    assert (await exchange(emulator, "made-up"))["error"] == "invalid_code"


async def test_user_info_needs_a_token_the_emulator_gave(emulator: SlackEmulator) -> None:
    for token, error in ((None, "not_authed"), ("xoxp-made-up", "invalid_auth")):
        with pytest.raises(SlackApiError) as refused:
            await client(emulator, token).openid_connect_userInfo()
        assert refused.value.response["error"] == error


async def test_the_authorize_page_lists_members_and_signs_in_the_one_picked(
    emulator: SlackEmulator,
) -> None:
    status, page = await authorize(emulator)
    assert status == 200
    assert "Ada Lovelace" in page and "Gone Person" not in page  # deleted users cannot
    form = {**authorize_query(emulator), "user_id": "U0ADA"}
    async with aiohttp.ClientSession() as session:
        async with session.post(
            emulator.openid_authorize_url, data=form, allow_redirects=False
        ) as response:
            location = response.headers["Location"]
        async with session.post(
            emulator.openid_authorize_url, data={**form, "cancel": "1"}, allow_redirects=False
        ) as response:
            cancelled = parse_qs(urlsplit(response.headers["Location"]).query)
    code = parse_qs(urlsplit(location).query)["code"][0]
    assert (await exchange(emulator, code))["ok"] is True
    assert cancelled == {"error": ["access_denied"], "state": ["the-state"]}


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"client_id": "9.9"}, "invalid_client_id"),
        ({"redirect_uri": "javascript:alert(1)"}, "bad_redirect_uri"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "email"}, "invalid_scope"),
    ],
)
async def test_the_authorize_page_refuses_a_bad_request_without_redirecting(
    emulator: SlackEmulator, overrides: dict[str, str], error: str
) -> None:
    emulator.oidc_signed_in_user = "U0ADA"
    status, body = await authorize(emulator, **overrides)
    assert (status, body) == (400, f"Sign in with Slack: {error}")
