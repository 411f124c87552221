"""The schema: migrations from a blank file, the cheap version check, file modes."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from crmcli.errors import StorageError
from crmcli.storage.db import open_db
from crmcli.storage.migrations import registered_names
from crmcli.storage.schema import SCHEMA_VERSION
from helpers import schema_before


def test_schema_version_counts_the_migrations() -> None:
    assert SCHEMA_VERSION == len(registered_names())


def test_blank_file_is_migrated_and_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "crm.db"
    db = open_db(path)
    assert db.schema_version == SCHEMA_VERSION
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {
        "contacts",
        "companies",
        "tags",
        "custom_fields",
        "history",
        "changes",
        "activities",
        "deals",
        "cases",
        "feedback",
        "consents",
        "contacts_fts",
    } <= tables
    applied = [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == registered_names()
    assert db.scalar("PRAGMA journal_mode") == "wal"
    assert db.scalar("PRAGMA foreign_keys") == 1
    db.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_an_empty_existing_file_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    path.touch()
    assert open_db(path).schema_version == SCHEMA_VERSION


def test_every_earlier_schema_migrates_forward(tmp_path: Path) -> None:
    """Apply the migrations one at a time from blank, as older crm versions left them."""
    for stop in registered_names()[1:]:
        path = tmp_path / f"before-{stop}.db"
        conn = schema_before(path, stop)
        conn.commit()
        conn.close()
        assert open_db(path).schema_version == SCHEMA_VERSION


def test_up_to_date_database_does_not_import_sqlite_utils(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "crm.db"
    open_db(path).close()
    code = (
        "import sys; from crmcli.storage.db import open_db; open_db(sys.argv[1]); "
        "print('sqlite_utils' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    open_db(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StorageError, match="written by a newer crm"):
        open_db(path)


def test_not_a_database_is_one_sentence(crm) -> None:  # noqa: ANN001
    crm.db.write_bytes(b"this is not sqlite" * 100)
    result = crm.fails("contact", "list")
    assert result.stderr.startswith("crm: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_file_of_another_program_is_not_migrated(tmp_path: Path) -> None:
    from crmcli.storage.db import NotACrmDatabase

    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE foo (x)")
    conn.commit()
    conn.close()
    for migrate in (True, False):
        with pytest.raises(
            NotACrmDatabase, match=r"another program \(it has tables crm did not make, such as foo\)"
        ):
            open_db(path, migrate=migrate)
    conn = sqlite3.connect(path)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["foo"]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


def test_an_up_to_date_file_asks_only_its_version(tmp_path: Path) -> None:
    """The check for another program's file costs an up-to-date file nothing: its schema is
    not read on the way in."""
    path = tmp_path / "crm.db"
    open_db(path).close()
    asked: list[str] = []
    real_connect = sqlite3.connect

    def connect(database: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = real_connect(database, **kwargs)
        conn.set_trace_callback(asked.append)
        return conn

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sqlite3, "connect", connect)
        open_db(path).close()
    assert not [sql for sql in asked if "sqlite_master" in sql], asked
