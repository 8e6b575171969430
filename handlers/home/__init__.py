"""The App Home tab and its buttons."""

from handlers.home.listeners import register

__all__ = ["register"]
