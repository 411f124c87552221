"""What `crm undo` reads and writes: changes, their history, and whole-record snapshots.

A snapshot is everything a deleted record takes with it: its row (every column, uid
included), the rows that cannot live without it (a contact's addresses, consents and
stage changes), the ids of the records that pointed at it (they are unlinked, not
deleted), its tags and custom fields, and its search text. The deletion's history row
keeps it, so that undo can put the record back as it was, under the same id.
"""

from __future__ import annotations

import json
from typing import Any

from crmcli.storage import records, search
from crmcli.storage.db import Database, Row


def take_snapshot(db: Database, entity: str, record_id: int) -> dict[str, Any] | None:
    table = records.RECORD_TABLES.get(entity)
    if table is None:
        return None
    row = records.get(db, table, record_id)
    if row is None:
        return None
    snapshot: dict[str, Any] = {"row": row, "rows": {}, "links": {}}
    for link in records.links_to(db, table):
        if link.required:
            kept = db.rows(f"SELECT * FROM {link.table} WHERE {link.column} = ? ORDER BY rowid", [record_id])
            if kept:
                snapshot["rows"].setdefault(link.table, []).extend(kept)
        else:
            ids = [
                r[0]
                for r in db.execute(
                    f"SELECT id FROM {link.table} WHERE {link.column} = ? ORDER BY id", [record_id]
                )
            ]
            if ids:
                snapshot["links"][f"{link.table}.{link.column}"] = ids
    snapshot["tags"] = [
        r[0]
        for r in db.execute(
            "SELECT tag FROM tags WHERE entity = ? AND entity_id = ? ORDER BY tag", [entity, record_id]
        )
    ]
    snapshot["fields"] = dict(
        db.execute(
            "SELECT key, value FROM custom_fields WHERE entity = ? AND entity_id = ? ORDER BY key",
            [entity, record_id],
        ).fetchall()
    )
    if table in records.SEARCHABLE:
        snapshot["search"] = search.text_of(db, table, record_id)
    return snapshot


def restore_snapshot(db: Database, entity: str, snapshot: dict[str, Any]) -> int:
    """Put a deleted record back from its snapshot; returns its id. The caller has checked
    (`snapshot_conflicts`) that its id, uid and its rows' ids are free."""
    table = records.RECORD_TABLES[entity]
    row = snapshot["row"]
    _insert(db, table, row)
    for child, rows in snapshot.get("rows", {}).items():
        if child in records.tables(db):
            for child_row in rows:
                _insert(db, child, child_row)
    for where, ids in snapshot.get("links", {}).items():
        child, _, column = where.partition(".")
        if child in records.tables(db) and column in records.columns(db, child):
            marks = ",".join("?" * len(ids))
            db.execute(
                f"UPDATE {child} SET {column} = ? WHERE id IN ({marks}) AND {column} IS NULL",
                [row["id"], *ids],
            )
    db.executemany(
        "INSERT OR IGNORE INTO tags (entity, entity_id, tag) VALUES (?, ?, ?)",
        [(entity, row["id"], tag) for tag in snapshot.get("tags", [])],
    )
    db.executemany(
        "INSERT OR IGNORE INTO custom_fields (entity, entity_id, key, value) VALUES (?, ?, ?, ?)",
        [(entity, row["id"], k, v) for k, v in snapshot.get("fields", {}).items()],
    )
    if snapshot.get("search"):
        search.index(db, table, row["id"], snapshot["search"])
    return int(row["id"])


def snapshot_conflicts(db: Database, entity: str, snapshot: dict[str, Any]) -> str | None:
    """Why the record cannot come back (its id or uid is taken since), or None."""
    table = records.RECORD_TABLES[entity]
    row = snapshot["row"]
    if records.get(db, table, row["id"]) is not None:
        return f"its id #{row['id']} is taken by a {entity} added since"
    if row.get("uid") and "uid" in records.columns(db, table):
        if db.scalar(f"SELECT 1 FROM {table} WHERE uid = ?", [row["uid"]]):
            return "a record with its uid was imported since"
    for child, rows in snapshot.get("rows", {}).items():
        if child not in records.tables(db):
            continue
        ids = [r["id"] for r in rows if "id" in r]
        if ids:
            marks = ",".join("?" * len(ids))
            if db.scalar(f"SELECT 1 FROM {child} WHERE id IN ({marks}) LIMIT 1", ids):
                return f"rows of its {child.replace('_', ' ')} were replaced since"
    return None


