"""Settings read from the environment (docs/configuration.md), validated once at start.

A missing or malformed value raises :class:`SettingsError` whose message is one line naming
the variable; the CLI prints it and exits non-zero. Secrets never appear in ``repr``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import ipaddress
import os
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Literal
from urllib.parse import urlparse

DEFAULT_DATABASE_URL = "sqlite://financebot.sqlite3"
AWS_BILLING_FORMATS = ("legacy-csv", "cur2")
MIN_SECRET_KEY_BYTES = 32
#: WEB_HOST values that listen on every address.
WILDCARD_HOSTS = ("0.0.0.0", "::", "[::]")
MIN_METRICS_TOKEN_CHARS = 16
LOG_FORMATS = ("auto", "json", "text")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class SyncSchedule:
    """When `serve` runs the syncs (SYNC_* variables)."""

    hours_minutes: int = 15
    reference_minutes: int = 60  # users, projects, leave types
    daily_hour: int = 3  # holidays and the Slack directory, at daily_hour:daily_minute
    daily_minute: int = 30
    #: A scheduled run that failed is tried again this long after, twice as long after each
    #: further failure, until the kind's next regular run comes sooner.
    retry_seconds: int = 60
    #: How long a sync's lock lives without renewal: a holder that died (on another host: on
    #: this one a gone process is seen at once) blocks its kind at most this long.
    lock_seconds: int = 600

    @property
    def lock_ttl(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.lock_seconds)


@dataclass(frozen=True)
class NotificationSchedule:
    """When `serve` sends each scheduled notification (NOTIFY_*_AT, HH:MM in ``TIME_ZONE``; the
    days are the domain's: unsubmitted hours, the manager digest and the contract report on
    Mondays, unapproved hours on Tuesdays, flex saldos on the month's first Wednesday, invoice
    review requests on the 2nd), and how fast a batch may post (NOTIFY_SEND_RATE, messages per
    second in all; NOTIFY_CONVERSATION_RATE, into one conversation: Slack allows about one
    message per second per conversation, with short bursts, and several hundred a minute per
    workspace)."""

    unsubmitted: tuple[int, int] = (10, 0)
    unapproved: tuple[int, int] = (10, 0)
    flex_saldo: tuple[int, int] = (10, 0)
    manager_digest: tuple[int, int] = (9, 0)
    contracts: tuple[int, int] = (8, 0)
    invoices: tuple[int, int] = (9, 0)
    send_rate: float = 5.0
    conversation_rate: float = 1.0
    #: How long a crashed run's claim on (job, period) holds before a later run takes it over.
    claim_minutes: int = 30

    @property
    def claim_lease(self) -> dt.timedelta:
        """``claim_minutes``; also how long a message claimed in the ledger is left to its
        run before a later run looks it up in Slack (``sync/slack_delivery.py``)."""
        return dt.timedelta(minutes=self.claim_minutes)


@dataclass(frozen=True)
class Settings:
    # repr=False: a PostgreSQL URL carries its password.
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)
    slack_bot_token: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_api_url: str = "https://slack.com/api/"
    slack_notifications_admin: tuple[str, ...] = ()
    tenkfeet_api_url: str = "https://api.rm.smartsheet.com"
    tenkfeet_auth: str = field(default="", repr=False)
    tenkfeet_app_url: str = "https://app.rm.smartsheet.com"
    #: Seconds one sync may wait in all for 10000ft's retries (429, 5xx, lost connections).
    tenkfeet_retry_wait: int = 300
    #: Seconds one sync or notification batch may wait in all for Slack's retries.
    slack_retry_wait: int = 600
    public_url: str = "http://127.0.0.1:8080"
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    time_zone: str = "Europe/Helsinki"
    aws_billing_bucket: str = ""
    aws_billing_key: str = ""
    aws_billing_format: str = "legacy-csv"
    aws_billing_cur_prefix: str = ""
    aws_endpoint_url: str = ""
    workday_hours: Decimal = Decimal("7.5")
    flex_max_minus: Decimal = Decimal("-40")
    flex_max_plus: Decimal = Decimal("120")
    hours_currency: str = "EUR"
    bill_rate_min: Decimal = Decimal("50")
    bill_rate_max: Decimal = Decimal("170")
    sync_schedule: SyncSchedule = SyncSchedule()
    notification_schedule: NotificationSchedule = NotificationSchedule()
    slack_client_id: str = ""
    slack_client_secret: str = field(default="", repr=False)
    slack_openid_authorize_url: str = "https://slack.com/openid/connect/authorize"
    #: Key of the admin site's encrypted session cookies (decoded SECRET_KEY), or b"".
    secret_key: bytes = field(default=b"", repr=False)
    early_care_max_periods: int = 3
    early_care_max_days: int = 20
    sick_leave_types: tuple[str, ...] = ("Sick leave",)
    #: Set by `financebot demo` only: the admin site offers a local sign-in page.
    demo_sign_in: bool = False
    #: The bearer token /metrics asks for; "" turns /metrics off.
    metrics_token: str = field(default="", repr=False)
    #: auto (JSON when stderr is not a terminal), json or text.
    log_format: str = "auto"

    def __repr__(self) -> str:
        """The settings as safe to print: secrets left out, URLs without credentials."""
        shown = []
        for setting in fields(self):
            if not setting.repr:
                continue
            value = getattr(self, setting.name)
            if setting.name.endswith("_url") and isinstance(value, str):
                value = without_credentials(value)
            shown.append(f"{setting.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def database_dialect(self) -> Literal["sqlite", "postgres"]:
        return "sqlite" if self.database_url.startswith("sqlite") else "postgres"

    def require_slack(self) -> None:
        """`serve` needs both Slack tokens; other commands do not."""
        if not self.slack_bot_token:
            raise SettingsError("SLACK_BOT_TOKEN is required (xoxb-…)")
        if not self.slack_app_token:
            raise SettingsError("SLACK_APP_TOKEN is required (xapp-…)")

    def require_tenkfeet(self) -> None:
        if not self.tenkfeet_auth:
            raise SettingsError("TENKFEET_AUTH is required for 10000ft syncs")

    @property
    def sign_in_configured(self) -> bool:
        """Sign in with Slack can work: the app's OAuth credentials and a session key."""
        return bool(self.slack_client_id and self.slack_client_secret and self.secret_key)

    @property
    def web_is_loopback(self) -> bool:
        return is_loopback_host(self.web_host)

    @property
    def web_local_host(self) -> str:
        """The host that reaches the admin site from this machine: ``WEB_HOST``, or loopback
        when ``WEB_HOST`` is a wildcard (``0.0.0.0``, ``::``: every address, as in the
        container image), which a browser cannot open."""
        return "127.0.0.1" if self.web_host in WILDCARD_HOSTS else self.web_host

    def require_web_sign_in(self) -> None:
        """A site reachable beyond this machine must have Sign in with Slack configured."""
        if self.web_is_loopback or self.sign_in_configured:
            return
        missing = [
            name
            for name, value in (
                ("SLACK_CLIENT_ID", self.slack_client_id),
                ("SLACK_CLIENT_SECRET", self.slack_client_secret),
                ("SECRET_KEY", self.secret_key),
            )
            if not value
        ]
        raise SettingsError(
            f"WEB_HOST {self.web_host} is not loopback: sign-in needs {', '.join(missing)}"
        )

    def public_link(self, path: str) -> str:
        return self.public_url.rstrip("/") + "/" + path.lstrip("/")

    def tenkfeet_project_link(self, tenkfeet_id: int) -> str:
        """A project in 10000ft's web app (``TENKFEET_APP_URL``)."""
        return f"{self.tenkfeet_app_url}/viewproject?id={tenkfeet_id}"


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost: only this machine reaches the site."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _secret_key(env: Mapping[str, str]) -> bytes:
    raw = env.get("SECRET_KEY", "").strip()
    if not raw:
        return b""
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_", validate=False)
    except (binascii.Error, ValueError):
        raise SettingsError("SECRET_KEY must be base64 (32 or more random bytes)") from None
    if len(key) < MIN_SECRET_KEY_BYTES:
        raise SettingsError(
            f"SECRET_KEY must decode to at least {MIN_SECRET_KEY_BYTES} bytes, got {len(key)}"
        )
    return key


