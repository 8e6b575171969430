"""Error types shared by every layer.

``CommandError`` ends a CLI command with one line for the operator; ``DatabaseUnavailable``
says the database is out of reach for now. The others are what a domain function or a
listener raises when a person asked for something that cannot be done; the Slack error
handler turns each into the right reply for the request (an ephemeral message, an error
view, or a field error on a modal), and the web site into a page.
"""

from __future__ import annotations


class CommandError(RuntimeError):
    """A command cannot go on; the message is shown as is (one line) and the exit is non-zero."""


class DatabaseUnavailable(RuntimeError):
    """The database did not answer in time or cannot be reached (an outage, not a bug): a
    request gets a short apology and the next try, once the database is back, works."""


class RequestRefused(Exception):
    """Base of the errors whose message is meant for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(RequestRefused):
    """The asker may not do this (wrong group, not the project's admin, archived)."""


class NotFound(RequestRefused):
    """What the request names does not exist (any more)."""


class InvalidInput(RequestRefused):
    """A value the person typed or picked is not acceptable; ``field`` names where."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
