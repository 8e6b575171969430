"""Log lines that say which Slack request or which run they belong to, as JSON or as text.

Two context variables carry the ids: ``request_id`` (a Socket Mode envelope's
``envelope_id``, set while the envelope is handled) and ``run_id`` (a sync run or a batch of
notifications). Every task started inside inherits them, and a :class:`ContextIds` filter on
the handler copies them onto each record, so any logger (ours, Bolt's, slack_sdk's) carries
them without being told.

Format: JSON, one object a line (``time``, ``level``, ``logger``, ``message``, the ids when
set, ``exc_info`` with the traceback), when stderr is not a terminal, i.e. where a log
collector reads it; text for a person at a terminal. ``LOG_FORMAT=json|text`` overrides.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal, TextIO

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(context_ids)s: %(message)s"

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
run_id: ContextVar[str | None] = ContextVar("run_id", default=None)


@contextmanager
def request_context(envelope_id: str) -> Iterator[None]:
    """``request_id`` is ``envelope_id`` for the block (and the tasks it starts)."""
    token = request_id.set(envelope_id or None)
    try:
        yield
    finally:
        request_id.reset(token)


def new_run_id(what: str) -> str:
    """A run id that says what ran and is unique: ``notify-unsubmitted-3f2a9c1e``."""
    return f"{what}-{uuid.uuid4().hex[:8]}"


@contextmanager
def run_context(id: str, *, keep_outer: bool = False) -> Iterator[str]:
    """``run_id`` is ``id`` for the block; yields the id in force. ``keep_outer``: a run
    inside another one (a batch sent by a scheduled job) keeps the outer run's id."""
    outer = run_id.get()
    if keep_outer and outer:
        yield outer
        return
    token = run_id.set(id)
    try:
        yield id
    finally:
        run_id.reset(token)


class ContextIds(logging.Filter):
    """Copies ``request_id`` and ``run_id`` onto each record (only those that are set), and
    ``context_ids``, the same as text (`` [run_id=…]``), for the text format."""

    def filter(self, record: logging.LogRecord) -> bool:
        shown = []
        for name, value in (("request_id", request_id.get()), ("run_id", run_id.get())):
            if value and not hasattr(record, name):
                setattr(record, name, value)
            if getattr(record, name, None):
                shown.append(f"{name}={getattr(record, name)}")
        record.context_ids = f" [{' '.join(shown)}]" if shown else ""
        return True


class JsonLines(JsonFormatter):
    """python-json-logger's formatter with our field names; the text-only ``context_ids``
    stays out."""

    def __init__(self) -> None:
        super().__init__(
            ["levelname", "name", "message"],
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
            json_ensure_ascii=False,
        )

    def add_fields(
        self,
        log_data: dict[str, object],
        record: logging.LogRecord,
        message_dict: dict[str, object],
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data.pop("context_ids", None)
        fields = list(log_data.items())  # the time first, where a reader looks for it
        log_data.clear()
        log_data["time"] = dict(fields).get("time")
        log_data.update(fields)


def wants_json(log_format: str, stream: TextIO) -> bool:
    """JSON for ``json``, text for ``text``; ``auto``: JSON unless ``stream`` is a terminal."""
    if log_format == "json":
        return True
    if log_format == "text":
        return False
    isatty = getattr(stream, "isatty", None)
    return not (isatty is not None and isatty())


def log_handler(stream: TextIO, *, json: bool) -> logging.Handler:
    """A handler writing to ``stream`` in the chosen format, with the context ids."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextIds())
    handler.setFormatter(JsonLines() if json else logging.Formatter(TEXT_FORMAT))
    return handler


def configure_logging(level: int, log_format: str, stream: TextIO) -> None:
    """The root logger's handler for this process (``logging.basicConfig``: a root logger
    that already has handlers, as under pytest, is left as it is)."""
    logging.basicConfig(
        level=level, handlers=[log_handler(stream, json=wants_json(log_format, stream))]
    )


def root_log_format() -> Literal["json", "text"]:
    """How this process's root handler writes, so that a child process writes the same."""
    handlers = logging.getLogger().handlers
    formatter = handlers[0].formatter if handlers else None
    return "json" if isinstance(formatter, JsonFormatter) else "text"
