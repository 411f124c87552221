"""The SQL of bulk imports: what is already there, and rows written in batches.

An import writes thousands of rows a second, so rows come here as tuples in batches and
go to SQLite a thousand to a statement (Database.insert_many), ids assigned by the
importer (it holds the write lock from its first statement, so nobody else can take
them). What a new contact's row already holds (its first address and number, its
starting stage, its history row) is copied from it in SQL, a statement a batch, rather
than sent and bound as tuples of its own. For a large import the indexes that random
keys make expensive to keep up row by row (names, e-mail addresses) are dropped and built
again at the end, in the same transaction: building an index from sorted data is several
times faster than inserting into it a million times.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from crmcli.storage import search
from crmcli.storage.db import Database

CONTACT_COLUMNS = (
    "id", "uid", "name", "email", "phone", "company_id", "title", "lifecycle_stage", "source",
    "owner", "country", "timezone", "language", "birthday", "customer_since", "churned_at",
    "churn_reason", "sort_key", "created_at", "updated_at",
)  # fmt: skip
COMPANY_COLUMNS = (
    "id", "uid", "name", "domain", "industry", "employees", "annual_revenue", "revenue_currency",
    "country", "owner", "sort_key", "created_at", "updated_at",
)  # fmt: skip

# The tables a contacts import fills; their indexes are rebuilt once at the end of a large
# import rather than kept up row by row.
BULK_TABLES = ("contacts", "contact_points", "lifecycle_changes", "history")
FTS_DEFAULT_HASHSIZE = 1024 * 1024


def _insert_head(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)})"


_CONTACTS_HEAD = _insert_head("contacts", CONTACT_COLUMNS)
_COMPANIES_HEAD = _insert_head("companies", COMPANY_COLUMNS)


# --- what is there ------------------------------------------------------------------------


def next_id(db: Database, table: str) -> int:
    """The first id an import gives: never one a deleted record had (Database.unused_id)."""
    return db.unused_id(table)


def count(db: Database, table: str) -> int:
    return int(db.scalar(f"SELECT count(*) FROM {table}"))


def email_addresses(db: Database) -> Iterator[str]:
    for (value,) in db.execute("SELECT value FROM contact_points WHERE kind = 'email'"):
        yield value


def phone_numbers(db: Database) -> Iterator[str]:
    for (value,) in db.execute("SELECT value FROM contact_points WHERE kind = 'phone'"):
        yield value


def uids(db: Database, table: str) -> Iterator[str]:
    for (value,) in db.execute(f"SELECT uid FROM {table}"):
        yield value


def companies_for_matching(db: Database) -> Iterator[tuple[int, str, str | None]]:
    """(id, folded name, domain) of every company."""
    yield from db.execute("SELECT id, sort_key, domain FROM companies ORDER BY id")


def contact_ids_by_email(db: Database, email: str) -> list[int]:
    """Contacts with this address, in any case: the exact form through the index first."""
    exact = [r[0] for r in db.execute(
        "SELECT DISTINCT contact_id FROM contact_points WHERE kind = 'email' AND value = ? "
        "ORDER BY contact_id", [email],
    )]  # fmt: skip
    if exact:
        return exact
    return [r[0] for r in db.execute(
        "SELECT DISTINCT contact_id FROM contact_points WHERE kind = 'email' AND value = ? "
        "COLLATE NOCASE ORDER BY contact_id", [email],
    )]  # fmt: skip


def id_by_uid(db: Database, table: str, uid: str) -> int | None:
    found = db.scalar(f"SELECT id FROM {table} WHERE uid = ?", [uid])
    return None if found is None else int(found)


def company_ids_by_domain(db: Database, domain: str) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM companies WHERE domain = ? ORDER BY id", [domain])]


def company_ids_by_name(db: Database, folded_name: str) -> list[int]:
    sql = "SELECT id FROM companies WHERE sort_key = ? ORDER BY id"
    return [r[0] for r in db.execute(sql, [folded_name])]


def names_holding(db: Database, table: str, text: str) -> list[tuple[int, str]]:
    """(id, folded name) of the contacts or companies whose search text holds `text`, found
    through the search index (which holds each name without its accents too, and the
    name's column has no index on that form): the candidates for a name written without
    its accents, for the caller to compare whole."""
    assert table in ("contacts", "companies")
    sub, params = search.matching_ids(table, text)
    return [(r[0], r[1]) for r in db.execute(
        f"SELECT id, sort_key FROM {table} WHERE id IN ({sub}) ORDER BY id", params,
    )]  # fmt: skip


# --- writing in batches ---------------------------------------------------------------------


class PendingRows:
    """Rows handed to a bulk writer go in whole statements only; the rest of each batch
    waits for the next batch, or for flush() (Database.insert_many says why). For tables
    that no later row of the import points at: a contact's second and later addresses,
    tags, custom fields and search rows."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._waiting: dict[tuple[str, str], list[Sequence[Any]]] = {}

    def insert_many(self, head: str, rows: Sequence[Sequence[Any]], tail: str = "") -> int:
        waiting = self._waiting.setdefault((head, tail), [])
        waiting.extend(rows)
        done = self.db.insert_many(head, waiting, tail, whole_only=True)
        del waiting[:done]
        return done

    def flush(self) -> None:
        """Write every row still waiting (before the end, or before reading them back)."""
        for (head, tail), waiting in self._waiting.items():
            self.db.insert_many(head, waiting, tail)
            waiting.clear()


Writer = Database | PendingRows


def insert_contacts(db: Database, rows: Sequence[Sequence[Any]]) -> None:
    """Rows in CONTACT_COLUMNS order."""
    db.insert_many(_CONTACTS_HEAD, rows)


def insert_companies(db: Database, rows: Sequence[Sequence[Any]]) -> None:
    """Rows in COMPANY_COLUMNS order."""
    db.insert_many(_COMPANIES_HEAD, rows)


def insert_points(db: Writer, rows: Sequence[tuple[int, str, str, int]]) -> None:
    """(contact_id, kind, value, position)."""
    db.insert_many("INSERT INTO contact_points (contact_id, kind, value, position)", rows)


def insert_tags(db: Writer, rows: Sequence[tuple[str, int, str, str | None, str | None]]) -> None:
    """(entity, entity_id, tag, contact_touch_at, contact_owner): a new contact's creation
    moment and owner, which its tag rows carry (None for a company's: nothing to copy)."""
    columns = "entity, entity_id, tag, contact_touch_at, contact_owner"
    db.insert_many(f"INSERT OR IGNORE INTO tags ({columns})", rows)


def insert_fields(db: Writer, rows: Sequence[tuple[str, int, str, str]]) -> None:
    db.insert_many(
        "INSERT INTO custom_fields (entity, entity_id, key, value)",
        rows,
        "ON CONFLICT (entity, entity_id, key) DO UPDATE SET value = excluded.value",
    )


def insert_search(db: Writer, table: str, rows: Sequence[tuple[int, str]], *, alone: bool = False) -> None:
    """(rowid, folded text) of records that are new: nothing to delete first.

    `alone`: no other thread of this process is busy meanwhile. executemany is quicker
    then (SQLite copies a multi-row insert into a virtual table through a temporary table
    first: 1.9 s against 3.7 s for 200,000 rows), but beside a validating thread it stalls
    on the GIL row by row (4.9-5.8 s)."""
    assert table in ("contacts", "companies", "activities")
    if alone:
        target = db.db if isinstance(db, PendingRows) else db
        target.executemany(f"INSERT INTO {table}_fts (rowid, text) VALUES (?, ?)", rows)
        return
    db.insert_many(f"INSERT INTO {table}_fts (rowid, text)", rows)


def insert_first_points(db: Database, first_id: int, last_id: int) -> None:
    """Each new contact's first e-mail address and phone number (position 0), from its row."""
    for kind in ("email", "phone"):
        db.execute(
            f"INSERT INTO contact_points (contact_id, kind, value, position) SELECT id, '{kind}', {kind}, 0 "
            f"FROM contacts WHERE id BETWEEN ? AND ? AND {kind} IS NOT NULL",
            [first_id, last_id],
        )


def insert_first_stages(db: Database, first_id: int, last_id: int, actor: str) -> None:
    """The stage each new contact starts in, from its row, as of its creation."""
    db.execute(
        "INSERT INTO lifecycle_changes (contact_id, to_stage, at, actor) "
        "SELECT id, lifecycle_stage, created_at, ? FROM contacts WHERE id BETWEEN ? AND ?",
        [actor, first_id, last_id],
    )


def insert_created_history(
    db: Database, change_id: int, at: str, actor: str, first_id: int, lines: Sequence[int]
) -> None:
    """History rows of new contacts first_id, first_id + 1, …, created from these lines of
    a file. One statement whatever the count: the lines go in as one JSON array."""
    db.execute(
        "INSERT INTO history (change_id, at, actor, entity, entity_id, action, note) "
        "SELECT ?, ?, ?, 'contact', ? + key, 'create', 'import line ' || value FROM json_each(?)",
        [change_id, at, actor, first_id, "[" + ",".join(map(str, lines)) + "]"],
    )


def insert_history(db: Writer, rows: Sequence[tuple[int, str, str, str, int, str, str]]) -> None:
    """(change_id, at, actor, entity, entity_id, action, note) without before/after."""
    db.insert_many("INSERT INTO history (change_id, at, actor, entity, entity_id, action, note)", rows)


def set_referrer(db: Database, contact_id: int, referrer_id: int) -> None:
    db.execute("UPDATE contacts SET referred_by = ? WHERE id = ?", [referrer_id, contact_id])


# --- tuning for one large write ---------------------------------------------------------------


def drop_indexes(db: Database, table: str, keep: Iterable[Sequence[str]] = ()) -> list[str]:
    """Drop the indexes of `table` except those on exactly the columns in `keep`; returns
    their CREATE statements for create_indexes(). Indexes that enforce a PRIMARY KEY or
    UNIQUE constraint of the table itself have no statement and stay."""
    kept = {tuple(columns) for columns in keep}
    dropped = []
    for name, sql in db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        [table],
    ).fetchall():
        indexed = tuple(row[2] for row in db.execute(f"PRAGMA index_info('{name}')"))
        if indexed in kept:
            continue
        db.execute(f'DROP INDEX "{name}"')
        dropped.append(sql)
    return dropped


