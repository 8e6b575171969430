"""`financebot import contracts|corrections FILE.csv`: upsert HR data from a CSV file.

Every bad row is printed as ``FILE:LINE: message`` on stderr and nothing is imported; a good
file is applied in one transaction and summarised in one line.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError

from core.db import DatabaseError, open_database
from core.errors import CommandError
from core.settings import Settings
from models.flex.contract_import import import_contracts
from models.flex.correction_import import import_corrections
from models.flex.csv_import import ImportCounts, ImportRejected

IMPORTS: dict[str, Callable[..., Awaitable[ImportCounts]]] = {
    "contracts": import_contracts,
    "corrections": import_corrections,
}


def read_file(name: str) -> bytes:
    path = Path(name)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CommandError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise CommandError(f"{name}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise CommandError(f"{name}: cannot read the file ({exc.strerror or exc})") from None


def import_actor(name: str) -> str:
    """Who the audit log names: the file and the OS user who ran the import."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in the environment or password database
        user = "unknown user"
    return f"import:{Path(name).name} ({user})"


async def run(settings: Settings, args: argparse.Namespace) -> int:
    data = read_file(args.file)
    try:
        async with open_database(settings.database_url):
            counts = await IMPORTS[args.what](data, actor=import_actor(args.file))
    except DatabaseError as exc:
        raise CommandError(str(exc)) from exc
    except ImportRejected as exc:
        for error in exc.errors:
            print(f"{args.file}:{error.line}: {error.message}", file=sys.stderr)
        rows = exc.bad_lines
        raise CommandError(
            f"{rows} bad row{'' if rows == 1 else 's'} in {args.file}; nothing imported"
        ) from exc
    except IntegrityError as exc:
        raise CommandError(
            f"{args.file}: the {args.what} changed while importing; nothing imported, try again"
        ) from exc
    except (OperationalError, DBConnectionError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CommandError(f"database error while importing {args.file}: {reason}") from exc
    print(counts.summary(args.what))
    return 0
