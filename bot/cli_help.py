"""What `financebot COMMAND --help` says beyond its options: the settings the command reads,
with their defaults (taken from core/settings.py, so help and behaviour cannot drift apart),
the CSV columns an import expects, and what is not in this release.

docs/configuration.md and docs/csv-formats.md say the same at length; tests/bot/test_cli_help.py
checks that the two agree.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

from core.days import DAY_RANGE
from core.settings import Settings
from models.flex.contract_import import (
    CONTRACT_COLUMN_NOTES,
    CONTRACT_COLUMNS,
    MAX_CONTRACTS_PER_PERSON,
)
from models.flex.correction_import import (
    CORRECTION_COLUMN_NOTES,
    CORRECTION_COLUMNS,
    OPTIONAL_COLUMNS,
)

WIDTH = 90
_DEFAULTS = Settings()
_SCHEDULE = _DEFAULTS.sync_schedule
_NOTIFY = _DEFAULTS.notification_schedule


def _hhmm(at: tuple[int, int]) -> str:
    return f"{at[0]:02d}:{at[1]:02d}"


@dataclass(frozen=True)
class Setting:
    """One environment variable as a command's help names it."""

    name: str
    meaning: str
    default: str = ""
    """What it is when unset ("" when nothing sensible can be written)."""


