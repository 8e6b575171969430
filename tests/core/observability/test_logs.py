"""Log lines as JSON or text, carrying the request and run they belong to."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
from collections.abc import Iterator

import pytest

from core.observability.logs import (
    log_handler,
    new_run_id,
    request_context,
    root_log_format,
    run_context,
    run_id,
    wants_json,
)
from core.settings import SettingsError, load_settings


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing JSON lines into a buffer through our handler."""
    buffer = io.StringIO()
    logger = logging.getLogger("tests.observability.logs")
    handler = log_handler(buffer, json=True)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, buffer
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_json_line_has_its_fields_and_the_ids_in_force(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buffer = captured
    logger.info("outside")
    with request_context("e-1"), run_context("sync-hours-7"):
        logger.warning("inside %s, ä", "both")
    with run_context("sync-users-8"):
        logger.info("only a run")
    outside, inside, run_only = lines(buffer)
    assert list(outside) == ["time", "level", "logger", "message"]
    assert outside["level"] == "INFO" and outside["logger"] == "tests.observability.logs"
    assert inside["message"] == "inside both, ä"
    assert (inside["request_id"], inside["run_id"]) == ("e-1", "sync-hours-7")
    assert run_only["run_id"] == "sync-users-8" and "request_id" not in run_only
    assert "context_ids" not in inside


def test_a_traceback_travels_inside_its_line(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buffer = captured
    try:
        raise ValueError("bad value")
    except ValueError:
        logger.exception("it failed")
    (line,) = lines(buffer)
    assert line["level"] == "ERROR"
    assert "ValueError: bad value" in str(line["exc_info"])


async def test_tasks_started_inside_a_request_carry_its_id(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buffer = captured

    async def later() -> None:
        logger.info("from a task")

    with request_context("e-2"):
        task = asyncio.create_task(later())
    await task
    logger.info("after the request")
    from_task, after = lines(buffer)
    assert from_task["request_id"] == "e-2"
    assert "request_id" not in after


def test_a_run_inside_another_keeps_the_outer_id_only_when_asked() -> None:
    with run_context("job-notify-1") as outer:
        with run_context(new_run_id("notify-unsubmitted"), keep_outer=True) as kept:
            assert kept == outer == run_id.get()
        with run_context("sync-hours-9") as own:
            assert own == run_id.get() == "sync-hours-9"
        assert run_id.get() == "job-notify-1"
    assert run_id.get() is None
    with run_context(new_run_id("notify-unsubmitted"), keep_outer=True) as alone:
        assert alone.startswith("notify-unsubmitted-") and len(alone) == len("notify-") + 20


def test_the_text_format_shows_the_ids_in_brackets() -> None:
    buffer = io.StringIO()
    logger = logging.getLogger("tests.observability.text")
    handler = log_handler(buffer, json=False)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with request_context("e-3"):
            logger.warning("inside")
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    inside, outside = buffer.getvalue().splitlines()
    assert inside.endswith("WARNING tests.observability.text [request_id=e-3]: inside")
    assert outside.endswith("WARNING tests.observability.text: outside")


def test_json_is_chosen_off_a_terminal_unless_told() -> None:
    main, other = os.openpty()
    try:
        with open(other, "w", closefd=False) as terminal:
            assert terminal.isatty()
            assert not wants_json("auto", terminal)
            assert wants_json("json", terminal)
        pipe = io.StringIO()
        assert wants_json("auto", pipe)
        assert not wants_json("text", pipe)
    finally:
        os.close(main)
        os.close(other)


def test_a_child_process_is_told_the_roots_format() -> None:
    root = logging.getLogger()
    saved = root.handlers[:]
    try:
        root.handlers = [log_handler(io.StringIO(), json=True)]
        assert root_log_format() == "json"
        root.handlers = [log_handler(io.StringIO(), json=False)]
        assert root_log_format() == "text"
    finally:
        root.handlers = saved


def test_log_format_is_one_of_three() -> None:
    assert load_settings({}).log_format == "auto"
    assert load_settings({"LOG_FORMAT": " JSON "}).log_format == "json"
    with pytest.raises(SettingsError, match="LOG_FORMAT must be auto, json or text, got 'yaml'"):
        load_settings({"LOG_FORMAT": "yaml"})
