"""The 10000ft payloads Finance Bot reads: typed msgspec Structs, every field bounded.

Each field is bounded by what the database keeps of it: text by its column's length (names
255, guids and timestamps 64, free text such as notes 10,000 characters), ids by the integer
column they land in, decimals by their column's digits (a rate fits DECIMAL(12,2): under ten
billion with at most 2 decimals; an entry's hours are 0–24 with at most 4 decimals), dates
and timestamps within 1990–2100. msgspec checks most bounds while decoding (``Meta``); what
it cannot express on decimals and dates, ``__post_init__`` checks.

Unknown fields are ignored; every field but ids, dates and hours may be missing or null
(10000ft is not strict about it); readers apply the defaults. Nested collections (a project's
``tags``, an entry's ``approvals``) arrive as ``{"data": [...], "paging": {...}}`` or as a
plain list.

``parse_page`` decodes and validates a whole page in one call (the fast path, all in C for a
valid page). Only when that fails does it decode the page's items one by one: the valid ones
go on, and each invalid one becomes an ``InvalidItem`` naming its id, the field and the kind
of value found there, never the value itself. A page that is not JSON, or has no ``data``
list, is a ``TenkfeetError``: nothing of it can be trusted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from msgspec import Meta


class TenkfeetError(Exception):
    """A 10000ft call failed or answered something unusable; the message is one line."""


# Bounds ------------------------------------------------------------------------------------

FIRST_DAY = date(1990, 1, 1)
LAST_DAY = date(2100, 12, 31)
MAX_HOURS = Decimal(24)
MAX_RATE = Decimal(10) ** 10  # DECIMAL(12,2): ten digits before the point
MAX_TEXT = 10_000
MAX_LIST = 1_000

Id = Annotated[int, Meta(ge=1, le=2**31 - 1)]  # an IntField column (person, project, …)
BigId = Annotated[int, Meta(ge=1, le=2**63 - 1)]  # hour_entry.tenkfeet_id is a BigIntField
Name = Annotated[str, Meta(max_length=255)]  # CharField(max_length=255)
Short = Annotated[str, Meta(max_length=64)]  # guids, states, types, upstream timestamps
Text = Annotated[str, Meta(max_length=MAX_TEXT)]  # TextField columns: notes, descriptions
Url = Annotated[str, Meta(max_length=2048)]
Moment = Annotated[datetime, Meta(tz=True)]

_CENTS = Decimal("0.01")
_TEN_THOUSANDTHS = Decimal("0.0001")


class BoundError(ValueError):
    """A value outside its bound; the message starts with the field's name."""


def _check_day(name: str, value: date | None) -> None:
    if value is not None and not FIRST_DAY <= value <= LAST_DAY:
        raise BoundError(f"{name}: must be a date in {FIRST_DAY.year}–{LAST_DAY.year}")


def _check_moment(name: str, value: datetime | None) -> None:
    if value is not None and not FIRST_DAY.year <= value.year <= LAST_DAY.year:
        raise BoundError(f"{name}: must be a time in {FIRST_DAY.year}–{LAST_DAY.year}")


def _check_rate(name: str, value: Decimal | None) -> None:
    if value is None:
        return
    if not (value.is_finite() and -MAX_RATE < value < MAX_RATE and value == value.quantize(_CENTS)):
        raise BoundError(f"{name}: must have at most 10 digits before the point and 2 after")


class _Item(msgspec.Struct, gc=False):
    """An upstream object; ``gc=False``: they hold no reference cycles."""


class Tag(_Item):
    id: int
    value: Name | None = None


class TagCollection(_Item):
    data: Annotated[list[Tag], Meta(max_length=MAX_LIST)] = []


class User(_Item):
    id: Id
    guid: Short | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    display_name: Name | None = None
    email: Name | None = None
    archived: bool | None = False
    archived_at: Moment | None = None
    deleted: bool | None = False
    billable: bool | None = False
    billrate: Decimal | None = None
    hire_date: date | None = None
    termination_date: date | None = None
    role: Name | None = None
    discipline: Name | None = None
    thumbnail: Url | None = None
    updated_at: Moment | None = None

    def __post_init__(self) -> None:
        _check_rate("billrate", self.billrate)
        _check_day("hire_date", self.hire_date)
        _check_day("termination_date", self.termination_date)
        _check_moment("archived_at", self.archived_at)
        _check_moment("updated_at", self.updated_at)


