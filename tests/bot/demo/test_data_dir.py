"""`financebot demo --reset`: the demo deletes its own files and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.demo.data_dir import DATABASE_FILE, DEMO_FILES, START_FILE, reset_data_dir
from core.errors import CommandError


def test_reset_deletes_the_demos_own_files(tmp_path: Path) -> None:
    for name in (DATABASE_FILE, f"{DATABASE_FILE}-wal", START_FILE):
        (tmp_path / name).write_text("x")
    assert reset_data_dir(tmp_path) == [DATABASE_FILE, f"{DATABASE_FILE}-wal", START_FILE]
    assert tmp_path.is_dir() and not list(tmp_path.iterdir())
    assert reset_data_dir(tmp_path) == []  # nothing left: nothing to do
    assert reset_data_dir(tmp_path / "never-made") == []


@pytest.mark.parametrize("other", ["notes.txt", "financebot.sqlite3.bak", "backup/"])
def test_reset_refuses_a_folder_holding_anything_else(tmp_path: Path, other: str) -> None:
    for name in DEMO_FILES:
        (tmp_path / name).write_text("x")
    if other.endswith("/"):
        (tmp_path / other).mkdir()
    else:
        (tmp_path / other).write_text("mine")
    with pytest.raises(CommandError) as refused:
        reset_data_dir(tmp_path)
    assert f"also holds {other.rstrip('/')}; nothing was deleted" in str(refused.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*DEMO_FILES, other.rstrip("/")])


def test_reset_refuses_a_folder_named_like_a_demo_file(tmp_path: Path) -> None:
    (tmp_path / START_FILE).mkdir()
    with pytest.raises(CommandError, match=f"also holds {START_FILE};"):
        reset_data_dir(tmp_path)
    assert (tmp_path / START_FILE).is_dir()


def test_the_refusal_lists_a_few_names_and_counts_the_rest(tmp_path: Path) -> None:
    for n in range(8):
        (tmp_path / f"file{n}").write_text("mine")
    with pytest.raises(CommandError, match=r"holds file0, file1, file2, file3, file4 and 3 more;"):
        reset_data_dir(tmp_path)
