"""Copies of the database file: online backups, checks of a file, and restoring one.

A backup is `VACUUM INTO` a new private file: one read transaction, so it is a
consistent snapshot while other crm keep writing (WAL readers never wait), and compact,
so it carries no free pages (nothing erased survives into it). It is written under a
temporary name, synced, checked, then renamed: a backup that exists is complete.

A restore copies the chosen file into the live database with SQLite's backup API, as one
write transaction on it: crm processes that have the file open see the old data or the
new, never a mixture, and a crash half-way leaves the old data in place.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from crmcli.errors import StorageError
from crmcli.permissions import writable
from crmcli.storage.db import (
    BUSY_TIMEOUT_MS,
    is_lock_error,
    locked_message,
    open_error,
    read_only_message,
    read_only_uri,
    version_of_a_crm_file,
    write_refusal,
)
from crmcli.storage.schema import SCHEMA_VERSION

BACKUP_FOLDER = "backups"
# Tables every crm database has had since the first schema.
CRM_TABLES = frozenset({"contacts", "companies", "changes", "history", "contact_points"})


def stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def backup_folder(db_path: Path) -> Path:
    return db_path.parent / BACKUP_FOLDER


def default_backup_path(db_path: Path) -> Path:
    return _unused(backup_folder(db_path) / f"{db_path.stem}-{stamp()}.db")


def migration_backup_path(db_path: Path, schema: int) -> Path:
    return _unused(backup_folder(db_path) / f"{db_path.stem}-schema{schema}-{stamp()}.db")


def before_restore_path(db_path: Path) -> Path:
    return _unused(db_path.with_name(f"{db_path.name}.before-restore-{stamp()}"))


def kept_copies(db_path: Path) -> list[Path]:
    """Every copy of the database at `db_path` that was kept beside it: the files in
    backups/ named after it (`crm-<time>.db`, `crm-schema3-<time>.db`, and any other
    `crm-….db` written there), and the files restores set aside (`crm.db.before-restore-<time>`).
    A name already taken in the same second gets `-2`, `-3` … from `_unused`, before its
    suffix: `crm-<time>-2.db`, `crm.db-2.before-restore-<time>`. The -wal and -shm that a
    damaged file took aside with it belong to its copy and are not counted again."""
    import re

    folder = backup_folder(db_path)
    backups = list(folder.glob(f"{db_path.stem}-*.db")) if folder.is_dir() else []
    restored = re.compile(rf"{re.escape(db_path.name)}(?:-\d+)?\.before-restore-\d{{8}}T\d{{6}}Z")
    set_aside = [p for p in db_path.parent.glob(f"{db_path.name}*") if restored.fullmatch(p.name)]
    return sorted(p for p in backups + set_aside if p.is_file())


def _unused(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def backup_file(db_path: Path, target: Path) -> Path:
    """A consistent, private (0600) copy of the database at `db_path`, written to `target`."""
    conn = _connect(db_path) if _writable(db_path) else _connect_read_only(db_path)
    try:
        version_of_a_crm_file(conn, str(db_path))  # another program's file is not copied as crm's
        return backup_connection(conn, target, label=str(db_path))
    finally:
        conn.close()


def backup_connection(conn: sqlite3.Connection, target: Path, *, label: str) -> Path:
    """VACUUM INTO a temporary private file beside `target`, sync it, check it, rename it."""
    _refuse_unwritable_folder(target)
    _private_folder(target.parent)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        try:
            conn.execute("VACUUM INTO ?", [str(partial)])
        except sqlite3.OperationalError as exc:
            if is_lock_error(exc):
                raise StorageError(locked_message(label)) from exc
            raise StorageError(f"Cannot back up {label}: {exc}.") from exc
        _fsync(partial)
        problem = _quick_check(partial)
        if problem:
            raise StorageError(f"The backup of {label} did not pass its check ({problem}); it was not kept.")
        os.replace(partial, target)
        _fsync_folder(target.parent)
    except OSError as exc:
        raise StorageError(f"Cannot write the backup {target}: {exc.strerror or exc}.") from exc
    finally:
        partial.unlink(missing_ok=True)
    return target


@dataclass
class FileInfo:
    """What a candidate for restoring is: checked before anything is replaced."""

    path: Path
    schema: int
    contacts: int
    companies: int
    size: int


def inspect(path: Path) -> FileInfo:
    """Check that `path` is an intact crm database this crm can use; raise StorageError if not."""
    if not path.is_file():
        # Said from the path alone: opening a fifo to look would wait for a writer forever.
        if path.is_dir():
            raise StorageError(f"{path} is a folder; give a backup file crm db backup wrote.")
        if path.exists():
            raise StorageError(f"{path} is not a regular file; give a backup file crm db backup wrote.")
        raise StorageError(f"There is no file {path}.")
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"Cannot open {path}: {exc}.") from exc
    try:
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            if is_lock_error(exc):
                raise StorageError(locked_message(path)) from exc
            if _has_sqlite_header(path):  # a SQLite file whose first pages are damaged
                raise StorageError(f"{path} is damaged ({exc}); the database was not touched.") from exc
            raise StorageError(f"{path} is not a SQLite database ({exc}).") from exc
        if not CRM_TABLES <= tables or schema < 1:
            raise StorageError(f"{path} is a SQLite database but not a crm database.")
        if schema > SCHEMA_VERSION:
            raise StorageError(
                f"{path} was written by a newer crm (schema {schema}, this crm knows "
                f"{SCHEMA_VERSION}); upgrade crm to restore it."
            )
        try:
            problems = integrity_problems(conn, limit=3)
            if not problems:
                contacts = int(conn.execute("SELECT count(*) FROM contacts").fetchone()[0])
                companies = int(conn.execute("SELECT count(*) FROM companies").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            if is_lock_error(exc):
                raise StorageError(locked_message(path)) from exc
            # Pages so damaged that SQLite stops reading ("database disk image is malformed"):
            # the backup's fault, not the live database's, which was not even opened.
            problems = [str(exc)]
        if problems:
            raise StorageError(f"{path} is damaged ({one_line(problems)}); the database was not touched.")
    finally:
        conn.close()
    return FileInfo(path, schema, contacts, companies, path.stat().st_size)


def _has_sqlite_header(path: Path) -> bool:
    with open(path, "rb") as file:
        return file.read(16) == b"SQLite format 3\x00"


def integrity_problems(conn: sqlite3.Connection, limit: int = 100) -> list[str]:
    rows = [r[0] for r in conn.execute(f"PRAGMA integrity_check({int(limit)})")]
    return [] if rows == ["ok"] else rows


def one_line(problems: list[str]) -> str:
    """SQLite's integrity messages, which can span lines, as one line for a sentence."""
    lines = [" ".join(line.split()) for p in problems for line in p.splitlines()]
    return "; ".join(line for line in lines if line and not line.startswith("***"))


