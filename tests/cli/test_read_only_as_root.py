"""A file or folder made read-only is not written, whoever runs crm.

Root may write anything (CAP_DAC_OVERRIDE), so access() alone would let crm replace a file
its owner made read-only. These tests run crm in-process as whoever runs them: as root
they prove that the modes are asked; as anyone else they hold as well.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import Crm
from helpers import every_row, mode, one_sentence

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="file and folder modes differ on Windows")

CONFIG = 'week_start = "monday"\n'


@contextmanager
def made(path: Path, bits: int) -> Iterator[None]:
    """`path` with mode `bits` for the block, writable again after it (for the clean-up)."""
    before = mode(path)
    path.chmod(bits)
    try:
        yield
    finally:
        path.chmod(before)


def test_a_config_file_made_read_only_is_not_replaced_by_set_or_init(crm) -> None:  # noqa: ANN001
    crm.write_config(CONFIG)
    with made(crm.config, 0o444):
        for args in (("config", "set", "week_start", "sunday"), ("config", "init", "--force")):
            result = crm.fails(*args)
            assert result.stdout == ""
            assert one_sentence(result.stderr) == (
                f"crm: The config file {crm.config} is read-only; nothing was changed."
            )
            assert crm.config.read_text(encoding="utf-8") == CONFIG
            assert mode(crm.config) == 0o444
            assert sorted(p.name for p in crm.config.parent.iterdir() if p.suffix == ".tmp") == []
    crm.ok("config", "set", "week_start", "sunday")  # writable again: the same command goes through


def test_a_config_folder_made_read_only_gets_no_new_file(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    crm = Crm(tmp_path / "crm.db", folder / "config.toml")
    with made(folder, 0o555):
        result = crm.fails("config", "init")
        assert one_sentence(result.stderr) == (
            f"crm: The config file {crm.config} cannot be written: its folder {folder.resolve()} "
            "is read-only; nothing was changed."
        )
        assert list(folder.iterdir()) == []


def test_a_database_made_read_only_is_not_written(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann")
    before = every_row(crm.db)
    with made(crm.db, 0o444):
        result = crm.fails("add", "Ola Hansen")
        assert one_sentence(result.stderr) == (
            f"crm: The database {crm.db} is read-only (the folder or file cannot be written); "
            "nothing was changed."
        )
        assert "Kari Nordmann" in crm.ok("contact", "list").stdout  # reading still works
        restored = crm.fails("db", "restore", str(crm.db.with_name("elsewhere.db")), "--yes")
        assert "is read-only" in one_sentence(restored.stderr)
        assert mode(crm.db) == 0o444
    assert every_row(crm.db) == before
    assert sorted(p.name for p in crm.db.parent.iterdir() if "before-restore" in p.name) == []


def test_a_database_folder_made_read_only_gets_nothing_written(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    crm = Crm(folder / "crm.db", tmp_path / "config.toml")
    crm.ok("add", "Kari Nordmann")
    before = every_row(crm.db)
    with made(folder, 0o555):
        result = crm.fails("add", "Ola Hansen")
        assert one_sentence(result.stderr) == (
            f"crm: The database {crm.db} is read-only (the folder or file cannot be written); "
            "nothing was changed."
        )
        assert sorted(p.name for p in folder.iterdir()) == ["crm.db"]
    assert every_row(crm.db) == before


def test_no_new_database_in_a_folder_made_read_only(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    crm = Crm(folder / "crm.db", tmp_path / "config.toml")
    with made(folder, 0o555):
        result = crm.fails("add", "Kari Nordmann")
        assert one_sentence(result.stderr) == (
            f"crm: Cannot create the database {crm.db.resolve()}: {os.strerror(errno.EACCES)}."
        )
        assert list(folder.iterdir()) == []


def test_no_backup_into_a_folder_made_read_only(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann")
    folder = tmp_path / "backups-shared"
    folder.mkdir()
    with made(folder, 0o555):
        result = crm.fails("db", "backup", str(folder / "copy.db"))
        assert one_sentence(result.stderr) == (
            f"crm: Cannot write the backup {folder / 'copy.db'}: {os.strerror(errno.EACCES)}."
        )
        assert list(folder.iterdir()) == []