def _small_count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 <= int(raw) <= 366:
        raise SettingsError(f"{name} must be a whole number 0-366, got {raw!r}")
    return int(raw)


def _decimal(env: Mapping[str, str], name: str, default: Decimal) -> Decimal:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not value.is_finite():
        raise SettingsError(f"{name} must be a finite number, got {raw!r}")
    return value


def without_credentials(url: str) -> str:
    """``url`` as safe to print: everything between the scheme and the last ``@`` replaced by
    ``***``, so that a ``user:password@`` part goes even when the password holds ``/``, ``?``
    or ``#``, or the scheme is mistyped or missing (``http//u:p@h``, ``u:p@h/db``)."""
    if "@" not in url:
        return url
    scheme = _SCHEME.match(url)
    start = scheme.end() if scheme else 0
    return url[:start] + "***" + url[url.rindex("@") :]


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _http_url(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name, "").strip() or default
    problem = f"{name} must be an http(s) URL, got {without_credentials(raw)!r}"
    try:
        parsed = urlparse(raw)
        parsed.port  # noqa: B018 - raises on a malformed port or one beyond 65535
    except ValueError:  # an unclosed [IPv6] host, a port that is no number
        raise SettingsError(problem) from None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise SettingsError(problem)
    return raw


def _database_url(env: Mapping[str, str]) -> str:
    raw = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    if raw.startswith("postgresql://"):
        raw = "postgres://" + raw[len("postgresql://") :]
    if raw.startswith("sqlite://"):
        if raw == "sqlite://":
            raise SettingsError(
                "DATABASE_URL sqlite:// needs a file path, e.g. sqlite://db.sqlite3"
            )
        return raw
    if raw.startswith(("postgres://", "asyncpg://", "psycopg://")):
        try:
            parsed = urlparse(raw)
            hostname = parsed.hostname
        except ValueError:  # an unclosed [IPv6] host
            hostname = None
        if not hostname or not parsed.path.strip("/"):
            raise SettingsError(
                "DATABASE_URL must name a host and a database: postgres://USER@HOST:PORT/DB"
            )
        try:
            parsed.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            raise SettingsError("DATABASE_URL has a malformed port") from None
        return raw
    scheme = _SCHEME.match(raw)
    got = repr(scheme.group(0) + "…") if scheme else "no scheme"
    raise SettingsError(f"DATABASE_URL must start with sqlite:// or postgres:// (got {got})")


