"""What the emulated Slack client does with Block Kit and typed text (pure functions)."""

from __future__ import annotations

import pytest

from bot.emulators.slack_workspace_blocks import (
    ACCESSORY,
    BlockNotFound,
    Timestamps,
    action_fields,
    block_id_of,
    element_at,
    escape_typed,
    links_in,
    missing_required,
    view_state,
)

MEMBERS = {"eino.virtanen": "U0DEMO02", "aino": "U0DEMO01"}
CHANNELS = {"general": "C0GENERAL"}


def option(value: str) -> dict[str, object]:
    return {"text": {"type": "plain_text", "text": value.title()}, "value": value}


def test_typed_text_is_escaped_as_slack_stores_it() -> None:
    typed = "Ask @eino.virtanen. & <b>#general</b> @nobody https://a.example/x?y=1&z=2, ok"
    assert escape_typed(typed, MEMBERS, CHANNELS) == (
        "Ask <@U0DEMO02>. &amp; &lt;b&gt;<#C0GENERAL|general>&lt;/b&gt; @nobody "
        "<https://a.example/x?y=1&amp;z=2>, ok"
    )
    assert escape_typed("@Aino", MEMBERS, CHANNELS, with_names=True) == "<@U0DEMO01|Aino>"
    assert escape_typed("mail@aino.fi", MEMBERS, CHANNELS) == "mail@aino.fi"


def test_links_are_found_without_trailing_punctuation() -> None:
    text = "see (http://127.0.0.1:8080/invoices/1), https://x.example/a. and ftp://no"
    assert links_in(text) == ["http://127.0.0.1:8080/invoices/1", "https://x.example/a"]


def test_an_element_is_found_where_the_page_saw_it() -> None:
    button = {"type": "button", "action_id": "go"}
    blocks = [
        {"type": "section", "accessory": {"type": "overflow", "action_id": "more"}},
        {"type": "actions", "block_id": "acts", "elements": [{"action_id": "a"}, button]},
    ]
    assert element_at(blocks, "ts", 1, 1, "go") == ("acts", button)
    block_id, accessory = element_at(blocks, "ts", 0, ACCESSORY, "more")
    assert accessory["type"] == "overflow" and block_id == block_id_of(blocks[0], "ts", 0)
    assert block_id_of(blocks[0], "ts", 0) != block_id_of(blocks[0], "other ts", 0)
    for where in ((1, 1, "stale"), (2, 0, "go"), (1, 5, "go"), (0, 0, "more")):
        with pytest.raises(BlockNotFound):
            element_at(blocks, "ts", *where)


def test_an_action_carries_what_slack_sends_for_its_element() -> None:
    button = {
        "type": "button",
        "action_id": "b",
        "text": {"type": "plain_text", "text": "Go"},
        "value": "7",
        "style": "danger",
        "url": "https://x.example",
    }
    assert action_fields(button) == {
        "text": {"type": "plain_text", "text": "Go"},
        "value": "7",
        "style": "danger",
    }
    menu = {"type": "static_select", "options": [option("a"), option("b")]}
    assert action_fields(menu, "b") == {"selected_option": option("b")}
    assert action_fields(menu, "zzz") == {"selected_option": None}
    boxes = {"type": "checkboxes", "options": [option("a"), option("b")]}
    assert action_fields(boxes, ["b", "x"]) == {"selected_options": [option("b")]}
    assert action_fields({"type": "datepicker"}, "2026-11-30") == {"selected_date": "2026-11-30"}


def test_a_views_state_holds_every_input_entered_or_not() -> None:
    view = {
        "id": "V1",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "x"}},
            {
                "type": "input",
                "block_id": "c",
                "element": {"type": "plain_text_input", "action_id": "t"},
            },
            {
                "type": "input",
                "block_id": "d",
                "optional": True,
                "element": {"type": "radio_buttons", "action_id": "r", "options": [option("y")]},
            },
            {"type": "input", "element": {"type": "datepicker", "action_id": "day"}},
        ],
    }
    generated = block_id_of(view["blocks"][3], "V1", 3)  # type: ignore[arg-type]
    state = view_state(view, {"c": {"t": "note"}, generated: {"day": "2026-12-01"}})
    assert state == {
        "c": {"t": {"type": "plain_text_input", "value": "note"}},
        "d": {"r": {"type": "radio_buttons", "selected_option": None}},
        generated: {"day": {"type": "datepicker", "selected_date": "2026-12-01"}},
    }
    assert missing_required(view, state) == {}
    empty = view_state(view, {})
    assert missing_required(view, empty) == {
        "c": "Please complete this required field.",
        generated: "Please complete this required field.",
    }


def test_timestamps_never_repeat() -> None:
    stamps = Timestamps()
    made = [stamps.next() for _ in range(1000)]
    assert len(set(made)) == 1000 and made == sorted(made, key=float)