class Project(_Item):
    """A project (``parent_id`` is None) or a phase (``parent_id`` is its project's id)."""

    id: Id
    guid: Short | None = None
    parent_id: Id | None = None
    name: Name | None = None
    phase_name: Name | None = None
    client: Name | None = None
    project_state: Short | None = None
    project_code: Name | None = None
    description: Text | None = None
    starts_at: date | None = None
    ends_at: date | None = None
    archived: bool | None = False
    archived_at: Moment | None = None
    deleted_at: Moment | None = None
    updated_at: Moment | None = None
    thumbnail: Url | None = None
    tag_collection: TagCollection | Annotated[list[Tag], Meta(max_length=MAX_LIST)] | None = (
        msgspec.field(default=None, name="tags")
    )

    def __post_init__(self) -> None:
        _check_day("starts_at", self.starts_at)
        _check_day("ends_at", self.ends_at)
        _check_moment("archived_at", self.archived_at)
        _check_moment("deleted_at", self.deleted_at)
        _check_moment("updated_at", self.updated_at)

    @property
    def tags(self) -> list[Tag]:
        found = self.tag_collection
        if found is None:
            return []
        return found.data if isinstance(found, TagCollection) else found


class Approval(_Item):
    """An entry's approval (also what ``POST /approvals`` answers). Only the timestamps the
    status rule reads are parsed; approval timestamps are not stored."""

    id: int
    status: Short | None = None
    approvable_id: int | None = None
    approvable_type: Short | None = None
    approved_by: int | None = None
    approved_at: Moment | None = None
    updated_at: Moment | None = None


class ApprovalCollection(_Item):
    data: Annotated[list[Approval], Meta(max_length=MAX_LIST)] = []


class TimeEntry(_Item):
    id: BigId
    user_id: Id
    assignable_id: Id
    assignable_type: Short
    date: date
    hours: Decimal
    bill_rate: Decimal | None = None
    notes: Text | None = None
    task: Name | None = None
    is_suggestion: bool | None = False
    updated_at: Short | None = None  # kept as 10000ft wrote it: submitting hours sends it back
    approval_collection: (
        ApprovalCollection | Annotated[list[Approval], Meta(max_length=MAX_LIST)] | None
    ) = msgspec.field(default=None, name="approvals")

    def __post_init__(self) -> None:
        # Runs for every entry of the hours sync: the checks are inlined and cheap.
        hours = self.hours
        if not (
            hours.is_finite()
            and 0 <= hours <= MAX_HOURS
            and hours == hours.quantize(_TEN_THOUSANDTHS)
        ):
            raise BoundError("hours: must be 0–24 with at most 4 decimals")
        rate = self.bill_rate
        if rate is not None and not (
            rate.is_finite() and -MAX_RATE < rate < MAX_RATE and rate == rate.quantize(_CENTS)
        ):
            _check_rate("bill_rate", rate)  # raises, with the message
        if not FIRST_DAY <= self.date <= LAST_DAY:
            raise BoundError(f"date: must be a date in {FIRST_DAY.year}–{LAST_DAY.year}")

    @property
    def approvals(self) -> list[Approval]:
        found = self.approval_collection
        if found is None:
            return []
        return found.data if isinstance(found, ApprovalCollection) else found


class Holiday(_Item):
    id: Id
    date: date
    name: Name | None = None

    def __post_init__(self) -> None:
        _check_day("date", self.date)


class LeaveType(_Item):
    id: Id
    name: Name | None = None
    description: Text | None = None


# Pages -------------------------------------------------------------------------------------

T = TypeVar("T", bound=_Item)

#: The field names readers know for each model, for messages ("time entry 77 …").
_MODEL_NAMES = {
    User: "user",
    Project: "project",
    Approval: "approval",
    TimeEntry: "time entry",
    Holiday: "holiday",
    LeaveType: "leave type",
}


