"""Error pages for every admin-site page (their headers: :mod:`web.security_headers`).

Views raise :class:`PageError` (or aiohttp's 404 for an unknown path); the middleware turns
it into the error page with a clear, specific sentence. ``/healthz`` keeps its plain text.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from web.rendering import render

log = logging.getLogger(__name__)

PAGE_TITLES = {
    400: "Bad request",
    401: "Sign in first",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
}


class PageError(Exception):
    """A page cannot be shown; ``message`` says why in one sentence."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class BadRequest(PageError):
    def __init__(self, message: str) -> None:
        super().__init__(400, message)


class NotFound(PageError):
    def __init__(self, message: str) -> None:
        super().__init__(404, message)


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    return render(
        request,
        "error.html",
        status=status,
        title=PAGE_TITLES.get(status, "Error"),
        status_code=status,
        message=message,
    )


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except PageError as exc:
        return error_page(request, exc.status, exc.message)
    except web.HTTPNotFound:
        return error_page(request, 404, f"There is no page at {request.path}.")
    except web.HTTPMethodNotAllowed as exc:
        response = error_page(request, 405, f"{request.method} is not allowed here.")
        response.headers["Allow"] = ",".join(sorted(exc.allowed_methods))
        return response
