"""Sign in with Slack, the OpenID Connect side: the authorize URL, the code exchange, the claims.

The browser is sent to ``SLACK_OPENID_AUTHORIZE_URL`` with ``state`` and ``nonce``; Slack sends
it back with a code, which :func:`identify` exchanges at ``openid.connect.token`` (through
``SLACK_API_URL``, so the emulator can stand in) for an ``id_token`` and an access token.

The ``id_token``'s signature is not checked: it comes straight from Slack's token endpoint
over TLS, authenticated with our client secret, which OpenID Connect Core 3.1.3.7 accepts in
place of the signature. Its claims are checked (issuer, audience, expiry, nonce), and the
profile is then read from ``openid.connect.userInfo`` with the access token.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError

from core.settings import Settings
from sync.slack_client import CountedWebClient

log = logging.getLogger(__name__)

CALLBACK_PATH = "/sign-in/callback"
SCOPES = "openid email profile"
ISSUER = "https://slack.com"
USER_ID_CLAIM = "https://slack.com/user_id"
TEAM_ID_CLAIM = "https://slack.com/team_id"
CLOCK_SKEW = 60  # seconds an id_token may look expired (or issued ahead) by clock drift
SLACK_TIMEOUT = 10  # seconds for each call to Slack


class SignInFailed(Exception):
    """Sign-in cannot go on; ``message`` is the sentence the visitor reads."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class SlackIdentity:
    """Who Slack says signed in."""

    user_id: str
    team_id: str
    email: str | None  # only when Slack has verified it
    name: str


def redirect_uri(settings: Settings) -> str:
    """Where Slack sends the browser back: register this URL in the Slack app."""
    return settings.public_link(CALLBACK_PATH)


def authorize_url(settings: Settings, state: str, nonce: str) -> str:
    """Slack's authorize URL for this app (OpenID Connect Core 3.1.2.1, code flow)."""
    query = urlencode(
        {
            "response_type": "code",
            "scope": SCOPES,
            "client_id": settings.slack_client_id,
            "state": state,
            "nonce": nonce,
            "redirect_uri": redirect_uri(settings),
        }
    )
    return f"{settings.slack_openid_authorize_url}?{query}"


def id_token_claims(id_token: str) -> dict[str, Any]:
    """The payload of a compact JWT (``header.payload.signature``), signature not checked."""
    parts = id_token.split(".")
    if len(parts) != 3:
        raise SignInFailed(502, "Slack's answer held no readable id_token.")
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        raise SignInFailed(502, "Slack's answer held no readable id_token.") from None
    if not isinstance(claims, dict):
        raise SignInFailed(502, "Slack's answer held no readable id_token.")
    return claims


def check_claims(
    claims: Mapping[str, Any], *, client_id: str, nonce: str, now: float | None = None
) -> None:
    """Refuses an id_token not from Slack, not for this app, expired, or from another sign-in."""
    now = time.time() if now is None else now
    if claims.get("iss") != ISSUER:
        raise SignInFailed(400, "The sign-in answer was not issued by Slack.")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if client_id not in audiences:
        raise SignInFailed(400, "The sign-in answer was meant for another app.")
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires + CLOCK_SKEW < now:
        raise SignInFailed(400, "The sign-in answer has expired: please sign in again.")
    sent = claims.get("nonce")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, nonce):
        raise SignInFailed(
            400, "The sign-in answer belongs to another sign-in attempt: please sign in again."
        )
    if not isinstance(claims.get(USER_ID_CLAIM) or claims.get("sub"), str):
        raise SignInFailed(400, "The sign-in answer does not say which Slack user signed in.")


def identity_from(claims: Mapping[str, Any], profile: Mapping[str, Any]) -> SlackIdentity:
    """The user the checked id_token names, with the e-mail and name of their profile.

    The profile must be the same Slack user as the token; its e-mail counts only if verified.
    """
    user_id = str(claims.get(USER_ID_CLAIM) or claims["sub"])
    if str(profile.get(USER_ID_CLAIM) or profile.get("sub")) != user_id:
        raise SignInFailed(502, "Slack described another user than the one who signed in.")
    email = profile.get("email") or claims.get("email")
    verified = profile.get("email_verified", claims.get("email_verified", False)) is True
    return SlackIdentity(
        user_id=user_id,
        team_id=str(claims.get(TEAM_ID_CLAIM) or profile.get(TEAM_ID_CLAIM) or ""),
        email=str(email) if email and verified else None,
        name=str(profile.get("name") or claims.get("name") or user_id),
    )


async def identify(settings: Settings, code: str, nonce: str) -> SlackIdentity:
    """Exchanges ``code`` for the signed-in Slack user; any failure is a :class:`SignInFailed`."""
    client = CountedWebClient(base_url=settings.slack_api_url, timeout=SLACK_TIMEOUT)
    try:
        token = await client.openid_connect_token(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            code=code,
            redirect_uri=redirect_uri(settings),
        )
        id_token, access_token = token.get("id_token"), token.get("access_token")
        if not isinstance(id_token, str) or not isinstance(access_token, str):
            raise SignInFailed(502, "Slack's answer held no id_token or access token.")
        claims = id_token_claims(id_token)
        check_claims(claims, client_id=settings.slack_client_id, nonce=nonce)
        profile = await CountedWebClient(
            token=access_token, base_url=settings.slack_api_url, timeout=SLACK_TIMEOUT
        ).openid_connect_userInfo()
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown_error")
        log.warning("Sign in with Slack refused: %s", error)
        raise SignInFailed(400, refusal_text(str(error))) from None
    except (ClientError, OSError, TimeoutError) as exc:
        log.warning("Sign in with Slack: Slack not reachable: %s", exc)
        raise SignInFailed(502, "Slack could not be reached to finish signing in.") from None
    return identity_from(claims, profile.data if isinstance(profile.data, dict) else {})


def refusal_text(error: str) -> str:
    """What Slack's error code means for the person signing in."""
    if error in ("invalid_code", "code_already_used", "invalid_grant"):
        return (
            f"Slack did not accept this sign-in ({error}): the link was used already or is "
            "too old. Please sign in again."
        )
    if error in ("invalid_client_id", "bad_client_secret", "invalid_client", "bad_redirect_uri"):
        return (
            f"Slack refused this site's sign-in settings ({error}): SLACK_CLIENT_ID, "
            "SLACK_CLIENT_SECRET or PUBLIC_URL do not match the Slack app."
        )
    return f"Slack refused the sign-in ({error}). Please sign in again."
