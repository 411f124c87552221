"""`open_db()`: the single way into the database.

It creates the file owner-only, sets the pragmas every connection needs, and migrates
when the schema is behind (after a backup of the file as it was). On an up-to-date file
the check is one `PRAGMA user_version`, so everyday commands never import sqlite-utils.
A file at schema 0 that holds tables, or at another schema without crm's record of its
migrations, is another program's database: it is refused as it was found
(`NotACrmDatabase`), not migrated, switched to WAL or backed up.

Several crm processes may use one file at once (a cron job, an import, two people):
- the file is in WAL mode, so readers never wait for writers;
- every write is `BEGIN IMMEDIATE ... COMMIT` (`Database.transaction`): writers queue on
  the busy timeout instead of failing half-way with "database is locked";
- a lock that outlasts the timeout, wherever it surfaces (a read waiting on crash
  recovery, a commit, a migration), becomes one sentence (`StorageError`), and the
  open transaction is rolled back, so nothing is half-written;
- after a commit, when the write-ahead log has grown past `WAL_TRUNCATE_BYTES` (it does
  when readers keep overlapping and the automatic checkpoints cannot restart it), one
  `wal_checkpoint(TRUNCATE)` brings it back to zero. The check is one stat() of the file.

A file crm cannot write, or one in a folder it cannot write (a backup mount, a colleague's
folder shared read-only), is opened read-only: the commands that read work, and the first
write is refused in one sentence (`read_only_message`) before anything changes. Those
decisions are made where the file really is: SQLite keeps the -wal and -shm beside the file
a link points at, not beside the link.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import TYPE_CHECKING, Any

from crmcli.errors import NeedsRecovery, StorageError
from crmcli.storage.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from pathlib import Path

BUSY_TIMEOUT_MS = 15_000
# Truncate the WAL back to this size after a checkpoint, so that it never keeps the
# high-water mark of a burst of writes (it grew past 1 GB without it).
JOURNAL_SIZE_LIMIT = 32 * 1024 * 1024
# A WAL this large means the automatic (passive) checkpoints are being starved by readers.
# SQLite's own checkpoints keep it near 4 MB (1000 pages) when nothing gets in the way.
WAL_TRUNCATE_BYTES = 16 * 1024 * 1024
# How long a truncating checkpoint after a write may wait for readers to move on. crm's
# reads take milliseconds, so this is usually plenty; while a long report keeps reading,
# a write pays at most this once the log is large, and the next one tries again.
CHECKPOINT_WAIT_MS = 200

# Tables of timeline rows (a contact's stage changes, a case's events): rows a command adds
# to a record's story. Those written in a transaction are listed in `timeline_written`, so
# that the change can name them and `crm undo` can remove exactly those.
TIMELINE_TABLES = frozenset({"lifecycle_changes", "case_events", "deal_stage_changes"})

# Records the history speaks of, by table: a new one gets an id no record of its kind ever
# had, not SQLite's max(id) + 1, which hands a deleted record's id to the next one. The
# history keeps the deleted record's rows under that id, and they would then read as the
# new record's: its GDPR export would carry someone else's personal data.
HISTORY_ENTITIES = {"contacts": "contact", "companies": "company", "deals": "deal", "cases": "case",
                    "activities": "activity", "feedback": "feedback"}  # fmt: skip

Row = dict[str, Any]


class NotACrmDatabase(StorageError):
    """The file is an SQLite database crm did not make (schema 0 with tables, or a schema
    without crm's record of its migrations): crm neither reads nor migrates it."""


def locked_message(path: Path | str | None) -> str:
    return (
        f"The database {path} stayed locked by another crm for {BUSY_TIMEOUT_MS // 1000} "
        "seconds; nothing was changed, try again."
    )


def read_only_message(path: Path | str | None) -> str:
    return f"The database {path} is read-only (the folder or file cannot be written); nothing was changed."


def side_file_message(path: Path | str | None, side: str) -> str:
    return (
        f"The database {path} cannot be written: the file {side} beside it is read-only; make it "
        "writable, or remove it while nothing has the database open; nothing was changed."
    )


def write_refusal(file_path: str) -> str | None:
    """Why crm cannot write the database at `file_path`, in one sentence, or None when it can.

    Besides the file and its folder, a -wal or -shm that crm cannot write stops every write:
    SQLite then opens the whole database read-only (a read that could not write left a -shm
    with the file's mode 0444, say), and the sentence names that file, which is the one to fix.
    """
    from crmcli.permissions import writable

    real = os.path.realpath(file_path)
    if not _folder_writable(real) or (os.path.exists(real) and not writable(real)):
        return read_only_message(file_path)
    side = _unwritable_beside(real)
    return None if side is None else side_file_message(file_path, side)


def _unwritable_beside(real: str) -> str | None:
    """The -wal or -shm beside the file that crm may not write, if any."""
    return _beside_without(real, ("-wal", "-shm"), os.W_OK)


def _beside_without(real: str, suffixes: tuple[str, ...], access: int) -> str | None:
    """The first of the files beside `real` (its -wal, -shm, …) that exists but that crm
    lacks `access` (os.R_OK, os.W_OK) to, if any."""
    from crmcli.permissions import writable

    for suffix in suffixes:
        side = f"{real}{suffix}"
        # Root may read every file as SQLite does, but writes only those meant to be written.
        permitted = writable(side) if access == os.W_OK else os.access(side, access)
        if os.path.exists(side) and not permitted:
            return side
    return None


def is_read_only_error(exc: BaseException | None) -> bool:
    """SQLite refused to write: SQLITE_READONLY and its extended codes (…_DIRECTORY, …_RECOVERY)."""
    return (
        isinstance(exc, sqlite3.OperationalError) and exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_READONLY
    )


def is_lock_error(exc: BaseException) -> bool:
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    text = str(exc)
    return "locked" in text or "busy" in text


class Database:
    """A connection with explicit transactions; the storage modules take one of these."""

    def __init__(self, conn: sqlite3.Connection, file: str | None) -> None:
        self.conn = conn
        self.file = file  # the file's name as given; None in memory
        self._depth = 0
        # Found at the first commit, beside the file a link points at: only writers need it.
        self._wal_path: str | None = None
        # Set by open_db when it migrated this file: (schema before, backup made or None).
        self.migrated: tuple[int, Path | None] | None = None
        self.timeline_written: list[tuple[str, int]] = []
        # Facts read from the schema (columns, foreign keys), kept for the connection's life:
        # commands never change the schema once open_db has migrated it.
        self.schema_cache: dict[Any, Any] = {}
        # Opened read-only by open_db (crm cannot write the file or its folder): every write
        # transaction is refused before it begins.
        self.read_only = False

    @property
    def path(self) -> Path | None:
        """The file as a Path, for the commands that work on it (backups, the doctor)."""
        if self.file is None:
            return None
        from pathlib import Path

        return Path(self.file)

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
            written = len(self.timeline_written)
            try:
                yield self
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                # The rows rolled back are not the change's: SQLite hands their ids to the
                # next rows written, which `crm undo` of this change would then delete.
                del self.timeline_written[written:]
                raise
            else:
                self.conn.execute(f"RELEASE {name}")
            finally:
                self._depth -= 1
            return
        if self.read_only:
            raise StorageError(read_only_message(self.file))
        self._execute_locked("BEGIN IMMEDIATE")
        self._depth = 1
        self.timeline_written = []
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            try:
                self._execute_locked("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
        finally:
            self._depth = 0
        self._after_commit()

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def _execute_locked(self, sql: str) -> None:
        try:
            self.conn.execute(sql)
        except sqlite3.OperationalError as exc:
            translated = self._translated(exc)
            if translated is exc:
                raise
            raise translated from exc

    # --- keeping the write-ahead log small ------------------------------------------------

    def _after_commit(self) -> None:
        if self.file is None:
            return
        if self._wal_path is None:
            self._wal_path = f"{os.path.realpath(self.file)}-wal"
        try:
            size = os.stat(self._wal_path).st_size
        except OSError:
            return
        if size >= WAL_TRUNCATE_BYTES:
            self.checkpoint(wait_ms=CHECKPOINT_WAIT_MS)

    def checkpoint(self, *, wait_ms: int = CHECKPOINT_WAIT_MS) -> bool:
        """Copy the WAL into the file and truncate it to zero; False when readers held on.

        Never raises for a busy database: the passive checkpoints SQLite runs on every
        commit keep working, and the next large-WAL commit tries again.
        """
        if self.file is None or self._depth or self.read_only:
            return False
        self.conn.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
        try:
            busy, _, _ = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.OperationalError as exc:
            if is_lock_error(exc):
                return False
            raise
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return not busy

    # --- queries ------------------------------------------------------------------------
    # A lock can surface on any statement (a read waits while another process recovers
    # the WAL after a crash); each becomes the same one sentence.

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.OperationalError as exc:
            raise self._translated(exc) from exc

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> sqlite3.Cursor:
        try:
            return self.conn.executemany(sql, rows)
        except sqlite3.OperationalError as exc:
            raise self._translated(exc) from exc

    def insert_many(
        self, head: str, rows: Sequence[Sequence[Any]], tail: str = "", *, whole_only: bool = False
    ) -> int:
        """`head VALUES (…), (…), … tail` for many rows of equal width, as few statements
        as SQLite's limit on parameters allows (at most 2,000 rows each); with
        `whole_only`, only full statements. Returns how many rows went in.

        executemany steps once a row and takes the GIL back between rows, so a thread that
        validates the next batch meanwhile stalls it for up to a switch interval each time
        (5 ms): measured, 200,000 rows took minutes beside a busy thread. One statement
        for many rows lets SQLite insert them all without the GIL, and alone it is a third
        quicker than executemany too. A bulk writer leaves the rest of a batch for the next
        one (PendingRows): sqlite3 keeps every statement it prepared, and one for each size
        of a last part cost 30 MB over a million rows."""
        if not rows:
            return 0
        width = len(rows[0])
        per = max(1, min(self.conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width, 2000))
        one = "(" + ",".join("?" * width) + ")"
        full = f"{head} VALUES {','.join([one] * per)} {tail}"
        end = len(rows) - len(rows) % per if whole_only else len(rows)
        try:
            for start in range(0, end, per):
                part = rows[start : min(start + per, end)]
                sql = full if len(part) == per else f"{head} VALUES {','.join([one] * len(part))} {tail}"
                self.conn.execute(sql, list(chain.from_iterable(part)))
        except sqlite3.OperationalError as exc:
            raise self._translated(exc) from exc
        return end

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        try:
            cursor = self.conn.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        except sqlite3.OperationalError as exc:
            raise self._translated(exc) from exc

    def row(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        try:
            cursor = self.conn.execute(sql, params)
            found = cursor.fetchone()
        except sqlite3.OperationalError as exc:
            raise self._translated(exc) from exc
        if found is None:
            return None
        return dict(zip([d[0] for d in cursor.description], found, strict=True))

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        try:
            found = self.conn.execute(sql, params).fetchone()
        except sqlite3.OperationalError as exc:
            raise self._translated(exc) from exc
        return None if found is None else found[0]

    def insert(self, table: str, values: dict[str, Any]) -> int:
        if table in HISTORY_ENTITIES and "id" not in values:
            values = {"id": self.unused_id(table), **values}
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cursor = self.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values()))
        row_id = int(cursor.lastrowid or 0)
        if table in TIMELINE_TABLES and self._depth:
            self.timeline_written.append((table, row_id))
        return row_id

    def unused_id(self, table: str) -> int:
        """The next id of a record table that was never given before: above every id in the
        table and every id its history names (deleted records included). Both are one
        step down an index; ids given within one write transaction do not race."""
        entity = HISTORY_ENTITIES[table]
        return int(
            self.scalar(
                f"SELECT max(coalesce((SELECT max(id) FROM {table}), 0), "
                "coalesce((SELECT max(entity_id) FROM history WHERE entity = ?), 0)) + 1",
                [entity],
            )
        )

    def update(self, table: str, row_id: int, values: dict[str, Any]) -> None:
        if not values:
            return
        assignments = ", ".join(f"{column} = ?" for column in values)
        self.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", [*values.values(), row_id])

    def _translated(self, exc: sqlite3.OperationalError) -> Exception:
        if is_lock_error(exc):
            return StorageError(locked_message(self.file))
        if is_read_only_error(exc):  # SQLite opened it read-only itself (a -shm it cannot write)
            refusal = None if self.file is None else write_refusal(self.file)
            return StorageError(refusal or read_only_message(self.file))
        if self.file is not None and str(exc).startswith("no such table"):
            # Another program's file that happens to be at crm's schema version: opening it
            # asked nothing more (the everyday case costs one PRAGMA), so it is named here.
            try:
                version_of_a_crm_file(self.conn, self.file)
            except NotACrmDatabase as foreign:
                return foreign
        return exc

    def close(self) -> None:
        self.conn.close()

    @property
    def schema_version(self) -> int:
        return int(self.scalar("PRAGMA user_version"))

    def refuse_another_programs(self) -> None:
        """`NotACrmDatabase` for another program's file at crm's schema version, which
        opening it does not ask about (`version_of_a_crm_file`)."""
        if self.file is not None:
            version_of_a_crm_file(self.conn, self.file)


def open_db(path: Path | str, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the database at `path`, ready for use; read-only where crm
    cannot write the file or its folder.

    `path` may be ":memory:" for throw-away databases.
    """
    memory = str(path) == ":memory:"
    file_path = None if memory else os.fspath(path)
    read_only = False
    # One access() where a stat() was: a file crm can write, the everyday case, costs no more.
    # Root, whom access() never refuses, is asked the modes (writable), the folder's too:
    # SQLite would make the -wal and -shm in a folder made 0555, where a user's crm cannot
    # and opens the file read-only.
    if file_path is not None and not _writable_with_its_folder(file_path):
        read_only = os.path.exists(file_path)
        if not read_only:
            folder = os.path.dirname(os.path.realpath(file_path))
            if os.path.isdir(folder) and not _folder_writable(file_path):
                import errno  # refused as _create_private is refused, where root would not be

                raise StorageError(
                    f"Cannot create the database {os.path.realpath(file_path)}: {os.strerror(errno.EACCES)}."
                )
            _create_private(file_path)
    try:
        try:
            conn, version = _connect(file_path, read_only=read_only)
        except sqlite3.OperationalError as exc:
            # A file crm may write, in a folder it may not: SQLite cannot make the -wal and
            # -shm files that WAL mode keeps beside it, even to read.
            if read_only or file_path is None or is_lock_error(exc) or _folder_writable(file_path):
                raise
            read_only = True
            conn, version = _connect(file_path, read_only=True)
    except sqlite3.DatabaseError as exc:
        raise open_error(path, exc, read_only=read_only) from exc
    db = Database(conn, file_path)
    db.read_only = read_only
    if version > SCHEMA_VERSION:
        db.close()
        raise StorageError(
            f"The database {path} was written by a newer crm (schema {version}, this crm "
            f"knows {SCHEMA_VERSION}); upgrade crm to use it."
        )
    if version < SCHEMA_VERSION and migrate:
        try:
            _migrate_if_writable(db, path, version)
        except BaseException:
            db.close()
            raise
    return db


def _connect(file_path: str | None, *, read_only: bool) -> tuple[sqlite3.Connection, int]:
    """A connection with the pragmas crm needs, and the file's schema version. Read-only, it
    leaves the file's journal mode alone: switching it is a write."""
    target = ":memory:" if file_path is None else read_only_uri(file_path) if read_only else file_path
    conn = sqlite3.connect(
        target,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,  # we issue BEGIN/COMMIT ourselves
        check_same_thread=False,
        uri=read_only,
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Read before anything is written (the switch to WAL is a write): a file of another
        # program is refused as it was found. Up to date, this is the only question asked.
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version != SCHEMA_VERSION and file_path is not None:
            version = version_of_a_crm_file(conn, file_path)
        conn.execute("PRAGMA foreign_keys = ON")
        if file_path is not None and not read_only:
            _use_wal(conn, file_path, version)
            # FULL: a committed change survives a power cut, not just a crash.
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
        # Erased personal data is overwritten with zeros, not left in free pages.
        conn.execute("PRAGMA secure_delete = ON")
        # NOCASE folds only A-Z: "Øl" would not find "øl", which routing rules do match.
        conn.create_function("crm_fold", 1, _fold, deterministic=True)
        return conn, version
    except BaseException:
        conn.close()
        raise


def foreign_message(path: Path | str, name: str | None) -> str:
    what = f"it has tables crm did not make, such as {name}" if name else "crm did not make it"
    return (
        f"The file {path} is an SQLite database of another program ({what}); "
        "point --db or CRM_DB at a crm database."
    )


def version_of_a_crm_file(conn: sqlite3.Connection, file_path: str) -> int:
    """The schema version of a crm file, or `NotACrmDatabase` for another program's.

    crm makes its tables and sets the version in one transaction, so a file at version 0
    is crm's only while it holds nothing (a new or empty file). At any other version it
    holds crm's record of the migrations that made it (`_sqlite_migrations`, set "crm"):
    another program that sets its own user_version (many do) is not migrated into crm's
    shape. Everything is read in one statement: another crm may have just made its tables
    in a new file.
    """
    version, name, ours = conn.execute(
        "SELECT user_version, (SELECT name FROM sqlite_master "
        "ORDER BY type <> 'table', name GLOB 'sqlite_*', rowid LIMIT 1), "
        "(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations') "
        "FROM pragma_user_version"
    ).fetchone()
    if int(version) == 0:
        if name is not None:
            raise NotACrmDatabase(foreign_message(file_path, name))
        return 0
    if (
        not ours
        or not conn.execute("SELECT 1 FROM _sqlite_migrations WHERE migration_set = 'crm' LIMIT 1").fetchone()
    ):
        raise NotACrmDatabase(foreign_message(file_path, name))
    return int(version)


def read_only_uri(file_path: str) -> str:
    """The URI that opens `file_path` for reading only, writing nothing beside it."""
    from urllib.parse import quote

    # SQLite looks for the -wal, -shm and -journal beside the file a link points at.
    real = os.path.realpath(file_path)
    wal, shm, journal = (os.path.exists(f"{real}{suffix}") for suffix in ("-wal", "-shm", "-journal"))
    # A -wal, -shm or -journal beside the file: a connection has it open, or left changes
    # that are not in the file yet. mode=ro reads them (SQLite 3.22+ needs no write for that).
    in_use = wal or shm or journal
    # Otherwise immutable=1: SQLite reads the file alone, with no locks and no -shm to make
    # (it cannot make one in a folder crm cannot write, and should not leave one beside a
    # file crm may not change). Trusting that nothing writes the file meanwhile is safe
    # here: nobody is writing it now (a writer in WAL mode keeps a -wal and a -shm beside
    # it), and nobody can start with crm's rights, which were just refused the write. Only
    # someone with more (the folder's owner) could, within a read that takes milliseconds.
    query = "mode=ro" if in_use else "mode=ro&immutable=1"
    if wal and not shm:
        # Reading the log needs a -shm, which SQLite would make (with the file's mode, 0444
        # here, in the way of later writers): readonly_shm makes it fail instead (open_error).
        query += "&readonly_shm=1"
    return f"file:{quote(real)}?{query}"


def _writable_with_its_folder(file_path: str) -> bool:
    """Whether crm may write the database file (and, as root, make files beside it)."""
    if not os.access(file_path, os.W_OK):
        return False
    from crmcli.permissions import running_as_root, writable

    return not running_as_root() or (writable(file_path) and _folder_writable(file_path))


def _folder_writable(file_path: str) -> bool:
    """Whether crm may make files beside `file_path`, or beside the file it links to: SQLite
    keeps the -wal and -shm there."""
    from crmcli.permissions import writable

    return writable(os.path.dirname(os.path.realpath(file_path)))


def open_error(path: Path | str, exc: sqlite3.DatabaseError, *, read_only: bool) -> StorageError:
    """SQLite's refusal to open the database at `path` as one sentence that says which file
    is in the way and what to do."""
    if is_lock_error(exc):
        return StorageError(locked_message(path))
    real = os.path.realpath(path)
    code = exc.sqlite_errorcode
    if read_only and code in (sqlite3.SQLITE_READONLY_ROLLBACK, sqlite3.SQLITE_READONLY_RECOVERY):
        log = f"{real}-journal" if code == sqlite3.SQLITE_READONLY_ROLLBACK else f"{real}-wal"
        return NeedsRecovery(
            f"The database {path} was left mid-write and needs recovering from the {log} beside "
            "it, which crm cannot do here: it is read-only (the folder or file cannot be "
            "written); open it once where it can be written."
        )
    if code == sqlite3.SQLITE_CANTOPEN and os.access(path, os.R_OK):
        unreadable = _unreadable_beside(real)
        if unreadable:
            return StorageError(
                f"Cannot read the database {path}: crm may not read the file {unreadable} beside it."
            )
        if read_only and os.path.exists(f"{real}-wal") and not os.path.exists(f"{real}-shm"):
            return NeedsRecovery(
                f"Cannot read the database {path}: its log {real}-wal needs a {real}-shm file beside "
                "it, which is missing, and crm makes none where the database is read-only (the "
                "folder or file cannot be written); open it once where it can be written."
            )
    return StorageError(f"Cannot open the database {path}: {exc}.")


def _unreadable_beside(real: str) -> str | None:
    """The -wal, -shm or -journal beside the file that crm may not read, if any."""
    return _beside_without(real, ("-wal", "-shm", "-journal"), os.R_OK)


def _migrate_if_writable(db: Database, path: Path | str, version: int) -> None:
    """Migrate the file, or say in one sentence that it needs it where it can be written.

    An older schema is not read as it is: every query assumes this crm's schema (the
    columns and tables later migrations added), so an old file would fail on some commands
    and, worse, answer others without what those columns hold."""
    refused = StorageError(
        f"The database {path} has schema {version}, older than this crm's ({SCHEMA_VERSION}), and "
        "is read-only here (the folder or file cannot be written); run `crm db migrate` on it "
        "where it can be written."
    )
    if db.read_only:
        raise _empty_refusal(path, db) or refused
    try:
        _migrate(db, version)
    except StorageError as exc:
        # SQLite opened the file read-only on its own. A -wal or -shm beside it that crm
        # cannot write is named by the failed write's own sentence: that is the file to fix.
        if is_read_only_error(exc.__cause__) and _unwritable_beside(os.path.realpath(path)) is None:
            raise refused from exc
        raise


def _empty_refusal(path: Path | str, db: Database) -> StorageError | None:
    """An empty file is no database (paths.no_database_at), not one of schema 0: say so."""
    from crmcli.paths import no_database_at

    if db.file is None or not no_database_at(db.file):
        return None
    return StorageError(
        f"The database file {path} is empty and read-only (the folder or file cannot be "
        "written): it holds no database, and crm cannot make one there; nothing was changed."
    )


def _fold(value: Any) -> Any:
    from crmcli.validate import fold

    return fold(value) if isinstance(value, str) else value


def same_text(column: str, wanted: str) -> tuple[str, str]:
    """A WHERE term and its parameter: `column` equals `wanted` in any case, as routing
    rules and search compare text (crm_fold is validate.fold)."""
    from crmcli.validate import fold

    return f"crm_fold({column}) = ?", fold(wanted.strip())


def _migrate(db: Database, version: int) -> None:
    """Apply the pending migrations; a file that holds data is backed up first.

    The write lock is taken before the backup, so that when several crm start at once on
    an old file, one of them backs it up and migrates, and the others find it done.
    """
    from crmcli.storage.migrations import apply_migrations

    if version == 0 or db.file is None:
        apply_migrations(db)  # a new file: nothing to keep
        db.migrated = (version, None)
        return
    from pathlib import Path

    from crmcli.storage.backup import backup_file, migration_backup_path

    file = Path(db.file)
    with db.transaction():
        current = db.schema_version
        if current >= SCHEMA_VERSION:
            return
        # Another connection reads the file as last committed: the schema as it was.
        kept = backup_file(file, migration_backup_path(file, current))
        apply_migrations(db)
    db.migrated = (current, kept)


def _use_wal(conn: sqlite3.Connection, file_path: str, version: int) -> None:
    """Put the file in WAL mode (nothing to do when it is: every file crm made is).

    A file at crm's schema version that is not in WAL mode may be another program's that
    sets the same user_version: opening asked nothing else, so it is asked here, before
    the switch writes to it (`version_of_a_crm_file`).

    Switching a file in rollback mode, one crm did not make, needs its write lock; while
    another process holds it, SQLite answers "locked" at once instead of waiting out the
    busy timeout (waiting could deadlock). So the switch is tried again until the timeout,
    as any other statement would wait: two crm opening such a file at once both succeed."""
    if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    if version == SCHEMA_VERSION:
        version_of_a_crm_file(conn, file_path)
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not is_lock_error(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def _create_private(path: str) -> None:
    """Create the folder 0700 and the file 0600 before SQLite touches them."""
    if os.path.exists(path):
        return
    # A link to a database not made yet (kept elsewhere): make the file it points at, private
    # as any; O_EXCL refuses a link, and SQLite would then make it with the umask's mode.
    path = os.path.realpath(path)
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        pass  # another crm created it between our check and our open
    except OSError as exc:
        raise StorageError(f"Cannot create the database {path}: {exc.strerror}.") from exc


def batches(ids: Sequence[int], size: int = 500) -> Iterator[list[int]]:
    """`ids` in lists of at most `size`, for `IN (…)`: SQLite caps the parameters of a query."""
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])