SETTINGS: Mapping[str, Setting] = {
    setting.name: setting
    for setting in (
        Setting(
            "DATABASE_URL",
            "the database: sqlite://PATH or postgres://USER:PASS@HOST:PORT/DB",
            _DEFAULTS.database_url,
        ),
        Setting("SLACK_BOT_TOKEN", "the Slack bot token, xoxb-…"),
        Setting("SLACK_APP_TOKEN", "the Slack app-level token for Socket Mode, xapp-…"),
        Setting("SLACK_API_URL", "base of every Slack Web API call", _DEFAULTS.slack_api_url),
        Setting("TENKFEET_AUTH", "the 10000ft API token"),
        Setting("TENKFEET_API_URL", "the 10000ft API's origin", _DEFAULTS.tenkfeet_api_url),
        Setting(
            "TENKFEET_RETRY_WAIT_SECONDS",
            "how long one sync may wait in all for 10000ft's retries",
            str(_DEFAULTS.tenkfeet_retry_wait),
        ),
        Setting(
            "SLACK_RETRY_WAIT_SECONDS",
            "how long one Slack sync or notification batch may wait in all for retries",
            str(_DEFAULTS.slack_retry_wait),
        ),
        Setting("PUBLIC_URL", "where people reach the admin site", _DEFAULTS.public_url),
        Setting("WEB_HOST", "address the admin site listens on", _DEFAULTS.web_host),
        Setting("WEB_PORT", "port it listens on; 0 picks a free one", str(_DEFAULTS.web_port)),
        Setting("SLACK_CLIENT_ID", "the Slack app's client ID, for Sign in with Slack"),
        Setting("SLACK_CLIENT_SECRET", "the Slack app's client secret"),
        Setting("SECRET_KEY", "key of the admin site's session cookies, base64 of 32+ bytes"),
        Setting(
            "SLACK_NOTIFICATIONS_ADMIN",
            "Slack user IDs that get a copy of every reminder and digest (flex figures only for "
            "HR members) and are told about people and projects without a Slack account",
        ),
        Setting("HOURS_CURRENCY", "currency of hour-based invoice money", _DEFAULTS.hours_currency),
        Setting(
            "BILL_RATE_MIN",
            "billable entries at or below this rate are flagged",
            str(_DEFAULTS.bill_rate_min),
        ),
        Setting(
            "BILL_RATE_MAX",
            "billable entries at or above this rate are flagged",
            str(_DEFAULTS.bill_rate_max),
        ),
        Setting("TIME_ZONE", "the company's time zone: today, yesterday", _DEFAULTS.time_zone),
        Setting("AWS_BILLING_BUCKET", "the S3 bucket of the AWS billing files"),
        Setting(
            "AWS_BILLING_FORMAT",
            "legacy-csv (the monthly CSV by AWS_BILLING_KEY) or cur2 (CUR 2.0 exports)",
            _DEFAULTS.aws_billing_format,
        ),
        Setting(
            "AWS_BILLING_KEY",
            "key template of a month's legacy CSV, with {year} and {month:02d}",
        ),
        Setting(
            "AWS_BILLING_CUR_PREFIX",
            "the CUR 2.0 export's folder (holding data/ and metadata/)",
        ),
        Setting(
            "AWS_ENDPOINT_URL",
            "an S3-compatible endpoint instead of AWS's own (credentials and region: the "
            "AWS SDK's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION)",
        ),
        Setting("WORKDAY_HOURS", "a full-time workday, hours", str(_DEFAULTS.workday_hours)),
        Setting("FLEX_MAX_MINUS", "lower end of the healthy band", str(_DEFAULTS.flex_max_minus)),
        Setting("FLEX_MAX_PLUS", "upper end of the healthy band", str(_DEFAULTS.flex_max_plus)),
        Setting(
            "SYNC_HOURS_INTERVAL_MINUTES",
            "how often the last 60 days of hours are synced",
            str(_SCHEDULE.hours_minutes),
        ),
        Setting(
            "SYNC_REFERENCE_INTERVAL_MINUTES",
            "how often users, projects and leave types are synced",
            str(_SCHEDULE.reference_minutes),
        ),
        Setting(
            "SYNC_DAILY_AT",
            "when holidays and the Slack directory are synced, HH:MM",
            f"{_SCHEDULE.daily_hour:02d}:{_SCHEDULE.daily_minute:02d}",
        ),
        Setting(
            "SYNC_RETRY_SECONDS",
            "how long after a failed scheduled sync it is tried again (doubling)",
            str(_SCHEDULE.retry_seconds),
        ),
        Setting(
            "SYNC_LOCK_SECONDS",
            "how long the lock of a sync that died elsewhere keeps others out",
            str(_SCHEDULE.lock_seconds),
        ),
        *(
            Setting(f"NOTIFY_{name.upper()}_AT", f"when the {what} is sent, HH:MM", _hhmm(at))
            for name, what, at in (
                ("unsubmitted", "Monday unsubmitted hours reminder", _NOTIFY.unsubmitted),
                ("unapproved", "Tuesday unapproved hours reminder", _NOTIFY.unapproved),
                ("flex_saldo", "first Wednesday's flex saldo message", _NOTIFY.flex_saldo),
                ("manager_digest", "Monday manager digest", _NOTIFY.manager_digest),
                ("contracts", "Monday contract problems report", _NOTIFY.contracts),
                ("invoices", "invoice review requests (the 2nd)", _NOTIFY.invoices),
            )
        ),
        Setting(
            "NOTIFY_SEND_RATE",
            "messages per second a notification batch may post",
            f"{_NOTIFY.send_rate:g}",
        ),
        Setting(
            "NOTIFY_CONVERSATION_RATE",
            "messages per second a batch may post into one conversation",
            f"{_NOTIFY.conversation_rate:g}",
        ),
        Setting(
            "NOTIFY_CLAIM_MINUTES",
            "how long a crashed notification run holds its period",
            str(_NOTIFY.claim_minutes),
        ),
        Setting(
            "LOG_FORMAT",
            "json, text, or auto: JSON when stderr is not a terminal",
            _DEFAULTS.log_format,
        ),
        Setting("METRICS_TOKEN", "the bearer token /metrics asks for; unset: /metrics is off"),
    )
}

TENKFEET_SYNCS = "users, projects, leave-types, holidays, hours"
SLACK_SYNCS = "slack-users, slack-channels"
SIGN_IN = "required when WEB_HOST is not loopback"

