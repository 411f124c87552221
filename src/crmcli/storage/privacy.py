"""Queries for consent, for a person's data export, and for erasing a person.

Erasure finds and rewrites free text with two SQL functions registered on the connection,
`crm_mentions(text)` and `crm_redact(text)`, backed by one compiled regular expression of
the person's identifiers: every table is swept in SQL, and only the rows that mention
them come back to Python.
"""

from __future__ import annotations

import re
from typing import Any

from crmcli.storage import search
from crmcli.storage.db import Database, Row, batches

ERASED = "[erased]"

# --- consent ------------------------------------------------------------------------------


def add_consent(db: Database, values: dict[str, Any]) -> int:
    return db.insert("consents", values)


def consents_of(db: Database, contact_id: int) -> list[Row]:
    return db.rows(
        "SELECT id, purpose, status, source, at, recorded_by FROM consents WHERE contact_id = ? "
        "ORDER BY at, id",
        [contact_id],
    )


def consent_condition(purpose: str, column: str = "contacts.id") -> tuple[str, list[Any]]:
    """`column IN (...)`: contacts whose latest consent for `purpose` is "given".

    The latest is by `at`, then by id (two records at the same second: the later one).
    """
    sql = (
        f"{column} IN (SELECT g.contact_id FROM consents g WHERE g.purpose = ? AND g.status = 'given' "
        "AND NOT EXISTS (SELECT 1 FROM consents l WHERE l.contact_id = g.contact_id "
        "AND l.purpose = g.purpose AND (l.at > g.at OR (l.at = g.at AND l.id > g.id))))"
    )
    return sql, [purpose]


# --- a person's data ----------------------------------------------------------------------

# The records that belong to a person: table -> the column that points at them.
OWN_RECORDS = {
    "contact_points": "contact_id",
    "consents": "contact_id",
    "lifecycle_changes": "contact_id",
    "activities": "contact_id",
    "deals": "contact_id",
    "cases": "contact_id",
    "feedback": "contact_id",
}


def existing_tables(db: Database) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def contact_row(db: Database, contact_id: int) -> Row | None:
    return db.row("SELECT * FROM contacts WHERE id = ?", [contact_id])


def rows_of(db: Database, table: str, column: str, contact_id: int) -> list[Row]:
    return db.rows(f"SELECT * FROM {table} WHERE {column} = ? ORDER BY id", [contact_id])


def case_events_of(db: Database, case_ids: list[int]) -> list[Row]:
    if not case_ids:
        return []
    marks = ",".join("?" * len(case_ids))
    return db.rows(f"SELECT * FROM case_events WHERE case_id IN ({marks}) ORDER BY case_id, at, id", case_ids)


def labels_of(db: Database, entity: str, entity_id: int) -> tuple[list[str], dict[str, str]]:
    tags = [
        r[0]
        for r in db.execute(
            "SELECT tag FROM tags WHERE entity = ? AND entity_id = ? ORDER BY tag", [entity, entity_id]
        )
    ]
    fields = dict(
        db.execute(
            "SELECT key, value FROM custom_fields WHERE entity = ? AND entity_id = ? ORDER BY key",
            [entity, entity_id],
        )
    )
    return tags, fields


# The kinds of record that belong to a contact (their `contact_id`): table -> history entity.
OWN_KINDS = {
    "activities": "activity",
    "deals": "deal",
    "cases": "case",
    "feedback": "feedback",
    "consents": "consent",
    "lifecycle_changes": "lifecycle_change",
}

# History rows with the command of their change, as the export shows them.
_HISTORY = (
    "SELECT h.id, h.change_id, h.at, h.actor, h.entity, h.entity_id, h.action, h.before, h.after, "
    "h.note, c.command FROM history h LEFT JOIN changes c ON c.id = h.change_id"
)


def ids_of(db: Database, table: str, contact_id: int) -> list[int]:
    return [
        r[0] for r in db.execute(f"SELECT id FROM {table} WHERE contact_id = ? ORDER BY id", [contact_id])
    ]


def deleted_records_of(db: Database, contact_id: int, kinds: dict[str, str]) -> list[tuple[str, int]]:
    """(entity, id) of the contact's records that are gone from their table (`kinds`: table
    -> entity) but not from the history: a row of theirs names the contact as theirs,
    before or after a change, or in the snapshot a deletion kept for undo."""
    found: list[tuple[str, int]] = []
    for table, entity in kinds.items():
        found += [
            (entity, r[0])
            for r in db.execute(
                "SELECT DISTINCT h.entity_id FROM history h WHERE h.entity = ? "
                f"AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = h.entity_id) AND ? IN ("
                "CASE WHEN json_valid(h.before) THEN json_extract(h.before, '$.contact_id') END, "
                "CASE WHEN json_valid(h.before) THEN "
                "json_extract(h.before, '$._restore.row.contact_id') END, "
                "CASE WHEN json_valid(h.after) THEN json_extract(h.after, '$.contact_id') END) "
                "ORDER BY h.entity_id",
                [entity, contact_id],
            )
        ]
    return found


