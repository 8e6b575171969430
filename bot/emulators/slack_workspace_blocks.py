"""What Slack's client does with Block Kit and typed text before the app hears of it.

Pure functions for the emulated workspace (:mod:`bot.emulators.slack_workspace`): the element a
person clicked and the action Slack reports for it, a modal's ``state.values`` from what the
person entered, and typed text escaped as Slack stores it (``&``, ``<``, ``>`` as entities,
``@handle`` as a mention, links in angle brackets).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

Block = dict[str, Any]
State = dict[str, dict[str, dict[str, Any]]]

ACCESSORY = -1
"""The element index of a section's accessory."""

TEXT_INPUTS = frozenset(
    {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}
)
SINGLE_CHOICE = frozenset({"static_select", "radio_buttons", "overflow"})
MULTI_CHOICE = frozenset({"checkboxes", "multi_static_select"})

_URL = re.compile(r"https?://[^\s<>\"]+")
_MENTION = re.compile(r"(?<![\w@/])@([A-Za-z0-9][\w.\-]*)")
_CHANNEL = re.compile(r"(?<![\w#/&])#([a-z0-9][a-z0-9_\-]*)")
_TRAILING = ".,;:!?)"


class BlockNotFound(LookupError):
    """The element a click names is not (or no longer) where the page saw it."""


def block_id_of(block: Block, owner: str, index: int) -> str:
    """The block's id: its own, or the one Slack makes up for a block the app gave none (the
    same for the same message or view and position)."""
    given = block.get("block_id")
    if isinstance(given, str) and given:
        return given
    digest = hashlib.sha1(f"{owner}:{index}".encode()).hexdigest()
    return digest[:5]


def with_block_ids(blocks: list[Any], owner: str) -> list[Any]:
    """The blocks as Slack hands them back: each with a block id (made up where missing)."""
    return [
        {**block, "block_id": block_id_of(block, owner, index)}
        if isinstance(block, dict)
        else block
        for index, block in enumerate(blocks)
    ]


def element_at(
    blocks: list[Any], owner: str, block_index: int, element_index: int, action_id: str
) -> tuple[str, Block]:
    """(block id, element) of the element clicked: ``element_index`` in an actions block, or
    :data:`ACCESSORY`; the element must carry ``action_id`` (else the view or message changed
    since the page drew it)."""
    if not 0 <= block_index < len(blocks) or not isinstance(blocks[block_index], dict):
        raise BlockNotFound(f"no block {block_index}")
    block = blocks[block_index]
    if element_index == ACCESSORY:
        element = block.get("accessory")
    elif block.get("type") == "input":
        element = block.get("element")
    else:
        elements = block.get("elements") or []
        element = elements[element_index] if 0 <= element_index < len(elements) else None
    if not isinstance(element, dict) or element.get("action_id", "") != action_id:
        raise BlockNotFound(f"no element {action_id!r} at block {block_index}")
    return block_id_of(block, owner, block_index), element


def _options(element: Block) -> list[Block]:
    options = [o for o in element.get("options") or [] if isinstance(o, dict)]
    for group in element.get("option_groups") or []:
        options += [o for o in group.get("options") or [] if isinstance(o, dict)]
    return options


def _chosen(element: Block, values: Iterable[str]) -> list[Block]:
    wanted = set(values)
    return [option for option in _options(element) if option.get("value") in wanted]


def action_fields(element: Block, chosen: Any = None) -> dict[str, Any]:
    """The element-specific part of a block action: a button's text, value and style, a menu's
    selected option(s), a picker's date. ``chosen``: the option value(s) or date picked."""
    kind = element.get("type")
    fields: dict[str, Any] = {}
    if kind == "button":
        fields["text"] = element.get("text")
        for key in ("value", "style"):
            if key in element:
                fields[key] = element[key]
    elif kind in SINGLE_CHOICE:
        found = _chosen(element, [str(chosen)])
        fields["selected_option"] = found[0] if found else None
    elif kind in MULTI_CHOICE:
        values = chosen if isinstance(chosen, list) else []
        fields["selected_options"] = _chosen(element, [str(v) for v in values])
    elif kind == "datepicker":
        fields["selected_date"] = str(chosen) if chosen else None
    elif kind == "timepicker":
        fields["selected_time"] = str(chosen) if chosen else None
    return fields


