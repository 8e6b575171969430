"""Tables on a terminal show cells as written: brackets in a name are text, not rich markup."""

from __future__ import annotations

import io
import sys

import pytest

from bot.terminal_table import print_table


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_brackets_in_cells_are_printed_as_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    monkeypatch.setenv("COLUMNS", "120")
    print_table(
        "AWS accounts",
        ["account", "name"],
        [["111111111111", "Acme [/dev] team"], ["222222222222", "[bold]Beta[/bold]"]],
        marked=[True, False],
    )
    text = terminal.getvalue()
    assert "Acme [/dev] team" in text
    assert "[bold]Beta[/bold]" in text