def create_indexes(db: Database, statements: Iterable[str]) -> None:
    for sql in statements:
        db.execute(sql)


def tune_for_bulk(db: Database, cache_kib: int, fts_hashsize: int) -> dict[str, Any]:
    """A larger page cache, parallel sorting for index builds, and larger full-text
    batches; returns what was there, for restore_search_tuning() and restore_tuning().

    Call it inside the import's transaction: FTS5 keeps 'hashsize' as a row of the
    index's _config table (and counts the change in its structure record), so it is a
    write to the file that only a rollback of that same transaction takes back whole."""
    before = {
        "cache_size": db.scalar("PRAGMA cache_size"),
        "threads": db.scalar("PRAGMA threads"),
        "hashsize": {table: _fts_setting(db, table, "hashsize") for table in ("contacts", "companies")},
    }
    db.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
    db.execute("PRAGMA threads = 2")
    for table in ("contacts", "companies"):
        _set_fts_hashsize(db, table, fts_hashsize)
    return before


def restore_search_tuning(db: Database, before: dict[str, Any]) -> None:
    """The search indexes' settings as tune_for_bulk() found them, in the same transaction
    (before it commits; a rollback needs nothing). A setting that was not there goes
    again: FTS5 writes even its default as a row, so it is set back to the default for
    this connection's copy of the settings, then its row is deleted (FTS5 has no
    statement that removes one)."""
    for table, value in before["hashsize"].items():
        _set_fts_hashsize(db, table, FTS_DEFAULT_HASHSIZE if value is None else int(value))
        if value is None:
            db.execute(f"DELETE FROM {table}_fts_config WHERE k = 'hashsize'")


