"""Slack listeners, one package per feature; each has ``register(app)``.

Shared plumbing sits beside them: :mod:`handlers.slack_ids` (every action, block and callback
id), :mod:`handlers.acting_person` (the middleware that gives listeners ``person``),
:mod:`handlers.error_replies` (the global error handler), :mod:`handlers.flow_reference`
(flow state in button values and private_metadata) and :mod:`handlers.link_buttons`.
"""

from __future__ import annotations

from slack_bolt.app.async_app import AsyncApp

from handlers import flex, home, invoices, link_buttons, unfurls


def register_listeners(app: AsyncApp) -> None:
    """Registers every feature's listeners on the app."""
    flex.register(app)
    home.register(app)
    invoices.register(app)
    unfurls.register(app)
    link_buttons.register(app)
