"""The Bolt app stays a single-workspace app whatever the environment holds."""

from __future__ import annotations

import os

import pytest

from bot.slack_app import build_slack_app
from core.settings import load_settings


def test_client_id_and_secret_in_the_environment_do_not_switch_bolt_to_oauth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_CLIENT_ID", "1000.2000")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "a-secret")
    app = build_slack_app(load_settings({"SLACK_BOT_TOKEN": "xoxb-test"}))
    assert app.oauth_flow is None
    assert app.installation_store is None
    assert app.client.token == "xoxb-test"
    # The variables are back for everything else (the admin site's sign-in reads settings).
    assert (os.environ["SLACK_CLIENT_ID"], os.environ["SLACK_CLIENT_SECRET"]) == (
        "1000.2000",
        "a-secret",
    )
