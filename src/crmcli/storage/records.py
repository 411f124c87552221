"""Records of any kind, by the name the history gives them: their tables and what points at them."""

from __future__ import annotations

from dataclasses import dataclass

from crmcli.storage.db import Database, Row

# history.entity (and tags.entity, custom_fields.entity) -> the table of those records
RECORD_TABLES = {
    "contact": "contacts", "company": "companies", "deal": "deals", "case": "cases",
    "activity": "activities", "feedback": "feedback", "consent": "consents",
    "lifecycle_change": "lifecycle_changes",
}  # fmt: skip
SEARCHABLE = ("contacts", "companies", "activities")


@dataclass(frozen=True)
class Link:
    """A column of `table` that points at another table's id."""

    table: str
    column: str
    required: bool  # NOT NULL: the row cannot outlive what it points at


def columns(db: Database, table: str) -> list[str]:
    key = ("columns", table)
    if key not in db.schema_cache:
        db.schema_cache[key] = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
    return list(db.schema_cache[key])


def tables(db: Database) -> set[str]:
    if "tables" not in db.schema_cache:
        db.schema_cache["tables"] = {
            r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    return set(db.schema_cache["tables"])


def links_to(db: Database, parent: str) -> list[Link]:
    """Every foreign key in the database that points at `parent`.id (found, not listed, so
    that tables added by later features are included)."""
    key = ("links", parent)
    if key not in db.schema_cache:
        db.schema_cache[key] = _links_to(db, parent)
    return list(db.schema_cache[key])


def _links_to(db: Database, parent: str) -> list[Link]:
    found: list[Link] = []
    for table in sorted(tables(db)):
        if table.startswith("sqlite_"):
            continue
        notnull = {r[1]: bool(r[3]) for r in db.execute(f"PRAGMA table_info({table})")}
        for fk in db.rows(f"SELECT * FROM pragma_foreign_key_list('{table}')"):
            if fk["table"] == parent and (fk["to"] in (None, "id")):
                found.append(Link(table, fk["from"], notnull.get(fk["from"], False)))
    return found


def get(db: Database, table: str, record_id: int) -> Row | None:
    return db.row(f"SELECT * FROM {table} WHERE id = ?", [record_id])