@dataclass(frozen=True)
class InvalidItem:
    """One upstream item that failed validation: which one, where, and what kind of value."""

    model: str  # "time entry"
    item_id: int | None  # None when the id itself is missing or unusable
    field: str  # "task", "approvals.data[0].updated_at", or "item" for the item itself
    kind: str  # "text of 300 characters", "number with 16 digits", …: never the value
    problem: str  # what the bound says, e.g. "Expected `str` of length <= 255"

    def describe(self) -> str:
        which = f"{self.model} {self.item_id}" if self.item_id is not None else self.model
        return f"{which} skipped: {self.field} is {self.kind} ({self.problem})"


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    invalid: list[InvalidItem]


class _RawPage(msgspec.Struct):
    data: list[msgspec.Raw]


@cache
def _page_decoder(item_type: type[_Item]) -> msgspec.json.Decoder[Any]:
    page = msgspec.defstruct(
        f"{item_type.__name__}Page",
        [("data", list[item_type])],  # type: ignore[valid-type]
    )
    return msgspec.json.Decoder(page)


@cache
def _item_decoder(item_type: type[_Item]) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(item_type)


_RAW_PAGE = msgspec.json.Decoder(_RawPage)
_LENIENT = msgspec.json.Decoder(float_hook=Decimal)  # numbers keep their digits


def parse_page(body: bytes | memoryview, item_type: type[T]) -> Page[T]:
    """The items of one collection page; invalid items are left out and described."""
    name = _MODEL_NAMES.get(item_type, item_type.__name__)
    try:
        return Page(_page_decoder(item_type).decode(body).data, [])
    except msgspec.ValidationError:
        pass  # some item is invalid (or the page has no data list): look item by item
    except msgspec.DecodeError as exc:
        raise TenkfeetError(f"invalid JSON in {name} page: {exc}") from None
    try:
        raw_items = _RAW_PAGE.decode(body).data
    except msgspec.DecodeError as exc:  # ValidationError included
        raise TenkfeetError(f"invalid {name} page: {_problem_and_path(exc)[0]}") from None
    items: list[T] = []
    invalid: list[InvalidItem] = []
    decoder = _item_decoder(item_type)
    for raw in raw_items:
        try:
            items.append(decoder.decode(raw))
        except msgspec.ValidationError as exc:
            invalid.append(_describe(exc, raw, name))
    return Page(items, invalid)


def parse_item(value: Any, item_type: type[T]) -> T:
    """One item from Python data shaped like 10000ft's JSON (tests, the demo company)."""
    return _item_decoder(item_type).decode(msgspec.json.encode(value))  # type: ignore[no-any-return]


_PROBLEM_LIMIT = 160
_AT = re.compile(r"^(?P<problem>.*) - at `\$(?P<path>[^`]*)`$", re.DOTALL)
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def _problem_and_path(exc: msgspec.DecodeError) -> tuple[str, str]:
    text = str(exc)
    match = _AT.match(text)
    if match is None:
        return text, ""
    return match["problem"], match["path"]


def _describe(exc: msgspec.ValidationError, raw: msgspec.Raw, model: str) -> InvalidItem:
    problem, path = _problem_and_path(exc)
    if not path and ": " in problem:  # a __post_init__ bound: "field: problem"
        path_field, problem = problem.split(": ", 1)
        path = "." + path_field
    try:
        document: Any = _LENIENT.decode(raw)
    except msgspec.DecodeError:
        document = None
    item_id = document.get("id") if isinstance(document, dict) else None
    if not isinstance(item_id, int) or isinstance(item_id, bool):
        item_id = None
    found, value = _lookup(document, path)
    return InvalidItem(
        model=model,
        item_id=item_id,
        field=path.lstrip(".") or "item",
        kind=value_kind(value) if found else "missing",
        problem=problem[:_PROBLEM_LIMIT],
    )


def _lookup(document: Any, path: str) -> tuple[bool, Any]:
    value = document
    for name, index in _STEP.findall(path):
        if name and isinstance(value, dict) and name in value:
            value = value[name]
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return False, None
    return True, value


def value_kind(value: Any) -> str:
    """What kind of value this is, with its size but never its content."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | Decimal):
        digits = (
            len(value.as_tuple().digits) if isinstance(value, Decimal) else len(str(abs(value)))
        )
        return f"a number with {digits} digit{'s' if digits != 1 else ''}"
    if isinstance(value, str):
        return f"text of {len(value)} character{'s' if len(value) != 1 else ''}"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