def restore_tuning(db: Database, before: dict[str, Any]) -> None:
    """The connection's own settings, which the file does not keep: after the transaction
    too, whether it committed or not."""
    db.execute(f"PRAGMA cache_size = {int(before['cache_size'])}")
    db.execute(f"PRAGMA threads = {int(before['threads'])}")


def _set_fts_hashsize(db: Database, table: str, value: int) -> None:
    db.execute(f"INSERT INTO {table}_fts ({table}_fts, rank) VALUES ('hashsize', ?)", [value])


def _fts_setting(db: Database, table: str, key: str) -> Any:
    return db.scalar(f"SELECT v FROM {table}_fts_config WHERE k = ?", [key])


# --- deals and activities: what rows point at -------------------------------------------------

DEAL_COLUMNS = (
    "id", "uid", "title", "contact_id", "company_id", "pipeline", "stage", "status", "amount_minor",
    "currency", "close_date", "owner", "kind", "lost_reason", "won_at", "lost_at", "stage_entered_at",
    "created_at", "updated_at",
)  # fmt: skip
ACTIVITY_COLUMNS = (
    "id", "uid", "kind", "contact_id", "company_id", "deal_id", "case_id", "note", "at", "duration_min",
    "direction", "outcome", "due_at", "done_at", "owner", "created_at", "updated_at",
)  # fmt: skip
_DEALS_HEAD = _insert_head("deals", DEAL_COLUMNS)
_ACTIVITIES_HEAD = _insert_head("activities", ACTIVITY_COLUMNS)
_LINKED = {"contacts", "companies", "deals", "cases"}