def _minutes(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 7 * 24 * 60:
        raise SettingsError(f"{name} must be a whole number of minutes (1-10080), got {raw!r}")
    return int(raw)


def _sync_schedule(env: Mapping[str, str]) -> SyncSchedule:
    daily = env.get("SYNC_DAILY_AT", "").strip() or "03:30"
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", daily)
    if not match:
        raise SettingsError(f"SYNC_DAILY_AT must be HH:MM, got {daily!r}")
    defaults = SyncSchedule()
    return SyncSchedule(
        hours_minutes=_minutes(env, "SYNC_HOURS_INTERVAL_MINUTES", 15),
        reference_minutes=_minutes(env, "SYNC_REFERENCE_INTERVAL_MINUTES", 60),
        daily_hour=int(match.group(1)),
        daily_minute=int(match.group(2)),
        retry_seconds=_seconds(env, "SYNC_RETRY_SECONDS", defaults.retry_seconds, 1, 86400),
        lock_seconds=_seconds(env, "SYNC_LOCK_SECONDS", defaults.lock_seconds, 5, 86400),
    )


def _seconds(env: Mapping[str, str], name: str, default: int, least: int, most: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not least <= int(raw) <= most:
        raise SettingsError(
            f"{name} must be a whole number of seconds ({least}-{most}), got {raw!r}"
        )
    return int(raw)


def _time_of_day(env: Mapping[str, str], name: str, default: tuple[int, int]) -> tuple[int, int]:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", raw)
    if not match:
        raise SettingsError(f"{name} must be HH:MM, got {raw!r}")
    return int(match.group(1)), int(match.group(2))


def _notification_schedule(env: Mapping[str, str]) -> NotificationSchedule:
    defaults = NotificationSchedule()
    return NotificationSchedule(
        unsubmitted=_time_of_day(env, "NOTIFY_UNSUBMITTED_AT", defaults.unsubmitted),
        unapproved=_time_of_day(env, "NOTIFY_UNAPPROVED_AT", defaults.unapproved),
        flex_saldo=_time_of_day(env, "NOTIFY_FLEX_SALDO_AT", defaults.flex_saldo),
        manager_digest=_time_of_day(env, "NOTIFY_MANAGER_DIGEST_AT", defaults.manager_digest),
        contracts=_time_of_day(env, "NOTIFY_CONTRACTS_AT", defaults.contracts),
        invoices=_time_of_day(env, "NOTIFY_INVOICES_AT", defaults.invoices),
        send_rate=_rate(env, "NOTIFY_SEND_RATE", defaults.send_rate, 1000),
        conversation_rate=_rate(env, "NOTIFY_CONVERSATION_RATE", defaults.conversation_rate, 10),
        claim_minutes=_minutes(env, "NOTIFY_CLAIM_MINUTES", defaults.claim_minutes),
    )


def _rate(env: Mapping[str, str], name: str, default: float, most: float) -> float:
    """Messages per second, 0.1 to ``most``."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        rate = float(raw)
    except ValueError:
        rate = -1.0
    if not 0.1 <= rate <= most:
        raise SettingsError(f"{name} must be messages per second (0.1-{most:g}), got {raw!r}")
    return rate


def _metrics_token(env: Mapping[str, str]) -> str:
    raw = env.get("METRICS_TOKEN", "").strip()
    if raw and (len(raw) < MIN_METRICS_TOKEN_CHARS or not re.fullmatch(r"[\x21-\x7e]+", raw)):
        raise SettingsError(
            f"METRICS_TOKEN must be at least {MIN_METRICS_TOKEN_CHARS} printable characters "
            "without spaces (it travels in an HTTP header)"
        )
    return raw


def _log_format(env: Mapping[str, str]) -> str:
    raw = env.get("LOG_FORMAT", "").strip().lower() or "auto"
    if raw not in LOG_FORMATS:
        raise SettingsError(f"LOG_FORMAT must be auto, json or text, got {raw[:20]!r}")
    return raw


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build and validate the settings; raises SettingsError naming the bad variable."""
    env = os.environ if env is None else env

    bot_token = env.get("SLACK_BOT_TOKEN", "").strip()
    if bot_token and not bot_token.startswith("xoxb-"):
        raise SettingsError("SLACK_BOT_TOKEN must start with xoxb-")
    app_token = env.get("SLACK_APP_TOKEN", "").strip()
    if app_token and not app_token.startswith("xapp-"):
        raise SettingsError("SLACK_APP_TOKEN must start with xapp-")

    slack_api_url = _http_url(env, "SLACK_API_URL", "https://slack.com/api/")
    if not slack_api_url.endswith("/"):
        slack_api_url += "/"

    admins_raw = env.get("SLACK_NOTIFICATIONS_ADMIN", "")
    admins = tuple(a.strip() for a in admins_raw.split(",") if a.strip())
    for admin in admins:
        if not re.fullmatch(r"[UW][A-Z0-9]+", admin):
            raise SettingsError(
                f"SLACK_NOTIFICATIONS_ADMIN must be comma-separated Slack user IDs, got {admin!r}"
            )

    tenkfeet_url = _http_url(env, "TENKFEET_API_URL", "https://api.rm.smartsheet.com").rstrip("/")
    if urlparse(tenkfeet_url).path not in ("", "/"):
        raise SettingsError("TENKFEET_API_URL must be an origin without a path")

    tenkfeet_app_url = _http_url(env, "TENKFEET_APP_URL", "https://app.rm.smartsheet.com").rstrip(
        "/"
    )

    public_url = _http_url(env, "PUBLIC_URL", "http://127.0.0.1:8080").rstrip("/")

    port_raw = env.get("WEB_PORT", "").strip() or "8080"
    if not port_raw.isdigit() or not 0 <= int(port_raw) <= 65535:
        raise SettingsError(f"WEB_PORT must be a port number 0-65535, got {port_raw!r}")

    tz_name = env.get("TIME_ZONE", "").strip() or "Europe/Helsinki"
    try:
        zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"TIME_ZONE must be an IANA time zone name, got {tz_name!r}") from None

    bucket = env.get("AWS_BILLING_BUCKET", "").strip()
    key = env.get("AWS_BILLING_KEY", "").strip()
    billing_format = env.get("AWS_BILLING_FORMAT", "").strip() or "legacy-csv"
    if billing_format not in AWS_BILLING_FORMATS:
        raise SettingsError(
            f"AWS_BILLING_FORMAT must be legacy-csv or cur2, got {billing_format[:40]!r}"
        )
    cur_prefix = env.get("AWS_BILLING_CUR_PREFIX", "").strip().strip("/")
    if bucket and billing_format == "legacy-csv" and not key:
        raise SettingsError("AWS_BILLING_KEY is required when AWS_BILLING_BUCKET is set")
    if bucket and billing_format == "cur2" and not cur_prefix:
        raise SettingsError("AWS_BILLING_CUR_PREFIX is required when AWS_BILLING_FORMAT is cur2")
    if key:
        try:
            key.format(year=2000, month=1)
        except (KeyError, IndexError, ValueError):
            raise SettingsError(
                "AWS_BILLING_KEY must be a template using only {year} and {month}"
            ) from None

    workday = _decimal(env, "WORKDAY_HOURS", Decimal("7.5"))
    if not Decimal(0) < workday <= Decimal(24):
        raise SettingsError(f"WORKDAY_HOURS must be between 0 and 24, got {workday}")
    flex_minus = _decimal(env, "FLEX_MAX_MINUS", Decimal("-40"))
    flex_plus = _decimal(env, "FLEX_MAX_PLUS", Decimal("120"))
    if flex_minus >= flex_plus:
        raise SettingsError("FLEX_MAX_MINUS must be below FLEX_MAX_PLUS")
    rate_min = _decimal(env, "BILL_RATE_MIN", Decimal("50"))
    rate_max = _decimal(env, "BILL_RATE_MAX", Decimal("170"))
    if rate_min >= rate_max:
        raise SettingsError("BILL_RATE_MIN must be below BILL_RATE_MAX")
    currency = env.get("HOURS_CURRENCY", "").strip() or "EUR"
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise SettingsError(f"HOURS_CURRENCY must be a 3-letter currency code, got {currency!r}")

    return Settings(
        database_url=_database_url(env),
        slack_bot_token=bot_token,
        slack_app_token=app_token,
        slack_api_url=slack_api_url,
        slack_notifications_admin=admins,
        notification_schedule=_notification_schedule(env),
        tenkfeet_api_url=tenkfeet_url,
        tenkfeet_auth=env.get("TENKFEET_AUTH", "").strip(),
        tenkfeet_app_url=tenkfeet_app_url,
        tenkfeet_retry_wait=_seconds(
            env, "TENKFEET_RETRY_WAIT_SECONDS", Settings.tenkfeet_retry_wait, 0, 86400
        ),
        slack_retry_wait=_seconds(
            env, "SLACK_RETRY_WAIT_SECONDS", Settings.slack_retry_wait, 0, 86400
        ),
        public_url=public_url,
        web_host=env.get("WEB_HOST", "").strip() or "127.0.0.1",
        web_port=int(port_raw),
        time_zone=tz_name,
        aws_billing_bucket=bucket,
        aws_billing_key=key,
        aws_billing_format=billing_format,
        aws_billing_cur_prefix=cur_prefix,
        aws_endpoint_url=(
            _http_url(env, "AWS_ENDPOINT_URL", "")
            if env.get("AWS_ENDPOINT_URL", "").strip()
            else ""
        ),
        workday_hours=workday,
        flex_max_minus=flex_minus,
        flex_max_plus=flex_plus,
        hours_currency=currency,
        bill_rate_min=rate_min,
        bill_rate_max=rate_max,
        sync_schedule=_sync_schedule(env),
        slack_client_id=env.get("SLACK_CLIENT_ID", "").strip(),
        slack_client_secret=env.get("SLACK_CLIENT_SECRET", "").strip(),
        slack_openid_authorize_url=_http_url(
            env, "SLACK_OPENID_AUTHORIZE_URL", "https://slack.com/openid/connect/authorize"
        ),
        secret_key=_secret_key(env),
        early_care_max_periods=_small_count(env, "EARLY_CARE_MAX_PERIODS", 3),
        early_care_max_days=_small_count(env, "EARLY_CARE_MAX_DAYS", 20),
        sick_leave_types=tuple(
            name.strip()
            for name in (env.get("SICK_LEAVE_TYPES", "").strip() or "Sick leave").split(",")
            if name.strip()
        ),
        metrics_token=_metrics_token(env),
        log_format=_log_format(env),
    )