def element_state(element: Block, given: Any) -> dict[str, Any]:
    """One input's entry in ``state.values``, from what the person entered (``given``: text,
    a date, an option value, or a list of option values)."""
    kind = str(element.get("type"))
    state: dict[str, Any] = {"type": kind}
    if kind in MULTI_CHOICE:
        values = given if isinstance(given, list) else []
        state["selected_options"] = _chosen(element, [str(v) for v in values])
    elif kind in SINGLE_CHOICE:
        found = _chosen(element, [str(given)]) if given else []
        state["selected_option"] = found[0] if found else None
    elif kind == "datepicker":
        state["selected_date"] = str(given) if given else None
    elif kind == "timepicker":
        state["selected_time"] = str(given) if given else None
    else:
        state["value"] = str(given) if isinstance(given, str) and given != "" else None
    return state


def view_state(view: Block, entered: Mapping[str, Any]) -> State:
    """``state.values`` of a view: every input block (and every input element of an actions
    block), holding what the person entered (``entered``: block id → action id → value) or,
    untouched, nothing, as Slack sends it."""
    owner = str(view.get("id") or "")
    values: State = {}
    for index, block in enumerate(view.get("blocks") or []):
        if not isinstance(block, dict):
            continue
        if block.get("type") == "input":
            elements = [block.get("element")]
        elif block.get("type") == "actions":
            elements = [e for e in block.get("elements") or [] if e.get("type") != "button"]
        else:
            continue
        block_id = block_id_of(block, owner, index)
        given = entered.get(block_id)
        for element in elements:
            if not isinstance(element, dict) or not element.get("action_id"):
                continue
            action_id = str(element["action_id"])
            raw = given.get(action_id) if isinstance(given, dict) else None
            values.setdefault(block_id, {})[action_id] = element_state(element, raw)
    return values


def missing_required(view: Block, state: State) -> dict[str, str]:
    """Input blocks that are not optional and were left empty: Slack's client refuses the
    submission itself, with this line under each, and the app hears nothing."""
    missing = {}
    owner = str(view.get("id") or "")
    for index, block in enumerate(view.get("blocks") or []):
        if not isinstance(block, dict) or block.get("type") != "input" or block.get("optional"):
            continue
        block_id = block_id_of(block, owner, index)
        entries = state.get(block_id) or {}
        filled = any(
            entry.get("value")
            or entry.get("selected_option")
            or entry.get("selected_options")
            or entry.get("selected_date")
            or entry.get("selected_time")
            for entry in entries.values()
        )
        if not filled:
            missing[block_id] = "Please complete this required field."
    return missing


def escape_entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def links_in(text: str) -> list[str]:
    """The http(s) links in typed text, in order, without trailing punctuation."""
    return [match.rstrip(_TRAILING) for match in _URL.findall(text)]


def escape_typed(
    text: str,
    members: Mapping[str, str],
    channels: Mapping[str, str],
    *,
    with_names: bool = False,
) -> str:
    """Typed text as Slack passes it on: entities escaped, ``@handle`` of a member as
    ``<@U…>`` (``<@U…|handle>`` for a slash command that asks to be escaped), ``#channel``
    as ``<#C…|name>``, links as ``<url>``. ``members``/``channels``: lower-case name → id."""
    pieces: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        pieces.append(_escape_names(text[last : match.start()], members, channels, with_names))
        pieces.append(f"<{escape_entities(url)}>")
        last = match.start() + len(url)
    pieces.append(_escape_names(text[last:], members, channels, with_names))
    return "".join(pieces)


def _escape_names(
    text: str, members: Mapping[str, str], channels: Mapping[str, str], with_names: bool
) -> str:
    text = escape_entities(text)

    def member(match: re.Match[str]) -> str:
        name = match.group(1)
        for candidate in (name, name.rstrip(_TRAILING)):
            user_id = members.get(candidate.lower())
            if user_id:
                rest = name[len(candidate) :]
                shown = f"<@{user_id}|{candidate}>" if with_names else f"<@{user_id}>"
                return shown + rest
        return match.group(0)

    def channel(match: re.Match[str]) -> str:
        name = match.group(1)
        channel_id = channels.get(name.lower())
        return f"<#{channel_id}|{name}>" if channel_id else match.group(0)

    return _CHANNEL.sub(channel, _MENTION.sub(member, text))


class Timestamps:
    """Message timestamps as Slack makes them: seconds with six decimals, never repeated."""

    def __init__(self) -> None:
        self._last = 0  # microseconds

    def next(self) -> str:
        now = max(time.time_ns() // 1000, self._last + 1)
        self._last = now
        return f"{now // 1_000_000}.{now % 1_000_000:06d}"
