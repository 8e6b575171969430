"""Sign in with Slack as the emulated workspace plays it (OpenID Connect, code flow).

Three endpoints, as on Slack: the authorize page (``/openid/connect/authorize``, where a
browser picks a workspace member to sign in as, or, with ``signed_in_user`` set, is sent back
at once), ``openid.connect.token`` (the code for an access token and an ``id_token``) and
``openid.connect.userInfo`` (the access token for the profile). Codes are good once, for
``code_lifetime`` seconds on the emulator's clock, and only with the ``redirect_uri`` they
were issued for. The ``id_token`` is a JWT signed with HS256 and the client secret (Slack
signs with RS256; our client, like any that gets the token straight from the token endpoint,
does not check the signature).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web

AUTHORIZE_PATH = "/openid/connect/authorize"
ISSUER = "https://slack.com"
DEFAULT_CLIENT_ID = "1000000000.2000000000"
DEFAULT_CLIENT_SECRET = "emulated-client-secret"
DEFAULT_CODE_LIFETIME = 600.0  # seconds, as Slack's OAuth codes
ID_TOKEN_LIFETIME = 300  # seconds, as in Slack's example id_token


@dataclass
class _Grant:
    user_id: str
    redirect_uri: str
    nonce: str | None
    issued: float  # clock()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_jwt(claims: Mapping[str, Any], secret: str) -> str:
    """A compact JWT of ``claims``, HS256 with ``secret``."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


