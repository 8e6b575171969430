"""`financebot COMMAND --help` explains the command: the settings it reads with their defaults,
the CSV columns an import expects, its options' defaults; and what this release does not have
is not offered as if it were there.

The expectations come from the repository's own tables (docs/configuration.md for settings
and defaults, docs/csv-formats.md for columns), so a setting renamed, a default changed or a
column added on one side only fails here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from sync.dispatch import DEFAULT_HOURS_DAYS
from tests.support.cli import financebot

DOCS = Path(__file__).resolve().parents[2] / "docs"
COMMANDS = (
    "serve",
    "demo",
    "migrate",
    "sync",
    "import",
    "notify",
    "flex",
    "invoices",
    "cleanup",
    "group",
    "aws",
)
DATABASE_COMMANDS = (
    "serve",
    "migrate",
    "sync",
    "import",
    "notify",
    "flex",
    "invoices",
    "cleanup",
    "group",
    "aws",
)


@dataclass(frozen=True)
class DocumentedSetting:
    name: str
    default: str
    """The docs' default cell, as written."""

    @property
    def default_value(self) -> str | None:
        """The default when the cell starts with one in backticks (`8080`), else None."""
        found = re.match(r"`([^`]*)`", self.default)
        return found.group(1) if found else None


def documented_settings() -> dict[str, DocumentedSetting]:
    """Every row of docs/configuration.md's tables, by variable name."""
    settings: dict[str, DocumentedSetting] = {}
    for line in (DOCS / "configuration.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("| `") or len(cells) < 3:
            continue
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]):
            settings[name] = DocumentedSetting(name, cells[2])
    return settings


def documented_columns(section: str) -> tuple[str, list[str]]:
    """The header line and the column table of one section of docs/csv-formats.md."""
    text = (DOCS / "csv-formats.md").read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    header = re.search(r"```\n([a-z_,\[\]]+)\n```", body)
    assert header, f"no header line under {section}"
    columns = re.findall(r"^\| `([a-z_]+)` \|", body, flags=re.MULTILINE)
    return header.group(1), columns


def settings_in_help(text: str) -> dict[str, str]:
    """The help's settings paragraph: variable → its text (meaning and default), unwrapped."""
    block = text.split("settings (environment variables", 1)[1].split("\n", 1)[1]
    found: dict[str, str] = {}
    name = ""
    for line in block.splitlines():
        if re.fullmatch(r"  [A-Z][A-Z0-9_]+", line):
            name = line.strip()
            found[name] = ""
        elif line.startswith("      ") and name:
            found[name] = " ".join([*found[name].split(), *line.split()])
        elif line.strip():
            break
    return found


async def command_help(command: str) -> str:
    result = await financebot(command, "--help")
    assert result.code == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def docs() -> dict[str, DocumentedSetting]:
    settings = documented_settings()
    assert {"DATABASE_URL", "TENKFEET_AUTH", "SLACK_CLIENT_SECRET"} <= settings.keys()
    return settings


@pytest.mark.parametrize("command", COMMANDS)
async def test_every_named_setting_is_documented_with_the_same_default(
    command: str, docs: dict[str, DocumentedSetting]
) -> None:
    named = settings_in_help(await command_help(command))
    assert named, f"{command} --help names no settings"
    for name, text in named.items():
        assert name in docs, f"{command} --help names {name}, which the docs do not have"
        default = docs[name].default_value
        if default is not None and "required" not in text:
            assert f"(default: {default})" in text, (command, name, text)
    assert ("DATABASE_URL" in named) == (command in DATABASE_COMMANDS)


async def test_serve_marks_what_the_docs_say_it_requires(
    docs: dict[str, DocumentedSetting],
) -> None:
    named = settings_in_help(await command_help("serve"))
    required_by_serve = [s.name for s in docs.values() if "required by `serve`" in s.default]
    assert {"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SECRET_KEY"} <= set(required_by_serve)
    for name in required_by_serve:
        assert name in named and "required" in named[name], name
        if "when `WEB_HOST` is not loopback" in docs[name].default:
            assert "required when WEB_HOST is not loopback" in named[name]


async def test_sync_names_the_token_each_kind_needs(docs: dict[str, DocumentedSetting]) -> None:
    named = settings_in_help(await command_help("sync"))
    tenkfeet = [s.name for s in docs.values() if "required for the 10000ft syncs" in s.default]
    assert tenkfeet == ["TENKFEET_AUTH"]
    assert named["TENKFEET_AUTH"].endswith(
        "(required for users, projects, leave-types, holidays, hours)"
    )
    assert "the Slack syncs are skipped" in docs["SLACK_BOT_TOKEN"].default
    assert named["SLACK_BOT_TOKEN"].endswith("(required for slack-users, slack-channels)")
    assert "TENKFEET_API_URL" in named and "TIME_ZONE" in named


async def test_flex_names_the_rules_its_figures_depend_on() -> None:
    named = settings_in_help(await command_help("flex"))
    assert set(named) == {
        "DATABASE_URL",
        "TIME_ZONE",
        "WORKDAY_HOURS",
        "FLEX_MAX_MINUS",
        "FLEX_MAX_PLUS",
    }


@pytest.mark.parametrize("section", ["Contracts", "Corrections"])
async def test_import_help_lists_the_documented_columns_in_order(section: str) -> None:
    header, columns = documented_columns(section)
    text = await command_help("import")
    block = text.split(f"\n{section.lower()}: ", 1)[1].split("\n\n", 1)[0]
    lines = block.splitlines()
    assert lines[1].strip() == header
    listed = [line.split()[0] for line in lines[2:] if line.startswith("    ")]
    assert listed == columns


async def test_import_help_states_the_bounds_of_a_file() -> None:
    text = " ".join((await command_help("import")).split())
    assert "at most 200 contracts per person in one file" in text
    assert "Days are YYYY-MM-DD within 1990-01-01..2100-12-31" in text
    assert "a file with a bad row imports nothing" in text


@pytest.mark.parametrize(
    ("command", "option_text"),
    [
        ("cleanup", "--older-than DAYS delete rows older than this many days (default: 90)"),
        ("demo", "--data-dir DIR where the demo keeps its SQLite file (default: demo-data)"),
        (
            "demo",
            "--reset start over: delete the demo's own files in --data-dir first (its SQLite "
            "file and the sample company's start day); refused if the folder holds anything else",
        ),
        ("flex", "(default: yesterday in TIME_ZONE; at most a year ahead)"),
        ("sync", "hours: last day (default: today in TIME_ZONE)"),
        (
            "sync",
            f"--start-date and --end-date (default: the last {DEFAULT_HOURS_DAYS} days up to "
            "today in TIME_ZONE)",
        ),
    ],
)
async def test_options_name_their_defaults(command: str, option_text: str) -> None:
    assert option_text in " ".join((await command_help(command)).split())


async def test_the_command_list_offers_only_what_this_release_has() -> None:
    text = (await financebot("--help")).stdout
    listed = re.findall(r"^    ([a-z]+) ", text, flags=re.MULTILINE)
    assert listed == list(COMMANDS)
    sync_help = " ".join((await command_help("sync")).split())
    assert "aws-billing AWS billing from S3" in sync_help
    assert "Not in this release yet" not in text
