"""The bot's Prometheus metrics, kept in one registry per process (not prometheus_client's
global default: nothing else registers into ours, and tests or several apps in one process
share these metrics instead of registering the same names twice).

Where each is measured:

- Slack slash commands: the Socket Mode handler (``bot/socket_mode.py``), from the envelope
  to the listener's end (after its ack, so work that follows the ack counts too);
- Slack Web API calls and their errors: the Web API client every part of the bot builds
  (``sync/slack_client.py``), one call however many times it was retried;
- sync runs: their run record as it ends (``sync/runs.py``), also for a run in a child
  process, whose ends its parent replays (``sync/own_process.py``); the last success per
  kind is read from the run records at every scrape, so it survives restarts and counts
  every replica's runs;
- notifications: each message's delivery (``sync/slack_delivery.py``).

Labels hold only bounded values: command names, Web API method names and error codes (each
cut to :data:`LABEL_MAX` characters of ``[A-Za-z0-9_./-]``), sync kinds, notification types.
"""

from __future__ import annotations

import re

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

LABEL_MAX = 48
_LABEL_JUNK = re.compile(r"[^A-Za-z0-9_./-]+")

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)  # memory, CPU time, open files, start time

SLACK_COMMANDS = Counter(
    "financebot_slack_commands",
    "Slash commands handled, by command.",
    ["command"],
    registry=REGISTRY,
)
SLACK_COMMAND_SECONDS = Histogram(
    "financebot_slack_command_duration_seconds",
    "Seconds from a slash command's envelope to the end of its listener.",
    ["command"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
SLACK_API_CALLS = Counter(
    "financebot_slack_api_calls",
    "Slack Web API calls, by method (retries included in one call).",
    ["method"],
    registry=REGISTRY,
)
SLACK_API_ERRORS = Counter(
    "financebot_slack_api_errors",
    "Slack Web API calls that failed, by method and Slack's error code (or the exception's "
    "type when Slack did not answer).",
    ["method", "error"],
    registry=REGISTRY,
)
SYNC_RUNS = Counter(
    "financebot_sync_runs",
    "Sync runs that ended, by kind and outcome (succeeded or failed).",
    ["kind", "outcome"],
    registry=REGISTRY,
)
SYNC_RUN_SECONDS = Histogram(
    "financebot_sync_run_duration_seconds",
    "How long sync runs took, by kind and outcome.",
    ["kind", "outcome"],
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600),
    registry=REGISTRY,
)
SYNC_LAST_SUCCESS = Gauge(
    "financebot_sync_last_success_timestamp_seconds",
    "When the last successful run of each sync kind ended (Unix time).",
    ["kind"],
    registry=REGISTRY,
)
NOTIFICATIONS = Counter(
    "financebot_notifications",
    "Notification messages by type and outcome: sent, failed, or unknown (the post's answer "
    "was lost; the next run looks it up in Slack).",
    ["type", "outcome"],
    registry=REGISTRY,
)


_last_success: dict[str, float] = {}


def label(value: str) -> str:
    """``value`` as a bounded label: ``[A-Za-z0-9_./-]`` only, at most LABEL_MAX long."""
    cleaned = _LABEL_JUNK.sub("_", value.strip())[:LABEL_MAX]
    return cleaned or "unknown"


def observe_command(command: str, seconds: float) -> None:
    name = label(command)
    SLACK_COMMANDS.labels(name).inc()
    SLACK_COMMAND_SECONDS.labels(name).observe(seconds)


def observe_api_call(method: str, error: str | None) -> None:
    """One Web API call of ``method``; ``error``: why it failed, None when it did not."""
    name = label(method)
    SLACK_API_CALLS.labels(name).inc()
    if error is not None:
        SLACK_API_ERRORS.labels(name, label(error)).inc()


def observe_sync_run(kind: str, outcome: str, seconds: float, ended_at: float) -> None:
    """A sync run that ended (``ended_at``: Unix time); a success moves the last-success time
    forward (never back: an older run replayed late does not hide a newer one)."""
    SYNC_RUNS.labels(kind, outcome).inc()
    SYNC_RUN_SECONDS.labels(kind, outcome).observe(max(seconds, 0.0))
    if outcome == "succeeded":
        set_last_success(kind, ended_at)


def set_last_success(kind: str, ended_at: float) -> None:
    if ended_at > _last_success.get(kind, 0.0):
        _last_success[kind] = ended_at
        SYNC_LAST_SUCCESS.labels(kind).set(ended_at)


def observe_notification(type: str, outcome: str) -> None:
    NOTIFICATIONS.labels(label(type), outcome).inc()
