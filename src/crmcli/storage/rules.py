"""What routing rules read and write: records of any kind, open work per owner, decisions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crmcli.storage.db import Database, Row

TABLES = {"contact": "contacts", "company": "companies", "deal": "deals", "case": "cases"}

# What "open work" means for each kind of record, when least-busy assignment counts it.
_OPEN_WORK = {
    "contact": "lifecycle_stage IN ('lead', 'qualified', 'opportunity')",
    "company": "1 = 1",
    "deal": "status = 'open'",
    "case": "status IN ('new', 'open', 'pending')",
}


def record(db: Database, kind: str, record_id: int) -> Row | None:
    """Every column of one record (contacts, companies, deals or cases)."""
    return db.row(f"SELECT * FROM {TABLES[kind]} WHERE id = ?", [record_id])


def set_owner(db: Database, kind: str, record_id: int, owner: str | None, now: str) -> None:
    db.execute(f"UPDATE {TABLES[kind]} SET owner = ?, updated_at = ? WHERE id = ?", [owner, now, record_id])


def touch(db: Database, kind: str, record_id: int, now: str) -> None:
    db.execute(f"UPDATE {TABLES[kind]} SET updated_at = ? WHERE id = ?", [now, record_id])


def open_work(db: Database, kind: str, owners: Sequence[str], exclude_id: int) -> dict[str, int]:
    """How many open records of `kind` each owner has, not counting the one being routed."""
    counts = dict.fromkeys(owners, 0)
    if not owners:
        return counts
    marks = ",".join("?" * len(owners))
    for owner, count in db.execute(
        f"SELECT owner, count(*) FROM {TABLES[kind]} WHERE {_OPEN_WORK[kind]} "
        f"AND owner IN ({marks}) AND id != ? GROUP BY owner",
        [*owners, exclude_id],
    ):
        counts[owner] = int(count)
    return counts


def decisions(db: Database, entity: str, entity_id: int) -> list[Row]:
    """The routing decisions recorded for one record, oldest first."""
    return db.rows(
        "SELECT history.id, history.at, history.actor, history.before, history.after, "
        "history.note, changes.command FROM history "
        "LEFT JOIN changes ON changes.id = history.change_id "
        "WHERE history.entity = ? AND history.entity_id = ? AND history.action = 'rule' "
        "ORDER BY history.id",
        [entity, entity_id],
    )


def as_text(value: Any) -> str:
    """A value written to a custom field: custom fields are text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
