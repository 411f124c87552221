"""The SQL of `crm contact merge` and of its undo: moving everything that points at one
contact to another, and back.

What points at a contact is found in the schema (every foreign key to contacts.id, see
`records.links_to`), so that tables added by later features move too; tags, custom
fields and history point at it by (entity, entity_id) and are moved here by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crmcli.storage import records, search
from crmcli.storage.db import Database, Row, batches

ENTITY = "contact"
POINTS = "contact_points"


def links(db: Database) -> list[records.Link]:
    """Every column that points at contacts.id, contact_points (merged apart) left out."""
    return [link for link in records.links_to(db, "contacts") if link.table != POINTS]


def ids_pointing(db: Database, link: records.Link, contact_id: int) -> list[int]:
    return [
        r[0]
        for r in db.execute(
            f"SELECT rowid FROM {link.table} WHERE {link.column} = ? ORDER BY rowid", [contact_id]
        )
    ]


def move(db: Database, link: records.Link, ids: list[int], from_id: int, to_id: int) -> int:
    """Point the rows `ids` of the link's table that still point at `from_id` at `to_id`."""
    moved = 0
    for chunk in batches(ids):
        marks = ",".join("?" * len(chunk))
        cursor = db.execute(
            f"UPDATE {link.table} SET {link.column} = ? WHERE rowid IN ({marks}) AND {link.column} = ?",
            [to_id, *chunk, from_id],
        )
        moved += cursor.rowcount
    return moved


def history_ids(db: Database, contact_id: int) -> list[int]:
    return [
        r[0]
        for r in db.execute(
            "SELECT id FROM history WHERE entity = ? AND entity_id = ? ORDER BY id", [ENTITY, contact_id]
        )
    ]


def move_history(db: Database, ids: list[int], from_id: int, to_id: int) -> None:
    for chunk in batches(ids):
        marks = ",".join("?" * len(chunk))
        db.execute(
            f"UPDATE history SET entity_id = ? WHERE id IN ({marks}) AND entity = ? AND entity_id = ?",
            [to_id, *chunk, ENTITY, from_id],
        )


def move_labels(db: Database, from_id: int, to_id: int) -> None:
    """Tags join the kept contact's; custom fields it lacks are added, its own are kept."""
    for table in ("tags", "custom_fields"):
        columns = "tag" if table == "tags" else "key, value"
        db.execute(
            f"INSERT OR IGNORE INTO {table} (entity, entity_id, {columns}) "
            f"SELECT entity, ?, {columns} FROM {table} WHERE entity = ? AND entity_id = ? ORDER BY rowid",
            [to_id, ENTITY, from_id],
        )
        db.execute(f"DELETE FROM {table} WHERE entity = ? AND entity_id = ?", [ENTITY, from_id])


def points(db: Database, contact_id: int) -> list[Row]:
    return db.rows(
        "SELECT kind, value, label, position FROM contact_points WHERE contact_id = ? "
        "ORDER BY kind, position",
        [contact_id],
    )


def set_points(db: Database, contact_id: int, rows: Iterable[dict[str, Any]]) -> None:
    """Make `rows` (kind, value, label) the contact's addresses and numbers, in this order."""
    db.execute("DELETE FROM contact_points WHERE contact_id = ?", [contact_id])
    position: dict[str, int] = {}
    values = []
    for row in rows:
        n = position.get(row["kind"], 0)
        position[row["kind"]] = n + 1
        values.append((contact_id, row["kind"], row["value"], row.get("label"), n))
    db.executemany(
        "INSERT INTO contact_points (contact_id, kind, value, label, position) VALUES (?, ?, ?, ?, ?)", values
    )


def delete_contact(db: Database, contact_id: int) -> None:
    """Delete a merged contact; everything that pointed at it has been moved."""
    db.execute("DELETE FROM contact_points WHERE contact_id = ?", [contact_id])
    search.unindex(db, "contacts", contact_id)
    db.execute("DELETE FROM contacts WHERE id = ?", [contact_id])


def row_of(db: Database, contact_id: int) -> Row | None:
    return records.get(db, "contacts", contact_id)


def search_text(db: Database, contact_id: int) -> str | None:
    return search.text_of(db, "contacts", contact_id)


# --- undo -------------------------------------------------------------------------------------


def restore_conflict(db: Database, row: Row) -> str | None:
    """Why a merged contact cannot come back under its id and uid, or None."""
    if records.get(db, "contacts", row["id"]) is not None:
        return f"its id #{row['id']} is taken by a contact added since"
    if row.get("uid") and db.scalar("SELECT 1 FROM contacts WHERE uid = ?", [row["uid"]]):
        return "a contact with its uid was imported since"
    return None


def restore_contact(
    db: Database, row: Row, tags: list[str], fields: dict[str, str], text: str | None
) -> None:
    """Put a merged contact's own row back, with its tags, custom fields and search text.

    Foreign keys are checked at commit: a contact merged together with the one that
    referred it comes back before its referrer does."""
    db.execute("PRAGMA defer_foreign_keys = ON")
    present = set(records.columns(db, "contacts"))
    db.insert("contacts", {k: v for k, v in row.items() if k in present})
    db.executemany(
        "INSERT OR IGNORE INTO tags (entity, entity_id, tag) VALUES (?, ?, ?)",
        [(ENTITY, row["id"], tag) for tag in tags],
    )
    db.executemany(
        "INSERT OR IGNORE INTO custom_fields (entity, entity_id, key, value) VALUES (?, ?, ?, ?)",
        [(ENTITY, row["id"], k, v) for k, v in fields.items()],
    )
    if text:
        search.index(db, "contacts", row["id"], text)


def link_named(db: Database, name: str) -> records.Link | None:
    """The link "table.column", if the schema still has it."""
    table, _, column = name.partition(".")
    if table in records.tables(db) and column in records.columns(db, table):
        return records.Link(table, column, False)
    return None
