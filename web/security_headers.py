"""Headers every admin-site response carries, error pages and redirects included.

The site has no scripts at all and loads nothing from elsewhere, so the content security
policy can forbid scripts outright; it also forbids framing (clickjacking) and sending forms
anywhere but here. HSTS is sent only when ``PUBLIC_URL`` is https: over plain http (the
loopback default) it would mean nothing, and browsers ignore it there anyway.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from core.settings import Settings
from web.rendering import HTML

#: No scripts at all; styles only from our own CSS file; no framing, no foreign forms.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
#: One year; subdomains are left out since the site does not know what else runs there.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def security_headers(settings: Settings) -> Any:
    """The middleware adding the headers to every response and to raised HTTP exceptions."""
    https = settings.public_url.startswith("https://")

    def add(response: web.StreamResponse) -> None:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if https:
            headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        if response.content_type == HTML or 300 <= response.status < 400:
            headers.setdefault("Cache-Control", "no-store")

    @web.middleware
    async def with_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # redirects and 401s are raised, not returned
            add(exc)
            raise
        add(response)
        return response

    return with_headers