def exists(db: Database, table: str, record_id: int) -> bool:
    assert table in _LINKED
    return db.scalar(f"SELECT 1 FROM {table} WHERE id = ?", [record_id]) is not None


def contact_ids_by_name(db: Database, folded_name: str) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM contacts WHERE sort_key = ? ORDER BY id LIMIT 6",
                                     [folded_name])]  # fmt: skip


def company_of_contact(db: Database, contact_id: int) -> int | None:
    found = db.scalar("SELECT company_id FROM contacts WHERE id = ?", [contact_id])
    return None if found is None else int(found)


def deal_ids_by_title(db: Database, title: str) -> list[int]:
    sql = "SELECT id FROM deals WHERE title = ? COLLATE NOCASE ORDER BY id LIMIT 6"
    return [r[0] for r in db.execute(sql, [title])]


def insert_deals(db: Database, rows: Sequence[Sequence[Any]]) -> None:
    """Rows in DEAL_COLUMNS order."""
    db.insert_many(_DEALS_HEAD, rows)


def insert_deal_stage_changes(
    db: Database, rows: Sequence[tuple[int, str, str | None, str, str, str]]
) -> None:
    """(deal_id, pipeline, from_stage, to_stage, at, actor)."""
    db.insert_many(
        "INSERT INTO deal_stage_changes (deal_id, pipeline, from_stage, to_stage, at, actor)", rows
    )


def deals_for_events(db: Database, first: int, end: int, chunk: int = 2000) -> Iterator[tuple[Any, ...]]:
    """(id, pipeline, stage, amount_minor, currency, kind, contact_id) of deals first <= id < end,
    read a chunk at a time (event handlers may write while this is read)."""
    for start in range(first, end, chunk):
        yield from db.execute(
            "SELECT id, pipeline, stage, amount_minor, currency, kind, contact_id FROM deals "
            "WHERE id >= ? AND id < ? ORDER BY id",
            [start, min(start + chunk, end)],
        ).fetchall()


def insert_activities(db: Database, rows: Sequence[Sequence[Any]]) -> None:
    """Rows in ACTIVITY_COLUMNS order."""
    db.insert_many(_ACTIVITIES_HEAD, rows)