COMMAND_SETTINGS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "serve": (
        ("DATABASE_URL", ""),
        ("SLACK_BOT_TOKEN", "required"),
        ("SLACK_APP_TOKEN", "required"),
        ("SLACK_API_URL", ""),
        ("TENKFEET_AUTH", "without it the 10000ft syncs are not scheduled"),
        ("TENKFEET_API_URL", ""),
        ("TENKFEET_RETRY_WAIT_SECONDS", ""),
        ("SLACK_RETRY_WAIT_SECONDS", ""),
        ("AWS_BILLING_BUCKET", "without it the AWS billing import is not scheduled"),
        ("AWS_BILLING_FORMAT", ""),
        ("AWS_BILLING_KEY", ""),
        ("AWS_BILLING_CUR_PREFIX", ""),
        ("AWS_ENDPOINT_URL", ""),
        ("PUBLIC_URL", ""),
        ("WEB_HOST", ""),
        ("WEB_PORT", ""),
        ("SLACK_CLIENT_ID", SIGN_IN),
        ("SLACK_CLIENT_SECRET", SIGN_IN),
        ("SECRET_KEY", SIGN_IN),
        ("TIME_ZONE", ""),
        ("SYNC_HOURS_INTERVAL_MINUTES", ""),
        ("SYNC_REFERENCE_INTERVAL_MINUTES", ""),
        ("SYNC_DAILY_AT", ""),
        ("SYNC_RETRY_SECONDS", ""),
        ("SYNC_LOCK_SECONDS", ""),
        ("SLACK_NOTIFICATIONS_ADMIN", ""),
        ("NOTIFY_UNSUBMITTED_AT", ""),
        ("NOTIFY_UNAPPROVED_AT", ""),
        ("NOTIFY_FLEX_SALDO_AT", ""),
        ("NOTIFY_MANAGER_DIGEST_AT", ""),
        ("NOTIFY_CONTRACTS_AT", ""),
        ("NOTIFY_INVOICES_AT", ""),
        ("NOTIFY_SEND_RATE", ""),
        ("NOTIFY_CONVERSATION_RATE", ""),
        ("NOTIFY_CLAIM_MINUTES", ""),
        ("LOG_FORMAT", ""),
        ("METRICS_TOKEN", ""),
    ),
    "demo": (
        ("WEB_HOST", ""),
        ("WEB_PORT", ""),
        ("TIME_ZONE", ""),
    ),
    "migrate": (("DATABASE_URL", ""),),
    "sync": (
        ("DATABASE_URL", ""),
        ("TENKFEET_AUTH", f"required for {TENKFEET_SYNCS}"),
        ("TENKFEET_API_URL", ""),
        ("TENKFEET_RETRY_WAIT_SECONDS", ""),
        ("SLACK_BOT_TOKEN", f"required for {SLACK_SYNCS}"),
        ("SLACK_API_URL", ""),
        ("SLACK_RETRY_WAIT_SECONDS", ""),
        ("AWS_BILLING_BUCKET", "required for aws-billing"),
        ("AWS_BILLING_FORMAT", ""),
        ("AWS_BILLING_KEY", "required for legacy-csv"),
        ("AWS_BILLING_CUR_PREFIX", "required for cur2"),
        ("AWS_ENDPOINT_URL", ""),
        ("HOURS_CURRENCY", ""),
        ("TIME_ZONE", ""),
        ("SYNC_LOCK_SECONDS", ""),
        ("LOG_FORMAT", ""),
    ),
    "aws": (("DATABASE_URL", ""),),
    "import": (("DATABASE_URL", ""),),
    "flex": (
        ("DATABASE_URL", ""),
        ("TIME_ZONE", ""),
        ("WORKDAY_HOURS", ""),
        ("FLEX_MAX_MINUS", ""),
        ("FLEX_MAX_PLUS", ""),
    ),
    "notify": (
        ("DATABASE_URL", ""),
        ("SLACK_BOT_TOKEN", "required unless --dry-run"),
        ("SLACK_API_URL", ""),
        ("SLACK_RETRY_WAIT_SECONDS", ""),
        ("SLACK_NOTIFICATIONS_ADMIN", ""),
        ("PUBLIC_URL", ""),
        ("HOURS_CURRENCY", ""),
        ("TIME_ZONE", ""),
        ("WORKDAY_HOURS", ""),
        ("FLEX_MAX_MINUS", ""),
        ("FLEX_MAX_PLUS", ""),
        ("NOTIFY_SEND_RATE", ""),
        ("NOTIFY_CONVERSATION_RATE", ""),
    ),
    "invoices": (
        ("DATABASE_URL", ""),
        ("HOURS_CURRENCY", ""),
        ("BILL_RATE_MIN", ""),
        ("BILL_RATE_MAX", ""),
    ),
    "cleanup": (("DATABASE_URL", ""),),
    "group": (("DATABASE_URL", ""),),
}
"""Each command's settings, in the order its help lists them, with a note on when one is
required ("" when it is not: the help then shows its default)."""

