"""Settings from the environment (docs/configuration.md): defaults, accepted forms, and one
line naming the variable for every missing or malformed value; secrets never in repr."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.settings import Settings, SettingsError, load_settings


def test_defaults() -> None:
    settings = load_settings({})
    assert settings == Settings()
    assert settings.database_url == "sqlite://financebot.sqlite3"
    assert settings.database_dialect == "sqlite"
    assert (settings.slack_bot_token, settings.slack_app_token) == ("", "")
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.slack_notifications_admin == ()
    assert settings.tenkfeet_api_url == "https://api.rm.smartsheet.com"
    assert settings.tenkfeet_auth == ""
    assert settings.public_url == "http://127.0.0.1:8080"
    assert (settings.web_host, settings.web_port) == ("127.0.0.1", 8080)
    assert settings.time_zone == "Europe/Helsinki"
    assert settings.tz.utcoffset(dt.datetime(2024, 1, 1)) == dt.timedelta(hours=2)
    assert settings.aws_endpoint_url == ""
    assert (settings.aws_billing_bucket, settings.aws_billing_key) == ("", "")
    assert settings.workday_hours == Decimal("7.5")
    assert (settings.flex_max_minus, settings.flex_max_plus) == (Decimal(-40), Decimal(120))
    assert settings.hours_currency == "EUR"
    assert (settings.bill_rate_min, settings.bill_rate_max) == (Decimal(50), Decimal(170))


def test_empty_and_blank_values_mean_the_default() -> None:
    names = [
        "DATABASE_URL",
        "SLACK_API_URL",
        "SLACK_NOTIFICATIONS_ADMIN",
        "TENKFEET_API_URL",
        "PUBLIC_URL",
        "WEB_HOST",
        "WEB_PORT",
        "TIME_ZONE",
        "AWS_ENDPOINT_URL",
        "WORKDAY_HOURS",
        "FLEX_MAX_MINUS",
        "FLEX_MAX_PLUS",
        "HOURS_CURRENCY",
        "BILL_RATE_MIN",
        "BILL_RATE_MAX",
    ]
    assert load_settings(dict.fromkeys(names, "  ")) == load_settings({})


def test_every_variable_is_read() -> None:
    env = {
        "DATABASE_URL": "postgresql://fb:pw@db.internal:5433/finance",
        "SLACK_BOT_TOKEN": "xoxb-1-2-3",
        "SLACK_APP_TOKEN": "xapp-1-A-2",
        "SLACK_API_URL": "http://127.0.0.1:3000/api",
        "SLACK_NOTIFICATIONS_ADMIN": "U111, W222 ,",
        "TENKFEET_API_URL": "http://127.0.0.1:4000/",
        "TENKFEET_AUTH": "tk-secret",
        "PUBLIC_URL": "https://finance.example.com/",
        "WEB_HOST": "0.0.0.0",
        "WEB_PORT": "9000",
        "TIME_ZONE": "America/New_York",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        "AWS_BILLING_BUCKET": "billing",
        "AWS_BILLING_KEY": "123-aws-billing-csv-{year}-{month:02d}.csv",
        "WORKDAY_HOURS": "8",
        "FLEX_MAX_MINUS": "-20.5",
        "FLEX_MAX_PLUS": "80",
        "HOURS_CURRENCY": "USD",
        "BILL_RATE_MIN": "40",
        "BILL_RATE_MAX": "200",
        "NOTIFY_SEND_RATE": "12.5",
        "NOTIFY_CONVERSATION_RATE": "0.5",
    }
    settings = load_settings(env)
    assert settings.database_url == "postgres://fb:pw@db.internal:5433/finance"
    assert settings.database_dialect == "postgres"
    assert (settings.slack_bot_token, settings.slack_app_token) == ("xoxb-1-2-3", "xapp-1-A-2")
    assert settings.slack_api_url == "http://127.0.0.1:3000/api/"
    assert settings.slack_notifications_admin == ("U111", "W222")
    assert settings.tenkfeet_api_url == "http://127.0.0.1:4000"
    assert settings.tenkfeet_auth == "tk-secret"
    assert settings.public_url == "https://finance.example.com"
    assert settings.public_link("/invoices/x") == "https://finance.example.com/invoices/x"
    assert (settings.web_host, settings.web_port) == ("0.0.0.0", 9000)
    assert settings.time_zone == "America/New_York"
    assert settings.aws_endpoint_url == "http://127.0.0.1:5000"
    assert settings.aws_billing_bucket == "billing"
    assert settings.aws_billing_key.format(year=2024, month=3) == "123-aws-billing-csv-2024-03.csv"
    assert settings.workday_hours == Decimal(8)
    assert (settings.flex_max_minus, settings.flex_max_plus) == (Decimal("-20.5"), Decimal(80))
    assert settings.hours_currency == "USD"
    assert (settings.bill_rate_min, settings.bill_rate_max) == (Decimal(40), Decimal(200))
    schedule = settings.notification_schedule
    assert (schedule.send_rate, schedule.conversation_rate) == (12.5, 0.5)
    settings.require_slack()
    settings.require_tenkfeet()


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DATABASE_URL": "mysql://u:p@h/db"}, "DATABASE_URL"),
        ({"DATABASE_URL": "financebot.sqlite3"}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite://"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://u@host"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://u@host:port/db"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://u@host:99999/db"}, "DATABASE_URL"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xoxb-not-an-app-token"}, "SLACK_APP_TOKEN"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({"SLACK_API_URL": "ftp://slack.com/api/"}, "SLACK_API_URL"),
        ({"SLACK_NOTIFICATIONS_ADMIN": "U111,@alice"}, "SLACK_NOTIFICATIONS_ADMIN"),
        ({"SLACK_NOTIFICATIONS_ADMIN": "u111"}, "SLACK_NOTIFICATIONS_ADMIN"),
        ({"TENKFEET_API_URL": "https://api.rm.smartsheet.com/api/v1"}, "TENKFEET_API_URL"),
        ({"TENKFEET_API_URL": "api.rm.smartsheet.com"}, "TENKFEET_API_URL"),
        ({"PUBLIC_URL": "finance.example.com"}, "PUBLIC_URL"),
        ({"WEB_PORT": "http"}, "WEB_PORT"),
        ({"WEB_PORT": "-1"}, "WEB_PORT"),
        ({"WEB_PORT": "65536"}, "WEB_PORT"),
        ({"TIME_ZONE": "Helsinki"}, "TIME_ZONE"),
        ({"TIME_ZONE": "../etc/passwd"}, "TIME_ZONE"),
        ({"AWS_ENDPOINT_URL": "localhost:5000"}, "AWS_ENDPOINT_URL"),
        ({"AWS_BILLING_BUCKET": "billing"}, "AWS_BILLING_KEY"),
        ({"AWS_BILLING_KEY": "bill-{year}-{day}.csv"}, "AWS_BILLING_KEY"),
        ({"AWS_BILLING_KEY": "bill-{year.csv"}, "AWS_BILLING_KEY"),
        ({"WORKDAY_HOURS": "seven"}, "WORKDAY_HOURS"),
        ({"WORKDAY_HOURS": "0"}, "WORKDAY_HOURS"),
        ({"WORKDAY_HOURS": "25"}, "WORKDAY_HOURS"),
        ({"WORKDAY_HOURS": "NaN"}, "WORKDAY_HOURS"),
        ({"FLEX_MAX_MINUS": "-x"}, "FLEX_MAX_MINUS"),
        ({"FLEX_MAX_MINUS": "200"}, "FLEX_MAX_MINUS"),
        ({"FLEX_MAX_PLUS": "Infinity"}, "FLEX_MAX_PLUS"),
        ({"HOURS_CURRENCY": "euro"}, "HOURS_CURRENCY"),
        ({"HOURS_CURRENCY": "eur"}, "HOURS_CURRENCY"),
        ({"BILL_RATE_MIN": "fifty"}, "BILL_RATE_MIN"),
        ({"BILL_RATE_MIN": "170"}, "BILL_RATE_MIN"),
        ({"BILL_RATE_MAX": "1e"}, "BILL_RATE_MAX"),
        ({"NOTIFY_SEND_RATE": "0"}, "NOTIFY_SEND_RATE"),
        ({"NOTIFY_CONVERSATION_RATE": "fast"}, "NOTIFY_CONVERSATION_RATE"),
        ({"NOTIFY_CONVERSATION_RATE": "11"}, "NOTIFY_CONVERSATION_RATE"),
    ],
)
def test_a_malformed_value_is_one_line_naming_the_variable(
    env: dict[str, str], variable: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    message = str(caught.value)
    assert message.startswith(variable + " "), message
    assert "\n" not in message


def test_slack_token_messages_say_what_is_expected() -> None:
    with pytest.raises(SettingsError, match=r"^SLACK_APP_TOKEN must start with xapp-$"):
        load_settings({"SLACK_APP_TOKEN": "xoxb-123"})
    with pytest.raises(SettingsError, match=r"^SLACK_BOT_TOKEN must start with xoxb-$"):
        load_settings({"SLACK_BOT_TOKEN": "xapp-123"})


def test_required_values_are_checked_by_the_commands_that_need_them() -> None:
    settings = load_settings({})
    with pytest.raises(SettingsError, match=r"^SLACK_BOT_TOKEN is required"):
        settings.require_slack()
    with pytest.raises(SettingsError, match=r"^SLACK_APP_TOKEN is required"):
        load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}).require_slack()
    with pytest.raises(SettingsError, match=r"^TENKFEET_AUTH is required"):
        settings.require_tenkfeet()


SECRETS = {
    "DATABASE_URL": "postgres://fb:db-pass-123@db.internal:5432/finance",
    "SLACK_BOT_TOKEN": "xoxb-bot-secret-456",
    "SLACK_APP_TOKEN": "xapp-app-secret-789",
    "TENKFEET_AUTH": "tenkfeet-secret-000",
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEY",
    "AWS_SECRET_ACCESS_KEY": "aws-secret-key-111",
}


def test_no_secret_in_repr_or_str() -> None:
    settings = load_settings(SECRETS)
    assert settings.slack_bot_token == SECRETS["SLACK_BOT_TOKEN"]
    for text in (repr(settings), str(settings)):
        for secret in ("db-pass-123", "bot-secret", "app-secret", "tenkfeet-secret", "aws-secret"):
            assert secret not in text
        assert "AKIAEXAMPLEKEY" not in text


@pytest.mark.parametrize(
    "env",
    [
        {"DATABASE_URL": "mysql://fb:db-pass-123@db/finance"},
        {"SLACK_BOT_TOKEN": "xoxp-user-secret-456"},
        {"SLACK_APP_TOKEN": "xoxb-bot-secret-789"},
        {"TENKFEET_API_URL": "ftp://user:SECRET-db-pass@x.example"},
        {"SLACK_API_URL": "gopher://me:secret-pw@slack.example/api/"},
        {"PUBLIC_URL": "ftp://admin:secret@host"},
        {"AWS_ENDPOINT_URL": "s3://key:secret@minio:9000"},
    ],
)
def test_error_messages_do_not_repeat_secrets(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    assert "secret" not in str(caught.value)
    assert "db-pass" not in str(caught.value)


def test_the_process_environment_is_the_default_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_PORT", "8181")
    monkeypatch.setenv("HOURS_CURRENCY", "SEK")
    settings = load_settings()
    assert (settings.web_port, settings.hours_currency) == (8181, "SEK")


def test_a_bad_url_is_shown_without_its_credentials() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"TENKFEET_API_URL": "ftp://user:SECRET@x.example/path"})
    assert str(caught.value) == (
        "TENKFEET_API_URL must be an http(s) URL, got 'ftp://***@x.example/path'"
    )


def test_the_admin_site_and_hr_report_settings_are_read() -> None:
    key = "c2VjcmV0LWtleS1vZi1hdC1sZWFzdC0zMi1ieXRlcyE="  # 32 bytes, base64
    settings = load_settings(
        {
            "SLACK_CLIENT_ID": "123.456",
            "SLACK_CLIENT_SECRET": "shh",
            "SLACK_OPENID_AUTHORIZE_URL": "http://127.0.0.1:3000/openid/connect/authorize",
            "SECRET_KEY": key,
            "EARLY_CARE_MAX_PERIODS": "4",
            "EARLY_CARE_MAX_DAYS": "30",
            "SICK_LEAVE_TYPES": "Sick leave, Sick child ,",
        }
    )
    assert (settings.slack_client_id, settings.slack_client_secret) == ("123.456", "shh")
    assert settings.slack_openid_authorize_url.endswith("/openid/connect/authorize")
    assert settings.secret_key == b"secret-key-of-at-least-32-bytes!"
    assert settings.sign_in_configured
    assert (settings.early_care_max_periods, settings.early_care_max_days) == (4, 30)
    assert settings.sick_leave_types == ("Sick leave", "Sick child")
    assert "shh" not in repr(settings) and key not in repr(settings)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"SECRET_KEY": "dG9vLXNob3J0"}, "SECRET_KEY"),
        ({"SLACK_OPENID_AUTHORIZE_URL": "slack.com/authorize"}, "SLACK_OPENID_AUTHORIZE_URL"),
        ({"EARLY_CARE_MAX_PERIODS": "three"}, "EARLY_CARE_MAX_PERIODS"),
        ({"EARLY_CARE_MAX_DAYS": "-1"}, "EARLY_CARE_MAX_DAYS"),
        ({"EARLY_CARE_MAX_DAYS": "400"}, "EARLY_CARE_MAX_DAYS"),
    ],
)
def test_a_malformed_admin_or_report_setting_names_its_variable(
    env: dict[str, str], variable: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    assert str(caught.value).startswith(variable + " ")
    assert "dG9v" not in str(caught.value)


def test_a_site_beyond_loopback_needs_sign_in() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"WEB_HOST": "0.0.0.0", "SLACK_CLIENT_ID": "1.2"}).require_web_sign_in()
    assert str(caught.value) == (
        "WEB_HOST 0.0.0.0 is not loopback: sign-in needs SLACK_CLIENT_SECRET, SECRET_KEY"
    )
    for host in ("127.0.0.1", "127.8.9.1", "::1", "[::1]", "localhost"):
        load_settings({"WEB_HOST": host}).require_web_sign_in()


def test_a_wildcard_web_host_is_reached_on_loopback() -> None:
    """The container image listens on 0.0.0.0: links printed for this machine use loopback."""
    for host in ("0.0.0.0", "::", "[::]"):
        assert load_settings({"WEB_HOST": host}).web_local_host == "127.0.0.1"
    for host in ("127.0.0.1", "10.0.0.5", "bot.internal"):
        assert load_settings({"WEB_HOST": host}).web_local_host == host


URL_SETTINGS = (
    "DATABASE_URL",
    "SLACK_API_URL",
    "TENKFEET_API_URL",
    "TENKFEET_APP_URL",
    "PUBLIC_URL",
    "AWS_ENDPOINT_URL",
    "SLACK_OPENID_AUTHORIZE_URL",
)
BAD_URLS_WITH_PASSWORDS = (
    "ftp://user:pw-SECRET@host.example",
    "http//user:pw-SECRET@host.example",  # a colon missing
    "ftp://user:pw/SECRET@host.example/x",  # a slash in the password
    "ftp://user:pw?SECRET@host.example",
    "user:pw-SECRET@host.example/db",  # no scheme at all
    "http://user:pw-SECRET@[::1",  # not even parseable
    "http://user:pw-SECRET@host.example:99999/",  # a port beyond 65535
    "postgres://user:pw-SECRET@[::1/db",
)


@pytest.mark.parametrize("name", URL_SETTINGS)
@pytest.mark.parametrize("url", BAD_URLS_WITH_PASSWORDS)
def test_no_url_setting_repeats_its_password(name: str, url: str) -> None:
    """Every URL-ish setting: refused with one line naming it, never echoing the password."""
    with pytest.raises(SettingsError) as caught:
        load_settings({name: url})
    message = str(caught.value)
    assert message.startswith(name)
    assert "SECRET" not in message and "pw" not in message
    assert "\n" not in message


def test_the_printed_settings_hold_no_url_credentials() -> None:
    settings = load_settings(
        {
            "TENKFEET_API_URL": "https://robot:pw-SECRET@api.example",
            "SLACK_API_URL": "https://me:pw-SECRET@slack.example/api/",
            "PUBLIC_URL": "https://me:pw-SECRET@bot.example",
        }
    )
    assert settings.tenkfeet_api_url == "https://robot:pw-SECRET@api.example"  # still used as is
    assert "SECRET" not in repr(settings)
    assert "https://***@api.example" in repr(settings)
