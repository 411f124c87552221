"""The queries behind `crm db doctor`: damage SQLite can see, and data that does not add up."""

from __future__ import annotations

from collections.abc import Iterator

from crmcli.storage.db import Database, Row

# The kinds of record that tags, custom fields and history point at, and their tables.
RECORD_TABLES = {
    "contact": "contacts", "company": "companies", "deal": "deals", "case": "cases",
    "activity": "activities", "feedback": "feedback", "consent": "consents",
    "lifecycle_change": "lifecycle_changes",
}  # fmt: skip
SEARCH_TABLES = ("contacts", "companies", "activities")


def integrity(db: Database, limit: int = 100) -> list[str]:
    rows = [r[0] for r in db.execute(f"PRAGMA integrity_check({int(limit)})")]
    return [] if rows == ["ok"] else rows


def foreign_key_problems(db: Database) -> list[Row]:
    """(table, rowid, parent): rows that point at a row the parent table does not have."""
    return db.rows('SELECT "table", rowid, parent FROM pragma_foreign_key_check')


def existing_tables(db: Database) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def contact_points(db: Database, kind: str) -> Iterator[tuple[int, int, str]]:
    """(point id, contact id, value) of every e-mail address or phone number."""
    yield from db.execute(
        "SELECT id, contact_id, value FROM contact_points WHERE kind = ? ORDER BY contact_id, position",
        [kind],
    )


def primary_out_of_step(db: Database) -> list[Row]:
    """Contacts whose email/phone column is not their first address or number."""
    return db.rows(
        "SELECT c.id, c.email, c.phone, "
        "(SELECT value FROM contact_points p WHERE p.contact_id = c.id AND p.kind = 'email' "
        " ORDER BY position LIMIT 1) AS first_email, "
        "(SELECT value FROM contact_points p WHERE p.contact_id = c.id AND p.kind = 'phone' "
        " ORDER BY position LIMIT 1) AS first_phone "
        "FROM contacts c WHERE c.email IS NOT first_email OR c.phone IS NOT first_phone "
        "ORDER BY c.id"
    )


def duplicate_emails(db: Database) -> list[Row]:
    """Addresses held by more than one contact (case-insensitively), with those contacts."""
    return db.rows(
        "SELECT lower(value) AS email, group_concat(DISTINCT contact_id) AS contact_ids "
        "FROM contact_points WHERE kind = 'email' GROUP BY lower(value) "
        "HAVING count(DISTINCT contact_id) > 1 ORDER BY lower(value)"
    )


def orphan_labels(db: Database, label_table: str, tables: set[str]) -> list[Row]:
    """Tags or custom fields of records that do not exist (or of an unknown kind of record)."""
    known = [(kind, table) for kind, table in RECORD_TABLES.items() if table in tables]
    exists = " OR ".join(
        f"(l.entity = '{kind}' AND EXISTS (SELECT 1 FROM {table} r WHERE r.id = l.entity_id))"
        for kind, table in known
    )
    return db.rows(
        f"SELECT l.entity, l.entity_id, count(*) AS n FROM {label_table} l "
        f"WHERE NOT ({exists}) GROUP BY l.entity, l.entity_id ORDER BY l.entity, l.entity_id"
    )


def orphan_history(db: Database, tables: set[str]) -> list[Row]:
    """History about a record that is gone although no deletion (or merge) of it was recorded."""
    found: list[Row] = []
    for kind, table in RECORD_TABLES.items():
        if table not in tables:
            continue
        found += db.rows(
            f"SELECT h.entity, h.entity_id, count(*) AS n FROM history h WHERE h.entity = ? "
            f"AND NOT EXISTS (SELECT 1 FROM {table} r WHERE r.id = h.entity_id) "
            "AND NOT EXISTS (SELECT 1 FROM history d WHERE d.entity = h.entity "
            "AND d.entity_id = h.entity_id AND d.action IN ('delete', 'merge')) "
            "GROUP BY h.entity, h.entity_id ORDER BY h.entity_id",
            [kind],
        )
    return found


def search_index_problems(db: Database, table: str) -> tuple[list[int], list[int]]:
    """(index entries of records that are gone, records of a searchable kind not indexed)."""
    stale = [r[0] for r in db.execute(
        f"SELECT rowid FROM {table}_fts WHERE rowid NOT IN (SELECT id FROM {table}) ORDER BY rowid"
    )]  # fmt: skip
    if table == "activities":
        missing_sql = (
            "SELECT id FROM activities WHERE (coalesce(note, '') != '' OR coalesce(outcome, '') != '') "
            "AND id NOT IN (SELECT rowid FROM activities_fts) ORDER BY id"
        )
    else:
        missing_sql = f"SELECT id FROM {table} WHERE id NOT IN (SELECT rowid FROM {table}_fts) ORDER BY id"
    missing = [r[0] for r in db.execute(missing_sql)]
    return stale, missing


def deal_stages(db: Database) -> list[Row]:
    """Every (pipeline, stage) that deals are in, with how many deals and a few of their ids."""
    return db.rows(
        "SELECT pipeline, stage, status, count(*) AS n, group_concat(id) AS ids FROM deals "
        "GROUP BY pipeline, stage, status ORDER BY pipeline, stage"
    )
