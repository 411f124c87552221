"""`open_db()`: the single way into the database.

It creates the file owner-only, sets the pragmas every connection needs, and migrates
when the schema is behind. On an up-to-date file the check is one `PRAGMA user_version`,
so everyday commands never import sqlite-utils.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crmcli.errors import StorageError
from crmcli.storage.schema import SCHEMA_VERSION

BUSY_TIMEOUT_MS = 15_000
# Truncate the WAL back to this size after a checkpoint, so that it never keeps the
# high-water mark of a burst of writes (it grew past 1 GB without it).
JOURNAL_SIZE_LIMIT = 32 * 1024 * 1024

Row = dict[str, Any]


class Database:
    """A connection with explicit transactions; the storage modules take one of these."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self.conn = conn
        self.path = path
        self._depth = 0

    # --- transactions -------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """BEGIN IMMEDIATE ... COMMIT; a nested block is a savepoint.

        IMMEDIATE takes the write lock at the start, so two writers queue on the busy
        timeout instead of failing later with "database is locked" on upgrade.
        """
        if self._depth:
            name = f"sp{self._depth}"
            self.conn.execute(f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                raise
            else:
                self.conn.execute(f"RELEASE {name}")
            finally:
                self._depth -= 1
            return
        self._execute_locked("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            self._execute_locked("COMMIT")
        finally:
            self._depth = 0

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def _execute_locked(self, sql: str) -> None:
        try:
            self.conn.execute(sql)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StorageError(
                    f"The database {self.path} stayed locked by another crm for "
                    f"{BUSY_TIMEOUT_MS // 1000} seconds; nothing was changed, try again."
                ) from exc
            raise

    # --- queries ------------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> sqlite3.Cursor:
        return self.conn.executemany(sql, rows)

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def row(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        cursor = self.conn.execute(sql, params)
        found = cursor.fetchone()
        if found is None:
            return None
        return dict(zip([d[0] for d in cursor.description], found, strict=True))

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        found = self.conn.execute(sql, params).fetchone()
        return None if found is None else found[0]

    def insert(self, table: str, values: dict[str, Any]) -> int:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cursor = self.conn.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values())
        )
        return int(cursor.lastrowid or 0)

    def update(self, table: str, row_id: int, values: dict[str, Any]) -> None:
        if not values:
            return
        assignments = ", ".join(f"{column} = ?" for column in values)
        self.conn.execute(
            f"UPDATE {table} SET {assignments} WHERE id = ?", [*values.values(), row_id]
        )

    def close(self) -> None:
        self.conn.close()

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])


def open_db(path: Path | str, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the database at `path`, ready for use.

    `path` may be ":memory:" for throw-away databases.
    """
    memory = str(path) == ":memory:"
    file_path = None if memory else Path(path)
    if file_path is not None:
        _create_private(file_path)
    try:
        conn = sqlite3.connect(
            ":memory:" if file_path is None else str(file_path),
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,  # we issue BEGIN/COMMIT ourselves
            check_same_thread=False,
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if file_path is not None:
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a committed change survives a power cut, not just a crash.
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
        # Erased personal data is overwritten with zeros, not left in free pages.
        conn.execute("PRAGMA secure_delete = ON")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"Cannot open the database {path}: {exc}.") from exc
    db = Database(conn, file_path)
    if version > SCHEMA_VERSION:
        db.close()
        raise StorageError(
            f"The database {path} was written by a newer crm (schema {version}, this crm "
            f"knows {SCHEMA_VERSION}); upgrade crm to use it."
        )
    if version < SCHEMA_VERSION and migrate:
        from crmcli.storage.migrations import apply_migrations

        apply_migrations(db)
    return db


def _create_private(path: Path) -> None:
    """Create the folder 0700 and the file 0600 before SQLite touches them."""
    if path.exists():
        return
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        pass  # another crm created it between our check and our open
    except OSError as exc:
        raise StorageError(f"Cannot create the database {path}: {exc.strerror}.") from exc
