"""The demo's data directory: which files in it are the demo's, and starting over.

The demo keeps its SQLite database (with SQLite's own side files) and the sample company's
start day there. ``--reset`` deletes exactly those; a directory that holds anything else was
not made by the demo alone, so it is left untouched and the reset refused.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import CommandError

DATABASE_FILE = "financebot.sqlite3"
START_FILE = "sample-company-start.txt"
DEMO_FILES = (
    DATABASE_FILE,
    f"{DATABASE_FILE}-journal",  # SQLite's rollback journal, while a write is under way
    f"{DATABASE_FILE}-wal",  # and its write-ahead log files, in WAL mode
    f"{DATABASE_FILE}-shm",
    START_FILE,
)
"""Every file the demo may create in its data directory."""
SHOWN = 5


def reset_data_dir(data_dir: Path) -> list[str]:
    """Deletes the demo's own files in ``data_dir``; returns their names.

    Refuses (CommandError, nothing deleted) when the directory holds anything else.
    """
    if not data_dir.is_dir():
        return []
    others = sorted(p.name for p in data_dir.iterdir() if p.name not in DEMO_FILES or p.is_dir())
    if others:
        listed = ", ".join(others[:SHOWN]) + (
            f" and {len(others) - SHOWN} more" if len(others) > SHOWN else ""
        )
        raise CommandError(
            f"--reset deletes only the demo's own files, but {data_dir} also holds {listed}; "
            "nothing was deleted (move those away, or give another --data-dir)"
        )
    deleted = []
    for name in DEMO_FILES:
        path = data_dir / name
        if path.exists():
            path.unlink()
            deleted.append(name)
    return deleted
