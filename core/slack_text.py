"""Putting text into Slack's mrkdwn safely.

Slack reads ``<...>`` as links, mentions and ``<!channel>``-style broadcasts, and ``&`` starts
an entity. Every piece of text that does not come from our own templates (names, project,
phase, client and leave type names, notes, upstream error texts) goes through
:func:`escape_mrkdwn` before it is put into a mrkdwn field, so it shows as typed and notifies
or links nothing.
"""

from __future__ import annotations


def escape_mrkdwn(text: str) -> str:
    """``&``, ``<`` and ``>`` as the entities Slack asks for (in that order)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
