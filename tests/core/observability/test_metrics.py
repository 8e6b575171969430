"""The metrics' own rules: bounded labels, and a last success that never moves back."""

from __future__ import annotations

import uuid

from core.observability.metrics import LABEL_MAX, label, observe_api_call, observe_sync_run
from tests.support.metrics import sample


def test_labels_are_bounded() -> None:
    assert label("/flex-hours") == "/flex-hours"
    assert label("chat.postMessage") == "chat.postMessage"
    assert label("x" * 500) == "x" * LABEL_MAX
    assert label("<script>\nalert(1)") == "_script_alert_1_"
    assert label("  ") == "unknown"


def test_an_api_error_counts_as_a_call_and_an_error() -> None:
    method = f"test.{uuid.uuid4().hex[:8]}"
    observe_api_call(method, None)
    observe_api_call(method, "channel_not_found")
    assert sample("financebot_slack_api_calls_total", method=method) == 2
    assert (
        sample("financebot_slack_api_errors_total", method=method, error="channel_not_found") == 1
    )


def test_the_last_success_never_moves_back() -> None:
    kind = f"k{uuid.uuid4().hex[:8]}"
    gauge = "financebot_sync_last_success_timestamp_seconds"
    observe_sync_run(kind, "succeeded", 2.0, 2_000.0)
    observe_sync_run(kind, "succeeded", 1.0, 1_000.0)  # an older run, replayed late
    observe_sync_run(kind, "failed", 1.0, 3_000.0)
    assert sample(gauge, kind=kind) == 2_000.0
    assert sample("financebot_sync_runs_total", kind=kind, outcome="succeeded") == 2
    assert sample("financebot_sync_runs_total", kind=kind, outcome="failed") == 1
    assert sample("financebot_sync_run_duration_seconds_count", kind=kind, outcome="failed") == 1
    assert sample("financebot_sync_run_duration_seconds_sum", kind=kind, outcome="succeeded") == 3
