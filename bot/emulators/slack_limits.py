"""Block Kit and Web API limits Slack enforces, as plain checks over plain payloads.

Each check returns Slack's own kind of error strings, e.g.
``"must be less than 51 items [json-pointer:/blocks]"``, so the emulator can answer
``invalid_blocks`` / ``invalid_arguments`` the way Slack does (docs/slack-surface.md and Slack's
API docs).
Only the limits the bot can plausibly hit are checked; an empty list means Slack would accept.
"""

from __future__ import annotations

import json
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
CONTEXT_TEXT = 3000
HEADER_TEXT = 150
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_URL = 3000
ACTION_ID = 255
CHECKBOX_OPTIONS = 10
PRIVATE_METADATA = 3000
VIEW_TITLE = 24
VIEW_BYTES = 250_000  # "250 kB"; the smaller reading, so the emulator errs on the strict side

# Required arguments per method: a tuple means "one of these", "a+b" means "a and b".
REQUIRED_ARGUMENTS: dict[str, tuple[str | tuple[str, ...], ...]] = {
    "chat.postMessage": ("channel",),
    "chat.postEphemeral": ("channel", "user"),
    "chat.update": ("channel", "ts"),
    # channel + ts name the message; a link in the composer has unfurl_id + source instead.
    "chat.unfurl": (("channel", "unfurl_id+source"), ("ts", "unfurl_id+source"), "unfurls"),
    "views.open": ("trigger_id", "view"),
    "views.push": ("trigger_id", "view"),
    "views.update": (("view_id", "external_id"), "view"),
    "views.publish": ("user_id", "view"),
}


def _too_many(pointer: str, limit: int) -> str:
    return f"must be less than {limit + 1} items [json-pointer:{pointer}]"


def _too_long(pointer: str, limit: int) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _text_of(obj: Any) -> str | None:
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return str(obj["text"])
    return None


def _check_text(obj: Any, pointer: str, limit: int, errors: list[str]) -> None:
    text = _text_of(obj)
    if text is not None and len(text) > limit:
        errors.append(_too_long(f"{pointer}/text", limit))


def element_errors(element: Any, pointer: str) -> list[str]:
    """Limits of one interactive element (button, checkboxes, …) found at ``pointer``."""
    errors: list[str] = []
    if not isinstance(element, dict):
        return errors
    action_id = element.get("action_id")
    if isinstance(action_id, str) and len(action_id) > ACTION_ID:
        errors.append(_too_long(f"{pointer}/action_id", ACTION_ID))
    if element.get("type") == "button":
        _check_text(element.get("text"), f"{pointer}/text", BUTTON_TEXT, errors)
        url = element.get("url")
        if isinstance(url, str) and len(url) > BUTTON_URL:
            errors.append(_too_long(f"{pointer}/url", BUTTON_URL))
    if element.get("type") == "checkboxes":
        options = element.get("options")
        if isinstance(options, list) and len(options) > CHECKBOX_OPTIONS:
            errors.append(_too_many(f"{pointer}/options", CHECKBOX_OPTIONS))
    return errors


def block_errors(block: Any, pointer: str) -> list[str]:
    """Limits of one block found at ``pointer`` (e.g. ``/blocks/3``)."""
    errors: list[str] = []
    if not isinstance(block, dict):
        return [f"must be an object [json-pointer:{pointer}]"]
    kind = block.get("type")
    if kind == "section":
        _check_text(block.get("text"), f"{pointer}/text", SECTION_TEXT, errors)
        fields = block.get("fields")
        if isinstance(fields, list):
            if len(fields) > SECTION_FIELDS:
                errors.append(_too_many(f"{pointer}/fields", SECTION_FIELDS))
            for i, field in enumerate(fields):
                _check_text(field, f"{pointer}/fields/{i}", FIELD_TEXT, errors)
        if "accessory" in block:
            errors += element_errors(block["accessory"], f"{pointer}/accessory")
    elif kind == "context":
        for i, element in enumerate(block.get("elements") or []):
            _check_text(element, f"{pointer}/elements/{i}", CONTEXT_TEXT, errors)
    elif kind == "header":
        _check_text(block.get("text"), f"{pointer}/text", HEADER_TEXT, errors)
    elif kind == "actions":
        elements = block.get("elements") or []
        if len(elements) > ACTIONS_ELEMENTS:
            errors.append(_too_many(f"{pointer}/elements", ACTIONS_ELEMENTS))
        for i, element in enumerate(elements):
            errors += element_errors(element, f"{pointer}/elements/{i}")
    elif kind == "input":
        errors += element_errors(block.get("element"), f"{pointer}/element")
    return errors


def blocks_errors(blocks: Any, pointer: str, limit: int) -> list[str]:
    """Limits of a list of blocks: count, each block, and unique block_ids."""
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{pointer}]"]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(_too_many(pointer, limit))
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        errors += block_errors(block, f"{pointer}/{i}")
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if isinstance(block_id, str):
            if block_id in seen:
                errors.append(
                    f"duplicate block_id {block_id!r} [json-pointer:{pointer}/{i}/block_id]"
                )
            seen.add(block_id)
    return errors


def message_errors(blocks: Any, pointer: str = "/blocks") -> list[str]:
    """Limits of a message's blocks (chat.*, response_url, slash command acks, unfurls)."""
    return blocks_errors(blocks, pointer, MESSAGE_BLOCKS)


def view_errors(view: Any, pointer: str = "/view") -> list[str]:
    """Limits of a modal or App Home view."""
    if not isinstance(view, dict):
        return [f"must be an object [json-pointer:{pointer}]"]
    errors = blocks_errors(view.get("blocks", []), f"{pointer}/blocks", VIEW_BLOCKS)
    title = _text_of(view.get("title"))
    if title is not None and len(title) > VIEW_TITLE:
        errors.append(_too_long(f"{pointer}/title/text", VIEW_TITLE))
    metadata = view.get("private_metadata")
    if isinstance(metadata, str) and len(metadata) > PRIVATE_METADATA:
        errors.append(_too_long(f"{pointer}/private_metadata", PRIVATE_METADATA))
    size = len(json.dumps(view, separators=(",", ":")).encode())
    if size > VIEW_BYTES:
        errors.append(f"must be at most {VIEW_BYTES} bytes, is {size} [json-pointer:{pointer}]")
    return errors


def unfurls_errors(unfurls: Any) -> list[str]:
    """Limits of chat.unfurl's ``unfurls`` map (url → {"blocks": [...]})."""
    if not isinstance(unfurls, dict):
        return ["must be an object [json-pointer:/unfurls]"]
    errors: list[str] = []
    for url, unfurl in unfurls.items():
        blocks = unfurl.get("blocks") if isinstance(unfurl, dict) else None
        if blocks is not None:
            errors += message_errors(blocks, f"/unfurls/{url}/blocks")
    return errors


def missing_arguments(method: str, args: dict[str, Any]) -> list[str]:
    """The required arguments of ``method`` that ``args`` lacks (empty values count as absent)."""
    missing: list[str] = []
    for required in REQUIRED_ARGUMENTS.get(method, ()):
        names = required if isinstance(required, tuple) else (required,)
        if not any(all(args.get(n) for n in name.split("+")) for name in names):
            missing.append(" or ".join(names))
    return missing


def ack_errors(payload: Any) -> list[str]:
    """Limits of an envelope's ack payload: a message (``blocks``) or a view (``view``)."""
    if not isinstance(payload, dict):
        return []
    errors: list[str] = []
    if "blocks" in payload:
        errors += message_errors(payload["blocks"])
    if "view" in payload:
        errors += view_errors(payload["view"])
    return errors
