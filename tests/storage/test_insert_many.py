"""Database.insert_many: many rows a statement, split at SQLite's limit on parameters."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crmcli.storage.db import open_db


@pytest.mark.parametrize("count", [0, 1, 2000, 4001])
def test_every_row_arrives_in_order_whatever_the_split(tmp_path: Path, count: int) -> None:
    db = open_db(tmp_path / "crm.db")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER)")
    rows = [(i, f"row {i}", None if i % 3 else i) for i in range(1, count + 1)]
    with db.transaction():
        db.insert_many("INSERT INTO t (id, a, b)", rows)
    assert db.execute("SELECT id, a, b FROM t ORDER BY id").fetchall() == rows
    db.close()


def test_a_small_parameter_limit_splits_into_more_statements(tmp_path: Path) -> None:
    db = open_db(tmp_path / "crm.db")
    db.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 7)  # two rows of three a statement
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT)")
    rows = [(i, "x", "y") for i in range(1, 6)]
    db.insert_many("INSERT INTO t (id, a, b)", rows)
    assert db.scalar("SELECT count(*) FROM t") == 5
    db.close()


def test_the_tail_applies_to_every_row_and_errors_stay_sentences(tmp_path: Path) -> None:
    db = open_db(tmp_path / "crm.db")
    db.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)")
    db.insert_many("INSERT INTO t (k, v)", [("a", "1"), ("a", "2"), ("b", "3")],
                   "ON CONFLICT (k) DO UPDATE SET v = excluded.v")  # fmt: skip
    assert db.execute("SELECT k, v FROM t ORDER BY k").fetchall() == [("a", "2"), ("b", "3")]
    with pytest.raises(sqlite3.IntegrityError):
        db.insert_many("INSERT INTO t (k, v)", [("c", "4"), ("c", "5")])
    db.close()


def test_pending_rows_write_whole_statements_and_the_rest_on_flush(tmp_path: Path) -> None:
    from crmcli.storage.importing import PendingRows

    db = open_db(tmp_path / "crm.db")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)")
    db.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 6)  # three rows of two a statement
    pending = PendingRows(db)
    assert pending.insert_many("INSERT INTO t (id, a)", [(1, "a"), (2, "b"), (3, "c"), (4, "d")]) == 3
    assert pending.insert_many("INSERT INTO t (id, a)", [(5, "e")]) == 0
    assert db.scalar("SELECT group_concat(id) FROM t") == "1,2,3"
    pending.flush()
    assert db.scalar("SELECT group_concat(id) FROM t") == "1,2,3,4,5"
    db.close()
