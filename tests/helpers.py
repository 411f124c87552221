"""Small checks several test modules share (tests/ is on sys.path through its conftest)."""

from __future__ import annotations

import csv
import sqlite3
import stat
from pathlib import Path
from typing import Any


def mode(path: Path) -> int:
    """A file's permission bits, such as 0o600."""
    return stat.S_IMODE(path.stat().st_mode)


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    """A CSV file of these rows (UTF-8, the csv module's quoting), for the import tests."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def every_row(db: Path, *, search_tuning: bool = True) -> dict[str, list[tuple]]:
    """Every row of every table (search indexes included), to prove nothing was written.
    An import tunes the search indexes for bulk writing whatever its rows: without
    `search_tuning`, their internal tables are left out."""
    conn = sqlite3.connect(db)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        if not search_tuning:
            names = [name for name in names if "_fts_" not in name]
        return {name: conn.execute(f'SELECT * FROM "{name}"').fetchall() for name in names}
    finally:
        conn.close()


def one_sentence(stderr: str) -> str:
    """The one line of an error: "crm: …." and no traceback."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("crm: ") and lines[0].endswith("."), stderr
    assert "Traceback" not in stderr
    return lines[0]


def rows(crm: Any, sql: str, params: Any = ()) -> list[tuple]:
    """Rows of the test's database file, read through a connection of their own; those of
    an empty CRM where there is no file (a command that failed before writing leaves none)."""
    if not Path(crm.db).exists():
        from crmcli.storage.db import open_db

        empty = open_db(":memory:")
        try:
            return empty.execute(sql, params).fetchall()
        finally:
            empty.close()
    conn = sqlite3.connect(crm.db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def schema_before(path: Path, migration: str) -> sqlite3.Connection:
    """A database file as an older crm left it, every migration before `migration`
    applied: a connection to fill it with rows, to commit and close."""
    from sqlite_utils import Database as UtilsDatabase

    from crmcli.storage.migrations import migrations, registered_names

    utils = UtilsDatabase(sqlite3.connect(path), execute_plugins=False)
    migrations.apply(utils, stop_before=migration)
    utils.conn.execute(f"PRAGMA user_version = {registered_names().index(migration)}")
    return utils.conn


def query_plans(db: Any, run: Any, method: str = "rows") -> list[str]:
    """The query plan steps of every statement that `run()` executes through `db.<method>`
    (rows, scalar, …), in order, as EXPLAIN QUERY PLAN words them."""
    seen: list[str] = []
    original = getattr(db, method)

    def explained(sql: str, params: Any = ()) -> Any:
        seen.extend(row[3] for row in db.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        return original(sql, params)

    setattr(db, method, explained)
    try:
        run()
    finally:
        delattr(db, method)  # the class's method again
    return seen