def history_about(db: Database, records: list[tuple[str, int]]) -> list[Row]:
    """History rows about any of the (entity, id) records, oldest first, with their command."""
    found: list[Row] = []
    for entity, entity_id in records:
        found += db.rows(
            f"{_HISTORY} WHERE h.entity = ? AND h.entity_id = ? ORDER BY h.id", [entity, entity_id]
        )
    return sorted(found, key=lambda r: r["id"])


def merges_of(db: Database, contact_id: int) -> list[int]:
    """The changes that merged this contact into another (their merge row lists it), and
    the changes that undid them: their history holds the person's values under the other
    contact's id."""
    found = db.rows(
        "SELECT h.change_id, c.undone_by FROM history h JOIN changes c ON c.id = h.change_id "
        "WHERE h.entity = 'contact' AND h.action = 'merge' AND EXISTS "
        "(SELECT 1 FROM json_each(h.after, '$.merged') WHERE value = ?)",
        [contact_id],
    )
    return sorted({r["change_id"] for r in found} | {r["undone_by"] for r in found if r["undone_by"]})


def undone_merges_into(db: Database, contact_id: int) -> set[int]:
    """The undone changes that merged other contacts into this one, and the changes that
    undid them: the other people's values are in this contact's history there."""
    found = db.rows(
        "SELECT h.change_id, c.undone_by FROM history h JOIN changes c ON c.id = h.change_id "
        "WHERE h.entity = 'contact' AND h.entity_id = ? AND h.action = 'merge' AND c.undone_by IS NOT NULL",
        [contact_id],
    )
    return {r["change_id"] for r in found} | {r["undone_by"] for r in found}


def history_of_changes(db: Database, change_ids: list[int]) -> list[Row]:
    """Every history row of the changes, oldest first, with their command."""
    found: list[Row] = []
    for batch in batches(change_ids):
        marks = ",".join("?" * len(batch))
        found += db.rows(f"{_HISTORY} WHERE h.change_id IN ({marks})", batch)
    return sorted(found, key=lambda r: r["id"])


def history_mentioning(db: Database) -> list[Row]:
    """History rows whose values or note the registered crm_mentions matcher finds, oldest
    first, with their command."""
    return db.rows(
        f"{_HISTORY} WHERE crm_mentions(h.before) OR crm_mentions(h.after) OR crm_mentions(h.note) "
        "ORDER BY h.id"
    )


def set_history_texts(
    db: Database, history_id: int, before: str | None, after: str | None, note: str | None
) -> None:
    db.execute(
        "UPDATE history SET before = ?, after = ?, note = ? WHERE id = ?", [before, after, note, history_id]
    )


# --- erasing ------------------------------------------------------------------------------


def register_matcher(db: Database, pattern: re.Pattern[str]) -> None:
    """Make crm_mentions()/crm_redact() match the identifiers in `pattern` on this connection."""

    def mentions(value: Any) -> int:
        return 1 if isinstance(value, str) and pattern.search(value) else 0

    def redact(value: Any) -> Any:
        return pattern.sub(ERASED, value) if isinstance(value, str) else value

    db.conn.create_function("crm_mentions", 1, mentions, deterministic=True)
    db.conn.create_function("crm_redact", 1, redact, deterministic=True)


def rows_mentioning(db: Database, table: str, columns: list[str], contact_id: int) -> list[Row]:
    """The rows of `table` whose text columns mention the person (the registered
    crm_mentions matcher), leaving out the person's own rows."""
    where = " OR ".join(f"crm_mentions({c})" for c in columns)
    own = OWN_RECORDS.get(table)
    params: list[Any] = []
    if table == "contacts":
        where = f"({where}) AND id != ?"
        params = [contact_id]
    elif own:
        where = f"({where}) AND ({own} IS NULL OR {own} != ?)"
        params = [contact_id]
    return db.rows(f"SELECT * FROM {table} WHERE {where}", params)


def activity_texts(db: Database, activity_id: int) -> Row:
    return db.row("SELECT note, outcome FROM activities WHERE id = ?", [activity_id]) or {}


def text_columns(db: Database, table: str) -> list[str]:
    """Columns of `table` that can hold text (declared TEXT, or with no declared type)."""
    return [
        name
        for _, name, declared, *_ in db.execute(f"PRAGMA table_info({table})")
        if not declared
        or "CHAR" in declared.upper()
        or "TEXT" in declared.upper()
        or "CLOB" in declared.upper()
    ]


