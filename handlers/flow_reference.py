"""Flow state carried by Slack: typed references in button values and a view's private_metadata.

A click and the submission of the modal it opened may reach different replicas, and a replica
may restart in between, so no flow keeps state in process memory. What a later step needs
(which invoice, which version of it the person saw, whose page it was) travels with the
button or the view as a :class:`FlowReference` and is parsed back, validated, when Slack
sends it. The text is ``<kind>:<compact JSON>``; the kind keeps one flow's reference from
being read as another's.

Anything that does not parse as the expected reference (garbage, another flow's reference,
unknown or missing fields, a value longer than Slack allows) raises :class:`BrokenReference`,
a :class:`~core.errors.NotFound` the error handler answers politely: never a traceback.
Whether the person may act on what a valid reference names is the listener's check (e.g.
:class:`~core.errors.NotAllowed` when it names someone else).
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from core.errors import NotFound

log = logging.getLogger(__name__)

#: What Slack accepts in a button's ``value`` and a view's ``private_metadata``.
BUTTON_VALUE_LIMIT = 2000
PRIVATE_METADATA_LIMIT = 3000

BROKEN_REFERENCE = (
    "I could not read that button or form (it may come from an older message), so nothing "
    "was done. Please open it again."
)
_KIND = re.compile(r"^[a-z][a-z0-9-]*$")


class BrokenReference(NotFound):
    """A button value or private_metadata that is not the reference the listener expects."""

    def __init__(self) -> None:
        super().__init__(BROKEN_REFERENCE)


class FlowReference(BaseModel):
    """Base of the references; a subclass sets ``kind`` (unique) and declares its fields.

    Fields are validated strictly (no "1" for 1), unknown fields are refused, and a reference
    is immutable once made.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    kind: ClassVar[str]
    _kinds: ClassVar[dict[str, type[FlowReference]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if not isinstance(kind, str) or not _KIND.match(kind):
            raise TypeError(f"{cls.__name__} needs a kind like 'invoice' (a-z, 0-9, -)")
        taken = FlowReference._kinds.setdefault(kind, cls)
        if taken is not cls:
            raise TypeError(f"{cls.__name__}: kind {kind!r} is already {taken.__name__}'s")

    # --- out to Slack ----------------------------------------------------------------------

    def as_button_value(self) -> str:
        return self._text(BUTTON_VALUE_LIMIT)

    def as_private_metadata(self) -> str:
        return self._text(PRIVATE_METADATA_LIMIT)

    def _text(self, limit: int) -> str:
        text = f"{self.kind}:{self.model_dump_json(exclude_defaults=True)}"
        if len(text) > limit:
            # A builder's mistake, not the person's: fail loudly where the block is made.
            raise ValueError(f"a {self.kind} reference of {len(text)} chars; Slack takes {limit}")
        return text

    # --- back from Slack -------------------------------------------------------------------

    @classmethod
    def from_button_value(cls, value: object) -> Self:
        return cls._parse(value, BUTTON_VALUE_LIMIT)

    @classmethod
    def from_private_metadata(cls, value: object) -> Self:
        return cls._parse(value, PRIVATE_METADATA_LIMIT)

    @classmethod
    def _parse(cls, text: object, limit: int) -> Self:
        if not isinstance(text, str) or len(text) > limit:
            log.warning("unreadable %s reference: not a text of at most %d", cls.kind, limit)
            raise BrokenReference()
        kind, colon, payload = text.partition(":")
        if not colon or kind != cls.kind:
            log.warning("unreadable %s reference: %.80r", cls.kind, text)
            raise BrokenReference()
        try:
            return cls.model_validate_json(payload)
        except ValidationError as exc:
            problems = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors())
            log.warning("unreadable %s reference (%s): %.80r", cls.kind, problems, text)
            raise BrokenReference() from None


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(map(str, loc)) or "(the whole value)"
