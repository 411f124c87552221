"""The audit trail: one `changes` row per command, one `history` row per record touched."""

from __future__ import annotations

from typing import Any

from crmcli.storage.db import Database, Row


def new_change(db: Database, at: str, actor: str, command: str) -> int:
    return db.insert("changes", {"at": at, "actor": actor, "command": command})


def names_nothing(db: Database, change_id: int) -> bool:
    """Whether no history row names the change."""
    return db.row("SELECT 1 FROM history WHERE change_id = ? LIMIT 1", [change_id]) is None


def add_history(
    db: Database,
    *,
    change_id: int,
    at: str,
    actor: str,
    entity: str,
    entity_id: int,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    note: str | None = None,
) -> int:
    import json  # here, not at the top: commands that only read never pay for it

    return db.insert(
        "history",
        {
            "change_id": change_id,
            "at": at,
            "actor": actor,
            "entity": entity,
            "entity_id": entity_id,
            "action": action,
            "before": None if before is None else json.dumps(before, ensure_ascii=False, sort_keys=True),
            "after": None if after is None else json.dumps(after, ensure_ascii=False, sort_keys=True),
            "note": note,
        },
    )


def history_of(db: Database, entity: str, entity_id: int, limit: int | None = None) -> list[Row]:
    sql = (
        "SELECT id, change_id, at, actor, entity, entity_id, action, before, after, note "
        "FROM history WHERE entity = ? AND entity_id = ? ORDER BY id DESC"
    )
    params: list[Any] = [entity, entity_id]
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    import json

    rows = db.rows(sql, params)
    for row in rows:
        row["before"] = json.loads(row["before"]) if row["before"] else None
        row["after"] = json.loads(row["after"]) if row["after"] else None
    return rows