def delete_record(db: Database, entity: str, record_id: int) -> None:
    """Delete a record and what cannot live without it (the caller checked nothing else
    points at it)."""
    table = records.RECORD_TABLES[entity]
    for link in records.links_to(db, table):
        if link.required:
            db.execute(f"DELETE FROM {link.table} WHERE {link.column} = ?", [record_id])
    db.execute("DELETE FROM tags WHERE entity = ? AND entity_id = ?", [entity, record_id])
    db.execute("DELETE FROM custom_fields WHERE entity = ? AND entity_id = ?", [entity, record_id])
    if table in records.SEARCHABLE:
        search.unindex(db, table, record_id)
    db.execute(f"DELETE FROM {table} WHERE id = ?", [record_id])


def pointing_at(db: Database, entity: str, record_id: int) -> list[tuple[str, str, int, int]]:
    """(table, column, how many rows, the first row's id) of other records that point at
    this one through a nullable link."""
    table = records.RECORD_TABLES[entity]
    found = []
    for link in records.links_to(db, table):
        if link.required:
            continue
        sql = f"SELECT count(*), min(id) FROM {link.table} WHERE {link.column} = ?"
        n, first = db.execute(sql, [record_id]).fetchone()
        if n:
            found.append((link.table, link.column, int(n), int(first)))
    return found


def others_in(db: Database, entity: str, record_id: int, actor: str) -> list[str]:
    """Tables of rows that belong to the record and were written by someone other than `actor`."""
    table = records.RECORD_TABLES[entity]
    found = []
    for link in records.links_to(db, table):
        if not link.required:
            continue
        cols = records.columns(db, link.table)
        who = next((c for c in ("actor", "recorded_by", "created_by") if c in cols), None)
        if who and db.scalar(
            f"SELECT 1 FROM {link.table} WHERE {link.column} = ? AND {who} IS NOT ? LIMIT 1",
            [record_id, actor],
        ):
            found.append(link.table)
    return found


def timeline_rows_of(db: Database, entity: str, record_id: int, at: str, actor: str) -> list[tuple[str, int]]:
    """(table, id) of the timeline rows a change wrote for a record: rows that belong to it
    (a case's events, a contact's stage changes) stamped with the change's time and author."""
    table = records.RECORD_TABLES[entity]
    found = []
    for link in records.links_to(db, table):
        cols = records.columns(db, link.table)
        if not link.required or "at" not in cols or "actor" not in cols:
            continue
        found += [
            (link.table, r[0])
            for r in db.execute(
                f"SELECT id FROM {link.table} WHERE {link.column} = ? AND at = ? AND actor = ?",
                [record_id, at, actor],
            )
        ]
    return found


def timeline_named_by_others(db: Database, change: Row) -> set[tuple[str, int]]:
    """(table, id) of the timeline rows that other changes by the same person in the same
    second named as theirs: they carry this change's time and author but are not its own."""
    found: set[tuple[str, int]] = set()
    for (after,) in db.execute(
        "SELECT h.after FROM history h JOIN changes c ON c.id = h.change_id WHERE h.entity = 'change' "
        "AND h.action = 'timeline' AND c.id != ? AND c.actor = ? AND c.at = ?",
        [change["id"], change["actor"], change["at"]],
    ):
        for table, ids in json.loads(after or "{}").items():
            found.update((table, int(i)) for i in ids)
    return found


def latest_keep(db: Database, contact_id: int, note_like: str) -> Row | None:
    """The latest history row in which an undo kept the contact a customer, its note
    matching `note_like` (a LIKE pattern that names the deal the keep stood on)."""
    return db.row(
        "SELECT h.id, h.change_id, h.before, h.after, h.note "
        "FROM history h JOIN changes c ON c.id = h.change_id WHERE h.entity = 'contact' AND h.entity_id = ? "
        "AND h.action = 'update' AND c.command LIKE 'undo%' "
        "AND h.note LIKE ? ORDER BY h.id DESC LIMIT 1",
        [contact_id, note_like],
    )


