"""The 10000ft payloads Finance Bot reads, validated with pydantic.

Unknown fields are ignored; every field but ids, dates and hours may be missing or null
(10000ft is not strict about it, and one odd item must not stop a whole sync); readers apply
the defaults.
Nested collections (a project's ``tags``, an entry's ``approvals``) arrive as
``{"data": [...], "paging": {...}}`` and are flattened to plain lists here.

Pages are validated straight from their raw bytes (``TypeAdapter.validate_json``), which keeps
parsing in pydantic-core: it matters for the hours sync, which parses hundreds of thousands of
entries. Timestamps the client sends back upstream (a time entry's ``updated_at``, needed to
submit it for approval) stay strings, exactly as 10000ft wrote them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, Generic, TypeVar

from pydantic import (
    AliasPath,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)


class TenkfeetError(Exception):
    """A 10000ft call failed or answered something unusable; the message is one line."""


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _collection_items(value: Any) -> Any:
    """``{"data": [...], "paging": ...}`` → the list; null → []; a plain list stays."""
    if value is None:
        return []
    if isinstance(value, dict):
        return value.get("data") or []
    return value


class User(_Payload):
    id: int
    guid: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    display_name: str | None = None
    email: str | None = None
    archived: bool | None = False
    archived_at: datetime | None = None
    deleted: bool | None = False
    billable: bool | None = False
    billrate: Decimal | None = None
    billability_target: Decimal | None = None
    hire_date: date | None = None
    termination_date: date | None = None
    role: str | None = None
    discipline: str | None = None
    mobile_phone: str | None = None
    thumbnail: str | None = None
    invitation_pending: bool | None = False
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Tag(_Payload):
    id: int
    value: str | None = None


class Project(_Payload):
    """A project (``parent_id`` is None) or a phase (``parent_id`` is its project's id)."""

    id: int
    guid: str | None = None
    parent_id: int | None = None
    name: str | None = None
    phase_name: str | None = None
    client: str | None = None
    project_state: str | None = None
    project_code: str | None = None
    description: str | None = None
    starts_at: date | None = None
    ends_at: date | None = None
    archived: bool | None = False
    archived_at: datetime | None = None
    deleted_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    thumbnail: str | None = None
    tags: list[Tag] = Field(default_factory=list)

    _flatten_tags = field_validator("tags", mode="before")(_collection_items)


class Approval(_Payload):
    """An entry's approval. Only the timestamps the status rule reads are parsed (every entry
    carries one, so the other two stay text to keep page parsing fast)."""

    id: int
    status: str | None = None
    approvable_id: int | None = None
    approvable_type: str | None = None
    submitted_by: int | None = None
    submitted_at: str | None = None
    approved_by: int | None = None
    approved_at: datetime | None = None
    created_at: str | None = None
    updated_at: datetime | None = None


class TimeEntry(_Payload):
    id: int
    user_id: int
    assignable_id: int
    assignable_type: str
    date: date
    hours: Decimal
    scheduled_hours: Decimal | None = None
    bill_rate: Decimal | None = None
    bill_rate_id: int | None = None
    notes: str | None = None
    task: str | None = None
    is_suggestion: bool | None = False
    created_at: str | None = None
    updated_at: str | None = None
    approvals: list[Approval] = Field(default_factory=list)

    _flatten_approvals = field_validator("approvals", mode="before")(_collection_items)


class Holiday(_Payload):
    id: int
    name: str | None = None
    date: date
    created_at: datetime | None = None
    updated_at: datetime | None = None


class LeaveType(_Payload):
    id: int
    name: str | None = None
    description: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None


T = TypeVar("T", bound=BaseModel)


class _PageBody(BaseModel, Generic[T]):
    model_config = ConfigDict(extra="ignore")

    data: list[T]
    next_path: str | None = Field(default=None, validation_alias=AliasPath("paging", "next"))


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_path: str | None


@cache
def _page_adapter(item_model: type[BaseModel]) -> TypeAdapter[Any]:
    return TypeAdapter(_PageBody[item_model])  # type: ignore[valid-type]


def parse_page(body: bytes, item_model: type[T]) -> Page[T]:
    """Validate one collection page; the first invalid item is reported with its id."""
    try:
        parsed = _page_adapter(item_model).validate_json(body)
    except ValidationError as exc:
        raise TenkfeetError(_describe(exc, body, item_model.__name__)) from None
    return Page(items=parsed.data, next_path=parsed.next_path)


def _describe(exc: ValidationError, body: bytes, model_name: str) -> str:
    """One line: which item (by id) and which field failed first, and why."""
    error = exc.errors(include_url=False)[0]
    loc = error["loc"]
    msg = error["msg"]
    if error["type"] == "json_invalid":
        return f"invalid JSON in {model_name} page: {msg}"
    if len(loc) >= 2 and loc[0] == "data" and isinstance(loc[1], int):
        item_id = _item_id(body, loc[1])
        field = ".".join(str(part) for part in loc[2:]) or "item"
        return f"invalid {model_name} id={item_id}: {field}: {msg}"
    where = ".".join(str(part) for part in loc) or "body"
    return f"invalid {model_name} page: {where}: {msg}"


def _item_id(body: bytes, index: int) -> str:
    try:
        item = json.loads(body)["data"][index]
        return str(item.get("id", f"?(item {index})"))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return f"?(item {index})"
