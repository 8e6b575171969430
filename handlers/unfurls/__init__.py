"""Unfurls of admin-site links."""

from handlers.unfurls.listeners import register

__all__ = ["register"]
