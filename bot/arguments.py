"""What `financebot` accepts on its command line: a parser whose every complaint is one line,
and the checks of the values people type (days, day counts, group names, e-mails).

Each check runs while the arguments are parsed, before settings are read or a database is
opened, and refuses a value with a message that names it, quoted cut short.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

from core.days import is_supported_day, iso_day, unsupported_day
from core.formatting import quoted
from models.aws import is_account_id
from models.groups import GROUP_NAME, NAME_RULE

MAX_DAYS = 36500
"""The largest day count an option takes (a hundred years)."""
MAX_EMAIL = 254
"""The longest e-mail address there can be (RFC 5321's path limit)."""
USAGE_ERROR = 2
"""argparse's exit status for a command line it cannot use."""

_LONGEST_MESSAGE = 300
_ARGUMENT = re.compile(r"^argument ([^:]+): ")
_WHOLE = re.compile(r"[0-9]{1,6}")


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (no usage block), naming
    the command and the argument, then exit with status 2.

    ``coming`` maps choices this release does not have (a command, a sync kind) to what they
    will do: they are not offered, and typing one says plainly that it is not here yet.
    """

    def __init__(self, *args: Any, coming: Mapping[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.coming: Mapping[str, str] = coming or {}

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("financebot").strip()
        if len(message) > _LONGEST_MESSAGE:  # "unrecognized arguments: " and 5000 characters
            message = message[:_LONGEST_MESSAGE] + "…"
        named = _ARGUMENT.match(message)
        if named:  # "argument --as-of: …" → "flex --as-of: …"
            where = f"{command} {named.group(1)}".strip()
            message = f"{where}: {message[named.end() :]}"
        elif command:
            message = f"{command}: {message}"
        help_hint = f"{self.prog} --help"
        sys.stderr.write(f"financebot: {message} (see `{help_hint}`)\n")
        sys.exit(USAGE_ERROR)

    def _check_value(self, action: argparse.Action, value: object) -> None:
        """argparse's own check, with a long value quoted cut short."""
        choices = action.choices
        if choices is not None and value not in choices and value in self.coming:
            message = f"{value} ({self.coming[str(value)]}) is not in this release yet"
            raise argparse.ArgumentError(None, message)
        if choices is not None and value not in choices:
            names = ", ".join(repr(choice) for choice in choices)
            raise argparse.ArgumentError(
                action, f"invalid choice: {quoted(str(value))} (choose from {names})"
            )


def day_option(text: str) -> dt.date:
    """A day written YYYY-MM-DD within 1990..2100."""
    day = iso_day(text.strip())
    if day is None:
        raise argparse.ArgumentTypeError(f"{quoted(text)} is not a date YYYY-MM-DD")
    if not is_supported_day(day):
        raise argparse.ArgumentTypeError(unsupported_day(day))
    return day


def month_option(text: str) -> tuple[int, int]:
    """A calendar month written YYYY-MM within 1990..2100, as (year, month)."""
    day = iso_day(f"{text.strip()}-01") if len(text.strip()) == 7 else None
    if day is None:
        raise argparse.ArgumentTypeError(f"{quoted(text)} is not a month YYYY-MM")
    if not is_supported_day(day):
        raise argparse.ArgumentTypeError(unsupported_day(day))
    return day.year, day.month


def year_option(text: str) -> int:
    """A year within 1990..2100."""
    if not _WHOLE.fullmatch(text.strip()) or not 1990 <= int(text) <= 2100:
        raise argparse.ArgumentTypeError(f"{quoted(text)} is not a year 1990-2100")
    return int(text)


def month_number(text: str) -> int:
    """A month's number, 1..12."""
    if not _WHOLE.fullmatch(text.strip()) or not 1 <= int(text) <= 12:
        raise argparse.ArgumentTypeError(f"{quoted(text)} is not a month 1-12")
    return int(text)


def aws_account_id(text: str) -> str:
    """An AWS account id: 12 digits."""
    if not is_account_id(text.strip()):
        raise argparse.ArgumentTypeError(f"{quoted(text)} is not an AWS account id (12 digits)")
    return text.strip()


def day_count(text: str) -> int:
    """A whole number of days, 0..MAX_DAYS."""
    if not _WHOLE.fullmatch(text.strip()) or int(text) > MAX_DAYS:
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} must be a whole number of days 0-{MAX_DAYS}"
        )
    return int(text)


def folder_option(text: str) -> str:
    """A folder's path: not empty, and not the path of something that is not a folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path is no folder")
    if Path(text).exists() and not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"{quoted(text)} is a file, not a folder")
    return text


def group_name(text: str) -> str:
    """A group's name as groups are named (the web's rule): lowercase letters, digits, '-'."""
    name = text.strip()
    if not GROUP_NAME.fullmatch(name):
        raise argparse.ArgumentTypeError(f"{quoted(text)} is not a group name: use {NAME_RULE}")
    return name


def email_address(text: str) -> str:
    """Something shaped like an e-mail address: one '@' between two non-empty parts, no
    spaces, at most MAX_EMAIL characters. Whether anyone has it is the command's question."""
    email = text.strip()
    local, at, domain = email.rpartition("@")
    if len(email) > MAX_EMAIL or not (local and at and domain) or any(c.isspace() for c in email):
        raise argparse.ArgumentTypeError(f"{quoted(text)} is not an e-mail address")
    return email
