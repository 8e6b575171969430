"""The loading display: rich on a terminal, plain lines elsewhere."""

from __future__ import annotations

import io
import re

from bot.demo.progress import HEADING, PlainDisplay, RichDisplay, load_display


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_steps(display: object) -> None:
    assert isinstance(display, (PlainDisplay, RichDisplay))
    display.started("users")
    display.finished("users", "added 25, updated 0, deleted 0, skipped 0")
    display.started("hours")
    for done in (0, 300, 600):
        display.advanced("hours", done, 600, "days fetched")
    display.advanced("hours", 600, 600, "days written")
    display.finished("hours", "added 25008, updated 0, deleted 0, skipped 0")
    display.finished("contracts", "29 created, 0 updated, 0 unchanged")


def test_plain_lines_when_the_output_is_not_a_terminal() -> None:
    out = io.StringIO()
    with load_display(out) as display:
        assert isinstance(display, PlainDisplay)
        run_steps(display)
    lines = out.getvalue().splitlines()
    assert lines[0] == HEADING
    assert [re.sub(r" \(\d+\.\d s\)$", "", line) for line in lines[1:]] == [
        "  users: added 25, updated 0, deleted 0, skipped 0",
        "  hours: added 25008, updated 0, deleted 0, skipped 0",
        "  contracts: 29 created, 0 updated, 0 unchanged",
    ]
    assert all(re.search(r" \(\d+\.\d s\)$", line) for line in lines[1:])


def test_a_progress_display_on_a_terminal() -> None:
    out = Terminal()
    with load_display(out) as display:
        assert isinstance(display, RichDisplay)
        display.started("hours")
        display.advanced("hours", 300, 600, "days fetched")
        (task,) = display.progress.tasks
        assert (task.description, task.completed, task.total) == ("hours", 300, 600)
        assert task.fields["detail"] == "300/600 days fetched"
        display.advanced("hours", 100, 600, "days written")
        assert [t.fields["detail"] for t in display.progress.tasks] == [
            "300/600 days fetched",
            "100/600 days written",
        ]
        display.finished("hours", "added 25008")
        (task,) = display.progress.tasks  # one line per step once it is done
        assert task.finished and task.fields["detail"] == "added 25008"
        run_steps(display)
    text = out.getvalue()
    assert text.startswith(HEADING)
    for result in ("added 25, updated 0", "29 created, 0 updated", "added 25008, updated 0"):
        assert result in text
