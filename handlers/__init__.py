"""Slack listeners, one module per feature; each has ``register(app)``."""

from __future__ import annotations

from slack_bolt.app.async_app import AsyncApp

from handlers import flex, home, unfurls


def register_listeners(app: AsyncApp) -> None:
    """Registers every feature's listeners on the app."""
    flex.register(app)
    home.register(app)
    unfurls.register(app)
