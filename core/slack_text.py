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


def cut_mrkdwn(text: str, limit: int) -> str:
    """Escaped mrkdwn ``text`` within ``limit`` characters, an ellipsis marking a cut.

    The cut never splits what Slack reads as one thing: an entity (``&amp;``) or a link,
    mention or broadcast (``<…>``) that would be cut is left out whole. Plain text is cut
    before it is escaped (``escape_mrkdwn(cut_text(...))``); this is for text already
    escaped and put together.
    """
    if len(text) <= limit:
        return text
    kept = text[: limit - 1]
    amp, semi = kept.rfind("&"), kept.rfind(";")
    if amp > semi:  # inside an entity
        kept = kept[:amp]
    opened, closed = kept.rfind("<"), kept.rfind(">")
    if opened > closed:  # inside <url|label>, <@U…> or <!here>
        kept = kept[:opened]
    return kept + "…"