class SlackOpenId:
    """The OpenID provider of one emulated workspace; ``members`` returns its users."""

    def __init__(
        self,
        *,
        team_id: str,
        members: Callable[[], list[dict[str, Any]]],
        clock: Callable[[], float],
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        code_lifetime: float = DEFAULT_CODE_LIFETIME,
    ) -> None:
        self.team_id = team_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.code_lifetime = code_lifetime
        #: When set, the authorize page signs this member in at once (tests); else it asks.
        self.signed_in_user: str | None = None
        self._members = members
        self._clock = clock
        self._grants: dict[str, _Grant] = {}
        self._access_tokens: dict[str, str] = {}  # access token → user id

    # ------------------------------------------------------------------ the authorize page

    def _member(self, user_id: str) -> dict[str, Any] | None:
        for user in self._members():
            if user["id"] == user_id and not user.get("deleted") and not user.get("is_bot"):
                return user
        return None

    def _authorize_refusal(self, params: Mapping[str, str]) -> str | None:
        """Why Slack would show an error page instead of redirecting back, or None."""
        if params.get("client_id") != self.client_id:
            return "invalid_client_id"
        target = urlsplit(params.get("redirect_uri", ""))
        if target.scheme not in ("http", "https") or not target.netloc:
            return "bad_redirect_uri"
        if params.get("response_type") != "code":
            return "unsupported_response_type"
        if "openid" not in params.get("scope", "").replace(",", " ").split():
            return "invalid_scope"
        return None

    def _back(self, params: Mapping[str, str], **answer: str) -> web.HTTPFound:
        query = {**answer}
        if params.get("state"):
            query["state"] = params["state"]
        redirect_uri = params["redirect_uri"]
        separator = "&" if "?" in redirect_uri else "?"
        return web.HTTPFound(redirect_uri + separator + urlencode(query))

    def _grant(self, user_id: str, params: Mapping[str, str]) -> web.HTTPFound:
        code = f"{self.team_id}.{secrets.token_hex(8)}.{secrets.token_hex(16)}"
        self._grants[code] = _Grant(
            user_id=user_id,
            redirect_uri=params["redirect_uri"],
            nonce=params.get("nonce"),
            issued=self._clock(),
        )
        return self._back(params, code=code)

    async def handle_authorize(self, request: web.Request) -> web.StreamResponse:
        """GET shows the members to pick (or redirects at once); POST is the pick."""
        params: dict[str, str] = dict(request.query)
        if request.method == "POST":
            form = await request.post()
            params = {k: v for k, v in form.items() if isinstance(v, str)}
        refusal = self._authorize_refusal(params)
        if refusal is not None:
            return web.Response(status=400, text=f"Sign in with Slack: {refusal}")
        if request.method == "POST":
            if "cancel" in params:
                raise self._back(params, error="access_denied")
            chosen = params.get("user_id", "")
        else:
            chosen = self.signed_in_user or ""
            if not chosen:
                return self._picker(params)
        if self._member(chosen) is None:
            return web.Response(status=400, text=f"Sign in with Slack: no member {chosen!r}")
        raise self._grant(chosen, params)

    def _picker(self, params: Mapping[str, str]) -> web.Response:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
            if k in ("client_id", "redirect_uri", "state", "nonce", "scope", "response_type")
        )
        buttons = "".join(
            f'<li><button type="submit" name="user_id" value="{html.escape(u["id"])}">'
            f"{html.escape(u.get('real_name') or u['name'])}</button> "
            f"<small>{html.escape(u.get('profile', {}).get('email') or '')}</small></li>"
            for u in self._members()
            if not u.get("deleted") and not u.get("is_bot")
        )
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Sign in with Slack (emulated)</title></head><body>"
            f"<h1>Sign in to the emulated workspace {html.escape(self.team_id)}</h1>"
            "<p>Pick who you are in this workspace:</p>"
            f'<form method="post" action="{AUTHORIZE_PATH}">{hidden}<ul>{buttons}</ul>'
            '<button type="submit" name="cancel" value="1">Cancel</button></form>'
            "</body></html>"
        )
        return web.Response(text=page, content_type="text/html", charset="utf-8")

    # ------------------------------------------------------------------ the Web API methods

    def _client_credentials(
        self, args: Mapping[str, Any], authorization: str
    ) -> tuple[str | None, str | None]:
        """client_id and client_secret from HTTP Basic auth (slack_sdk) or the form."""
        if authorization.startswith("Basic "):
            try:
                decoded = base64.b64decode(authorization[len("Basic ") :]).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None, None
            client_id, _, secret = decoded.partition(":")
            return client_id, secret
        sent_id, sent_secret = args.get("client_id"), args.get("client_secret")
        return (
            str(sent_id) if sent_id is not None else None,
            str(sent_secret) if sent_secret is not None else None,
        )

    def token(self, args: Mapping[str, Any], authorization: str = "") -> dict[str, Any]:
        """``openid.connect.token``: a code for tokens, or Slack's error."""
        client_id, secret = self._client_credentials(args, authorization)
        if client_id != self.client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if secret is None or not hmac.compare_digest(secret, self.client_secret):
            return {"ok": False, "error": "bad_client_secret"}
        grant = self._grants.pop(str(args.get("code", "")), None)  # a code works once
        if grant is None or self._clock() - grant.issued > self.code_lifetime:
            return {"ok": False, "error": "invalid_code"}
        if args.get("redirect_uri") != grant.redirect_uri:
            return {"ok": False, "error": "bad_redirect_uri"}
        member = self._member(grant.user_id)
        if member is None:
            return {"ok": False, "error": "invalid_code"}
        access_token = f"xoxp-{self.team_id}-{secrets.token_hex(12)}"
        self._access_tokens[access_token] = grant.user_id
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": self.client_id,
            "exp": now + ID_TOKEN_LIFETIME,
            "iat": now,
            "auth_time": now,
            **({"nonce": grant.nonce} if grant.nonce is not None else {}),
            **self._identity(member),
        }
        return {
            "ok": True,
            "access_token": access_token,
            "token_type": "Bearer",
            "id_token": signed_jwt(claims, self.client_secret),
        }

    def user_info(self, access_token: str | None) -> dict[str, Any]:
        """``openid.connect.userInfo``: the profile of the access token's user."""
        if not access_token:
            return {"ok": False, "error": "not_authed"}
        user_id = self._access_tokens.get(access_token)
        member = self._member(user_id) if user_id else None
        if member is None:
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, **self._identity(member)}

    def _identity(self, member: Mapping[str, Any]) -> dict[str, Any]:
        """The claims Slack puts in both the id_token and the userInfo answer."""
        profile = member.get("profile", {})
        real_name = str(member.get("real_name") or member.get("name") or "")
        given, _, family = real_name.partition(" ")
        identity: dict[str, Any] = {
            "sub": member["id"],
            "https://slack.com/user_id": member["id"],
            "https://slack.com/team_id": self.team_id,
            "name": real_name,
            "given_name": given,
            "family_name": family,
            "locale": "en-US",
        }
        if profile.get("email"):
            identity["email"] = profile["email"]
            identity["email_verified"] = True
        return identity
