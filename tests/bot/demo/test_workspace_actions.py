"""The demo's menu of scheduled jobs on the emulated workspace (running them: the browser
stories in tests/bot/commands/test_demo_workspace_browser.py)."""

from __future__ import annotations

from bot.demo.workspace_actions import set_up_workspace, when_sent, workspace_actions
from bot.emulators.slack import SlackEmulator
from bot.notifications.registry import KINDS, scheduled_kinds
from core.settings import load_settings


def test_every_scheduled_kind_and_the_hours_sync_is_offered_in_the_order_of_the_week() -> None:
    settings = load_settings({"PUBLIC_URL": "https://Finance.Example.com:8443/bot"})
    actions = workspace_actions(settings)
    keys = [key for key, *_ in actions]
    assert sorted(keys) == sorted([kind.name for kind in scheduled_kinds()] + ["hours-sync"])
    labels = [label for _, label, *_ in actions]
    assert labels == [
        "Monday: unsubmitted hours reminders",
        "Monday: manager digests",
        "Monday: contract problems report",
        "Tuesday: unapproved hours reminders",
        "First Wednesday: flex saldo messages",
        "2nd of the month: invoice review requests",
        "Every 15 minutes: the hours sync from 10000ft",
    ]
    assert when_sent(KINDS["invoices"]) == "2nd of the month"


def test_the_workspace_learns_the_command_the_unfurl_domain_and_the_menu() -> None:
    emulator = SlackEmulator()
    settings = load_settings({"PUBLIC_URL": "https://Finance.Example.com:8443/bot"})
    set_up_workspace(emulator.workspace, settings)
    assert list(emulator.workspace.commands) == ["/flex-hours"]
    assert emulator.workspace.unfurl_domains == {"finance.example.com"}
    assert len(emulator.workspace.actions) == len(workspace_actions(settings))
