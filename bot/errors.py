"""Errors that end a command with one clear line for the operator."""


class CommandError(RuntimeError):
    """A command cannot go on; the message is shown as is (one line) and the exit is non-zero."""