def restore(source: Path, db_path: Path) -> Path | None:
    """Replace the database at `db_path` by the crm database `source`.

    The current file is kept first (a consistent copy, `crm.db.before-restore-<time>`);
    returns that copy's path, or None when there was no database to keep.
    """
    refuse_read_only(db_path)
    inspect(source)
    kept: Path | None = None
    live = _usable(db_path)
    if live is not None:
        try:
            kept = backup_connection_raw(live, before_restore_path(db_path))
            _copy_into(source, live, db_path)
        finally:
            live.close()
        return kept
    if db_path.exists() and db_path.stat().st_size > 0:
        # Not a database SQLite can read: move the damaged files aside as they are.
        kept = before_restore_path(db_path)
        os.replace(db_path, kept)
        for suffix in ("-wal", "-shm"):
            side = Path(f"{db_path}{suffix}")
            if side.exists():
                os.replace(side, Path(f"{kept}{suffix}"))
    _private_folder(db_path.parent)
    db_path.unlink(missing_ok=True)
    fd = os.open(db_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    target = _connect(db_path)
    try:
        _copy_into(source, target, db_path)
    finally:
        target.close()
    return kept


def refuse_read_only(db_path: Path) -> None:
    """Refuse a restore where crm cannot write, before anything is made: it writes the file,
    the -wal and -shm beside the file (a link's target), and the copy of the current one
    beside `db_path`. SQLite would make the -wal and -shm anyway, with the file's mode (0444),
    and they would keep refusing writes once the file itself was made writable again."""
    refusal = write_refusal(str(db_path))
    if refusal is None and not writable(db_path.parent):
        refusal = read_only_message(db_path)
    if refusal is not None:
        raise StorageError(refusal)


def backup_connection_raw(conn: sqlite3.Connection, target: Path) -> Path:
    """Keep a copy page by page (the backup API): works on a file VACUUM would refuse."""
    _private_folder(target.parent)
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    copy = sqlite3.connect(str(target))
    try:
        conn.backup(copy)
    except sqlite3.DatabaseError as exc:
        copy.close()
        target.unlink(missing_ok=True)
        if is_lock_error(exc):
            raise StorageError(locked_message(target)) from exc
        raise StorageError(f"Cannot keep a copy of the current database in {target}: {exc}.") from exc
    copy.close()
    _fsync(target)
    return target


def _copy_into(source: Path, target: sqlite3.Connection, label: Path) -> None:
    src = sqlite3.connect(f"file:{quote(str(source))}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        src.backup(target)
    except sqlite3.DatabaseError as exc:
        if is_lock_error(exc):
            raise StorageError(locked_message(label)) from exc
        raise StorageError(f"Cannot restore {source} into {label}: {exc}.") from exc
    finally:
        src.close()


def _usable(db_path: Path) -> sqlite3.Connection | None:
    """A connection to the current database when SQLite can read it, else None."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return None
    conn = _connect(db_path)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        conn.close()
        if is_lock_error(exc):
            raise StorageError(locked_message(db_path)) from exc
        return None
    except sqlite3.DatabaseError:
        conn.close()
        return None
    return conn


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _writable(path: Path) -> bool:
    """The file and its folder, where a link points: SQLite keeps the -wal and -shm there."""
    real = path.resolve()
    return writable(real) and writable(real.parent)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """To copy a database crm cannot write, or in a folder it cannot write (a backup mount),
    where a plain connection fails: it would make a -wal and -shm beside the file.

    It reads the schema version at once, so that a file that cannot be read here (a -wal
    without its -shm, a hot -journal) is refused in the sentence open_db would give."""
    conn = sqlite3.connect(
        read_only_uri(str(path)), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, uri=True
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA user_version").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise open_error(path, exc, read_only=True) from exc
    return conn


def _quick_check(path: Path) -> str | None:
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check(3)")]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()
    return None if rows == ["ok"] else "; ".join(rows)


def _refuse_unwritable_folder(target: Path) -> None:
    """Refuse a backup into a folder made read-only (or beneath one, where its folder is yet
    to be made) as the folder refuses anyone but root: root would write there regardless."""
    nearest = next((p for p in (target.parent, *target.parent.parents) if p.exists()), None)
    if nearest is not None and not writable(nearest):
        import errno

        raise StorageError(f"Cannot write the backup {target}: {os.strerror(errno.EACCES)}.")


def _private_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be synced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
