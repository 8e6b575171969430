"""`/flex-hours`: the command listener and its Block Kit replies."""

from handlers.flex.command import register

__all__ = ["register"]