COMING: Mapping[str, str] = {}
"""Commands of the interface that later releases bring: not offered, and answered plainly."""


def not_in_release(name: str, what: str) -> str:
    return f"{name} ({what}) is not in this release yet"


def settings_help(command: str) -> str:
    """The "settings" paragraph of ``command``'s help: each environment variable, what it is
    and its default (or when it is required)."""
    lines = ["settings (environment variables; docs/configuration.md explains each):"]
    for name, required in COMMAND_SETTINGS[command]:
        setting = SETTINGS[name]
        note = required or (f"default: {setting.default}" if setting.default else "optional")
        lines.append(f"  {name}")
        lines.append(_wrapped(f"{setting.meaning} ({note})", indent=6))
    return "\n".join(lines)


def _wrapped(text: str, *, indent: int) -> str:
    """``text`` wrapped to the help's width; URLs and kind names are never split."""
    return textwrap.fill(
        text,
        WIDTH,
        initial_indent=" " * indent,
        subsequent_indent=" " * indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _columns(header: str, notes: Mapping[str, str]) -> list[str]:
    width = max(len(column) for column in notes) + 2
    return [f"  {header}", *(f"    {column:<{width}}{note}" for column, note in notes.items())]


def import_help() -> str:
    """The columns each import expects and the rules every row follows."""
    corrections = ",".join(CORRECTION_COLUMNS) + "[," + ",".join(OPTIONAL_COLUMNS) + "]"
    return "\n".join(
        [
            "contracts: one row per contract, keyed by (email, start_date)",
            *_columns(",".join(CONTRACT_COLUMNS), CONTRACT_COLUMN_NOTES),
            f"  at most {MAX_CONTRACTS_PER_PERSON} contracts per person in one file",
            "",
            "corrections: one row per correction, keyed by (email, date)",
            *_columns(corrections, CORRECTION_COLUMN_NOTES),
            "",
            "The file is UTF-8 CSV, comma-separated, with the header on line 1 (columns in any",
            f"order and case). Days are YYYY-MM-DD within {DAY_RANGE}; numbers are plain",
            "digits with a dot for decimals. A row with a stored key replaces that row. Every bad",
            "row is printed as FILE:LINE: message and a file with a bad row imports nothing",
            "(docs/csv-formats.md).",
        ]
    )


def coming_help() -> str:
    """The top-level help's note on what this release does not have."""
    coming = [f"{name} ({what})" for name, what in COMING.items()]
    text = (
        "Settings come from the environment; `financebot COMMAND --help` names the ones each\n"
        "command reads (docs/configuration.md has them all)."
    )
    if coming:
        text += "\n\n" + _wrapped("Not in this release yet: " + "; ".join(coming) + ".", indent=0)
    return text
