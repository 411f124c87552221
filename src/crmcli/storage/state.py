"""Small named values the program keeps between runs (round-robin turns, markers)."""

from __future__ import annotations

from crmcli.storage.db import Database


def get(db: Database, key: str) -> str | None:
    value = db.scalar("SELECT value FROM rule_state WHERE key = ?", [key])
    return None if value is None else str(value)


def put(db: Database, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO rule_state (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def forget(db: Database, key: str) -> None:
    db.execute("DELETE FROM rule_state WHERE key = ?", [key])
