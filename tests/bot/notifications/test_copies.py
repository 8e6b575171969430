"""Copies for the notifications admins: text only (no buttons, no links), and a person's flex
figures only for the admins who may read them."""

from __future__ import annotations

import json

from bot.notifications.batch import Outgoing, Withheld, copies_for_admins
from models.notifications.recipients import Conversation
from sync.slack_delivery import Notice, SlackMessage

DETAILS = "https://finance.example/users/frank-guid/flexhours"


def flex_dm() -> Outgoing:
    blocks = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"Saldo *-120.00h* · <{DETAILS}|Details>"},
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Invoice *2026-10*"},
            "accessory": {"type": "button", "action_id": "review", "value": "x", "text": {}},
        },
        {
            "type": "actions",
            "elements": [
                {"type": "button", "action_id": "flex_open_details", "url": DETAILS, "text": {}},
                {"type": "button", "action_id": "submit", "value": "x", "text": {}},
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{DETAILS}|Your page>"}]},
    ]
    message = SlackMessage(text="Your flex saldo is -120.00h.", blocks=blocks)
    notice = Notice(
        "flex-saldo", "2025-02", Conversation(("U0FRANK",)), message, summary="Frank: -120.00h"
    )
    return Outgoing(notice, "Frank Fisher: -120.00h")


def test_a_copy_keeps_the_text_without_buttons_or_links() -> None:
    (copy,) = copies_for_admins(flex_dm(), ["U0FRANK", "U0NOTE"], "Frank Fisher")
    blocks = copy.notice.message.blocks
    shown = json.dumps(blocks)
    assert [b["type"] for b in blocks] == ["context", "section", "section", "context"]
    assert blocks[1]["text"]["text"] == "Saldo *-120.00h* · Details"
    assert blocks[3]["elements"][0]["text"] == "Your page"
    assert "accessory" not in shown and "http" not in shown and "button" not in shown
    assert copy.notice.message.text == "This was sent to Frank Fisher: Your flex saldo is -120.00h."
    assert copy.about == "copy of Frank Fisher: -120.00h"


def test_withheld_figures_reach_only_their_readers() -> None:
    instead = SlackMessage(
        text="Their monthly flex saldo message for February 2025.",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "It went out."}}],
    )
    withheld = Withheld(frozenset({"U0HR"}), instead)
    by_admin = {
        copy.notice.conversation.key: copy
        for copy in copies_for_admins(flex_dm(), ["U0HR", "U0NOTE"], "Frank", withheld=withheld)
    }
    assert "-120.00h" in json.dumps(by_admin["U0HR"].notice.message.blocks)
    assert by_admin["U0HR"].notice.summary == "Frank: -120.00h"
    short = by_admin["U0NOTE"].notice
    assert (
        short.message.text
        == "This was sent to Frank: Their monthly flex saldo message for February 2025."
    )
    assert "120" not in json.dumps(short.message.blocks) and "120" not in short.summary
    assert by_admin["U0NOTE"].about == "copy of Frank Fisher: -120.00h (without the figures)"
    # Both are the one copy of that DM for the ledger, whichever its content.
    assert short.subject == by_admin["U0HR"].notice.subject == "copy:U0FRANK"