def sweepable_tables(db: Database) -> list[str]:
    """Ordinary tables: not SQLite's own, not full-text indexes or their shadow tables."""
    virtual = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'"
        )
    ]
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return [
        n
        for n in names
        if not n.startswith("sqlite_")
        and n not in virtual
        and not any(n.startswith(v + "_") for v in virtual)
    ]


def redact_column(
    db: Database, table: str, column: str, keep: str | None = None, params: list[Any] | None = None
) -> list[int]:
    """Replace mentions in one column (rows matching `keep` are left alone); the ids changed."""
    where = f"crm_mentions({column})"
    if keep:
        where += f" AND NOT ({keep})"
    has_id = any(r[1] == "id" for r in db.execute(f"PRAGMA table_info({table})"))
    key = "id" if has_id else "rowid"
    ids = [r[0] for r in db.execute(f"SELECT {key} FROM {table} WHERE {where}", params or [])]
    if ids:
        db.execute(f"UPDATE {table} SET {column} = crm_redact({column}) WHERE {where}", params or [])
    return ids


def refold(db: Database, table: str, column: str, source: str, ids: list[int]) -> None:
    """Set `column` to the folded text of `source` (crm_fold, as the services fold a sort key)."""
    for batch in batches(ids):
        marks = ",".join("?" * len(batch))
        db.execute(f"UPDATE {table} SET {column} = crm_fold({source}) WHERE id IN ({marks})", batch)


def reindex(db: Database, table: str, row_id: int, text: str | None) -> None:
    if text:
        search.index(db, table, row_id, text)
    else:
        search.unindex(db, table, row_id)


def optimize_search(db: Database) -> None:
    """Merge each full-text index into one segment: entries of deleted text are dropped."""
    for table in search.SEARCHABLE:
        db.execute(f"INSERT INTO {table}_fts ({table}_fts) VALUES ('optimize')")


def delete_where(db: Database, table: str, column: str, value: Any) -> int:
    return db.execute(f"DELETE FROM {table} WHERE {column} = ?", [value]).rowcount


def delete_labels(db: Database, entity: str, entity_id: int) -> None:
    db.execute("DELETE FROM tags WHERE entity = ? AND entity_id = ?", [entity, entity_id])
    db.execute("DELETE FROM custom_fields WHERE entity = ? AND entity_id = ?", [entity, entity_id])


def erase_texts(db: Database, table: str, columns: tuple[str, ...], contact_id: int) -> int:
    """Erase the given text columns of a person's own rows (the first becomes "[erased]",
    so that text a kind of record requires is still there; the others become NULL)."""
    first, *rest = columns
    assignments = [f"{first} = CASE WHEN {first} IS NULL THEN NULL ELSE ? END"]
    assignments += [f"{c} = NULL" for c in rest]
    written = " OR ".join(f"{c} IS NOT NULL" for c in columns)
    return db.execute(
        f"UPDATE {table} SET {', '.join(assignments)} WHERE contact_id = ? AND ({written})",
        [ERASED, contact_id],
    ).rowcount


def erase_case_bodies(db: Database, contact_id: int) -> int:
    return db.execute(
        "UPDATE case_events SET body = ? WHERE body IS NOT NULL AND case_id IN "
        "(SELECT id FROM cases WHERE contact_id = ?)",
        [ERASED, contact_id],
    ).rowcount


def changes_touching(db: Database, records: list[tuple[str, int]]) -> list[int]:
    found: set[int] = set()
    for entity, entity_id in records:
        found |= {
            r[0]
            for r in db.execute(
                "SELECT DISTINCT change_id FROM history WHERE entity = ? AND entity_id = ?",
                [entity, entity_id],
            )
        }
    return sorted(found)


def changes_pointing_at(db: Database, contact_id: int) -> list[int]:
    """Changes whose history has a record point at the contact, before or after (a record
    moved away from them or onto them), or in the snapshot a deletion kept for undo."""
    return [
        r[0]
        for r in db.execute(
            "SELECT DISTINCT h.change_id FROM history h WHERE h.change_id IS NOT NULL AND ? IN ("
            "CASE WHEN json_valid(h.before) THEN json_extract(h.before, '$.contact_id') END, "
            "CASE WHEN json_valid(h.before) THEN json_extract(h.before, '$._restore.row.contact_id') END, "
            "CASE WHEN json_valid(h.after) THEN json_extract(h.after, '$.contact_id') END) "
            "ORDER BY h.change_id",
            [contact_id],
        )
    ]


def mark_undone(db: Database, change_ids: list[int], by: int) -> None:
    db.executemany(
        "UPDATE changes SET undone_by = ? WHERE id = ? AND undone_by IS NULL", [(by, c) for c in change_ids]
    )


def add_erasure(db: Database, at: str, actor: str, reason: str | None) -> int:
    return db.insert("erasures", {"at": at, "actor": actor, "reason": reason})