def stage_changes_named(db: Database, change_id: int, contact_id: int) -> list[Row]:
    """The contact's lifecycle_changes rows that still exist among those a change named as
    written by it."""
    ids: list[int] = []
    for (after,) in db.execute(
        "SELECT after FROM history WHERE change_id = ? AND entity = 'change' AND action = 'timeline'",
        [change_id],
    ):
        ids += json.loads(after or "{}").get("lifecycle_changes", [])
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return db.rows(
        f"SELECT id, from_stage, to_stage, at, reason FROM lifecycle_changes WHERE contact_id = ? "
        f"AND id IN ({marks}) ORDER BY id",
        [contact_id, *ids],
    )


def stage_changed_after(db: Database, contact_id: int, row_id: int) -> bool:
    """Whether the contact's timeline has a stage change written after row `row_id`."""
    return bool(
        db.scalar(
            "SELECT 1 FROM lifecycle_changes WHERE contact_id = ? AND id > ? LIMIT 1", [contact_id, row_id]
        )
    )


def delete_rows(db: Database, rows: list[tuple[str, int]]) -> None:
    for table, row_id in rows:
        db.execute(f"DELETE FROM {table} WHERE id = ?", [row_id])


def _insert(db: Database, table: str, row: Row) -> None:
    present = set(records.columns(db, table))
    values = {k: v for k, v in row.items() if k in present}
    db.insert(table, values)


# --- changes ------------------------------------------------------------------------------


def last_change(db: Database, actor: str) -> Row | None:
    """The acting user's latest change that is not undone and is not itself an undo."""
    return db.row(
        "SELECT id, at, actor, command, undone_by FROM changes WHERE actor = ? AND undone_by IS NULL "
        "AND coalesce(command, '') NOT LIKE 'undo%' ORDER BY id DESC LIMIT 1",
        [actor],
    )


def history_of_change(db: Database, change_id: int) -> list[Row]:
    return db.rows(
        "SELECT id, entity, entity_id, action, before, after, note FROM history "
        "WHERE change_id = ? ORDER BY id",
        [change_id],
    )


def later_changes_by_others(
    db: Database, change_id: int, actor: str, touched: list[tuple[str, int]]
) -> list[Row]:
    """Later changes by someone else, still in force, that touched any of the records."""
    found: dict[int, Row] = {}
    for entity, entity_id in touched:
        for row in db.rows(
            "SELECT DISTINCT c.id, c.at, c.actor, c.command "
            "FROM history h JOIN changes c ON c.id = h.change_id "
            "WHERE h.entity = ? AND h.entity_id = ? AND h.change_id > ? AND c.actor != ? "
            "AND c.undone_by IS NULL "
            # an undo of a change made since: the two cancel out
            "AND NOT EXISTS (SELECT 1 FROM changes o WHERE o.undone_by = c.id AND o.id > ?)",
            [entity, entity_id, change_id, actor, change_id],
        ):
            found[row["id"]] = row
    return [found[k] for k in sorted(found)]


def same_moment_changes(db: Database, change: Row, touched: list[tuple[str, int]]) -> list[int]:
    """Earlier changes by the same person in the same second that touched the same records:
    their timeline rows cannot be told apart from this change's."""
    found: set[int] = set()
    for entity, entity_id in touched:
        found |= {
            r[0]
            for r in db.execute(
                "SELECT DISTINCT c.id FROM history h JOIN changes c ON c.id = h.change_id WHERE h.entity = ? "
                "AND h.entity_id = ? AND c.id < ? AND c.actor = ? AND c.at = ? AND c.undone_by IS NULL",
                [entity, entity_id, change["id"], change["actor"], change["at"]],
            )
        }
    return sorted(found)


def delete_breach(db: Database, case_id: int, target: str | None) -> None:
    db.execute("DELETE FROM sla_breaches WHERE case_id = ? AND target = ?", [case_id, target])


def mark_undone(db: Database, change_id: int, by: int) -> None:
    db.execute("UPDATE changes SET undone_by = ? WHERE id = ?", [by, change_id])
